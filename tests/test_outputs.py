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
    from kg.build import BuildOptions, build
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
