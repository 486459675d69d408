"""A prebuilt index for the command line's lookups (``kb search``, ``kb match``).

Compiling the catalog costs a few hundred milliseconds at 300 records (YAML, pydantic, the
expression grammar) and grows with the catalog, while a search itself takes microseconds. So
the search index and a match index are built once per catalog state and kept in a cache
folder; a query then loads the index and, for ``kb match``, compiles only the few records
that can match.

The cache is keyed by a fingerprint of everything its content depends on: the catalog folder
(its resolved path), every YAML file under it (relative path and SHA-256 of the bytes), the
package's version and the source of the ``kb`` modules. Any change rebuilds it, and one
catalog's index is never used for another (one cache file per folder, which also records its
folder). It is written only from a catalog that loads without a problem, so a stale or broken
catalog is always loaded in full and its problems printed.

The cache lives in the user's cache folder (``$KB_CACHE_DIR/lookup`` if set, else
``$XDG_CACHE_HOME`` or ``~/.cache``, under ``matrix-calculus-kb``), created private to the
user, never in the project: the files are pickles, which must not come from anyone else.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from kb.catalog import Catalog
    from kb.diagnostics import Diagnostic
    from kb.identity import Identity
    from kb.match import Match
    from kb.search import SearchIndex

FORMAT = 1
"""Bumped when the stored structure changes."""


@dataclass(frozen=True)
class Entry:
    """What a lookup prints of an identity, without compiling it."""

    id: str
    title: str
    path: Path


@dataclass
class LookupIndex:
    """Everything ``kb search`` and ``kb match`` need, for one state of one catalog."""

    root: Path
    fingerprint: str
    entries: list[Entry]
    search_index: SearchIndex
    skeletons: dict[str, list[int]] = field(default_factory=dict)
    """Match key (:func:`match_key`) → positions of the derivative records with it."""

    def search(self, query: str, limit: int = 10) -> list[Entry]:
        """As :meth:`kb.catalog.Catalog.search`, without the compiled identities."""
        # The index was built with identities and keeps only their entries (build_index).
        return [cast(Entry, hit.identity) for hit in self.search_index.search(query, limit)]

    def match(self, expression: str, wrt: str,
              shapes: Mapping[str, tuple[int | str, int | str]] | None = None,
              layout: str = "denominator", limit: int = 10) -> list[Match]:
        """As :meth:`kb.catalog.Catalog.match`: the same matches in the same order, with
        only the records whose match key fits compiled."""
        from kb.grammar import parse
        from kb.loader import load_record
        from kb.match import match
        from kb.normal_form import normal_form, variants

        keys = {match_key(t) for t in variants(normal_form(parse(expression)))}
        positions = sorted({p for key in keys for p in self.skeletons.get(key, [])})
        candidates = []
        for position in positions:
            identity, _ = load_record(self.entries[position].path)
            if identity is None:  # changed since the fingerprint was taken
                raise RuntimeError(f"{self.entries[position].path} changed during the lookup")
            candidates.append(identity)
        return match(candidates, expression, wrt, shapes, layout, limit)


_UNKEYED = frozenset({"sym", "dim", "lit", "num", "prod", "add", "pow", "neg", "T"})
"""Heads a match can add or remove: names (renamed), products (an ``X^k`` takes a run of
factors), and the transposes and signs that the matcher's variants move about."""


def match_key(t: tuple) -> str:
    """A match key: the operations of a normal form (:mod:`kb.normal_form`), as a sorted set,
    without the heads in :data:`_UNKEYED`. The matcher renames symbols only (a record's
    ``X`` never takes a compound expression), so a record and an expression it matches have
    the same operations and the same key; records with another key can never match."""
    heads: set[str] = set()

    def visit(term: tuple) -> None:
        head = term[0]
        if head == "Call":
            heads.add(f"Call:{term[1]}:{term[2]}")
        elif head == "const":
            heads.add(f"const:{term[1]}")
        elif head not in _UNKEYED:
            heads.add(str(head))
        for part in term[1:]:
            if isinstance(part, tuple) and part and isinstance(part[0], str):
                visit(part)

    visit(t)
    return ",".join(sorted(heads))


