"""The catalog: every record of a folder, loaded, validated and compiled.

Loading the catalog needs no verification and never imports SymPy.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kb.diagnostics import CatalogError, Diagnostic, display_path
from kb.identity import Identity
from kb.loader import (
    SOURCES_FILE,
    UNCOVERED_FILE,
    conflicting_sources,
    find_sources,
    load_record,
    load_sources,
    load_uncovered,
    record_files,
    stray_registries,
    walk,
    within,
)
from kb.paths import default_root
from kb.schema import DerivationRecord, Source, Uncovered

if TYPE_CHECKING:
    from kb.derive import Derivation
    from kb.match import Match


@dataclass
class Catalog:
    entries: dict[str, Identity] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    uncovered: dict[str, list[Uncovered]] = field(default_factory=dict)
    """Places of sources that no record cites, with the reason (identities/uncovered.yaml)."""

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Identity]:
        return iter(self.entries.values())

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.entries

    def get(self, record_id: str) -> Identity:
        """The identity with this id; a KeyError suggests the closest ids."""
        try:
            return self.entries[record_id]
        except KeyError:
            close = self.suggest(record_id)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"no identity with id '{record_id}'{hint}") from None

    def suggest(self, record_id: str, n: int = 3) -> list[str]:
        """The ids closest to a mistyped one."""
        return difflib.get_close_matches(record_id, list(self.entries), n=n, cutoff=0.5)

    @cached_property
    def _index(self):
        from kb.search import SearchIndex

        return SearchIndex(list(self))

    def search(self, query: str, limit: int = 10) -> list[Identity]:
        """Identities ranked by relevance to ``query`` over titles, aliases, tags,
        operations and the words of the expressions."""
        return [hit.identity for hit in self._index.search(query, limit)]

    def match(self, expression: str, wrt: str,
              shapes: Mapping[str, tuple[int | str, int | str]] | None = None,
              layout: str = "denominator", limit: int = 10,
              structure: Mapping[str, list[str]] | None = None) -> list[Match]:
        """Identities whose statement matches ``expression`` by ``wrt`` in one normal form
        (:mod:`kb.match`), up to renaming, a scalar's transpose and cyclic rotation in a
        trace; each checked numerically and returned with the derivative in the user's
        symbols. Records needing a structure not in ``structure`` rank last."""
        from kb.match import match

        return match(list(self), expression, wrt, shapes, layout, limit, structure)

    def derive(self, expression: str, wrt: str,
               shapes: dict[str, tuple[int | str, int | str]] | None = None,
               structure: dict[str, str | list[str]] | None = None,
               layout: str = "denominator", order: int = 1) -> Derivation:
        """The derivative of ``expression`` by ``wrt``, derived step by step by the
        differential method, each step citing the catalog records it applies and checked
        numerically (see :mod:`kb.derive`). ``order=2`` gives the Hessian of a scalar by a
        vector."""
        from kb.derive import derive

        return derive(self, expression, wrt, shapes, structure, layout, order)

    def filter(self, kind: str | Iterable[str] | None = None,
               ops: str | Iterable[str] | None = None,
               structure: str | Iterable[str] | None = None,
               source: str | Iterable[str] | None = None,
               type: str | Iterable[str] | None = None,
               tag: str | Iterable[str] | None = None) -> list[Identity]:
        """Identities matching every criterion given.

        ``kind``, ``type`` and ``source`` match any of the values given; ``ops``,
        ``structure`` and ``tag`` need all of them.
        """
        def values(v: str | Iterable[str] | None) -> set[str] | None:
            return None if v is None else {v} if isinstance(v, str) else set(v)

        kinds, types, sources = values(kind), values(type), values(source)
        needed_ops, structures, tags = values(ops), values(structure), values(tag)
        out = []
        for identity in self:
            refs = {s.ref for s in identity.record.sources}
            if ((kinds is None or identity.kind in kinds)
                    and (types is None or identity.type in types)
                    and (sources is None or refs & sources)
                    and (needed_ops is None or needed_ops <= set(identity.operations))
                    and (structures is None or structures <= set(identity.structures))
                    and (tags is None or tags <= set(identity.tags))):
                out.append(identity)
        return out


def load_entries(paths: Iterable[Path] | None = None, root: Path | None = None
                 ) -> tuple[Catalog, list[Diagnostic]]:
    """Load the records under ``paths`` (default: the whole catalog) and report every problem.

    Each file is checked against the sources registry nearest to it.
    """
    root = root or default_root()
    targets = [Path(p) for p in paths] if paths else [root]
    catalog = Catalog()
    problems: list[Diagnostic] = []
    registries: dict[Path, dict[str, Source] | None] = {}
    missing = [p for p in targets if not p.exists()]
    problems += [Diagnostic(p, None, None, "no such file or folder", "KB005") for p in missing]
    uncovered_path = root / UNCOVERED_FILE
    if uncovered_path.is_file():
        catalog.uncovered, found = load_uncovered(uncovered_path)
        problems += found
    origin: dict[str, Path] = {}
    for folder in targets:
        if folder.is_dir() and within(folder, root):
            problems += stray_registries(folder, root)
    for path, found_in in walk(p for p in targets if p.exists()):
        registry_path = find_sources(path.parent, root / SOURCES_FILE)
        if registry_path not in registries:
            if registry_path.is_file():
                registries[registry_path], found = load_sources(registry_path)
                problems += found
                sources = registries[registry_path] or {}
                problems += conflicting_sources(registry_path, sources, catalog.sources,
                                                origin)
                for key in sources:
                    origin.setdefault(key, registry_path)
                catalog.sources = sources | catalog.sources
            else:  # reported once; its records' refs are not checked against nothing
                registries[registry_path] = None
                problems.append(Diagnostic(registry_path, None, None,
                                           "sources registry not found", "KB006"))
        # A link may not lead out of the catalog, nor out of a folder given outside it.
        try:
            entry, found = load_record(path, registries[registry_path],
                                       root if within(path, root) else found_in)
        except Exception as exc:  # a bug of ours must not hide the other records
            entry, found = None, [Diagnostic(
                path, None, None, f"internal error while loading ({type(exc).__name__}: "
                f"{exc}); please report it", "KB406")]
        problems += found
        if entry is None:
            continue
        if entry.id in catalog.entries:
            first = catalog.entries[entry.id].path
            problems.append(entry.diagnostic(
                ("id",), f"duplicate id '{entry.id}' (also {display_path(first)})", "KB107"))
            continue
        catalog.entries[entry.id] = entry
    problems += _unknown_citations(catalog, set(record_ids(root)) if root.is_dir() else set())
    problems += _citation_cycles(catalog)
    return catalog, problems


def _unknown_citations(catalog: Catalog, known: set[str]) -> list[Diagnostic]:
    """Derivation steps that cite an id neither loaded nor in the catalog folder."""
    from kb.derivation import cited_ids

    problems = []
    for identity in catalog:
        if identity.type != "derivation":
            continue
        assert isinstance(identity.record, DerivationRecord)
        for loc, ref in cited_ids(identity.record):
            if ref not in catalog.entries and ref not in known:
                close = catalog.suggest(ref)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                problems.append(identity.diagnostic(loc, f"cites unknown record '{ref}'{hint}",
                                                    "KB108"))
    return problems


def _citation_cycles(catalog: Catalog) -> list[Diagnostic]:
    """Derivations that cite themselves, directly or through other derivations: a proof may
    not rest on itself. Each cycle is reported once, at the citation that closes it."""
    from kb.derivation import cited_ids

    edges = {i.id: [(loc, ref) for loc, ref in cited_ids(i.record)
                    if ref in catalog.entries and catalog.entries[ref].type == "derivation"]
             for i in catalog if isinstance(i.record, DerivationRecord)}
    problems: list[Diagnostic] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()
    for start in sorted(edges):
        path: list[str] = []
        stack = [(start, iter(edges[start]))]
        path.append(start)
        while stack:
            node, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                path.pop()
                done.add(node)
                continue
            loc, ref = step
            if ref in path:
                cycle = path[path.index(ref):]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    chain = " → ".join([*cycle, ref])
                    what = ("cites itself" if len(cycle) == 1
                            else f"is part of a citation cycle: {chain}")
                    problems.append(catalog.entries[node].diagnostic(
                        loc, f"derivation '{node}' {what}: a derivation may not rest on "
                        "itself", "KB109"))
            elif ref not in done:
                path.append(ref)
                stack.append((ref, iter(edges[ref])))
    return problems


def find_record(record_id: str, root: Path | None = None) -> Path | None:
    """The file of a record, found by its id (the file name) without loading the catalog;
    None for an id that is not well formed (:mod:`kb.arguments`), so that no id can be a
    glob pattern or a path."""
    from kb.arguments import ArgumentError, check_id

    try:
        check_id(record_id)
    except ArgumentError:
        return None
    root = root or default_root()
    return next(iter(sorted(root.rglob(f"{record_id}.yaml"))), None)


def record_ids(root: Path | None = None) -> list[str]:
    """Every record id under ``root``, from the file names alone."""
    root = root or default_root()
    return sorted(p.stem for p in record_files([root]))


def load(path: Path | str | None = None) -> Catalog:
    """The catalog at ``path`` (default: the one that comes with the package, see
    :func:`default_root`).

    Raises :class:`~kb.diagnostics.CatalogError` listing every problem if any record is
    invalid.
    """
    root = Path(path) if path is not None else default_root()
    catalog, problems = load_entries([root], root=root)
    if problems:
        raise CatalogError(problems)
    return catalog
