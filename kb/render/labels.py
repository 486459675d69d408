"""Words for the catalog's internal names: structures, kinds and sources.

Pages never show an internal name (``full_column_rank``, ``seed-000-b1``): each has a label
here or, for structures, in their spec (:mod:`kb.structures`), whose implications also let
filtering by "symmetric" list the records whose variable is symmetric positive definite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kb.schema import Source
from kb.structures import STRUCTURES, Structure, closure

KIND_LABELS = {
    "derivation": "derivation (step by step)",
    "equality": "algebraic identity",
    "differential": "differential",
    "hessian": "Hessian",
}


def structure_label(name: str) -> str:
    """A structure in words (``full_column_rank`` → full column rank)."""
    try:
        return STRUCTURES[Structure(name)].words
    except ValueError:
        return name.replace("_", " ")


def implied(names: Iterable[str]) -> list[str]:
    """The structures given and every one they entail, as names, sorted."""
    return sorted(str(s) for s in closure(Structure(n) for n in names))


def kind_label(kind: str) -> str:
    """``scalar-by-vector`` → ``scalar by vector``; types get their reading name."""
    return KIND_LABELS.get(kind, kind.replace("-by-", " by ").replace("-", " "))


def source_label(ref: str, sources: Mapping[str, Source]) -> str:
    """The short name of a source for tables and filters."""
    source = sources.get(ref)
    return (source.short or source.title) if source is not None else ref


def conditions(identity) -> str:
    """The structure assumptions in a short line: ``A symmetric; X invertible``."""
    return "; ".join(f"{name} {', '.join(structure_label(str(s)) for s in var.structure)}"
                     for name, var in identity.record.variables.items() if var.structure)
