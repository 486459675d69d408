"""Bad input is reported as `path:line:col: message`, at the offending place, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

import kb
from kb.catalog import load_entries
from kb.diagnostics import CatalogError
from tests.conftest import TRACE_RECORD

CATALOG_SOURCES = Path(__file__).parent.parent / "identities" / "sources.yaml"

GOOD = TRACE_RECORD.replace("{derivative}", "A^T B^T")




def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def record(stem: str, **replace: str) -> str:
    """The good record with some lines replaced: {'derivative: A^T B^T': 'derivative: ...'}."""
    text = GOOD.format(id=stem)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def problems(folder: Path) -> list[str]:
    _, found = load_entries([folder], root=folder)
    return [str(d) for d in found]


def at(text: str, needle: str, offset: int = 0) -> str:
    """`line:col` (1-based) of the first occurrence of needle, plus offset characters."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{col}"


def only(folder: Path) -> str:
    found = problems(folder)
    assert len(found) == 1, found
    return found[0]


# ---- YAML --------------------------------------------------------------------------------


def test_yaml_that_does_not_parse(folder: Path) -> None:
    write(folder, "broken.yaml", "id: broken\ntitle: [unclosed\n")
    assert only(folder).startswith("broken.yaml:3:1: KB002 YAML: expected ',' or ']'")


def test_yaml_with_a_tab(folder: Path) -> None:
    text = record("tabbed").replace("  X: {shape", "\tX: {shape")
    write(folder, "tabbed.yaml", text)
    message = only(folder)
    assert message.startswith(f"tabbed.yaml:{at(text, chr(9))}: KB008 a tab: indent and "
                              "separate with spaces")
    assert "Traceback" not in message


def test_duplicate_key(folder: Path) -> None:
    text = record("dup", **{"wrt: X\n": "wrt: X\ntitle: again\n"})
    write(folder, "dup.yaml", text)
    message = only(folder)
    assert message.startswith(f"dup.yaml:{at(text, 'title: again')}: KB003 "
                              "YAML: found duplicate key")
    assert message.endswith("each key may appear once")


def test_not_a_mapping(folder: Path) -> None:
    write(folder, "listed.yaml", "- a\n- b\n")
    assert only(folder) == "listed.yaml:1:1: KB004 a record is a YAML mapping of fields"


# ---- schema ------------------------------------------------------------------------------


def test_unknown_field(folder: Path) -> None:
    text = record("extra", **{"wrt: X\n": "wrt: X\ncolour: red\n"})
    write(folder, "extra.yaml", text)
    assert only(folder) == f"extra.yaml:{at(text, 'colour')}: KB101 unknown field 'colour'"


def test_unknown_field_in_a_variable(folder: Path) -> None:
    text = record("extra-var", **{"A: {shape: [p, n]}": "A: {shape: [p, n], kind: matrix}"})
    write(folder, "extra-var.yaml", text)
    assert only(folder) == f"extra-var.yaml:{at(text, 'kind:')}: KB101 unknown field 'kind'"


def test_missing_field(folder: Path) -> None:
    write(folder, "no-wrt.yaml", record("no-wrt", **{"wrt: X\n": ""}))
    assert only(folder) == "no-wrt.yaml:1:1: KB102 missing field 'wrt'"


def test_missing_field_of_a_variable(folder: Path) -> None:
    text = record("no-shape", **{"A: {shape: [p, n]}": "A: {structure: [invertible]}"})
    write(folder, "no-shape.yaml", text)
    assert only(folder) == f"no-shape.yaml:{at(text, '{structure')}: KB102 missing field 'shape'"


def test_invalid_type(folder: Path) -> None:
    text = record("bad-type", **{"type: derivative": "type: derivate"})
    write(folder, "bad-type.yaml", text)
    assert only(folder) == (f"bad-type.yaml:{at(text, 'derivate')}: KB103 'type' must be one of: "
                            "derivative, differential, hessian, equality, derivation")


def test_invalid_structure(folder: Path) -> None:
    text = record("bad-structure", **{
        "A: {shape: [p, n]}": "A: {shape: [p, n], structure: [spd, orthogonl]}"})
    write(folder, "bad-structure.yaml", text)
    message = only(folder)
    assert message.startswith(f"bad-structure.yaml:{at(text, 'orthogonl')}: KB104 "
                              "variables.A.structure.1: Input should be")


def test_invalid_dimension(folder: Path) -> None:
    text = record("bad-dim", **{"A: {shape: [p, n]}": "A: {shape: [p, 0]}"})
    write(folder, "bad-dim.yaml", text)
    assert only(folder) == (f"bad-dim.yaml:{at(text, '0]')}: KB104 variables.A.shape.1: "
                            "dimension 0 must be a positive integer")


def test_boolean_is_not_a_dimension(folder: Path) -> None:
    """`shape: [n, true]` must be an error (Dim.parse refuses booleans), not a silent [n, 1]."""
    text = record("bool-dim", **{"A: {shape: [p, n]}": "A: {shape: [p, true]}"})
    write(folder, "bool-dim.yaml", text)
    prefix = f"bool-dim.yaml:{at(text, 'true]')}: KB104 variables.A.shape.1: a dimension is a name"
    found = problems(folder)
    assert any(p.startswith(prefix) for p in found), found


def test_invalid_id_pattern(folder: Path) -> None:
    text = record("Bad_Id")
    write(folder, "Bad_Id.yaml", text)
    assert only(folder) == ("Bad_Id.yaml:1:5: KB104 id: String should match pattern "
                            "'^[a-z0-9]+(-[a-z0-9]+)*$'")


def test_id_differs_from_file_name(folder: Path) -> None:
    write(folder, "file-name.yaml", record("other-name"))
    assert only(folder) == ("file-name.yaml:1:5: KB105 id 'other-name' must equal the file name "
                            "'file-name'")


def test_duplicate_id_across_folders(folder: Path) -> None:
    write(folder, "a/same.yaml", record("same"))
    write(folder, "b/same.yaml", record("same"))
    catalog, found = load_entries([folder], root=folder)
    assert len(found) == 1
    assert str(found[0]).startswith("b/same.yaml:1:5: KB107 duplicate id 'same' (also ")
    assert str(found[0]).endswith("a/same.yaml)")
    assert len(catalog) == 1


def test_unknown_source(folder: Path) -> None:
    text = record("bad-source", **{"ref: seed-002-ang": "ref: no-such-source"})
    write(folder, "bad-source.yaml", text)
    assert only(folder) == (f"bad-source.yaml:{at(text, 'no-such-source')}: KB106 unknown source "
                            "'no-such-source': add it to sources.yaml or fix the name")


def test_unknown_erratum_source(folder: Path) -> None:
    text = record("bad-erratum") + (
        "erratum:\n  ref: nowhere\n  printed: B A\n  explanation: transposed\n")
    write(folder, "bad-erratum.yaml", text)
    assert only(folder).startswith(
        f"bad-erratum.yaml:{at(text, 'nowhere')}: KB106 unknown source 'nowhere'")


def test_sources_registry_is_checked(folder: Path) -> None:
    text = "broken-source:\n  title: No authors\n  year: 2020\n"
    write(folder, "sources.yaml", text)
    write(folder, "ok.yaml", record("ok", **{"ref: seed-002-ang": "ref: broken-source"}))
    found = problems(folder)
    assert found[0] == "sources.yaml:2:3: KB102 missing field 'authors'"


# ---- variables ---------------------------------------------------------------------------


def with_variable(stem: str, line: str) -> str:
    return record(stem, **{"  B: {shape: [m, p]}": f"  B: {{shape: [m, p]}}\n  {line}"})


@pytest.mark.parametrize("name", ["tr", "T", "exp", "I", "diff"])
def test_reserved_variable_name(folder: Path, name: str) -> None:
    write(folder, "reserved.yaml", with_variable("reserved", f"{name}: {{shape: [1, 1]}}"))
    message = only(folder)
    assert message.startswith("reserved.yaml:")
    assert message.endswith(f"'{name}' is reserved (a function name or T): rename the variable")


def test_reserved_variable_name_is_located_at_the_name(folder: Path) -> None:
    text = with_variable("reserved", "tr: {shape: [1, 1]}")
    write(folder, "reserved.yaml", text)
    assert only(folder).startswith(f"reserved.yaml:{at(text, 'tr:')}: KB201 ")


