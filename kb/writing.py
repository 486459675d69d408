"""Writing what the commands produce without losing anything: an export file is written
whole or not at all, and ``kb build`` writes only into a folder that is its own.

The build folder rule (README, site/api.md): the output folder must not exist, be empty, or
hold :data:`SITE_MARKER` (written by a previous ``kb build``); it may not be, contain or lie
inside the project's sources (the project folder, the catalog, the docs folder). The site is
built in a staging folder beside it and swapped in at the end, so a failed or interrupted
build leaves the previous site as it was and no staging folder behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

SITE_MARKER = ".kb-site"
"""The file ``kb build`` writes in each site folder it builds: only such a folder (or an
empty one) is ever replaced."""


class OutputError(Exception):
    """A place the command refuses to write to, or cannot; the message says which and why."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: into a temporary file in the same
    folder, renamed over ``path`` once complete, so a full disk or an interrupt never leaves
    half a file. A device or pipe (``/dev/stdout``) is written directly. Raises
    :class:`OutputError` with the reason."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        _write(path, text)
        return
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {path}: there is no folder {path.parent}")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 is not what a user expects
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _write(path: Path, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None


def check_site_dir(target: Path, project: Path, sources: Iterable[Path]) -> Path:
    """The resolved output folder of ``kb build``, or :class:`OutputError` if building there
    could destroy anything (the module's rule): it may not be or contain ``project`` or any
    of ``sources`` (the catalog, the docs folder), nor lie inside one of ``sources``."""
    target = target.resolve()
    sources = [p.resolve() for p in sources]
    for folder in [project.resolve(), *sources]:
        if folder.is_relative_to(target):
            raise OutputError(f"refusing to build the site into {target}: the build replaces "
                              f"that folder whole, and it holds {folder}; choose another "
                              "folder (default: build/site)")
    for folder in sources:
        if target.is_relative_to(folder):
            raise OutputError(f"refusing to build the site into {target}: it is inside "
                              f"{folder}; choose a folder outside it (default: build/site)")
    if target.exists() and not target.is_dir():
        raise OutputError(f"refusing to build the site into {target}: it is a file")
    if target.is_dir() and not _ours(target) and any(target.iterdir()):
        raise OutputError(f"refusing to build the site into {target}: the folder is not empty "
                          f"and was not written by kb build (it has no {SITE_MARKER} file); "
                          "choose a new or empty folder")
    return target


def _ours(folder: Path) -> bool:
    """Whether ``folder`` is a site ``kb build`` wrote: it holds the marker, or (a site built
    before the marker existed) both the browse index and the search index of this site."""
    return ((folder / SITE_MARKER).is_file()
            or ((folder / "browse.json").is_file()
                and (folder / "search" / "search_index.json").is_file()))


@contextlib.contextmanager
def staged_site(target: Path) -> Iterator[Path]:
    """A staging folder beside ``target`` to build into; on success it gets the marker and
    replaces ``target`` (the old site is removed only then). On any exit other than success,
    interrupts included, the staging folder is removed and ``target`` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield staging
        (staging / SITE_MARKER).write_text(
            "Written by kb build: kb build replaces this folder whole.\n", encoding="utf-8")
        old = target.with_name(f".{target.name}.old-{secrets.token_hex(6)}")
        if target.exists():
            target.rename(old)
        try:
            staging.rename(target)
        except BaseException:
            if old.exists():
                old.rename(target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
