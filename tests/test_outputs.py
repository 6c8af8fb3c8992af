"""Output directory safety: one build at a time, and what killed builds leave behind is finished or removed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main
from kg.outputs import COMPLETE_MARKER, locked_output_dir

SAMPLE = sorted((Path(__file__).resolve().parent.parent / "data" / "sample").glob("*.txt"))
BUILD = ["-q", "build", str(SAMPLE[0]), "--mode", "rules", "--no-html", "-o"]


def visible(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_a_second_build_into_the_same_directory_is_refused(tmp_path: Path) -> None:
    import threading

    out = tmp_path / "out"
    held, done = threading.Event(), threading.Event()

    def other_build() -> None:  # another thread's build (another process's is refused the same way)
        with locked_output_dir(out):
            held.set()
            done.wait(60)

    thread = threading.Thread(target=other_build)
    thread.start()
    assert held.wait(60)
    try:
        result = CliRunner().invoke(main, [*BUILD, str(out)])
    finally:
        done.set()
        thread.join()
    assert result.exit_code == 1
    assert result.output == f"kg: error: {out}: another kg build is writing here; wait for it or use another -o\n"
    assert CliRunner().invoke(main, [*BUILD, str(out)]).exit_code == 0  # the lock went with its holder
    with locked_output_dir(out):  # the same thread may build inside its own lock (kg build --update does)
        assert CliRunner().invoke(main, [*BUILD, str(out)]).exit_code == 0


def test_a_child_forked_under_the_lock_does_not_hold_it(tmp_path: Path) -> None:
    import os

    from kg.errors import ExportError

    out = tmp_path / "out"
    with locked_output_dir(out):
        pid = os.fork()
        if pid == 0:  # the child: it inherits the parent's record of the lock, not the lock
            try:
                with locked_output_dir(out):
                    os._exit(1)
            except ExportError:
                os._exit(0)
            os._exit(2)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_outputs_of_a_build_killed_while_moving_them_are_completed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(main, [*BUILD, str(out)]).exit_code == 0
    before = visible(out)
    # A build killed after staging everything and moving two files: the rest are still staged.
    staged = out / ".staging-99999"
    staged.mkdir()
    (staged / COMPLETE_MARKER).write_text("staged\n")
    (staged / "entities.csv").write_bytes(b"id,type\n")
    (staged / "report.json").write_text(json.dumps({"from": "the killed build"}))
    # And one killed before it finished staging, and a temp file of an unfinished write.
    (out / ".staging-99998").mkdir()
    (out / ".staging-99998" / "graph.nt").write_text("partial")
    (out / ".graph.ttl.abc123.tmp").write_text("partial")
    with locked_output_dir(out):
        after_recovery = visible(out)
    assert after_recovery["entities.csv"] == b"id,type\n"
    assert json.loads(after_recovery["report.json"]) == {"from": "the killed build"}
    assert {n: b for n, b in after_recovery.items() if n not in ("entities.csv", "report.json")} == {
        n: b for n, b in before.items() if n not in ("entities.csv", "report.json")
    }
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not p.name.endswith(".sections"))
    assert hidden == [".kg-cache", ".kg-lock"]  # no staging directory, no temporary file left
    assert CliRunner().invoke(main, [*BUILD, str(out)]).exit_code == 0
    assert visible(out) == before


def test_unwritable_output_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, [*BUILD, str(blocker / "out")])
    assert result.exit_code == 1 and result.output.startswith(f"kg: error: cannot write to {blocker / 'out'}")


def test_rdf_written_by_a_child_process_is_the_same_bytes(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    inputs = [str(p) for p in SAMPLE[:2]]
    assert CliRunner().invoke(main, ["-q", "build", *inputs, "--mode", "rules", "-o", str(one)]).exit_code == 0
    result = CliRunner().invoke(main, ["-q", "build", *inputs, "--mode", "rules", "-w", "2", "-o", str(two)])
    assert result.exit_code == 0, result.output
    files = visible(one)
    assert {"graph.nt", "graph.ttl", "graph.jsonld", "graph.json"} <= set(files)
    assert visible(two) == files


def test_an_error_in_the_rdf_child_fails_the_build_like_one_in_process(tmp_path: Path) -> None:
    from kg.builder import BuildOptions, build
    from kg.errors import ExportError

    messages = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        options = BuildOptions(mode="rules", workers=workers, base_iri="ftp://x/", progress=False, html=False)
        try:
            build(SAMPLE[:1], out, options=options)
        except ExportError as err:
            messages.append(str(err))
        assert not visible(out), "a failed build leaves no outputs"
        assert not list(out.glob(".staging-*"))
    assert len(messages) == 2 and messages[0] == messages[1]
    assert "must be an absolute http(s) IRI" in messages[0]


def test_hostile_file_names_and_text_give_outputs_every_reader_takes(tmp_path: Path) -> None:
    import csv
    import os

    import networkx as nx
    import pyoxigraph
    from rdflib import Graph

    # a name that is not UTF-8 (byte 0xFF) and one with a control character; a CR and formula-like names inside
    folder = os.fsencode(tmp_path)
    lora = "We propose +LoRA, a new method. We evaluate +LoRA on ImageNet and compare +LoRA with BERT."
    for raw, record in [
        (b"bad\xffname.jsonl", {"title": "Paper one", "abstract": "We evaluate BERT\ron GLUE."}),
        (b"ctl\x01name.jsonl", {"title": "Paper two", "abstract": lora}),
    ]:
        with open(os.path.join(folder, raw), "w", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    inputs = sorted(p for p in tmp_path.iterdir() if p.suffix == ".jsonl")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["-q", "build", *map(str, inputs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    sources = sorted(s for n in graph["nodes"] if n.get("kind") == "Paper" for s in n["sources"])
    assert [Path(s).name for s in sources] == ["bad\ufffdname.jsonl:1", "ctl\ufffdname.jsonl:1"]
    graphml = nx.read_graphml(out / "graph.graphml")  # well-formed: the control character is not in it
    abstracts = {d["title"]: d["abstract"] for _, d in graphml.nodes(data=True) if d.get("kind") == "Paper"}
    assert abstracts["Paper one"] == "We evaluate BERT\ron GLUE."  # a CR kept (a raw one reads back as LF)
    triples = len(Graph().parse(out / "graph.nt", format="nt"))
    assert triples == len(list(pyoxigraph.parse(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)))
    with (out / "entities.csv").open(newline="", encoding="utf-8") as fh:
        labels = {row["label"] for row in csv.DictReader(fh)}
    assert "'+LoRA" in labels and not any(label.startswith(("=", "+", "-", "@")) for label in labels)
    # the manifest keeps the names as they are, so --update reads the same files again
    manifest = json.loads((out / "manifest.json").read_text(encoding="ascii"))
    assert sorted(manifest["inputs"]) == sorted(map(str, inputs))
    more = tmp_path / "more.jsonl"
    more.write_text('{"title": "Paper three", "abstract": "We evaluate RoBERTa on SQuAD."}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["-q", "build", "--update", str(out), str(more)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "report.json").read_text())["papers"]["kept"] == 3
