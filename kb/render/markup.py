"""Text for pages: escaping record text, marking formulas, reading form of titles, links.

Every text that comes from a record is escaped: a title with ``<script>`` in it shows as
text. Titles are data written in the expression language's spelling (``x^T A x``,
``X^{-1}``); :func:`reading` gives the form a reader expects (``xᵀ A x``, ``X⁻¹``) at render
time, so records keep one spelling and the site another.
"""

from __future__ import annotations

import html
import re

# Re-exported: the pages escape record text with kb.escape's functions.
from kb.escape import esc as esc
from kb.escape import safe_url as safe_url
from kb.escape import text as text
from kb.identity import Identity

TOPIC_TITLES = {
    "traces": "Traces",
    "determinants": "Determinants and log-determinants",
    "inverses": "Inverses",
    "eigenvalues": "Eigenvalues",
    "linear-forms": "Linear and bilinear forms",
    "quadratic-forms": "Quadratic forms",
    "higher-order": "Higher-order forms and powers",
    "norms": "Norms",
    "differentials": "Differentials",
    "structured": "Structured variables",
    "hessians": "Hessians",
    "vector-by-vector": "Vector-by-vector",
    "vector-by-scalar": "Vector-by-scalar",
    "matrix-by-scalar": "Matrix-by-scalar",
    "scalar-by-scalar": "Scalar-by-scalar",
    "rules": "Product and chain rules",
    "algebra": "Algebraic identities",
    "worked-examples": "Worked results",
    "machine-learning": "Machine learning: losses, activations, models",
    "probability": "Probability: Gaussians, entropy, divergences",
    "kronecker": "Kronecker products and vec",
}

def math(tex: str, display: bool = False) -> str:
    """A formula, marked for the build's KaTeX pass."""
    body = html.escape(tex, quote=False)
    if display:
        return f'<div class="arithmatex">\\[{body}\\]</div>'
    return f'<span class="arithmatex">\\({body}\\)</span>'


# ---- reading form -------------------------------------------------------------------------

_SUPERSCRIPT = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ", strict=True))
# The exponents people write, longest first: ^{-T} before ^{-1} before ^T.
_EXPONENT = re.compile(r"\^(?:\{([^{}^]*)\}|\\top\b|([-−]?[A-Za-z0-9+]))")


def superscript(exponent: str) -> str | None:
    """An exponent in Unicode superscripts, or None when a character has none."""
    exponent = exponent.replace("\\top", "T").replace(" ", "")
    if not exponent or any(c not in _SUPERSCRIPT for c in exponent):
        return None
    return "".join(_SUPERSCRIPT[c] for c in exponent)


def reading(value: str) -> str:
    """A title or formula in reading form: ``x^T A x`` → ``xᵀ A x``, ``X^{-1}`` → ``X⁻¹``.

    Exponents without a Unicode form (``e^{A A^T}``) are written ``e^(A Aᵀ)``; inner ones
    first, so nesting resolves from the inside out. Bounded by the text's length.
    """
    for _ in range(len(value)):
        changed = _EXPONENT.sub(_exponent, value)
        if changed == value:
            break
        value = changed
    return value


def _exponent(match: re.Match) -> str:
    body = match.group(1) if match.group(1) is not None else (match.group(2) or "T")
    if match.group(0) == "^\\top":
        body = "T"
    return superscript(body) or f"^({body})"


# ---- words for internal names ---------------------------------------------------------------


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 identity``, ``2 identities``, ``97 equalities``."""
    if n == 1:
        return f"{n} {word}"
    if words is None:
        words = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else (
            word + "s")
    return f"{n} {words}"


def words(name: str) -> str:
    """An internal name in words: ``positive_determinant`` → ``positive determinant``."""
    return name.replace("_", " ").replace("-", " ")


# ---- topics and links ---------------------------------------------------------------------


def topic_of(identity: Identity) -> str:
    return identity.path.parent.name


def topic_title(topic: str) -> str:
    return TOPIC_TITLES.get(topic, topic.replace("-", " ").capitalize())


def section(identity: Identity) -> str:
    """The folder of an identity's page: derivations have their own section."""
    return "derivations" if identity.type == "derivation" else "identities"


def identity_url(identity: Identity) -> str:
    """A Markdown link to an identity's page from a page at the top of the docs folder."""
    return f"{section(identity)}/{identity.id}.md"


def identity_href(identity: Identity, depth: int) -> str:
    """An HTML link to an identity's page from a page whose URL is ``depth`` folders deep
    (raw HTML links are not rewritten by the site generator, so they are final URLs)."""
    return "../" * depth + f"{section(identity)}/{identity.id}/"


def front_matter(title: str, description: str, boost: float | None = None,
                 tags: list[str] | None = None) -> list[str]:
    """YAML front matter (JSON is YAML): the page title, its meta description, its weight in
    search and the formula keys search matches. The theme writes the title into <title>
    unescaped, so it is given escaped."""
    import json

    lines = ["---", f"title: {json.dumps(esc(title), ensure_ascii=False)}",
             f"description: {json.dumps(esc(description), ensure_ascii=False)}"]
    if boost is not None:
        lines.append(f"search: {{boost: {boost}}}")
    if tags:
        lines.append(f"tags: {json.dumps(tags, ensure_ascii=False)}")
    return [*lines, "---", ""]
