"""Verifying a loaded catalog: every record, every problem, in reading order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kb.diagnostics import Diagnostic
from kb.identity import Identity
from kb.results import Report
from kb.verify import verify


@dataclass
class CatalogRun:
    """The outcome of verifying a loaded catalog: every problem, in reading order."""

    reports: dict[str, Report]
    problems: list[Diagnostic]
    verified: int
    failed: int

    def summary(self) -> str:
        return f"{self.verified} verified, {self.failed} failed"


def verify_catalog(identities: Iterable[Identity], load_problems: list[Diagnostic],
                   with_draws: bool = False,
                   advance: Callable[[str], None] | None = None,
                   repeat: int = 1) -> CatalogRun:
    """Verify every loaded identity; a failure is located at the failing step or result.

    ``load_problems`` are the loader's diagnostics (each file with one counts as failed);
    ``with_draws`` adds the failing draw to each failure; ``advance`` is told each id, once
    per verification; ``repeat`` verifies each record under that many independent families of
    seeds, and reports its first failing one.
    """
    identities = list(identities)
    reports: dict[str, Report] = {}
    problems = list(load_problems)
    for identity in identities:
        result_field = (identity.statement.result_field,)
        try:
            for index in range(repeat):
                if advance is not None:
                    advance(identity.id)
                report = verify(identity.statement, index)
                if not report.ok:
                    break
        except Exception as exc:  # a bug of ours must not hide the other records
            problems.append(identity.diagnostic(
                result_field, f"internal error while verifying ({type(exc).__name__}: "
                f"{exc}); please report it", "KB406"))
            continue
        reports[identity.id] = report
        failure = report.failure
        if failure is None:
            continue
        detail = "draw:\n" + report.draw_text() if with_draws and report.draw else None
        problems.append(identity.diagnostic(failure.location or result_field, failure.message,
                                            failure.code, detail))
    verified = sum(r.ok for r in reports.values())
    invalid = len({d.path for d in load_problems})
    return CatalogRun(reports, problems, verified, len(identities) - verified + invalid)
