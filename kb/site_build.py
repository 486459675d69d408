"""``kb build``: verify the catalog once, then build the site with MkDocs into a staging
folder that replaces the output folder only when the build succeeded (:mod:`kb.writing` has
the rule of which folders it may write).

The site generator's own errors are reported as its messages (MkDocs logs a plugin's error,
then raises a bare "Aborted with a BuildError!"), so a record KaTeX cannot render is named
with its file, line and field, not hidden behind that line.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kb.writing import OutputError, check_site_dir, staged_site


class BuildFailed(Exception):
    """The catalog does not verify or the site did not build; the message says why (one
    problem per line)."""


class CatalogFailed(BuildFailed):
    """The catalog does not verify: the message is the ``path:line:col`` lines and the
    summary of ``kb verify``."""


class _Collect(logging.Handler):
    """Keeps the messages of warnings and errors the site generator logs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(project: Path, root: Path | None, site_dir: Path | None,
               verbose: bool = False) -> tuple[int, Path]:
    """Verify the catalog at ``root`` (default: the project's identities/) and build the site
    of ``project`` into ``site_dir`` (default: mkdocs.yml's site_dir). Returns the number of
    verified records and the folder written; raises :class:`~kb.writing.OutputError` for a
    refused folder (before any work) and :class:`BuildFailed` otherwise."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from kb import site_hook

    catalog_root = (root or project / "identities").resolve()
    os.environ[site_hook.CATALOG_ENV] = str(catalog_root)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    config = load_config(str(project / "mkdocs.yml"))
    target = check_site_dir(site_dir or Path(config["site_dir"]), project,
                            [catalog_root, Path(config["docs_dir"])])
    try:
        data = site_hook.verified_site_data(catalog_root)
    except MkDocsException as exc:
        raise CatalogFailed(str(exc).removeprefix("the catalog does not verify:\n")) from None
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    collect = _Collect()
    logger.addHandler(collect)
    site_hook.hand_over(config, catalog_root, data)
    try:
        with staged_site(target) as staging:
            config["site_dir"] = str(staging)
            try:
                mkdocs_build(config)
            except Exception as exc:  # the generator's errors: its logged messages say why
                messages = list(dict.fromkeys(collect.messages)) or [str(exc)]
                raise BuildFailed("the site did not build:\n" + "\n".join(messages)) from None
    finally:
        logger.removeHandler(collect)
        site_hook.hand_over(config, catalog_root, None)
    return len(data.identities), target


__all__ = ["BuildFailed", "CatalogFailed", "OutputError", "build_site"]
