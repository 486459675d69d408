"""Reading a record file that a stranger may have written: regular files only, bounded in
size, inside the catalog, and free of characters that YAML forbids or that hide text.

Every check runs before the file is parsed, and the type and size before it is opened, so a
named pipe, ``/dev/zero`` or a 50 MB file costs nothing.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kb.diagnostics import Diagnostic
from kb.limits import MAX_FILE_BYTES

# What YAML 1.2 allows in a stream (its "printable" set) less the tab, which ruamel's two
# loaders treat differently (the fast one accepts a tab after a colon, the locating one does
# not), and less the bidirectional controls, which make a title read other than it is.
_FORBIDDEN = re.compile("[^\n\r\x20-\x7e\x85\xa0-\u2029\u202f-\u2065\u206a-\ud7ff"
                        "\ue000-\ufffd\U00010000-\U0010ffff]")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refused(path: Path, message: str) -> tuple[None, Diagnostic]:
    return None, Diagnostic(path, None, None, message, "KB007")


def _outside(path: Path, root: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return True


def read_text(path: Path, root: Path | None = None) -> tuple[str | None, Diagnostic | None]:
    """The text of a record file, or the reason it is refused.

    ``root`` is the folder the file was found in: a symbolic link leading out of it is
    refused (links inside it are fine).
    """
    if root is not None and _outside(path, root):
        return _refused(path, "a link to a file outside the catalog folder: records are "
                        "files inside it")
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, Diagnostic(path, None, None, f"cannot read the file: {exc.strerror}",
                                "KB001")
    if not stat.S_ISREG(info.st_mode):
        return _refused(path, "not a regular file (a folder, a pipe or a device): a record "
                        "is a regular file")
    if info.st_size > MAX_FILE_BYTES:
        return _refused(path, f"the file has {info.st_size} bytes, over the limit of "
                        f"{MAX_FILE_BYTES} (kb/limits.py)")
    try:
        data = _read_regular(path)
    except OSError as exc:
        return None, Diagnostic(path, None, None, f"cannot read the file: {exc.strerror}",
                                "KB001")
    if data is None:  # replaced by something else since the stat
        return _refused(path, "the file changed while it was read: not a regular file "
                        f"of at most {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(data, exc.start)
        return None, Diagnostic(path, line, col, "the file is not UTF-8 text: save it as "
                                "UTF-8", "KB001")
    return text, forbidden_character(path, text)


def regular_bytes(path: str | Path) -> bytes | None:
    """The bytes of a regular file within the size limit, else None (never blocks)."""
    try:
        return _read_regular(Path(path))
    except OSError:
        return None


def _read_regular(path: Path) -> bytes | None:
    """At most the size limit of a file, opened without blocking and checked again once
    open (the path may have been swapped for a pipe since it was examined)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > MAX_FILE_BYTES else b"".join(chunks)
    finally:
        os.close(fd)


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1


def forbidden_character(path: Path, text: str) -> Diagnostic | None:
    """The first character a record may not contain, located where it is."""
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    offset = match.start()
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    char = match.group()
    message = ("a tab: indent and separate with spaces (in a text, write \\t inside double "
               "quotes)" if char == "\t"
               else f"the bidirectional control U+{ord(char):04X}, which makes text read "
               "other than it is: remove it" if char in _BIDI
               else f"the control character U+{ord(char):04X}, which YAML does not allow: "
               "remove it")
    return Diagnostic(path, line, col, message, "KB008")
