"""Trees as SymPy matrix expressions (SymPy is optional and never imported by kb.load)."""

from __future__ import annotations

import subprocess
import sys

import sympy as sp

import kb


def test_trace_gradient_agrees_with_sympy() -> None:
    lhs, rhs = kb.load().get("trace-axb").to_sympy()
    x = next(s for s in lhs.free_symbols if str(s) == "X")
    assert sp.simplify(lhs.diff(x) - rhs) == sp.ZeroMatrix(*rhs.shape)


def test_structure_of_the_translation() -> None:
    lhs, rhs = kb.load().get("log-det").to_sympy()
    assert isinstance(lhs, sp.log) and isinstance(lhs.args[0], sp.Determinant)
    assert rhs == sp.Inverse(sp.transpose(sp.MatrixSymbol("X", *lhs.args[0].arg.shape)))


def test_loading_the_catalog_does_not_import_sympy() -> None:
    code = "import sys, kb; kb.load(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
