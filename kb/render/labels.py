"""Words for the catalog's internal names: structures, kinds and sources.

Pages never show an internal name (``full_column_rank``, ``seed-000-b1``): each has a label
here. :data:`IMPLIES` is what one structure assumption entails, so that filtering by
"symmetric" also lists the records whose variable is symmetric positive definite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kb.schema import Source, Structure

STRUCTURE_LABELS = {
    Structure.SYMMETRIC: "symmetric",
    Structure.SPD: "symmetric positive definite",
    Structure.INVERTIBLE: "invertible",
    Structure.POSITIVE_DETERMINANT: "positive determinant",
    Structure.ORTHOGONAL: "orthogonal",
    Structure.DIAGONAL: "diagonal",
    Structure.POSITIVE: "positive entries",
    Structure.FULL_COLUMN_RANK: "full column rank",
    Structure.SKEW_SYMMETRIC: "skew-symmetric",
    Structure.DISTINCT_EIGENVALUES: "symmetric, distinct eigenvalues",
}

IMPLIES: dict[Structure, frozenset[Structure]] = {
    Structure.SPD: frozenset({Structure.SYMMETRIC, Structure.INVERTIBLE,
                              Structure.POSITIVE_DETERMINANT}),
    Structure.POSITIVE_DETERMINANT: frozenset({Structure.INVERTIBLE}),
    Structure.ORTHOGONAL: frozenset({Structure.INVERTIBLE}),
    Structure.DISTINCT_EIGENVALUES: frozenset({Structure.SYMMETRIC}),
}
"""Structure → the structures it entails (not transitively closed: see :func:`implied`)."""

KIND_LABELS = {
    "derivation": "derivation (step by step)",
    "equality": "algebraic identity",
    "differential": "differential",
    "hessian": "Hessian",
}


def structure_label(name: str) -> str:
    try:
        return STRUCTURE_LABELS[Structure(name)]
    except ValueError:
        return name.replace("_", " ")


def implied(names: Iterable[str]) -> list[str]:
    """The structures given and every one they entail, as names, sorted."""
    todo = [Structure(n) for n in names]
    seen: set[Structure] = set()
    while todo:  # bounded: each structure is visited once
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(IMPLIES.get(s, ()))
    return sorted(str(s) for s in seen)


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
