"""LaTeX markup in BibTeX fields to plain Unicode text.

A small converter for what BibTeX titles and abstracts hold: accents (``{\\"o}``,
``\\'e``, ``\\c{c}``) and special letters (``{\\ss}``, ``\\o``, ``\\aa``) become the
Unicode letter (NFC); formatting commands (``\\emph``, ``\\textbf``, ``\\url`` …)
keep their argument; citations, references and labels are dropped; ``\\dots``,
dashes, quotes, ``~`` and escaped specials become their characters. Math
(``$...$``) is left as it was: only its grouping braces go. Unknown commands stay.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["latex_to_text", "strip_braces"]

#: Accent command -> combining character.
_ACCENTS = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "d": "\u0323",
    "b": "\u0331",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
# Placeholders for characters that must survive the brace, tilde and dash passes.
_LBRACE, _RBRACE, _DOLLAR, _TILDE, _HYPHEN, _BACKSLASH = "\x01", "\x02", "\x03", "\x04", "\x05", "\x06"
_ESCAPES = {"{": _LBRACE, "}": _RBRACE, "$": _DOLLAR, "%": "%", "&": "&", "_": "_", "#": "#"}
_RESTORE = str.maketrans({_LBRACE: "{", _RBRACE: "}", _DOLLAR: "$", _TILDE: "~", _HYPHEN: "-", _BACKSLASH: "\\"})

_SYMBOLS = {
    "dots": "…",
    "ldots": "…",
    "textellipsis": "…",
    "textendash": "–",
    "textemdash": "—",
    "LaTeX": "LaTeX",
    # text-mode symbols, as Zotero writes <, >, ~, × and quotes in its BibTeX export
    "textless": "<",
    "textgreater": ">",
    "textasciitilde": _TILDE,  # a "~" that stays one, not a space
    "textasciicircum": "^",
    "textbackslash": _BACKSLASH,  # a "\" no later pass takes for a command
    "texttimes": "×",
    "textquotesingle": "'",
    "textquotedbl": '"',
    "textbar": "|",
    "textdegree": "°",
    "textpm": "±",
    "textmu": "µ",
    "textbullet": "•",
    "textregistered": "®",
    "texttrademark": "™",
    "textcopyright": "©",
}
_KEEP_ARGUMENT = frozenset(
    "textbf emph textit textsc texttt textrm textsf textup textsl textmd textnormal underline uline mbox text "
    "textsubscript textsuperscript hbox makebox url".split()
)
_DROP_WITH_ARGUMENT = frozenset(
    "cite citep citet citealp citealt citeauthor citeyear citenum nocite ref eqref autoref cref Cref pageref "
    "label".split()
)
_DECLARATIONS = (
    "bf em it sc rm tt sf sl bfseries itshape scshape ttfamily rmfamily sffamily upshape mdseries normalfont "
    "small footnotesize large Large".split()
)


_ESCAPE = re.compile(r"\\([{}$%&_#])")
_MATH = re.compile(r"\$\$?[^$]*\$?\$")
_BASE = r"(?:\\([ij])(?![A-Za-z])|([A-Za-z]))"
# ``{\"o}`` takes its braces along; ``\"{o}}`` does not take a brace that closes something else.
_SYMBOL_ACCENT = re.compile(r"(?P<open>\{)?\\([`'^\"~=.])\s*(?:\{\s*" + _BASE + r"\s*\}|" + _BASE + r")(?(open)\})")
_LETTER_ACCENT = re.compile(r"(?P<open>\{)?\\([uvHcdbkr])(?:\s*\{\s*" + _BASE + r"\s*\}|\s+" + _BASE + r")(?(open)\})")
_LETTER = re.compile(r"\\(" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\})?")
_SYMBOL = re.compile(r"\\(" + "|".join(_SYMBOLS) + r")(?![A-Za-z])(?:\{\})?")
# (The white space and "~" before a command are found by looking back from it: a leading "\s*" in the
# pattern made every search quadratic over a long run of spaces.)
_COMMAND_WITH_ARGUMENT = re.compile(r"\\([A-Za-z]+)\*?\s*(?:\[[^\]]*\]\s*)*\{")
_HREF = re.compile(r"\\href\s*\{")
_DECLARATION = re.compile(r"\\(?:" + "|".join(_DECLARATIONS) + r")(?![A-Za-z])\s*")
_SPACING = re.compile(r"\\[,;:! ]|\\\\(?:\[[^\]]*\])?")
_WS = re.compile(r"\s+")


def strip_braces(text: str) -> str:
    """Grouping braces removed, escaped specials unescaped, whitespace collapsed (for ids and URLs).

    Examples
    --------
    >>> strip_braces(r"{10.1000/A\\_b--c}  ")
    '10.1000/A_b--c'
    """
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text).replace("{", "").replace("}", "")
    return _WS.sub(" ", text).strip().translate(_RESTORE)


def latex_to_text(text: str) -> str:
    """Plain Unicode text of a BibTeX field value.

    Examples
    --------
    >>> latex_to_text(r"{BERT} Meets Schr{\\"o}dinger: \\emph{Fran\\c{c}ois} \\cite{x}, {\\ss} and \\aa")
    'BERT Meets Schrödinger: François, ß and å'
    >>> latex_to_text(r"2--3x faster\\dots{} see Fig.~2, 99\\% with $\\alpha = {0.1}$")
    '2–3x faster… see Fig. 2, 99% with $\\\\alpha = 0.1$'
    """
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)
    parts: list[str] = []
    last = 0
    for math in _MATH.finditer(text):
        parts.append(_convert(text[last : math.start()]))
        parts.append(math.group(0).replace("{", "").replace("}", ""))
        last = math.end()
    parts.append(_convert(text[last:]))
    result = _WS.sub(" ", "".join(parts)).strip().translate(_RESTORE)
    return unicodedata.normalize("NFC", result)


def _accented(match: re.Match[str]) -> str:
    _, accent, *bases = match.groups()
    base = next(b for b in bases if b)
    return base + _ACCENTS[accent]


def _argument_end(text: str, open_at: int) -> int:
    """Index of the brace closing the one at ``open_at`` (or the end of the text)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _leading_space_start(text: str, lower: int, at: int) -> int:
    """Start of the white space (then an optional "~") right before ``at``, not before ``lower``."""
    start = at
    if start > lower and text[start - 1] == "~":
        start -= 1
    while start > lower and text[start - 1].isspace():
        start -= 1
    return start


