"""The catalog's text and LaTeX, compared with a committed snapshot.

Refactoring the printers must not change a byte of what the catalog prints. After a
deliberate change of notation, regenerate the snapshot with
``KB_UPDATE_SNAPSHOT=1 python3 -m pytest tests/test_notation_snapshot.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import kb
from kb.identity import Identity
from kb.latex import latex
from kb.layouts import LAYOUTS
from kb.printer import to_text

SNAPSHOT = Path(__file__).parent / "snapshots" / "catalog_notation.json"


def notation(identity: Identity) -> dict[str, str]:
    """Every text and LaTeX string the catalog shows for one identity."""
    st = identity.statement
    out: dict[str, str] = {}
    for field, tree in st.trees.items():
        out[f"text:{field}"] = to_text(tree)
        out[f"latex:{field}"] = latex(tree)
    for layout in LAYOUTS if identity.has_layout else ("denominator",):
        out[f"text:result:{layout}"] = identity.derivative(layout)
        out[f"latex:statement:{layout}"] = identity.latex(layout)
    if st.differential is not None:
        out["text:differential"] = identity.differential() or ""
        out["latex:differential"] = identity.differential_latex() or ""
    if st.printed is not None:
        out["text:printed"] = to_text(st.printed)
        out["latex:printed"] = latex(st.printed)
    for step in st.steps:
        out[f"text:step:{step.number}"] = step.text
        if step.tree is not None:
            out[f"latex:step:{step.number}"] = latex(step.tree)
    return out


def current() -> dict[str, dict[str, str]]:
    return {identity.id: notation(identity) for identity in kb.load()}


def test_catalog_notation_is_unchanged() -> None:
    now = current()
    if os.environ.get("KB_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        pytest.skip("snapshot rewritten")
    saved = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    missing = sorted(set(saved) - set(now))
    assert not missing, f"records in the snapshot but not in the catalog: {missing[:10]}"
    changed = [(rid, key, saved[rid][key], now[rid].get(key))
               for rid in saved for key in saved[rid] if now[rid].get(key) != saved[rid][key]]
    assert not changed, "notation changed:\n" + "\n".join(
        f"{rid} {key}:\n  was {old!r}\n  now {new!r}" for rid, key, old, new in changed[:20])
    assert len(saved) >= 300
