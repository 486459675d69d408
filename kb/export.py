"""Exports of the catalog for course notes and other sites: JSON, LaTeX, Markdown, BibTeX."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from kb.escape import safe_url, tex_escape
from kb.identity import Identity
from kb.schema import Source


def to_json(identities: Iterable[Identity], sources: dict[str, Source]) -> str:
    """The whole knowledge base, both layouts included, as one JSON document."""
    data = {
        "sources": {key: src.model_dump(mode="json", exclude_none=True)
                    for key, src in sorted(sources.items())},
        "identities": [identity.to_dict() for identity in identities],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


LATEX_HEADER = r"""% Verified matrix-calculus identities, exported by `kb export latex`.
% Needs amsmath. Use inside math mode, by record id:
%   \[ \kbid{trace-axb} \]      denominator layout (the gradient has the variable's shape)
%   \[ \kbidnum{trace-axb} \]   numerator layout (the Jacobian)
\makeatletter
\providecommand{\kb@use}[2]{%
  \@ifundefined{kb@#1@#2}{\PackageError{kb}{No identity `#2'}{Check the id.}}%
  {\@nameuse{kb@#1@#2}}}
\providecommand{\kbid}[1]{\kb@use{den}{#1}}
\providecommand{\kbidnum}[1]{\kb@use{num}{#1}}
"""


def _comment(text: str) -> str:
    return " ".join(text.split())


def to_latex(identities: Iterable[Identity], sources: dict[str, Source]) -> str:
    """A file course notes can ``\\input``: one macro per identity, citing its source."""
    lines = [LATEX_HEADER]
    for identity in identities:
        cites = "; ".join(
            f"{sources[s.ref].title if s.ref in sources else s.ref}, {s.locator}"
            for s in identity.record.sources)
        lines.append(f"% {identity.id}: {_comment(identity.title)}")
        lines.append(f"% Source: {_comment(cites)}")
        if identity.conditions():
            lines.append(f"% Conditions: {_comment('; '.join(identity.conditions()))}")
        lines.append(rf"\@namedef{{kb@den@{identity.id}}}{{{identity.latex('denominator')}}}")
        lines.append(rf"\@namedef{{kb@num@{identity.id}}}{{{identity.latex('numerator')}}}")
    lines.append(r"\makeatother")
    return "\n".join(lines) + "\n"


def to_markdown(identities: Iterable[Identity], layout: str = "denominator") -> str:
    """Markdown snippets (pymdownx.arithmatex math), one section per identity."""
    parts = []
    for identity in identities:
        parts.append(f"<!-- {identity.id} -->\n" + identity.markdown(layout))
    return "\n".join(parts)


def bibtex_key(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", ref)


def bibtex(ref: str, source: Source) -> str:
    """A BibTeX entry for a source of the registry. Every field is TeX-escaped
    (:func:`kb.escape.tex_escape`), so its braces balance and no text can close it; an
    address that is not http(s) is left out."""
    url = safe_url(source.url)
    fields = {
        "title": "{" + tex_escape(source.title) + "}",
        "author": " and ".join(
            "{" + tex_escape(a) + "}" if " " not in a.strip() or "(" in a else tex_escape(a)
            for a in source.authors),
        "year": str(source.year) if source.year else None,
        "note": tex_escape(source.version) if source.version else None,
        "howpublished": rf"\url{{{url}}}" if url else None,
    }
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@misc{{{bibtex_key(ref)},\n{body}\n}}"
