"""The syntax page's function table is the registry's (regenerate: python -m kb.syntax_table)."""

from __future__ import annotations

from kb.functions import FUNCTIONS
from kb.syntax_table import PAGE, function_table, with_table


def test_syntax_page_lists_the_registry() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert with_table(page) == page, "site/syntax.md is stale: run python -m kb.syntax_table"


def test_table_has_one_row_per_function() -> None:
    rows = function_table().splitlines()[2:]
    assert len(rows) == len(FUNCTIONS)
    for row, name in zip(rows, FUNCTIONS, strict=True):
        assert row.startswith(f"| `{name}(")
