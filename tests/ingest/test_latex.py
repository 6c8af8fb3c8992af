"""LaTeX in BibTeX fields becomes plain Unicode text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.ingest import iter_records, read_papers
from kg.ingest.latex import latex_to_text
from kg.records import Paper

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\textbf{x} \emph{y} \textit{z} \textsc{w} \texttt{v}", "x y z w v"),
        (r"\url{https://x.org/~me/a--b}", "https://x.org/~me/a--b"),
        (r"BERT \cite{devlin2019}. See \citep[p.~3]{a,b}, \citet{c}.", "BERT. See,."),
        (r"Fig.~\ref{f}\label{l} and \eqref{e}", "Fig. and"),
        (r"wait\dots{} more\ldots", "wait… more…"),
        (r"{\"o} \"{o} \"o \'e \`a \^o \~n \c{c}", "ö ö ö é à ô ñ ç"),
        (r"{\ss} \o \O \aa \AA \ae \l {\o}", "ß ø Ø å Å æ ł ø"),
        (r"na{\"\i}ve \'{\i} \v{s} \u{a} \H{o} \k{a} \r{u} \c c", "naïve í š ă ő ą ů ç"),
        (r"Schr{\"o}dinger \emph{Schr\"{o}}dinger \textbf{\emph{nested}}", "Schrödinger Schrödinger nested"),
        (r"a--b a---b ``quoted'' non~breaking", "a–b a—b “quoted” non breaking"),
        (r"99\% \& \_ \# \$5 {\bf bold} {\em em}", "99% & _ # $5 bold em"),
        (r"$\mathcal{O}(n)$ and $\phi$-Decoding", r"$\mathcalO(n)$ and $\phi$-Decoding"),  # math as before
        (r"\href{http://a.b}{link text} \unknown{arg} \foo", r"link text \unknownarg \foo"),
        # an accent in braces right after a command keeps the command's argument (was "\emphö")
        (r"\emph{\"o} \textbf{\'e}t\'e \textit{{\"u}ber}", "ö été über"),
        (r"H\textsubscript{2}O and x\textsuperscript{2}, \emph{\c{c}a}", "H2O and x2, ça"),
    ],
)
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


def test_accents_are_nfc() -> None:
    assert latex_to_text(r"\"o") == "\u00f6"  # one code point, as typed text has it


def test_bibtex_fields_are_plain_text() -> None:
    papers = [p for p in iter_records(DATA / "latex.bib") if isinstance(p, Paper)]
    goedel, naive = papers
    assert goedel.title == "BERT Meets Schrödinger: Quantum-Inspired Pre-training"
    assert goedel.authors == ("Gödel, Kurt", "Müller, Jürgen", "François, José")
    assert goedel.doi == "10.1234/abc_5" and goedel.id == "doi:10.1234/abc_5"
    assert goedel.abstract == (
        "We propose QBERT, a quantum-inspired variant of BERT. On GLUE and SQuAD it improves accuracy by 3% "
        "over RoBERTa, see Fig. and https://x.org/~me. Our approach uses the Adam optimizer with "
        "$\\alpha = 0.1$ and is 2–3x faster…"
    )
    assert naive.title == "Naïve Bayes Étude and the ß-Problem with ø"
    assert naive.abstract == "We revisit naïve Bayes. Results on MNIST show 99% accuracy."


def test_bibtex_and_jsonl_spelling_of_one_paper_merge() -> None:
    result = read_papers([DATA / "schrodinger.bib", DATA / "schrodinger.jsonl"])
    assert [p.title for p in result.papers] == ["Schrödinger Bridges for Generative Modelling"]
    assert result.merged == 1 and len(result.papers[0].sources) == 2
