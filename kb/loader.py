"""YAML files to validated records and statements, with every problem located.

ruamel.yaml keeps the line and column of every key and value, so a pydantic error, a parse
error in an expression or a shape error is reported at ``path:line:col``. Loading never stops
at the first problem: all files are read and every problem is returned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from kb.diagnostics import Diagnostic, display_path
from kb.file_guard import read_text
from kb.identity import Identity
from kb.schema import (
    Source,
    Uncovered,
    record_adapter,
    sources_adapter,
    uncovered_adapter,
)
from kb.statement import StatementError, compile_record
from kb.statement_types import STATEMENT_TYPES
from kb.yaml_guard import unreadable_scalar, yaml_problem

SOURCES_FILE = "sources.yaml"
UNCOVERED_FILE = "uncovered.yaml"
NOT_RECORDS = frozenset({SOURCES_FILE, UNCOVERED_FILE})
MODELINE = "# yaml-language-server: $schema="

Loc = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed YAML file: plain data, and the position of every key and value.

    The data come from the fast (C) loader; the positions from the round-trip loader, run
    only when a problem has to be located.
    """

    path: Path
    data: object
    text: str

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def positions(self) -> dict[Loc, tuple[int, int, object]]:
        """loc → (line, col, raw value) of a value; (loc, "key") → the key's position."""
        try:
            node = _yaml().load(self.text)
        except Exception:  # read by the fast loader only (ruamel's two differ): place at 1:1
            return {(): (0, 0, None)}
        positions: dict = {(): (0, 0, node)}
        _plain(node, (), positions)
        return positions

    def where(self, loc: Loc, offset: int | None = None, key: bool = False) -> tuple[int, int]:
        """1-based line and column of a location, inside a string value when ``offset``."""
        loc = tuple(loc)
        while loc and (loc if not key else (*loc, "key")) not in self.positions:
            loc, key = loc[:-1], False
        entry = self.positions.get((*loc, "key") if key else loc)
        if entry is None:
            return 1, 1
        line, col, raw = entry
        if offset is not None and isinstance(raw, str):
            if isinstance(raw, LiteralScalarString | FoldedScalarString):
                return self._in_block(line + 1, offset)
            quoted = isinstance(raw, DoubleQuotedScalarString | SingleQuotedScalarString)
            return line + 1, col + 1 + offset + int(quoted)
        return line + 1, col + 1

    def _in_block(self, first: int, offset: int) -> tuple[int, int]:
        """Line and column of a character of a block scalar (``|`` or ``>``) whose content
        starts on 0-based line ``first``: each content line contributes its text plus one
        separator, whether the block keeps or folds the newlines."""
        for number in range(first, len(self.lines)):
            text = self.lines[number]
            content = text.lstrip(" ")
            indent = len(text) - len(content)
            if offset <= len(content) or number == len(self.lines) - 1:
                return number + 1, indent + 1 + offset
            offset -= len(content) + 1
        return first + 1, 1

    def diagnostic(self, loc: Loc, message: str, code: str, offset: int | None = None,
                   key: bool = False, detail: str | None = None) -> Diagnostic:
        """A diagnostic with ``code`` at a location of the file."""
        line, col = self.where(loc, offset, key)
        return Diagnostic(self.path, line, col, message, code, detail)


@cache
def _fast_yaml() -> YAML:
    yaml = YAML(typ="safe")  # the C loader when ruamel.yaml.clib is installed
    yaml.allow_duplicate_keys = False
    return yaml


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    return yaml


def _plain(node: object, loc: Loc, positions: dict) -> object:
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            kline, kcol = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            positions[(*loc, str(key), "key")] = (kline, kcol, key)
            positions[(*loc, str(key))] = (vline, vcol, value)
            out[str(key)] = _plain(value, (*loc, str(key)), positions)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            positions[(*loc, index)] = (line, col, value)
            out_list.append(_plain(value, (*loc, index), positions))
        return out_list
    if isinstance(node, str):
        return str(node)
    return node


