"""Escaping record text for every output it reaches: HTML, Markdown, TeX and BibTeX, and
which addresses may become links.

Records are contributed by strangers, so every text that comes from one (titles, aliases,
notes, locators, folder names, the fields of a source) passes through one of these before it
is written into a page, an export or a citation. A leaf module: it imports nothing of the
package, so the record object, the exports and the pages all use the same functions.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# Entities, so that neither Markdown nor the math delimiters $, \( and \[ see them; then
# Markdown's own specials, escaped with a backslash.
_ENTITIES = {"\\": "&#92;", "[": "&#91;", "]": "&#93;", "$": "&#36;"}
_MD_SPECIAL = frozenset("`*_{}#|~!")


def text(value: str) -> str:
    """Record text for a Markdown context: HTML-escaped, Markdown specials and math
    delimiters neutralized, whitespace (newlines included) folded to single spaces."""
    escaped = html.escape(" ".join(value.split()), quote=False)
    return "".join(_ENTITIES.get(c) or ("\\" + c if c in _MD_SPECIAL else c) for c in escaped)


def esc(value: str) -> str:
    """Record text for an HTML context (element content or a quoted attribute)."""
    return html.escape(" ".join(value.split()))


# Braces as commands, not escaped braces: BibTeX counts `\{` and `\}` as braces when it finds
# the end of a field, so only balanced output keeps a field closed. Square brackets are
# braced so they cannot end an optional argument (\cite[...]).
_TEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
        "^": r"\^{}", "~": r"\~{}", "[": "{[}", "]": "{]}",
        **{c: "\\" + c for c in "&%$#_"}}
_TEX_SPECIAL = re.compile("[" + re.escape("".join(_TEX)) + "]")


def tex_escape(value: str) -> str:
    """Text for TeX or a BibTeX field (``title = {…}``) or a ``\\cite[…]`` argument: TeX's
    specials written as commands, so the braces of the result always balance and no text
    can close the field or argument it is in; whitespace folded to single spaces."""
    return _TEX_SPECIAL.sub(lambda m: _TEX[m.group(0)], " ".join(value.split()))


_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\"'<>\\{}`^|]")


def safe_url(url: str | None) -> str | None:
    """``url`` if it may become a link (an ``http`` or ``https`` address with a host and none
    of the characters that could leave an attribute, a Markdown link or ``\\url{}``), else
    None: the address is then shown as text, never linked."""
    if not url or _URL_UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