def test_unused_variable(folder: Path) -> None:
    text = with_variable("unused", "Q: {shape: [m, m]}")
    write(folder, "unused.yaml", text)
    message = only(folder)
    assert message.endswith("declared but not used: Q")
    assert message.startswith(f"unused.yaml:{at(text, 'Q:')}: KB205 ")


def test_undeclared_function_of(folder: Path) -> None:
    text = with_variable("fof", "u: {shape: [n, 1], function_of: z}")
    write(folder, "fof.yaml", text)
    assert "function_of names 'z', which is not declared" in only(folder)


# ---- expressions ---------------------------------------------------------------------------


def test_undeclared_symbol_points_at_the_symbol(folder: Path) -> None:
    text = record("undeclared", **{"tr(A X B)": "tr(A X C)"})
    write(folder, "undeclared.yaml", text)
    assert only(folder) == (f"undeclared.yaml:{at(text, 'tr(A X C)', 7)}: KB302 "
                            "undeclared symbol 'C': "
                            "declare it under variables")


def test_undeclared_symbol_in_a_quoted_string(folder: Path) -> None:
    text = record("quoted", **{"derivative: A^T B^T": 'derivative: "A^T C^T"'})
    write(folder, "quoted.yaml", text)
    assert only(folder).startswith(f"quoted.yaml:{at(text, 'C^T')}: KB302 undeclared symbol 'C'")


def test_undeclared_symbol_in_a_block_scalar(folder: Path) -> None:
    text = record("block", **{"derivative: A^T B^T": "derivative: |\n  A^T C^T"})
    write(folder, "block.yaml", text)
    assert only(folder).startswith(f"block.yaml:{at(text, 'C^T')}: KB302 undeclared symbol 'C'")


def test_unknown_function(folder: Path) -> None:
    text = record("unknown-function", **{"tr(A X B)": "tr(A X B) + foo(X)"})
    write(folder, "unknown-function.yaml", text)
    assert only(folder) == (f"unknown-function.yaml:{at(text, 'foo')}: KB302 "
                            "undeclared symbol 'foo': "
                            "declare it under variables")


def test_function_name_without_parentheses(folder: Path) -> None:
    text = record("no-parens", **{"tr(A X B)": "tr A X B"})
    write(folder, "no-parens.yaml", text)
    assert only(folder) == (f"no-parens.yaml:{at(text, 'tr A X B', 3)}: KB301 'tr' is a function: "
                            "write tr(...) with parentheses")


def test_parse_error_position(folder: Path) -> None:
    text = record("parse-error", **{"tr(A X B)": "tr(A X $ B)"})
    write(folder, "parse-error.yaml", text)
    assert only(folder) == f"parse-error.yaml:{at(text, '$')}: KB301 unexpected character '$'"


def test_non_conforming_shapes(folder: Path) -> None:
    text = record("nonconforming", **{"tr(A X B)": "tr(A B X)"})
    write(folder, "nonconforming.yaml", text)
    assert only(folder) == (f"nonconforming.yaml:{at(text, 'A B X')}: KB303 "
                            "matrix product of p×n and "
                            "m×p: inner dimensions n and m differ")


def test_result_of_the_wrong_shape_for_its_layout(folder: Path) -> None:
    text = record("layout-shape", **{"derivative: A^T B^T": "derivative: B A"})
    write(folder, "layout-shape.yaml", text)
    assert only(folder) == (f"layout-shape.yaml:{at(text, 'B A')}: KB304 a denominator-layout "
                            "scalar-by-matrix derivative must be n×m, got m×n")


def test_numerator_layout_shape(folder: Path) -> None:
    text = record("numerator-shape", **{"layout: denominator": "layout: numerator"})
    write(folder, "numerator-shape.yaml", text)
    assert only(folder).endswith("a numerator-layout scalar-by-matrix derivative must be m×n, "
                                 "got n×m")


def test_matrix_by_matrix_has_no_matrix_form(folder: Path) -> None:
    text = record("mbm", **{"tr(A X B)": "A X B", "derivative: A^T B^T": "derivative: A"})
    write(folder, "mbm.yaml", text)
    message = only(folder)
    assert message.startswith(f"mbm.yaml:{at(text, 'A X B')}: KB305 "
                              "the derivative of a p×p expression")
    assert "state it as a differential record" in message


