"""The extractor's modes: which components run. No spaCy here, so a command line can offer them cheaply."""

from __future__ import annotations

from typing import Literal

__all__ = ["MODES", "Mode"]

Mode = Literal["full", "names", "rules"]
#: The extraction modes, default first.
MODES: tuple[Mode, ...] = ("full", "names", "rules")
