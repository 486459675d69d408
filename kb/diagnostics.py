"""Problems reported to the user as ``path:line:col: message``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: Path
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.col}: {self.message}"


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


class CatalogError(Exception):
    """Raised by strict loading when a catalog has problems; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics
