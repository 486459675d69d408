"""The page of a derivation: the result, then every step with its justification and the
records it uses, each checked numerically against the one before it."""

from __future__ import annotations

from collections.abc import Mapping

from kb.identity import Identity
from kb.latex import latex, latex_name
from kb.render.blocks import copyable, sources_list, variables_table, verification
from kb.render.checks import step_errors, step_latex
from kb.render.cite import cite_block
from kb.render.identity_page import header
from kb.render.markup import esc, front_matter, identity_href, math, reading, text
from kb.results import Report
from kb.schema import Source


def derivation_page(identity: Identity, report: Report, sources: Mapping[str, Source],
                    by_id: Mapping[str, Identity], yaml_name: str,
                    site_url: str | None = None) -> str:
    record = identity.record
    st = identity.statement
    lines = header(identity, ["derivation", *identity.tags], st.layout)
    lines += [f"The gradient of $f = {latex(st.trees['goal'])}$ by "
              f"${latex_name(st.wrt)}$, in {st.layout} layout, step by step. Every step "
              "is checked numerically against the one before it.", ""]
    lines += ["## Result", "", copyable(identity.latex(st.layout),
                                        f"{st.layout.capitalize()} layout",
                                        f"result, {st.layout} layout"), ""]
    lines += ["## Steps", "", '<ol class="kb-steps">']
    errors = step_errors(report)
    for step in st.steps:
        cites = [by_id[ref] for ref in step.source.cites if ref in by_id]
        uses = ", ".join(f'<a class="kb-uses" href="{identity_href(c, 2)}">'
                         f"{esc(reading(c.title))}</a>" for c in cites)
        error = errors.get(step.number)
        mark = (f'<span class="kb-step-ok" title="checked: relative error {error:.1e}">'
                '✔<span class="kb-sr"> checked</span></span>' if error is not None else "")
        lines.append(
            f'<li class="kb-step" id="step-{step.number}"><div class="kb-step-head">'
            f"{mark} Step {step.number} · {esc(step.kind)}</div>"
            f'<div class="kb-math-box">{math(step_latex(identity, step), True)}</div>'
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
