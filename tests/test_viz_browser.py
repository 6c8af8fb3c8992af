"""graph.html in a real headless browser (Debian's chromium, driven by playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.viz import render_html

from .test_viz import hostile_graph

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed; `make test` installs it"),
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, path: Path):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.kgReady === true", timeout=20_000)
    return page, errors


def test_sample_page_draws_searches_and_filters(browser, sample_build: Path) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, sample_build / "graph.html")
    assert page.evaluate("window.kgNodes.length") > 100
    # the canvas has drawn something: not a single flat colour
    colours = page.evaluate(
        """() => { const c = document.querySelector('canvas'); const ctx = c.getContext('2d');
        const d = ctx.getImageData(0, 0, c.width, c.height).data; const s = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) s.add(d[i] + ',' + d[i+1] + ',' + d[i+2]); return s.size; }"""
    )
    assert colours > 3
    assert page.is_visible("#legend") and page.is_visible("text=Dataset")
    page.fill("#search", "GSM8K")
    page.press("#search", "Enter")
    focused = page.evaluate("window.kgFocused")
    assert focused == "Dataset:gsm8k"
    assert page.evaluate("window.kgNetwork.getSelectedNodes()") == ["Dataset:gsm8k"]
    page.uncheck("input.kg-type[value=Paper]")
    hidden = page.evaluate("window.kgNodes.get({filter: n => n.kgType === 'Paper'}).every(n => n.hidden)")
    shown = page.evaluate("window.kgNodes.get({filter: n => n.kgType !== 'Paper'}).every(n => !n.hidden)")
    assert hidden and shown
    page.check("input.kg-type[value=Paper]")
    (ROOT / "output").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "output" / "graph.png"))
    assert errors == []


def test_hostile_titles_run_nothing(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "xss.html"
    render_html(hostile_graph(), out)
    page, errors = open_page(browser, out)
    box = page.evaluate("""() => { const pos = window.kgNetwork.getPosition('p1');
        const dom = window.kgNetwork.canvasToDOM(pos); return dom; }""")
    canvas = page.query_selector("canvas").bounding_box()
    page.mouse.move(canvas["x"] + box["x"], canvas["y"] + box["y"])
    page.wait_for_timeout(600)
    page.fill("#search", "<script>")
    page.press("#search", "Enter")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    tip = page.query_selector("div.vis-tooltip")
    if tip is not None and tip.is_visible():
        assert "<script>window.__pwned=1</script>" in tip.inner_text()
    assert errors == []


def test_the_endpoint_form_runs_a_query_in_the_browser(browser, sample_build: Path) -> None:  # type: ignore[no-untyped-def]
    from kg.rdf.endpoint import EndpointConfig, make_app

    from .conftest import serving

    with serving(make_app(sample_build, EndpointConfig())) as base:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        page.click("button[type=submit]")  # the example query: the most used models
        page.wait_for_selector("table")
        assert page.locator("th").all_inner_texts() == ["model", "label", "papers"]
        assert page.locator("tbody tr").count() == 20
        page.fill("textarea", "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }")
        page.click("button[type=submit]")
        page.wait_for_selector("td")
        assert page.locator("td").inner_text().startswith("420")
        page.locator("textarea").fill("SELECT ?m WHERE { ?m a kg:Model } LIMIT 1")
        page.click("button[type=submit]")
        page.locator("td a").first.click()  # an entity's link: its DESCRIBE
        page.wait_for_selector("th")
        assert page.locator("th").all_inner_texts() == ["subject", "predicate", "object"]
        assert errors == []


def test_names_of_object_properties_are_found(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the search index was a plain object, so "constructor" or "toString" was already "in" it
    g = hostile_graph()
    g.add_node("p3", kind="Paper", label="constructor", title="constructor", abstract="GLUE.")
    g.add_edge("p3", "Dataset:glue", relation="usesDataset", mention_count=1, confidence=0.95, mentions=())
    out = tmp_path / "names.html"
    render_html(g, out)
    page, errors = open_page(browser, out)
    page.fill("#search", "constructor")
    page.press("#search", "Enter")
    assert page.evaluate("window.kgFocused") == "p3"
    assert page.evaluate("[...document.querySelectorAll('#kg-names option')].some(o => o.value === 'constructor')")
    assert errors == []


def test_tooltip_marks_cover_the_mentions_after_astral_characters(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .test_viz import astral_graph

    out = tmp_path / "astral.html"
    render_html(astral_graph(), out)
    page, errors = open_page(browser, out)
    marks = page.evaluate("[...window.kgNodes.get('p1').title.querySelectorAll('mark')].map(m => m.textContent)")
    assert marks == ["FlashAttention", "GSM8K"]
    text = page.evaluate("window.kgNodes.get('p1').title.querySelector('p').textContent")
    assert text == "We cut 𝒪(n²) to 𝒪(n) with FlashAttention 🚀 on GSM8K."
    # each author in a bidi isolate of its own: Mallory's override cannot reverse Bob's name
    names = page.evaluate(
        "[...window.kgNodes.get('p1').title.querySelectorAll('div.muted bdi')].map(b => b.textContent)"
    )
    assert names == ["\u202eMallory", "Bob Smith"]
    assert errors == []


def test_a_name_two_nodes_share_finds_both_and_hidden_nodes_are_not_focused(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    g = hostile_graph()
    g.add_node("Task:glue", kind="Entity", type="Task", label="GLUE", aliases=(), mention_count=1, paper_count=1)
    g.add_edge("p1", "Task:glue", relation="addressesTask", mention_count=1, confidence=0.9, mentions=())
    out = tmp_path / "shared.html"
    render_html(g, out)
    page, errors = open_page(browser, out)
    options = page.evaluate("[...document.querySelectorAll('#kg-names option')].map(o => o.value)")
    assert "GLUE [Dataset]" in options and "GLUE [Task]" in options and "GLUE" not in options
    page.fill("#search", "glue")
    page.press("#search", "Enter")
    first = page.evaluate("window.kgFocused")
    assert page.inner_text("#status") == "1 of 2 (Enter: next)"
    page.press("#search", "Enter")
    assert {first, page.evaluate("window.kgFocused")} == {"Dataset:glue", "Task:glue"}
    page.fill("#search", "GLUE [Task]")
    page.press("#search", "Enter")
    assert page.evaluate("window.kgFocused") == "Task:glue" and page.inner_text("#status") == ""
    page.uncheck("input.kg-type[value=Task]")
    page.fill("#search", "GLUE [task]")
    page.press("#search", "Enter")
    assert page.inner_text("#status") == "“GLUE [task]” is hidden by the type filter"
    assert page.evaluate("window.kgFocused") == "Task:glue"  # unchanged: nothing hidden is focused
    page.fill("#search", "glue")
    page.press("#search", "Enter")
    assert page.evaluate("window.kgFocused") == "Dataset:glue"  # the one still shown
    page.fill("#search", "no such name")
    page.press("#search", "Enter")
    assert page.inner_text("#status") == "nothing named “no such name” on this page"
    page.fill("#search", "glu")  # part of a name: every node it is part of, the hidden ones skipped
    page.press("#search", "Enter")
    assert page.evaluate("window.kgFocused") == "Dataset:glue" and page.inner_text("#status") == ""
    page.check("input.kg-type[value=Task]")
    page.uncheck("input.kg-type[value=Dataset]")
    assert page.is_hidden("#details")  # it showed GLUE [Dataset], now filtered out
    page.press("#search", "Enter")
    assert page.evaluate("window.kgFocused") == "Task:glue"  # not "hidden by the type filter"
    page.check("input.kg-type[value=Dataset]")
    page.press("#search", "Enter")  # other matches now: from the first again
    assert page.inner_text("#status") == "1 of 2 (Enter: next)"
    page.fill("#search", "   ")
    page.press("#search", "Enter")
    assert page.inner_text("#status") == "" and page.evaluate("document.getElementById('search').style.outline") == ""
    assert errors == []


def test_a_click_shows_the_details_in_a_panel_and_the_note_stays_visible(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "click.html"
    render_html(hostile_graph(), out)
    page, errors = open_page(browser, out)
    assert page.is_hidden("#details")
    dom = page.evaluate("window.kgNetwork.canvasToDOM(window.kgNetwork.getPosition('Model:bert'))")
    canvas = page.query_selector("canvas").bounding_box()
    page.mouse.click(canvas["x"] + dom["x"], canvas["y"] + dom["y"])
    page.wait_for_selector("#details:not([hidden])")
    assert page.evaluate("window.kgDetails") == "Model:bert"
    text = page.inner_text("#details")
    assert "BERT [Model]" in text and "in 2 papers" in text and "<script>window.__pwned=1</script>" in text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.click("#details button")
    assert page.is_hidden("#details")
    for width in (1400, 600, 420):  # the toolbar wraps; the canvas starts below it
        page.set_viewport_size({"width": width, "height": 700})
        hit = page.evaluate("""() => { const r = document.getElementById('note').getBoundingClientRect();
            return document.elementFromPoint(r.left + 2, r.top + r.height / 2).id; }""")
        assert hit == "note", width
    assert errors == []


def test_a_focus_page_selects_its_focus(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "focus.html"
    render_html(hostile_graph(), out, focus="Dataset:glue")
    page, errors = open_page(browser, out)
    assert page.evaluate("window.kgNetwork.getSelectedNodes()") == ["Dataset:glue"]
    assert "GLUE [Dataset]" in page.inner_text("#details")
    assert errors == []