def test_differential_in_a_derivative_record(folder: Path) -> None:
    text = record("derivative-dx", **{"derivative: A^T B^T": "derivative: A^T B^T + dX"})
    write(folder, "derivative-dx.yaml", text)
    assert only(folder) == (f"derivative-dx.yaml:{at(text, 'dX')}: KB302 "
                            "'dX' is the differential of X, "
                            "which does not vary here")


DIFFERENTIAL = """\
id: d-ax
title: d(A X)
type: differential
expression: A X
wrt: X
differential: A dX + dA X
variables:
  X: {shape: [n, m]}
  A: {shape: [p, n]}
sources:
  - ref: seed-002-ang
    locator: "rule (3)"
"""


def test_differential_of_a_variable_that_does_not_vary(folder: Path) -> None:
    write(folder, "d-ax.yaml", DIFFERENTIAL)
    assert only(folder) == (f"d-ax.yaml:{at(DIFFERENTIAL, 'dA')}: KB302 "
                            "'dA' is the differential of A, "
                            "which does not vary here (only X varies)")


def test_wrt_not_declared(folder: Path) -> None:
    text = DIFFERENTIAL.replace("wrt: X", "wrt: [X, Q]")
    write(folder, "d-ax.yaml", text)
    assert only(folder) == f"d-ax.yaml:{at(text, 'Q]')}: KB204 wrt 'Q' is not a declared variable"


def erratum(printed_expression: str) -> str:
    return record("erratum-expr") + (
        "erratum:\n  ref: matrix-cookbook-2012\n  printed: B A\n"
        f"  printed_expression: {printed_expression}\n  explanation: typo\n")


def test_erratum_printed_expression_parse_error_is_located(folder: Path) -> None:
    text = erratum("A^T $ B^T")
    write(folder, "erratum-expr.yaml", text)
    assert only(folder) == f"erratum-expr.yaml:{at(text, '$')}: KB301 unexpected character '$'"


def test_erratum_printed_expression_undeclared_symbol_is_located(folder: Path) -> None:
    """A misspelt name in printed_expression is the contributor's error, not evidence that
    the source is wrong: it must be reported like one in any other expression."""
    text = erratum("A^T Y")
    write(folder, "erratum-expr.yaml", text)
    assert only(folder) == (f"erratum-expr.yaml:{at(text, 'A^T Y', 4)}: KB302 "
                            "undeclared symbol 'Y': "
                            "declare it under variables")


# ---- every problem of a run is reported ------------------------------------------------------


def test_all_problems_of_one_file(folder: Path) -> None:
    text = record("two-problems", **{"tr(A X B)": "tr(A X C)",
                                      "derivative: A^T B^T": "derivative: D"})
    write(folder, "two-problems.yaml", text)
    assert problems(folder) == [
        f"two-problems.yaml:{at(text, 'C)')}: KB302 "
        "undeclared symbol 'C': declare it under variables",
        f"two-problems.yaml:{at(text, 'D')}: KB302 "
        "undeclared symbol 'D': declare it under variables",
    ]


def test_all_problems_of_a_run(folder: Path) -> None:
    write(folder, "first.yaml", record("first", **{"tr(A X B)": "tr(A B X)"}))
    write(folder, "second.yaml", "id: second\ntitle: [unclosed\n")
    write(folder, "good.yaml", record("good"))
    catalog, found = load_entries([folder], root=folder)
    paths = sorted(str(d).split(":")[0] for d in found)
    assert paths == ["first.yaml", "second.yaml"]
    assert list(catalog.entries) == ["good"]


def test_strict_load_raises_with_every_problem(folder: Path) -> None:
    write(folder, "first.yaml", record("first", **{"tr(A X B)": "tr(A B X)"}))
    write(folder, "second.yaml", record("second", **{"wrt: X\n": ""}))
    with pytest.raises(CatalogError) as info:
        kb.load(folder)
    assert len(info.value.diagnostics) == 2
    assert "first.yaml" in str(info.value) and "second.yaml" in str(info.value)


def test_strict_load_of_a_good_folder(folder: Path) -> None:
    write(folder, "good.yaml", record("good"))
    catalog = kb.load(folder)
    assert "good" in catalog and len(catalog) == 1
    assert catalog.get("good").record.wrt == "X"
