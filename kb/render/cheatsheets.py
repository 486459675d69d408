"""Cheat-sheets: one topic's identities, each a compact entry (title, statement in one
layout, conditions, source), readable in the column at any width."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from kb.identity import Identity
from kb.latex import latex
from kb.layouts import LAYOUTS
from kb.render.blocks import copy_button, left
from kb.render.labels import conditions, source_label
from kb.render.markup import (
    esc,
    front_matter,
    identity_href,
    math,
    plural,
    reading,
    safe_url,
    text,
    topic_title,
)
from kb.schema import Source

SHEET_BOOST = 0.5
"""Search weight of a cheat-sheet: below the record pages it repeats."""


def layout_switch() -> str:
    """The two-way switch; the script remembers the choice (denominator by default)."""
    buttons = "".join(
        f'<button type="button" class="kb-layout-button" data-kb-layout="{value}" '
        f'aria-pressed="{str(value == "denominator").lower()}">{label}</button>'
        for value, label in (("denominator", "Denominator layout"),
                             ("numerator", "Numerator layout")))
    return ('<div class="kb-layout-switch" role="group" aria-label="Layout of the '
            f'derivatives">{buttons}</div>')


def _reference(identity: Identity, sources: Mapping[str, Source]) -> str:
    """The sources as short linked references: ``Cookbook 2012, eq. 57``."""
    refs = []
    for ref in identity.record.sources:
        source = sources.get(ref.ref)
        label = esc(_short_reference(source_label(ref.ref, sources), reading(ref.locator)))
        title = esc(reading(ref.locator))
        url = safe_url(source.url) if source is not None else None
        if url:
            refs.append(f'<a href="{esc(url)}" title="{title}">{label}</a>')
        else:
            refs.append(f'<span title="{title}">{label}</span>')
    return "; ".join(refs)


_EQUATIONS = re.compile(r"eqs?\.\s*[\d–,\s-]*\d")


def _short_reference(name: str, locator: str, width: int = 24) -> str:
    """``Cookbook 2012, eq. 57``: the equation numbers or a short locator; a long locator
    only in the tooltip."""
    locator = " ".join(locator.split())
    equations = _EQUATIONS.match(locator)
    if equations:
        return f"{name}, {equations.group(0)}"
    return f"{name}, {locator}" if len(locator) <= width else name


def _forms(identity: Identity) -> list[str]:
    """The statement: for a derivative, its left side once and each layout's result after
    it, so a narrow column wraps at the equals sign and the page carries one left side."""
    if identity.type != "derivative" or identity.kind == "scalar-by-scalar":
        tex = identity.latex()
        what = "statement" if identity.type != "derivative" else "derivative"
        return [f'<div class="kb-entry-form"><div class="kb-math-box">{math(tex, True)}'
                f"</div>{copy_button(tex, what)}</div>"]
    lefts = {layout: left(identity, layout) for layout in LAYOUTS}
    if len(set(lefts.values())) > 1:  # the layouts differ on the left too: whole statements
        return [f'<div class="kb-entry-form kb-{layout}"><div class="kb-math-box">'
                f"{math(identity.latex(layout), True)}</div>"
                f"{copy_button(identity.latex(layout), f'{layout} layout')}</div>"
                for layout in LAYOUTS]
    results = "".join(
        f'<div class="kb-rhs kb-{layout}">'
        f"{math('= ' + latex(identity.result_tree(layout)), True)}</div>"
        for layout in LAYOUTS)
    buttons = "".join(f'<span class="kb-{layout}">'
                      f"{copy_button(identity.latex(layout), f'{layout} layout')}</span>"
                      for layout in LAYOUTS)
    return [f'<div class="kb-entry-form"><div class="kb-math-box kb-split">'
            f'<div class="kb-lhs">{math(lefts["denominator"], True)}</div>{results}</div>'
            f"{buttons}</div>"]


def _entry(identity: Identity, sources: Mapping[str, Source], depth: int) -> str:
    forms = _forms(identity)
    meta = []
    if conditions(identity):
        meta.append(f'<span class="kb-entry-when">When {esc(conditions(identity))}.</span>')
    meta.append(f'<span class="kb-entry-source">Source: {_reference(identity, sources)}</span>')
    return (f'<section class="kb-entry" id="{esc(identity.id)}">'
            f'<h2 class="kb-entry-title"><a href="{identity_href(identity, depth)}">'
            f"{esc(reading(identity.title))}</a></h2>"
            + "".join(forms) + f'<p class="kb-entry-meta">{" ".join(meta)}</p></section>')


def cheatsheet_page(topic: str, identities: list[Identity], sources: Mapping[str, Source]
                    ) -> str:
    title = topic_title(topic)
    derivatives = sum(i.type == "derivative" and i.kind != "scalar-by-scalar"
                      for i in identities)
    intro = f"{plural(len(identities), 'verified identity', 'verified identities')}."
    lines = [*front_matter(title, f"Cheat-sheet: {title.lower()}, {intro}", SHEET_BOOST),
             f"# {text(title)}", "", intro]
    if derivatives:
        lines[-1] += (" Derivatives are shown in one layout at a time; the switch is "
                      "remembered on every page.")
        lines += ["", layout_switch()]
    entries = "\n".join(_entry(identity, sources, 2) for identity in identities)
    lines += ["", f'<div class="kb-sheet">\n{entries}\n</div>', ""]
    return "\n".join(lines)


def cheatsheets_index(topics: Mapping[str, list[Identity]]) -> str:
    lines = [*front_matter("Cheat-sheets", "Compact sheets of verified identities, by topic."),
             "# Cheat-sheets", "", "Compact sheets of verified identities, by topic.", ""]
    # The folder name is quoted in the link: it is a contributor's text, not a path.
    lines += [f"- [{text(topic_title(t))}]({quote(t, safe='')}.md) ({len(ids)})"
              for t, ids in topics.items()]
    return "\n".join(lines) + "\n"
