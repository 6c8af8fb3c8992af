"""Run every benchmark in one go on this machine (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Each script with its flags. rdflib's store does not finish the SPARQL benchmark at its default size
#: within half an hour (see the README), so the one-command run leaves it out; run sparql.py alone for it.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("extract.py",),
    ("projection.py",),
    ("sparql.py", "--skip-rdflib"),
    ("viz.py",),
    ("build.py",),
)

for script, *flags in SCRIPTS:
    print(f"\n=== {script} {' '.join(flags)} ===", flush=True)
    subprocess.run([sys.executable, str(HERE / script), *flags], check=True)
