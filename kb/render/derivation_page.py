"""The page of a derivation: the result, then every step with its justification and the
records it uses, each checked numerically against the one before it."""

from __future__ import annotations

from collections.abc import Mapping

from kb import ast
from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.render.blocks import copyable, sources_list, variables_table, verification
from kb.render.cite import cite_block
from kb.render.identity_page import header
from kb.render.markup import esc, front_matter, identity_href, math, reading, text
from kb.schema import Source
from kb.verify import Report


def _goal_symbol(identity: Identity, kind: str) -> str:
    wrt = latex_name(identity.record.wrt)
    return {"value": "f", "differential": r"\mathrm{d}f",
            "derivative": rf"\frac{{\partial f}}{{\partial {wrt}}}"}[kind]


def _einsum_latex(step) -> str:
    terms = []
    for term in step.terms:
        inputs = term.spec.split("->")[0]
        factors = []
        for tree, sub in zip(term.arrays, inputs.split(",") if inputs else [], strict=True):
            body = latex(tree)
            if not isinstance(tree, ast.Sym | ast.ConstMatrix):
                body = rf"\left({body}\right)"
            if isinstance(tree, ast.ConstMatrix) and tree.kind == "I":
                body = r"\delta"
            factors.append(f"{body}_{{{sub}}}" if sub else body)
        scale = latex(term.scale)
        terms.append(("" if scale == "1" else scale + " ") + " ".join(factors))
    return " + ".join(terms)


def _step_latex(identity: Identity, step) -> str:
    """The step as 'lhs = rhs'; index notation gets its free index on the left."""
    lhs = _goal_symbol(identity, step.kind)
    if step.tree is not None:
        return f"{lhs} = {latex(step.tree)}"
    output = step.terms[0].spec.split("->")[1]
    if output:
        lhs = rf"\left[{lhs}\right]_{{{output}}}"
    return f"{lhs} = {_einsum_latex(step)}"


def derivation_page(identity: Identity, report: Report, sources: Mapping[str, Source],
                    by_id: Mapping[str, Identity], yaml_name: str,
                    site_url: str | None = None) -> str:
    record = identity.record
    st = identity.statement
    lines = header(identity, ["derivation", *identity.tags], record.layout)
    lines += [f"The gradient of $f = {latex(st.trees['goal'])}$ by "
              f"${latex_name(record.wrt)}$, in {record.layout} layout, step by step. Every step "
              "is checked numerically against the one before it.", ""]
    lines += ["## Result", "", copyable(identity.latex(record.layout),
                                        f"{record.layout.capitalize()} layout",
                                        f"result, {record.layout} layout"), ""]
    lines += ["## Steps", "", '<ol class="kb-steps">']
    errors = {name.split(" ", 2)[1]: value for name, value in report.checks.items()
              if name.startswith("step ")}
    for step in st.steps:
        cites = [by_id[ref] for ref in step.source.cites if ref in by_id]
        uses = ", ".join(f'<a class="kb-uses" href="{identity_href(c, 2)}">'
                         f"{esc(reading(c.title))}</a>" for c in cites)
        error = errors.get(str(step.number))
        mark = (f'<span class="kb-step-ok" title="checked: relative error {error:.1e}">'
                '✔<span class="kb-sr"> checked</span></span>' if error is not None else "")
        lines.append(
            f'<li class="kb-step" id="step-{step.number}"><div class="kb-step-head">'
            f"{mark} Step {step.number} · {esc(step.kind)}</div>"
            f'<div class="kb-math-box">{math(_step_latex(identity, step), True)}</div>'
            f'<div class="kb-step-why">{esc(reading(step.source.justification))}'
            f"{' Uses: ' + uses + '.' if uses else ''}</div></li>")
    lines += ["</ol>", ""]
    lines += ["## Variables", "", variables_table(identity), ""]
    if record.notes:
        lines += ["## Notes", "", text(reading(record.notes)), ""]
    lines += ["## Sources", "", *sources_list(identity, sources), ""]
    lines += ["## Verification", "", verification(report), ""]
    lines += ["## Cite", "", *cite_block(identity, sources, site_url)]
    lines += [f"[View the YAML source]({yaml_name}){{ .md-button }}", ""]
    return "\n".join(lines)


def derivations_index(derivations: list[Identity]) -> str:
    lines = [*front_matter("Derivations", "Worked derivations of gradients, every step checked "
                           "numerically."),
             "# Derivations", "", "Worked derivations of gradients that people look up, "
             "every step checked numerically against the one before it.", ""]
    lines += [f"- [{text(reading(d.title))}]({d.id}.md)" for d in derivations]
    return "\n".join(lines) + "\n"
