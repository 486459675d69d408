"""The verified matrix-calculus knowledge base.

``kb.load()`` returns the catalog of verified identity records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.catalog import Catalog, load

__all__ = ["Catalog", "load"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported on first use, so that commands which need no records (`kb search` from its
    # prebuilt index) do not pay for pydantic and the grammar at start-up.
    if name in __all__:
        from kb import catalog

        return getattr(catalog, name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