def read_document(path: Path, root: Path | None = None
                  ) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one YAML file; a refused file, duplicate keys, syntax errors and refused YAML
    features (:mod:`kb.yaml_guard`) become diagnostics. ``root``: the folder the file was
    found in, which a symbolic link may not leave."""
    text, refused = read_text(path, root)
    if text is None or refused is not None:
        return None, [refused] if refused else []
    try:
        problem = yaml_problem(text)
        if problem is not None:
            line, col, message = problem
            return None, [Diagnostic(path, line, col, f"YAML: {message}", "KB009")]
        return Document(path, _fast_yaml().load(text), text), []
    except YAMLError as exc:
        fast_error = exc  # parse again with the round-trip loader, whose messages locate it
    except Exception:  # ruamel's constructors raise ValueError on a few plain scalars
        return None, [_unreadable(path, text)]
    try:
        _yaml().load(text)
    except MarkedYAMLError as exc:
        return None, [_yaml_error(path, exc)]
    except YAMLError as exc:
        return None, [Diagnostic(path, None, None, f"YAML: {exc}", "KB002")]
    except Exception:
        return None, [_unreadable(path, text)]
    if isinstance(fast_error, MarkedYAMLError):
        return None, [_yaml_error(path, fast_error)]
    return None, [Diagnostic(path, None, None, "YAML: the file does not parse", "KB002")]


def _unreadable(path: Path, text: str) -> Diagnostic:
    found = unreadable_scalar(text)
    if found is None:
        return Diagnostic(path, None, None, "YAML: the file does not load", "KB002")
    line, col, message = found
    return Diagnostic(path, line, col, f"YAML: {message}", "KB002")


def _yaml_error(path: Path, exc: MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    problem = exc.problem or exc.context or "invalid YAML"
    code = "KB002"
    if "duplicate key" in str(problem) or "duplicate key" in str(exc):
        problem, code = f"{problem}: each key may appear once", "KB003"
    return Diagnostic(path, line, col, f"YAML: {problem}", code)


def _pydantic_diagnostics(doc: Document, exc: ValidationError, tagged: bool) -> list[Diagnostic]:
    out = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if tagged and loc and loc[0] in STATEMENT_TYPES:
            loc = loc[1:]
        kind = error["type"]
        message = error["msg"]
        if kind == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
            out.append(doc.diagnostic(loc, message, "KB101", key=True))
            continue
        if kind == "missing":
            message = f"missing field '{loc[-1]}'"
            out.append(doc.diagnostic(loc[:-1], message, "KB102"))
            continue
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            message = f"'type' must be one of: {', '.join(STATEMENT_TYPES)}"
            out.append(doc.diagnostic(("type",), message, "KB103"))
            continue
        if loc and loc[-1] == "[key]":  # a mapping's key, e.g. a variable's name
            name, loc = loc[-2], loc[:-1]
            if kind == "string_pattern_mismatch" and loc[:1] == ("variables",):
                message = (f"'{name}' is not a variable name: ASCII letters and digits, with "
                           "at most one '_' before a subscript (x_1, Sigma_inv)")
            out.append(doc.diagnostic(loc, message, "KB104", key=True))
            continue
        message = message.removeprefix("Value error, ")
        field = ".".join(str(p) for p in loc)
        out.append(doc.diagnostic(loc, f"{field}: {message}" if field else message, "KB104"))
    return out


def load_uncovered(path: Path) -> tuple[dict[str, list[Uncovered]], list[Diagnostic]]:
    doc, problems = read_document(path)
    if doc is None:
        return {}, problems
    try:
        return uncovered_adapter().validate_python(doc.data or {}), []
    except ValidationError as exc:
        return {}, _pydantic_diagnostics(doc, exc, tagged=False)


def load_sources(path: Path) -> tuple[dict[str, Source], list[Diagnostic]]:
    doc, problems = read_document(path)
    if doc is None:
        return {}, problems
    try:
        return sources_adapter().validate_python(doc.data), []
    except ValidationError as exc:
        return {}, _pydantic_diagnostics(doc, exc, tagged=False)


def load_record(path: Path, sources: dict[str, Source] | None = None,
                root: Path | None = None) -> tuple[Identity | None, list[Diagnostic]]:
    """Read, validate and compile one record file; ``root`` as for :func:`read_document`."""
    doc, problems = read_document(path, root)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [doc.diagnostic((), "a record is a YAML mapping of fields", "KB004")]
    try:
        record = record_adapter().validate_python(doc.data)
    except ValidationError as exc:
        return None, _pydantic_diagnostics(doc, exc, tagged=True)
    if record.id != path.stem:
        problems.append(doc.diagnostic(("id",), f"id '{record.id}' must equal the file name "
                                       f"'{path.stem}'", "KB105"))
    if sources is not None:
        refs: list[tuple[tuple[str | int, ...], str]] = [
            (("sources", i, "ref"), s.ref) for i, s in enumerate(record.sources)]
        if record.erratum is not None:
            refs.append((("erratum", "ref"), record.erratum.ref))
        for loc, ref in refs:
            if ref not in sources:
                problems.append(doc.diagnostic(
                    loc, f"unknown source '{ref}': add it to {SOURCES_FILE} or fix the name",
                    "KB106"))
    try:
        statement = compile_record(record)
    except StatementError as exc:
        problems += [doc.diagnostic(p.field, p.message, p.code, offset=p.pos, key=p.key)
                     for p in exc.problems]
        return None, problems
    if problems:
        return None, problems
    return Identity(path, doc, record, statement), []


def record_files(paths: Iterable[Path]) -> list[Path]:
    """The record files under the given files and folders, in a stable order."""
    return [path for path, _ in walk(paths)]


def walk(paths: Iterable[Path]) -> list[tuple[Path, Path | None]]:
    """Each record file under the given files and folders, with the folder it was found in
    (None for a file given itself). Links to folders are not followed."""
    files: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            files.extend((p, path) for p in sorted(path.rglob("*.yaml"))
                         if p.name not in NOT_RECORDS)
        else:
            files.append((path, None))
    return files


def within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is spelled as a path inside ``folder`` (links not resolved)."""
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


