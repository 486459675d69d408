"""What the site's search matches a record by: its formulas in the spellings people type.

Material's search (lunr) cannot read ``x^T A x``: ``^`` is its boost operator, so such a
query fails, and its tokenizer cuts formulas at spaces and brackets. The site's script
(``site/assets/kb.js``, ``formulaKey``) rewrites each query on its way to the search worker
with the same rules as :func:`formula_key` here: exponents become Unicode superscripts
(``x^T``, ``x'`` and ``xᵀ`` all read ``xᵀ``; ``X^{-1}`` reads ``X⁻¹``) and a run of formula
tokens becomes one key without spaces, brackets or operators (``xᵀ A x`` → ``xᵀAx``,
``(57)`` → ``57``). Each record page carries the keys of its expression, aliases and title
as search tags, and its equation numbers (``eq. 57``); the script asks for a key both
exactly (boosted) and as a prefix, so ``x^T A x`` puts the pages of xᵀAx itself before those
of xᵀAx/xᵀx. Browser tests type each spelling, which keeps the two implementations equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.identity import Identity
from kb.render.markup import reading

_PRIME = re.compile(r"(?<=[A-Za-z0-9)\]ᵀ])['’]")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"
# A formula token: one letter with optional exponents, an operator, or anything holding a
# superscript, a bracket or an operator sign.
_FORMULA_TOKEN = re.compile(
    rf"^(?:[A-Za-zα-ωΑ-Ω][{_SUPERSCRIPTS}]*|[-+−*/=∘⊗·]|.*[{_SUPERSCRIPTS}()\[\]∘⊗+*/=].*)$")
MARK = "ƒ"
"""Leads every formula key, so that a word typed in a query (log, det, tr) never matches a
key by prefix: only a formula in the query, which the script marks the same way, does."""
_EQUATION = re.compile(r"\beqs?\.\s*\(?(\d+)\)?")
# What the search's tokenizer splits at (mkdocs.yml, plugins.search.separator): removed from
# a key, so that a key is one token.
_SPLIT = re.compile(r"[\s\-,:;!=\[\]()\"/|+*−∘⊗·.]+")


def formula_key(value: str) -> str:
    """The search spelling of a text: exponents in Unicode, each formula run one key."""
    value = _PRIME.sub("ᵀ", reading(value))
    out: list[str] = []
    run: list[str] = []

    def close() -> None:
        if run:
            out.append(_SPLIT.sub("", "".join(run)))
            run.clear()

    for token in value.split():
        if _FORMULA_TOKEN.match(token):
            run.append(token)
            continue
        close()
        out.append(token)
    close()
    return " ".join(t for t in out if t)


def _formulas(identity: Identity) -> Iterable[str]:
    yield identity.expression
    yield from identity.aliases
    yield identity.title


def search_tags(identity: Identity) -> list[str]:
    """The formula keys and equation numbers a record's page is found by."""
    keys: list[str] = []
    for value in _formulas(identity):
        words = value.split()
        key = formula_key(value)
        # Only the keys of formulas: the words are indexed from the page's text.
        keys += [MARK + k for k in key.split() if len(k) > 1 and k not in words]
    for ref in identity.record.sources:
        keys += [f"eq. {n}" for n in _EQUATION.findall(ref.locator)]
    return list(dict.fromkeys(keys))
