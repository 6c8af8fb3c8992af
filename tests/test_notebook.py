"""notebooks/tour.ipynb runs top to bottom on the sample build, and shows what it prints now."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "tour.ipynb"


def _texts(nb: nbformat.NotebookNode) -> list[list[str]]:
    """Each code cell's printed and displayed text."""
    return [
        [o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])]
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def test_tour_notebook_executes(sample_build: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    saved = _texts(nb)
    os.environ["KG_OUTDIR"] = str(sample_build)
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        ).execute()
    finally:
        os.environ.pop("KG_OUTDIR", None)
    outputs = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
    )
    assert "large language models" in outputs
    assert "KITTI" in outputs  # a dataset of monocular depth estimation
    assert "(20 rows)" in outputs  # the SPARQL cell
    assert "paper-entity links" in outputs and "with confidence below 0.3" in outputs
    # The notebook is kept with its outputs, for readers who only open it: they must be today's
    # (re-save it with its outputs after a change: see the README's Development section).
    assert saved == _texts(nb)
