"""The statement-type registry: complete, in step with the schema and the checks, and what
the API builds from it (presentations, numpy callables) works for every type."""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import kb
from kb.cli import main
from kb.loader import read_document
from kb.sampling import assign_sizes, sample
from kb.schema import Record, record_adapter
from kb.statement_types import STATEMENT_TYPES
from kb.verify import CHECKS


@pytest.fixture(scope="module")
def cat() -> kb.Catalog:
    return kb.load()


def test_every_type_has_a_model_of_the_union_and_a_check() -> None:
    union = typing.get_args(typing.get_args(Record)[0])
    assert {t.model for t in STATEMENT_TYPES.values()} == set(union)
    assert set(CHECKS) == set(STATEMENT_TYPES)
    for name, stype in STATEMENT_TYPES.items():
        assert stype.model.model_fields["type"].annotation == typing.Literal[name]
        assert set(stype.fields) <= set(stype.model.model_fields)


@pytest.mark.parametrize("name", sorted(STATEMENT_TYPES))
def test_kb_new_writes_a_valid_skeleton_of_each_type(name: str, tmp_path: Path) -> None:
    root = tmp_path / "identities"
    result = CliRunner().invoke(main, ["new", "my-record", "--type", name, "--root", str(root)])
    assert result.exit_code == 0, result.output
    doc, problems = read_document(root / "misc" / "my-record.yaml")
    assert problems == [] and doc is not None
    record = record_adapter().validate_python(doc.data)
    assert record.type == name


def test_kb_new_refuses_an_unknown_type(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", "x", "--type", "derivate", "--root",
                                       str(tmp_path)])
    assert result.exit_code == 2 and "derivative, differential" in result.output


@pytest.mark.parametrize(("record_id", "text"), [
    ("trace-axb", "∂/∂X tr(A X B) = A^T B^T"),
    ("trace-axb-differential", "d(tr(A X B)) = tr(B A dX)"),
    ("rayleigh-quotient-hessian", "∂²/∂x∂xᵀ "),
])
def test_text_presentation(cat, record_id: str, text: str) -> None:
    assert cat.get(record_id).text().startswith(text)


def test_every_statement_has_a_presentation(cat) -> None:
    seen = set()
    for identity in cat:
        seen.add(identity.type)
        assert " = " in identity.text() and " = " in identity.latex()
    assert seen == set(STATEMENT_TYPES)


def test_derivative_function_of_a_differential_takes_dx(cat) -> None:
    rng = np.random.default_rng(0)
    a, x, b = (rng.standard_normal(s) for s in ((2, 3), (3, 4), (4, 2)))
    dx = rng.standard_normal((3, 4))
    d = cat.get("trace-axb-differential").derivative_function()
    assert np.isclose(d(A=a, X=x, B=b, dX=dx), np.trace(b @ a @ dx))
    with pytest.raises(TypeError, match="missing arrays: dX"):
        d(A=a, B=b)


def test_derivative_function_with_a_size_no_argument_fixes(cat) -> None:
    identity = cat.get("trace-x")
    with pytest.raises(ValueError, match="no argument fixes the size of n"):
        identity.derivative_function()()
    assert np.array_equal(identity.derivative_function(sizes={"n": 3})(), np.eye(3))
    assert np.array_equal(identity.derivative_function()(X=np.zeros((2, 2))), np.eye(2))
    with pytest.raises(TypeError, match="unexpected arguments: Y"):
        identity.derivative_function()(Y=1.0)


def test_every_derivative_function_runs(cat) -> None:
    """No KeyError on any record: each callable evaluates at a draw of the record's shapes."""
    rng = np.random.default_rng(2)
    count = 0
    for identity in cat:
        specs = identity.statement.specs
        if any(spec.function_of for spec in specs.values()):
            continue
        sizes = assign_sizes(specs)
        arrays = {name: v[0] for name, v in sample(specs, sizes, 1, rng).items()}
        arrays |= {f"d{name}": rng.standard_normal(specs[name].shape.sizes(sizes))
                   for name in getattr(identity.record, "wrt", [])
                   if identity.type == "differential"}
        for layout in ("denominator", "numerator") if identity.has_layout else ("denominator",):
            out = np.atleast_2d(identity.derivative_function(layout, sizes)(**arrays))
            assert out.shape == identity.result_tree(layout).shape.sizes(sizes), identity.id
            count += 1
    assert count > 100


def test_the_docs_describe_every_type() -> None:
    docs = (Path(__file__).parent.parent / "site" / "records.md").read_text(encoding="utf-8")
    for name, stype in STATEMENT_TYPES.items():
        assert f"| `{name}` | " in docs and stype.meaning in docs, name