def _commands_with_arguments(text: str) -> str:
    out: list[str] = []
    i = 0
    href = _HREF.search(text)
    while True:
        if href is not None and href.start() < i:  # searched again only once passed: no rescans to the end
            href = _HREF.search(text, i)
        match = _COMMAND_WITH_ARGUMENT.search(text, i)
        if href is not None and (match is None or href.start() <= match.start()):
            url_end = _argument_end(text, href.end() - 1)
            out.append(text[i : href.start()])
            i = url_end + 1  # the link text that follows in braces is kept by the brace pass
            continue
        if match is None:
            out.append(text[i:])
            return "".join(out)
        name, open_at = match.group(1), match.end() - 1
        start = _leading_space_start(text, i, match.start())
        lead = text[start : match.start()]
        if name in _DROP_WITH_ARGUMENT:
            close = _argument_end(text, open_at)
            out.append(text[i:start])
        elif name == "url":
            close = _argument_end(text, open_at)
            argument = text[open_at + 1 : close].replace("~", _TILDE).replace("-", _HYPHEN)
            out.append(text[i:start] + lead + argument)
        elif name in _KEEP_ARGUMENT:
            out.append(text[i:start] + lead + "{")
            i = open_at + 1  # the argument may hold more commands: scan it too (its end is not needed)
            continue
        else:
            out.append(text[i : open_at + 1])
            i = open_at + 1
            continue
        i = close + 1


def _convert(text: str) -> str:
    # Commands with an argument first: an accent in braces right after one (``\emph{\"o}``) would
    # otherwise take the command's brace for its own and leave ``\emph`` without an argument.
    text = _commands_with_arguments(text)
    text = _SYMBOL_ACCENT.sub(_accented, text)
    text = _LETTER_ACCENT.sub(_accented, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(1)], text)
    text = _DECLARATION.sub("", text)
    text = _SPACING.sub(" ", text)
    text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”").replace("~", " ")
    return text.replace("{", "").replace("}", "")
