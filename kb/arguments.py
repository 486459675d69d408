"""The one check of every record id, topic and shape given on the command line.

An id or a topic becomes a file name (``TOPIC/ID.yaml``) and a glob, so it is checked before
any file is read or written: lowercase words of letters and digits joined by single hyphens,
anchored at both ends with ``\\Z`` (``$`` would let a trailing newline through), and bounded
in length. Nothing else can name a path: no ``/``, ``..``, ``*`` or ``[``. Commands turn a
:class:`ArgumentError` into a click usage error (exit 2).

This module imports only :mod:`kb.limits` from the package, so the fast lookup commands can
use it.
"""

from __future__ import annotations

import re

from kb.limits import MAX_ID_LENGTH

ID = r"[a-z0-9]+(-[a-z0-9]+)*"
"""A record id (the file name without ``.yaml``) and a topic folder: lowercase words joined
by single hyphens. :mod:`kb.schema` validates records' ids with it too."""
ID_RE = re.compile(rf"{ID}\Z")
MAX_TOPIC_LENGTH = 64
"""Longest topic folder name: a navigation title and a URL segment."""
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
"""A symbol or dimension name in ``--shape``, as in the expression language."""
MAX_NAME_LENGTH = 64
MAX_SHAPE_SIZE = 100
"""Largest literal dimension in ``--shape``: answers are checked on random draws of the
given shapes, so a size is memory and time; the derivative does not depend on it."""


class ArgumentError(ValueError):
    """A command-line argument that is refused; the message says what to write instead."""


def check_id(value: str, what: str = "id") -> str:
    """``value`` if it is a well-formed record id, else :class:`ArgumentError`."""
    return _check_word(value, what, MAX_ID_LENGTH, "e.g. trace-of-axb")


def check_topic(value: str) -> str:
    """``value`` if it is a well-formed topic folder name (one folder, no path)."""
    return _check_word(value, "topic", MAX_TOPIC_LENGTH, "e.g. traces")


def _check_word(value: str, what: str, limit: int, example: str) -> str:
    if len(value) > limit:
        raise ArgumentError(f"{what} longer than {limit} characters")
    if not ID_RE.match(value):
        raise ArgumentError(f"{what} {_quoted(value)} is not lowercase letters and digits "
                            f"joined by single '-' ({example})")
    return value


def check_name(value: str, what: str = "name") -> str:
    """A symbol or dimension name: a letter, then letters, digits or '_'."""
    if len(value) > MAX_NAME_LENGTH or not NAME_RE.match(value):
        raise ArgumentError(f"{what} {_quoted(value)} is not a name (a letter, then letters, "
                            f"digits or '_', at most {MAX_NAME_LENGTH})")
    return value


def parse_dimension(value: str) -> str:
    """A dimension of ``--shape``: a positive integer up to :data:`MAX_SHAPE_SIZE` or a
    name."""
    value = value.strip(" ")
    if value.isascii() and value.isdigit():
        if len(value) > 6 or not 1 <= int(value) <= MAX_SHAPE_SIZE:
            raise ArgumentError(f"dimension {_quoted(value)} must be from 1 to "
                                f"{MAX_SHAPE_SIZE}, or a name such as n")
        return str(int(value))
    return check_name(value, "dimension")


def parse_shape(item: str) -> tuple[str, tuple[str, str]]:
    """``W=n,k`` → ``("W", ("n", "k"))``; :class:`ArgumentError` for anything else."""
    name, equals, dims = item.partition("=")
    parts = dims.split(",")
    if not equals or len(parts) != 2:
        raise ArgumentError(f"{_quoted(item)}: write NAME=ROWS,COLS, e.g. W=n,k")
    rows, cols = (parse_dimension(p) for p in parts)
    return check_name(name.strip(" "), "symbol"), (rows, cols)


def _quoted(value: str, limit: int = 40) -> str:
    """An argument quoted for a message, control characters visible, long ones cut."""
    shown = value if len(value) <= limit else value[:limit] + "…"
    return repr(shown)