def build_index(root: Path, catalog: Catalog, fingerprint: str) -> LookupIndex:
    """The index of a loaded catalog, whose files had ``fingerprint`` before loading."""
    from kb.search import SearchIndex

    identities = list(catalog)
    entries = [Entry(i.id, i.title, i.path.resolve()) for i in identities]
    search_index = SearchIndex(identities)
    # Hits are printed by id and title only: keep those, not the compiled identities.
    search_index.identities = cast("list[Identity]", entries)
    skeletons: dict[str, list[int]] = defaultdict(list)
    for position, identity in enumerate(identities):
        if _matchable(identity):
            skeletons[match_key(identity.pattern)].append(position)
    return LookupIndex(root.resolve(), fingerprint, entries, search_index, dict(skeletons))


def _matchable(identity: Identity) -> bool:
    """As in :func:`kb.match.match`: derivatives without placeholder functions."""
    return identity.type == "derivative" and not any(
        s.function_of for s in identity.statement.specs.values())


# ---- the cache -------------------------------------------------------------------------


def cache_folder() -> Path:
    base = os.environ.get("KB_CACHE_DIR")
    if base:
        return Path(base) / "lookup"
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "matrix-calculus-kb" / "lookup"


@cache
def _code_version() -> bytes:
    """The package's version and a hash of its modules' source."""
    from importlib import metadata

    try:
        version = metadata.version("matrix-calculus-kb")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(f"{FORMAT}\0{version}\0".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes() + b"\0")
    return digest.digest()


def fingerprint(root: Path) -> str:
    """A hash of the catalog folder's path and every YAML file under it (relative path and
    bytes), with the code. Plain strings and ``os.scandir`` rather than ``Path`` objects,
    which made it twice as slow at 10,000 files."""
    from kb.file_guard import regular_bytes

    top = str(root.resolve())
    digest = hashlib.sha256(_code_version() + top.encode() + b"\0")
    for relative, path in sorted(_yaml_files(top, "")):
        data = regular_bytes(path)
        if data is None:  # a pipe, a device or a huge file: not read (loading refuses it)
            info = os.stat(path) if os.path.exists(path) else None
            data = f"refused {info and (info.st_mode, info.st_size, info.st_mtime_ns)}".encode()
        digest.update(f"{relative}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def _yaml_files(folder: str, prefix: str) -> list[tuple[str, str]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found += _yaml_files(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".yaml"):
                found.append((prefix + entry.name, entry.path))
    return found


def _cache_file(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
    return cache_folder() / f"{name}.pickle"


def cached_index(root: Path, current: str) -> LookupIndex | None:
    """The stored index of ``root`` if it was built from exactly the current files."""
    path = _cache_file(root)
    try:
        with path.open("rb") as stream:
            index = pickle.load(stream)
    except Exception:  # missing, partly written or from another version: rebuild
        return None
    if (not isinstance(index, LookupIndex) or index.fingerprint != current
            or index.root != root.resolve()):
        return None
    return index


def store(index: LookupIndex) -> None:
    """Write the index atomically; a cache that cannot be written is only slower."""
    path = _cache_file(index.root)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as stream:
            pickle.dump(index, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(stream.name, path)
    except OSError:
        return


def lookup_index(root: Path) -> tuple[LookupIndex | None, list[Diagnostic]]:
    """The prebuilt index of the catalog at ``root``: from the cache when it was built from
    the current files, else built from the catalog, loaded in full. A catalog with problems
    gives no index, and its problems."""
    current = fingerprint(root)
    index = cached_index(root, current)
    if index is not None:
        return index, []
    from kb.catalog import load_entries

    catalog, problems = load_entries(None, root)
    if problems:
        return None, problems
    index = build_index(root, catalog, current)
    store(index)
    return index, []
