"""The verified matrix-calculus knowledge base.

``kb.load()`` returns the catalog of verified identity records (see site/api.md).

The names below are imported on first use, so ``import kb`` loads neither pydantic nor
numpy: the command line and scripts that only need the version start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.catalog import Catalog, load
    from kb.derive import Derivation, DeriveError
    from kb.diagnostics import CatalogError
    from kb.grammar import ExpressionError
    from kb.identity import Identity
    from kb.match import Match
    from kb.results import Report

_EXPORTS = {
    "load": "kb.catalog",
    "Catalog": "kb.catalog",
    "Identity": "kb.identity",
    "Derivation": "kb.derive",
    "DeriveError": "kb.derive",
    "Match": "kb.match",
    "Report": "kb.results",
    "CatalogError": "kb.diagnostics",
    "ExpressionError": "kb.grammar",
}

__all__ = ["Catalog", "CatalogError", "Derivation", "DeriveError", "ExpressionError", "Identity",
           "Match", "Report", "load"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # One place for the version: pyproject.toml, read back from the installed metadata.
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("matrix-calculus-kb")
        except PackageNotFoundError:  # a source tree on sys.path, never installed
            return "0+unknown"
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*globals(), *__all__, "__version__"]
