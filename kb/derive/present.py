"""A derivation as text, LaTeX (an aligned derivation for course notes), Markdown, a YAML
derivation record and plain data."""

from __future__ import annotations

import io
from typing import Any

from kb.latex import latex as tree_latex
from kb.latex import latex_name
from kb.layouts import LAYOUTS

from .check import compile_text
from .result import Derivation, presenter

MODELINE = "# yaml-language-server: $schema=../../schema/identity.schema.json\n"


def _shapes_line(d: Derivation) -> str:
    parts = [f"{name}: {rows}×{cols}" for name, (rows, cols) in d.shapes.items()]
    line = ", ".join(parts)
    if d.inferred:
        line += f"  (assumed for {', '.join(d.inferred)}; give others with --shape)"
    return line


def _assumptions_line(d: Derivation) -> str:
    return "; ".join(f"{name}: {', '.join(s)}" for name, s in d.assumptions.items())


def _verification(d: Derivation) -> dict[str, Any]:
    reports = d.reports or [d.report]
    return {
        "ok": all(r.ok for r in reports),
        "method": "; ".join(dict.fromkeys(r.method for r in reports)),
        "checks": sum(len(r.checks) for r in reports),
        "draws": reports[0].draws,
        "worst_relative_error": max(r.worst_error for r in reports),
    }


def _answer_label(d: Derivation) -> str:
    return "Hessian" if d.order == 2 else f"∂/∂{d.wrt}"


@presenter("text")
def text(d: Derivation) -> str:
    """The derivation as plain text, for the terminal."""
    lines = [f"d/d{d.wrt} {d.expression}", f"shapes: {_shapes_line(d)}"]
    if d.assumptions:
        lines.append(f"assuming: {_assumptions_line(d)}")
    lines.append("")
    width = max(len(s.expression) for s in d.steps)
    for number, step in enumerate(d.steps, 1):
        label = {"differential": "d", "derivative": "∂"}.get(step.kind, "=")
        cites = f"  [{', '.join(step.uses)}]" if step.uses else ""
        lines.append(f"{number:>2}. {label} {step.expression:<{width}}  {step.justification}"
                     f"{cites}")
    lines.append("")
    if d.derivatives is not None:
        for layout in LAYOUTS:
            lines.append(f"{_answer_label(d)} ({layout} layout): {d.derivative(layout)}")
    lines.append(f"differential: {d.differential()}")
    v = _verification(d)
    lines.append(f"verified: {v['checks']} checks, worst relative error "
                 f"{v['worst_relative_error']:.1e}")
    return "\n".join(lines)


@presenter("latex")
def latex(d: Derivation) -> str:
    """An aligned derivation: each line one step, tagged with the records it uses."""
    f = "f"
    wrt = latex_name(d.wrt)
    rows = []
    previous = None
    for step in d.steps:
        if step.kind != previous:
            if step.kind == "differential":
                head = rf"\mathrm{{d}}{f}"
            elif d.order == 2 and step is d.steps[-1]:
                head = rf"\frac{{\partial^2 {f}}}{{\partial {wrt}\, \partial {wrt}^{{\top}}}}"
            else:
                head = rf"\frac{{\partial {f}}}{{\partial {wrt}}}"
            previous = step.kind
        else:
            head = ""
        why = (r" && \text{" + ", ".join(step.uses) + "}") if step.uses else ""
        rows.append(f"{head} &= {tree_latex(step.tree)}{why}")
    goal = rf"{f} &= {tree_latex(d.goal)}"
    return (r"\begin{aligned}" + "\n" + goal + r" \\" + "\n" + " \\\\\n".join(rows) + "\n"
            + r"\end{aligned}")


def _md_escape(value: str) -> str:
    out = value
    for ch in "\\`*_{}[]<>()#+!|":
        out = out.replace(ch, "\\" + ch)
    return out


@presenter("markdown")
def markdown(d: Derivation) -> str:
    """A Markdown snippet: the shapes, a table of steps, the answer and its verification."""
    lines = [f"**Derivative of `{d.expression}` by `{d.wrt}`**", "",
             f"Shapes: {_md_escape(_shapes_line(d))}", ""]
    if d.assumptions:
        lines += [f"Assuming: {_md_escape(_assumptions_line(d))}", ""]
    lines += ["| | step | by |", "|---|---|---|"]
    for number, step in enumerate(d.steps, 1):
        uses = ", ".join(f"`{u}`" for u in step.uses)
        why = _md_escape(step.justification)
        lines.append(f"| {number} | ${tree_latex(step.tree)}$ | {why} {uses} |")
    lines.append("")
    if d.derivatives is not None:
        for layout in LAYOUTS:
            lines.append(f"- {layout} layout: ${tree_latex(d.derivative_tree(layout))}$")
    v = _verification(d)
    lines += ["", f"Verified numerically: {v['checks']} checks, worst relative error "
              f"{v['worst_relative_error']:.1e}."]
    return "\n".join(lines) + "\n"


@presenter("to_dict")
def to_dict(d: Derivation) -> dict[str, Any]:
    """The JSON shape of ``kb derive --format json``."""
    derivative = ({layout: d.derivative(layout) for layout in LAYOUTS}
                  if d.derivatives is not None else None)
    return {
        "expression": d.expression,
        "wrt": d.wrt,
        "shapes": {name: list(pair) for name, pair in d.shapes.items()},
        "assumptions": d.assumptions,
        "order": d.order,
        "derivative": derivative,
        "differential": d.differential(),
        "steps": [{"expression": s.expression, "justification": s.justification,
                   "uses": list(s.uses), "kind": s.kind} for s in d.steps],
        "verification": _verification(d),
    }


@presenter("to_yaml")
def to_yaml(d: Derivation) -> str:
    """A derivation record that ``kb verify`` accepts when saved under ``identities/``:
    the text is compiled and verified again before it is returned."""
    from ruamel.yaml import YAML

    compile_text(d)
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(value):
        node = CommentedMap(value) if isinstance(value, dict) else CommentedSeq(value)
        node.fa.set_flow_style()
        return node

    record = dict(d.record)
    # variables read as in the catalog's records: X: {shape: [n, m]}
    record["variables"] = {name: flow({k: flow(v) if isinstance(v, list) else v
                                       for k, v in spec.items()})
                           for name, spec in record["variables"].items()}
    for key in ("tags", "wrt"):
        if isinstance(record.get(key), list):
            record[key] = flow(record[key])
    if "steps" in record:
        record["steps"] = [{k: flow(v) if k == "cites" else v for k, v in step.items()}
                           for step in record["steps"]]
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(record, out)
    return MODELINE + out.getvalue()
