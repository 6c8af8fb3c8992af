"""The CLI, through click's runner, on the sample build and small files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main
from kg.knowledge import KnowledgeGraph

PAPER_CLASS = "https://w3id.org/kg/vocab#Paper"


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    commands = ("build", "extract", "eval", "query", "stats", "entity", "related", "path", "viz", "serve", "validate")
    assert set(commands) == set(main.commands)  # type: ignore[attr-defined]
    for command in commands:
        assert command in result.output
        sub = runner.invoke(main, [command, "--help"])
        assert sub.exit_code == 0 and "Usage:" in sub.output
        assert f"kg {command} " in sub.output.partition("Example")[2], f"kg {command} --help shows no example"


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys; print(' '.join(sorted({{m.partition('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_help_and_reading_a_build_do_not_load_spacy(sample_build: Path) -> None:
    # `kg --help` took 2.4 s when every command module imported the extractor (spaCy, thinc, scipy).
    help_modules = _modules_after("from kg.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert "click" in help_modules and "kg" in help_modules
    assert not help_modules & {"spacy", "thinc", "networkx", "scipy", "rdflib"}
    reading = _modules_after(f"import kg\ng = kg.load({str(sample_build)!r})\nprint(g.entity('LLM').label)")
    assert "networkx" in reading
    assert not reading & {"spacy", "thinc", "scipy"}
    # and the names kg.extract exports still resolve (loading spaCy on first use)
    extracting = _modules_after("from kg.extract import MODES, build_pipeline\nassert MODES[0] == 'full'")
    assert "spacy" in extracting


def test_sample_build_counts(sample_build: Path) -> None:
    report = json.loads((sample_build / "report.json").read_text())
    assert report["papers"] == {"read": 476, "kept": 420, "merged": 56, "rejected": 0, "reject_reasons": {}}
    for etype in ("Method", "Model", "Dataset", "Metric", "Task"):
        assert report["entities"][etype] > 0, etype
        assert report["mentions"][etype] > 0, etype
    assert "420 papers" in (sample_build / "build-stdout.txt").read_text()
    assert (sample_build / "rejects.jsonl").read_text() == ""
    for name in (
        "graph.ttl",
        "graph.nt",
        "graph.jsonld",
        "graph.graphml",
        "graph.html",
        "graph.json",
        "entities.csv",
        "mentions.jsonl",
    ):
        assert (sample_build / name).stat().st_size > 0, name


def test_query_counts_papers(sample_build: Path, runner: CliRunner) -> None:
    q = f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{PAPER_CLASS}> }}"
    result = runner.invoke(main, ["query", str(sample_build / "graph.ttl"), q])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].strip() == "420"
    as_json = runner.invoke(main, ["query", str(sample_build), q, "--format", "json"])
    [binding] = json.loads(as_json.output)["results"]["bindings"]  # W3C SPARQL results JSON, typed
    assert binding["n"] == {"type": "literal", "value": "420", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    as_csv = runner.invoke(main, ["query", str(sample_build), q, "-f", "csv", "--store", "rdflib"])
    assert as_csv.output.split() == ["n", "420"]


def test_query_errors_are_one_line(sample_build: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["query", str(sample_build), "SELEC nonsense"])
    assert result.exit_code == 1
    assert result.output.startswith("kg: error: malformed SPARQL")
    assert "Traceback" not in result.output


def test_stats_entity_related_path(sample_build: Path, runner: CliRunner) -> None:
    stats = runner.invoke(main, ["stats", str(sample_build)])
    assert stats.exit_code == 0 and "top Model:" in stats.output
    entity = runner.invoke(main, ["entity", "LLMs", "-d", str(sample_build)])
    assert entity.exit_code == 0, entity.output
    assert "large language models  [Method]" in entity.output
    assert "LLMs" in entity.output and "papers (" in entity.output
    related = runner.invoke(main, ["related", "FlashAttention", "-d", str(sample_build), "-k", "3"])
    assert related.exit_code == 0, related.output
    assert related.output.count("shares:") == 3
    path = runner.invoke(main, ["path", "FlashAttention", "GSM8K", "-d", str(sample_build)])
    assert path.exit_code == 0, path.output
    lines = path.output.splitlines()
    assert "FlashAttention" in lines[0] and "[Dataset] GSM8K" in lines[-1] and len(lines) >= 3
    # An acronym with several senses in the sample: the others are named, with their ids.
    slms = runner.invoke(main, ["entity", "SLMs", "-d", str(sample_build)])
    assert slms.exit_code == 0 and "also named 'SLMs' (pass the id): Method:slms--" in slms.output
    other = slms.output.split("(pass the id): ")[1].split(" ")[0]
    assert runner.invoke(main, ["entity", other, "-d", str(sample_build)]).output.startswith(
        f"SLMs  [Method]  id={other}"
    )
    missing = runner.invoke(main, ["entity", "no-such-thing-xyz", "-d", str(sample_build)])
    assert missing.exit_code == 1 and "no entity named" in missing.output


def test_unknown_entities_get_cli_hints_and_stats_takes_dash_d(sample_build: Path, runner: CliRunner) -> None:
    missing = runner.invoke(main, ["entity", "no-such-thing-xyz", "-d", str(sample_build)])
    assert missing.exit_code == 1
    hint = f"(`kg stats -d {sample_build}` lists the most frequent entities)"
    assert missing.output == f"kg: error: no entity named 'no-such-thing-xyz' {hint}\n"
    typo = runner.invoke(main, ["entity", "lama 2", "-d", str(sample_build)])
    assert typo.exit_code == 1 and "no entity named 'lama 2'; close names: 'Llama 2', 'Llama2', 'Llama 3.2' (" in (
        typo.output
    )
    assert "graph." not in missing.output + typo.output  # no Python in a shell's hint
    by_option = runner.invoke(main, ["stats", "-d", str(sample_build)])
    assert by_option.exit_code == 0 and "top Model:" in by_option.output
    assert runner.invoke(main, ["stats", "--dir", str(sample_build)]).output == by_option.output
    assert runner.invoke(main, ["stats", str(sample_build)]).output == by_option.output  # the positional still works
    both = runner.invoke(main, ["stats", str(sample_build), "-d", str(sample_build / "other")])
    assert both.exit_code == 2 and "two build directories given" in both.output


def test_entity_lists_a_familys_variants_and_their_papers(sample_build: Path, runner: CliRunner) -> None:
    # Qwen2.5 has no mention of its own: only its variant Qwen2.5 32B is mentioned.
    family = runner.invoke(main, ["entity", "Qwen2.5", "-d", str(sample_build)])
    assert family.exit_code == 0, family.output
    assert "  0 mentions in 0 papers of its own; 1 paper with its 1 variant\n" in family.output
    assert "  variants (1): Qwen2.5 32B (1 paper)\n" in family.output
    assert "  papers (1, 1 only through its variants):\n" in family.output
    assert "Reinforcement Learning and Inference Scaling  [via Qwen2.5 32B]\n" in family.output
    # Llama 2 has papers of its own (listed first, unmarked) and variants of variants.
    llama = runner.invoke(main, ["entity", "Llama 2", "-d", str(sample_build), "-n", "20"])
    assert "5 mentions in 4 papers of its own; 10 papers with its 5 variants" in llama.output
    assert "Llama 2-Chat (0 papers, 1 with its variants)" in llama.output
    listed = [line for line in llama.output.splitlines() if line.startswith("    title:")]
    assert len(listed) == 10 and ["[via " in line for line in listed] == [False] * 4 + [True] * 6
    variant = runner.invoke(main, ["entity", "Llama 2 7B", "-d", str(sample_build)])
    assert "  4 mentions in 4 papers\n  variant of: Llama 2\n" in variant.output and "variants (" not in variant.output
    stats = runner.invoke(main, ["stats", str(sample_build)])
    graph = KnowledgeGraph.load(sample_build)
    o1 = graph.entity("o1")
    with_variants = len(graph.papers_with("o1"))
    assert o1.paper_count < with_variants  # o1-mini and o1-preview have papers of their own
    assert f"o1 ({o1.paper_count}; {with_variants} with variants)" in stats.output and "GPT (7);" in stats.output


def test_viz_draws_a_focus_or_a_filtered_overview(sample_build: Path, tmp_path: Path, runner: CliRunner) -> None:
    page = tmp_path / "llama2.html"
    result = runner.invoke(main, ["viz", "llama 2", "-d", str(sample_build), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {page}: ") and " around Model:llama-2, " in result.output
    html = page.read_text(encoding="utf-8")
    assert '"focus":"Model:llama-2"' in html and "Model:llama-2-7b" in html  # a variant, one step away
    assert ">showing 9 of 3,207 nodes around Llama 2;" in html
    overview = tmp_path / "datasets.html"
    args = ["viz", "-d", str(sample_build), "-o", str(overview), "--types", "dataset", "--min-papers", "5"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    kinds = set(re.findall(r'"kgType":"(\w+)"', overview.read_text(encoding="utf-8")))
    assert kinds == {"Dataset"}
    missing = runner.invoke(main, ["viz", "no-such-thing-xyz", "-d", str(sample_build), "-o", str(page)])
    assert missing.exit_code == 1 and "no entity named 'no-such-thing-xyz', and no paper" in missing.output
    assert runner.invoke(main, ["viz", "-d", str(sample_build), "--types", "Datasets"]).exit_code == 1


def test_extract_writes_one_record_per_input_in_order(tmp_path: Path, runner: CliRunner) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "title": "BERT on GLUE", "abstract": "We fine-tune BERT and report accuracy on GLUE."},
        {"id": "b", "title": "Nothing here", "abstract": ""},
        {"id": "c", "title": "Llama-2 7B: a study", "abstract": "We evaluate Llama-2 7B on MMLU."},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["extract", str(src), "-o", str(out), "--mode", "rules"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert records[1]["entities"] == []
    for r, row in zip(records, rows, strict=True):
        for e in r["entities"]:
            assert row[e["field"]][e["start"] : e["end"]] == e["text"]
    labels = {(e["text"], e["label"]) for e in records[0]["entities"]}
    assert {("BERT", "Model"), ("GLUE", "Dataset"), ("accuracy", "Metric")} <= labels
    assert ("Llama-2 7B", "Model") in {(e["text"], e["label"]) for e in records[2]["entities"]}


def test_eval_prints_scores(tmp_path: Path, runner: CliRunner) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "a",
                "title": "",
                "abstract": "We fine-tune BERT on GLUE .",
                "entities": [
                    {"field": "abstract", "start": 13, "end": 17, "text": "BERT", "label": "Method"},
                    {"field": "abstract", "start": 21, "end": 25, "text": "GLUE", "label": "Material"},
                ],
            }
        )
        + "\n"
    )
    result = runner.invoke(main, ["eval", str(gold), "--mode", "rules", "--labels", "Method,Material", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)["exact_typed"]["ALL"]
    assert scores == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "n_pred": 2, "n_gold": 2}


def test_eval_bad_map_is_a_clear_error(tmp_path: Path, runner: CliRunner) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "a", "abstract": "x", "entities": []}) + "\n")
    result = runner.invoke(main, ["eval", str(gold), "--pred", str(gold), "--map", "Model"])
    assert result.exit_code == 2  # a usage error
    assert "expected PRED=GOLD" in result.output


def test_min_confidence_filters_extract_eval_and_build(tmp_path: Path, runner: CliRunner) -> None:
    abstract = "We propose a decoder for speculative decoding that reduces latency on ImageNet."
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "title": "A study", "abstract": abstract}) + "\n")
    texts = {}
    for threshold in ("0", "0.5"):
        out = tmp_path / f"out-{threshold}.jsonl"
        result = runner.invoke(main, ["extract", str(src), "-o", str(out), "--min-confidence", threshold])
        assert result.exit_code == 0, result.output
        [record] = [json.loads(line) for line in out.read_text().splitlines()]
        texts[threshold] = {e["text"]: e["confidence"] for e in record["entities"]}
    assert "decoder" in texts["0"] and "decoder" not in texts["0.5"]  # a generic NER span, confidence ~0.05
    assert texts["0.5"] == {t: c for t, c in texts["0"].items() if c >= 0.5}

    gold = tmp_path / "gold.jsonl"
    start = abstract.index("ImageNet")
    entity = {"field": "abstract", "start": start, "end": start + 8, "text": "ImageNet", "label": "Dataset"}
    gold.write_text(json.dumps({"id": "a", "title": "A study", "abstract": abstract, "entities": [entity]}) + "\n")
    n_pred = {}
    for threshold in ("0", "0.5"):
        every_label = ["--labels", "Dataset,Method,Metric,Model,Task"]
        result = runner.invoke(main, ["eval", str(gold), "--json", *every_label, "--min-confidence", threshold])
        assert result.exit_code == 0, result.output
        n_pred[threshold] = json.loads(result.output)["exact_typed"]["ALL"]["n_pred"]
    assert n_pred == {"0": len(texts["0"]), "0.5": len(texts["0.5"])}
    refused = runner.invoke(main, ["eval", str(gold), "--pred", str(gold), "--min-confidence", "0.5"])
    assert refused.exit_code == 2 and "do not apply to --pred" in refused.output
    assert runner.invoke(main, ["eval", str(gold), "--min-confidence", "1.5"]).exit_code == 2

    reports, stdout = {}, {}
    for threshold in ("0", "0.5"):
        out_dir = tmp_path / f"build-{threshold}"
        result = runner.invoke(main, ["build", str(src), "-o", str(out_dir), "--min-confidence", threshold])
        assert result.exit_code == 0, result.output
        stdout[threshold] = result.output
        reports[threshold] = json.loads((out_dir / "report.json").read_text())
        [paper] = [json.loads(line) for line in (out_dir / "mentions.jsonl").read_text().splitlines()]
        assert {e["text"]: e["confidence"] for e in paper["entities"]} == texts[threshold]
    assert reports["0.5"]["min_confidence"] == 0.5 and reports["0"]["min_confidence"] == 0.0
    assert reports["0.5"]["mentions"]["total"] == len(texts["0.5"]) < reports["0"]["mentions"]["total"]
    # every extracted mention is in the graph or counted as left out
    left_out = reports["0.5"]["mentions"]["below_min_confidence"]
    assert left_out == len(texts["0"]) - len(texts["0.5"]) > 0 and reports["0"]["mentions"]["below_min_confidence"] == 0
    assert f"({left_out} below --min-confidence 0.5 left out)" in stdout["0.5"] and "left out" not in stdout["0"]


def test_update_keeps_the_previous_builds_mode_and_threshold(tmp_path: Path, runner: CliRunner) -> None:
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "a", "title": "A study", "abstract": "We fine-tune BERT on GLUE."}) + "\n")
    more = tmp_path / "b.jsonl"
    more.write_text(json.dumps({"id": "b", "title": "Another", "abstract": "We evaluate Llama-2 7B on MMLU."}) + "\n")
    out = tmp_path / "out"

    def report(*args: str) -> dict[str, object]:
        result = runner.invoke(main, ["-q", "build", *args])
        assert result.exit_code == 0, result.output
        return dict(json.loads((out / "report.json").read_text()))

    built = report(str(first), "-o", str(out), "--mode", "rules", "--min-confidence", "0.9")
    assert "+rules." in str(built["extractor"]) and built["min_confidence"] == 0.9
    updated = report("--update", str(out), str(more))
    assert updated["extractor"] == built["extractor"] and updated["min_confidence"] == 0.9
    assert json.loads((out / "manifest.json").read_text())["mode"] == "rules"
    changed = report("--update", str(out), "--min-confidence", "0")
    assert changed["min_confidence"] == 0.0 and changed["extractor"] == built["extractor"]
    # and the export settings (they were silently back to the defaults after an update)
    custom = ["-k", "0", "--base-iri", "http://example.org/kg/", "--no-provenance", "--no-html"]
    report(str(first), str(more), "-o", str(out), "--mode", "rules", *custom)
    report("--update", str(out), str(more))
    nt = (out / "graph.nt").read_text()
    assert "<http://example.org/kg/paper/" in nt and "w3id.org/kg/id/" not in nt
    assert "Annotation" not in nt and "relatedPaper>" not in nt and not (out / "graph.html").exists()
    report("--update", str(out), "--related", "5")  # given again: the new value
    assert json.loads((out / "manifest.json").read_text())["k"] == 5
    elsewhere = runner.invoke(main, ["-q", "build", "--update", str(out), "-o", str(tmp_path / "other")])
    assert elsewhere.exit_code == 2 and "--update writes into" in elsewhere.output
    assert not (tmp_path / "other").exists()
    (out / "manifest.json").write_text(json.dumps({"inputs": [str(first)], "mode": "fast", "min_confidence": "x"}))
    fallback = report("--update", str(out))  # settings it cannot use are the defaults
    assert "+full." in str(fallback["extractor"]) and fallback["min_confidence"] == 0.0


def test_out_of_range_options_are_usage_errors(tmp_path: Path, runner: CliRunner) -> None:
    paper = tmp_path / "a.jsonl"
    paper.write_text(json.dumps({"id": "a", "title": "A study", "abstract": "We fine-tune BERT on GLUE."}) + "\n")
    for args in (
        ["build", str(paper), "-k", "-3"],
        ["build", str(paper), "--workers", "0"],
        ["extract", str(paper), "-o", str(tmp_path / "m.jsonl"), "--workers", "-1"],
        ["serve", str(tmp_path), "--port", "99999"],
        ["serve", str(tmp_path), "--timeout", "0"],
        ["related", "x", "-k", "0"],
        ["entity", "x", "-n", "-2"],
        ["stats", str(tmp_path), "-n", "-1"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "Invalid value" in result.output, (args, result.output)
    # not an address at all: one line, not a traceback from inside Dask
    bad = runner.invoke(main, ["-q", "build", str(paper), "-o", str(tmp_path / "out"), "--dask", "notanaddress"])
    assert bad.exit_code == 1 and "is not a scheduler address" in bad.output, bad.output


def test_updates_empty_builds_and_missing_builds_say_so(sample_build: Path, tmp_path: Path, runner: CliRunner) -> None:
    update = runner.invoke(main, ["query", str(sample_build), "INSERT DATA { <http://a.org/s> <http://a.org/p> 1 }"])
    assert update.exit_code == 1 and "updates (INSERT, DELETE, LOAD, ...) are not supported" in update.output
    missing = runner.invoke(main, ["serve", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "serving" not in missing.output and "no such file" in missing.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    built = runner.invoke(main, ["-q", "build", str(empty), "-o", str(tmp_path / "out"), "--mode", "rules"])
    assert built.exit_code == 0 and "no paper was kept" in built.output  # a warning -q keeps
    assert "0 papers" not in built.output and "wrote" not in built.output  # and no summary under -q


def test_path_names_both_lookups_and_extract_writes_to_stdout(
    sample_build: Path, tmp_path: Path, runner: CliRunner
) -> None:
    missing = runner.invoke(main, ["path", "FlashAttention", "Nonexist", "-d", str(sample_build)])
    assert missing.exit_code == 1
    assert "no entity named 'Nonexist', and no paper with id or title matching 'Nonexist'" in missing.output
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"id": "a", "title": "A study", "abstract": "We fine-tune BERT on GLUE."}) + "\n")
    result = runner.invoke(main, ["extract", str(papers), "-o", "-", "--mode", "rules"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert record["id"] == "a" and {e["text"] for e in record["entities"]} >= {"BERT", "GLUE"}
    assert not (Path.cwd() / "-").exists()


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # hours on the sample


def test_a_runaway_query_stops_at_its_timeout_and_on_ctrl_c(sample_build: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    kg = str(Path(sys.executable).parent / "kg")
    started = time.monotonic()
    timed = subprocess.run([kg, "query", str(sample_build), RUNAWAY, "--timeout", "1"], capture_output=True, text=True)
    assert timed.returncode == 1 and "ran over --timeout 1 s" in timed.stderr
    assert time.monotonic() - started < 30
    # pyoxigraph evaluates without the GIL, where a signal handler never runs: Ctrl-C used to be ignored
    # A shell without job control starts background jobs with SIGINT ignored, which their children
    # inherit (and Python keeps): give the query the default disposition, as a terminal would.
    proc = subprocess.Popen(
        [kg, "query", str(sample_build), RUNAWAY],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3)
    assert proc.poll() is None  # still evaluating
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    finally:
        proc.kill()
    assert proc.returncode == 1 and "Aborted" in (proc.stderr.read() if proc.stderr else "")


def test_python_dash_m_kg_is_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("Usage: kg ")


RDFLIB_CSV = ("--store", "rdflib", "-f", "csv")


def test_table_cells_are_one_line_and_say_when_cut_and_damaged_builds_and_full_disks_are_one_line(
    sample_build: Path, tmp_path: Path
) -> None:
    import shutil
    import subprocess
    import sys

    from kg.rdf.store import load_store, query

    long = "x" * 100
    table = query(load_store(sample_build), f'SELECT ("a\\nb" AS ?x) ("{long}" AS ?y) WHERE {{}}').to_table()
    row = table.splitlines()[2]
    assert row.startswith("a\\nb  ") and row.endswith("x" * 79 + "…") and len(table.splitlines()) == 4
    # SELECT * over rdflib: the same column order in every process
    small = tmp_path / "small.ttl"
    small.write_text("<http://e.org/s> <http://e.org/p> <http://e.org/o> .\n", encoding="utf-8")
    orders = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kg",
                "query",
                str(small),
                "SELECT * WHERE { ?zz ?aa ?mm } LIMIT 1",
                *RDFLIB_CSV,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        orders.add(done.stdout.splitlines()[0])
    assert orders == {"aa,mm,zz"}
    damaged = tmp_path / "damaged"
    shutil.copytree(sample_build, damaged, ignore=shutil.ignore_patterns(".oxigraph", ".kg-cache", "*.sections"))
    (damaged / "report.json").write_text('{"papers": ', encoding="utf-8")
    stats = subprocess.run(
        [sys.executable, "-m", "kg", "stats", "--json", "-d", str(damaged)], capture_output=True, text=True
    )
    assert stats.returncode == 1 and stats.stderr.startswith("kg: error: ") and "Traceback" not in stats.stderr
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            out = subprocess.run(
                [sys.executable, "-m", "kg", "stats", "-d", str(sample_build)],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
            )
        assert out.returncode == 1 and out.stderr.startswith("kg: error: No space left on device"), out.stderr


def test_stats_json_has_the_top_entities_of_the_text_and_takes_n(sample_build: Path, runner: CliRunner) -> None:
    text = runner.invoke(main, ["stats", "-d", str(sample_build), "-n", "3"])
    data = runner.invoke(main, ["stats", "--json", "-d", str(sample_build), "-n", "3"])
    assert text.exit_code == data.exit_code == 0
    top = json.loads(data.output)["top"]
    assert [len(top[t]) for t in ("Method", "Model", "Dataset", "Metric", "Task")] == [3] * 5
    shown = {
        line.split(": ")[0].removeprefix("top "): line for line in text.output.splitlines() if line.startswith("top ")
    }
    for etype, entities in top.items():
        assert shown[etype].startswith(f"top {etype}: {entities[0]['label']} ({entities[0]['papers']}")
