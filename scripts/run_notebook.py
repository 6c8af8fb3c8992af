"""Execute ``notebooks/tour.ipynb`` on a sample build and save it with its outputs.

Usage::

    make demo && .venv/bin/python scripts/run_notebook.py [OUTDIR]

OUTDIR (default ``output/``) is a build of ``data/sample/*.txt``. The notebook is kept with
its outputs for readers who only open it; ``tests/test_notebook.py`` fails when they are not
what the notebook prints now, and this script brings them up to date.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "tour.ipynb"


def main(argv: list[str]) -> None:
    outdir = Path(argv[0] if argv else ROOT / "output").resolve()
    if not (outdir / "graph.json").exists():
        raise SystemExit(f"{outdir}: no kg build here; run `make demo` first")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["KG_OUTDIR"] = str(outdir)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: the file changes only when its outputs do
    nbformat.write(nb, NOTEBOOK)
    print(f"saved {NOTEBOOK.relative_to(ROOT)} with the outputs of {outdir}")


if __name__ == "__main__":
    main(sys.argv[1:])