def find_sources(path: Path, default: Path) -> Path:
    """The registry of a record file or folder at ``path``: ``default`` (the catalog's
    sources.yaml) for a path inside the catalog, which has one registry; for a path outside,
    the nearest sources.yaml at or above it, else ``default``."""
    if within(path, default.parent):
        return default
    path = path.resolve()
    for folder in [path, *path.parents] if path.is_dir() else path.parents:
        candidate = folder / SOURCES_FILE
        if candidate.is_file():
            return candidate
    return default


def stray_registries(folder: Path, root: Path) -> list[Diagnostic]:
    """sources.yaml files below the catalog folder ``root``, found under ``folder``: a
    catalog has one registry, so that no contribution can redefine another's source."""
    main = Path(os.path.abspath(root / SOURCES_FILE))
    problems = []
    for path in sorted(folder.rglob(SOURCES_FILE)):
        if Path(os.path.abspath(path)) == main:
            continue
        doc, found = read_document(path, root)
        if doc is None:
            problems += found
            continue
        keys = list(doc.data) if isinstance(doc.data, dict) else []
        problems.append(doc.diagnostic((str(keys[0]),) if keys else (), (
            f"a second sources registry: a catalog has one, {display_path(main)}; move "
            "these entries there (they are not used)"), "KB010", key=True))
        if main.is_file():
            problems += _redefined(doc, keys, main)
    return problems


def _redefined(doc: Document, keys: list, other: Path) -> list[Diagnostic]:
    """A diagnostic at each key of ``doc`` that the registry ``other`` defines too."""
    theirs, _ = read_document(other)
    if theirs is None or not isinstance(theirs.data, dict):
        return []
    out = []
    for key in keys:
        if str(key) in theirs.data:
            line, col = theirs.where((str(key),), key=True)
            out.append(doc.diagnostic((str(key),), f"source '{key}' is also defined at "
                                      f"{display_path(other)}:{line}:{col}", "KB010", key=True))
    return out


def conflicting_sources(path: Path, sources: dict[str, Source], merged: dict[str, Source],
                        origin: dict[str, Path]) -> list[Diagnostic]:
    """Sources of the registry at ``path`` that another registry of the same run (``origin``
    says which) defines differently, each reported at both places."""
    clashes = [k for k, v in sources.items() if k in merged and merged[k] != v]
    if not clashes:
        return []
    doc, _ = read_document(path)
    if doc is None:
        return []
    out = []
    for key in clashes:
        other, _ = read_document(origin[key])
        line, col = other.where((key,), key=True) if other is not None else (1, 1)
        out.append(doc.diagnostic((key,), f"source '{key}' is defined differently at "
                                  f"{display_path(origin[key])}:{line}:{col}: a source id "
                                  "names one source", "KB010", key=True))
    return out
