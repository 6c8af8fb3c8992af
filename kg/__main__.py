"""``python -m kg``: the same command line as ``kg``."""

from kg.cli import main

main(prog_name="kg")
