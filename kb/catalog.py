"""The catalog: every record of a folder, loaded, validated and compiled.

Loading the catalog needs no verification and never imports SymPy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.diagnostics import CatalogError, Diagnostic
from kb.loader import (
    SOURCES_FILE,
    Entry,
    find_sources,
    load_record,
    load_sources,
    record_files,
)
from kb.schema import Source


def default_root() -> Path:
    """``identities/`` of the working directory if there is one, else the project's."""
    here = Path.cwd() / "identities"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "identities"


@dataclass
class Catalog:
    entries: dict[str, Entry] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.entries

    def get(self, record_id: str) -> Entry:
        try:
            return self.entries[record_id]
        except KeyError:
            raise KeyError(f"no record with id '{record_id}'") from None


def load_entries(paths: Iterable[Path] | None = None, root: Path | None = None
                 ) -> tuple[Catalog, list[Diagnostic]]:
    """Load the records under ``paths`` (default: the whole catalog) and report every problem.

    Each file is checked against the sources registry nearest to it.
    """
    root = root or default_root()
    targets = [Path(p) for p in paths] if paths else [root]
    catalog = Catalog()
    problems: list[Diagnostic] = []
    registries: dict[Path, dict[str, Source]] = {}
    missing = [p for p in targets if not p.exists()]
    problems += [Diagnostic(p, 1, 1, "no such file or folder") for p in missing]
    for path in record_files(p for p in targets if p.exists()):
        registry_path = find_sources(path.parent, root / SOURCES_FILE)
        if registry_path not in registries:
            if registry_path.is_file():
                registries[registry_path], found = load_sources(registry_path)
                problems += found
            else:
                registries[registry_path] = {}
                problems.append(Diagnostic(registry_path, 1, 1, "sources registry not found"))
        sources = registries[registry_path]
        catalog.sources.update(sources)
        entry, found = load_record(path, sources)
        problems += found
        if entry is None:
            continue
        if entry.id in catalog.entries:
            first = catalog.entries[entry.id].path
            problems.append(entry.diagnostic(("id",), f"duplicate id '{entry.id}' (also {first})"))
            continue
        catalog.entries[entry.id] = entry
    return catalog, problems


def load(path: Path | str | None = None) -> Catalog:
    """The catalog at ``path`` (default: the project's ``identities/``).

    Raises :class:`~kb.diagnostics.CatalogError` listing every problem if any record is
    invalid.
    """
    root = Path(path) if path is not None else default_root()
    catalog, problems = load_entries([root], root=root)
    if problems:
        raise CatalogError(problems)
    return catalog
