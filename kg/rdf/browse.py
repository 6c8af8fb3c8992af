"""HTML pages of ``kg serve`` for a person with a browser: a query form and result tables.

SPARQL clients never ask for ``text/html``; browsers do (first in their Accept
header), so a query URL opened in a browser shows a table instead of a download.
Every value comes from abstracts and is untrusted: all text is HTML-escaped, links
point only at this endpoint (an IRI becomes a ``DESCRIBE`` query, never an
``href`` of its own), and the pages are sent with a Content-Security-Policy that
allows no script at all.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Sequence

from .store import QUERY_PREFIXES, Term

__all__ = ["CSP", "DEFAULT_QUERY", "page"]

#: Sent with every page: no scripts, no remote anything; forms post back here only.
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

#: What the form holds before anything was asked.
DEFAULT_QUERY = """\
# kg:, skos:, dcterms:, ... need no PREFIX line here
SELECT ?model ?label (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?model a kg:Model ; skos:prefLabel ?label .
  ?paper kg:usesModel ?model .
}
GROUP BY ?model ?label
ORDER BY DESC(?papers) ?label
LIMIT 20"""

_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
textarea { width: 100%; max-width: 70em; font: 13px/1.3 ui-monospace, monospace; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.dt, .note { color: #777; font-size: 85%; }
.error { color: #a00; white-space: pre-wrap; font-family: ui-monospace, monospace; }
"""


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Datatypes a reader sees from the value itself: not spelt out in the table.
_PLAIN_TYPES = {_XSD + "integer", _XSD + "decimal", _XSD + "double", _XSD + "boolean"}


def _compact(iri: str) -> str:
    for prefix, namespace in QUERY_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _describe_link(iri: str) -> str:
    query = urllib.parse.urlencode({"query": f"DESCRIBE <{iri}>"})
    return f'<a href="/sparql?{html.escape(query)}">{html.escape(_compact(iri))}</a>'


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        # only IRIs a DESCRIBE can take: nothing with characters SPARQL forbids inside <>
        if not any(c in term.value for c in '<>"{}|^`\\ '):
            return _describe_link(term.value)
        return html.escape(term.value)
    if term.kind == "bnode":
        return html.escape("_:" + term.value)
    text = html.escape(term.value)
    if term.language:
        return f'{text} <span class="dt">@{html.escape(term.language)}</span>'
    if term.datatype and term.datatype not in _PLAIN_TYPES:
        return f'{text} <span class="dt">^^{html.escape(_compact(term.datatype))}</span>'
    return text


def _table(header: Sequence[str], rows: Sequence[Sequence[Term | None]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(t)}</td>" for t in row) + "</tr>" for row in rows)
    count = f'<p class="note">{len(rows)} row{"s" if len(rows) != 1 else ""}</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{count}"


def page(
    source: str,
    query: str = "",
    *,
    variables: Sequence[str] = (),
    rows: Sequence[Sequence[Term | None]] | None = None,
    boolean: bool | None = None,
    triples: Sequence[tuple[Term, Term, Term]] | None = None,
    error: str = "",
) -> str:
    """The endpoint's page: the form holding ``query``, then its answer (or ``error``).

    Parameters
    ----------
    source : str
        What is served (the RDF file's path), shown at the top.
    query : str
        The query asked; the form shows :data:`DEFAULT_QUERY` when empty.
    variables, rows
        A SELECT answer.
    boolean
        An ASK answer.
    triples
        A CONSTRUCT or DESCRIBE answer.
    error
        Why the query was not answered.
    """
    if error:
        answer = f'<p class="error">{html.escape(error)}</p>'
    elif boolean is not None:
        answer = f"<p>ASK: <strong>{'true' if boolean else 'false'}</strong></p>"
    elif triples is not None:
        answer = _table(("subject", "predicate", "object"), triples)
    elif rows is not None:
        answer = _table(variables, rows)
    else:
        answer = ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>kg SPARQL endpoint</title><style>{_STYLE}</style></head><body>"
        f"<h1>kg SPARQL endpoint</h1><p>Serving <code>{html.escape(source)}</code> read-only. "
        "SPARQL clients send queries to <code>/sparql</code> (GET <code>?query=</code> or POST, "
        "SPARQL 1.1 Protocol) and get JSON, XML, CSV, TSV, Turtle, N-Triples, JSON-LD or RDF/XML "
        "by their Accept header.</p>"
        '<form method="get" action="/sparql">'
        # the newline after <textarea> is dropped by parsers, so the query's own first newline survives
        f'<textarea name="query" rows="12" spellcheck="false">\n{html.escape(query or DEFAULT_QUERY)}</textarea>'
        '<p><button type="submit">Run query</button></p></form>'
        f"{answer}</body></html>"
    )
