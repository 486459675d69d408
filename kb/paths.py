"""Where the catalog is by default; a module of its own so that commands which only need
the path (a lookup from the prebuilt index) do not import the record models."""

from __future__ import annotations

from pathlib import Path


def default_root() -> Path:
    """``identities/`` of the working directory if there is one, else the project's."""
    here = Path.cwd() / "identities"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "identities"
