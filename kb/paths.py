"""Where the catalog is by default; a module of its own so that commands which only need
the path (a lookup from the prebuilt index) do not import the record models."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED_ROOT = PACKAGE / "_catalog"
"""Where a wheel puts the catalog: pyproject.toml maps the repository's identities/ here."""
CHECKOUT_ROOT = PACKAGE.parent / "identities"
"""The catalog of the source checkout the package runs from (editable install, PYTHONPATH)."""


def default_root() -> Path:
    """The catalog that comes with the running package, whatever the working directory.

    An installed wheel carries its catalog in ``kb/_catalog``; a source checkout (editable
    install) has it in ``identities/`` beside ``kb/``. A folder named ``identities`` in the
    working directory is never picked up silently: another catalog is always named, with
    ``kb.load(path)`` or ``--root``. The rule is documented in site/api.md ("Which catalog").
    """
    return BUNDLED_ROOT if BUNDLED_ROOT.is_dir() else CHECKOUT_ROOT


def is_bundled(root: Path) -> bool:
    """Whether ``root`` is the read-only copy of the catalog installed with a wheel."""
    return root.resolve() == BUNDLED_ROOT
