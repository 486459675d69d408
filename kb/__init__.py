"""The verified matrix-calculus knowledge base.

``kb.load()`` returns the catalog of verified identity records.
"""

from __future__ import annotations

from kb.catalog import Catalog, load

__all__ = ["Catalog", "load"]
__version__ = "0.1.0"
