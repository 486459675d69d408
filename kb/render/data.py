"""What the pages are rendered from: the verified catalog, its reports and sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from kb.identity import Identity
from kb.render.markup import topic_of, topic_title
from kb.results import Report
from kb.schema import DerivationRecord, Source, Uncovered


@dataclass(frozen=True)
class SiteData:
    """Everything the pages are rendered from; ``site_url`` makes permalinks absolute."""

    identities: list[Identity]
    reports: Mapping[str, Report]
    sources: Mapping[str, Source]
    uncovered: Mapping[str, list[Uncovered]] = field(default_factory=dict)
    site_url: str | None = None

    def derivations(self) -> list[Identity]:
        return sorted((i for i in self.identities if i.type == "derivation"),
                      key=lambda i: i.title)

    def cited_by(self) -> dict[str, list[Identity]]:
        """Record id → the derivations whose steps cite it."""
        out: dict[str, list[Identity]] = defaultdict(list)
        for derivation in self.derivations():
            record = derivation.record
            assert isinstance(record, DerivationRecord)
            for ref in dict.fromkeys(r for step in record.steps for r in step.cites):
                out[ref].append(derivation)
        return out

    def topics(self) -> dict[str, list[Identity]]:
        """The identities of each cheat-sheet (derivations have their own section)."""
        out: dict[str, list[Identity]] = defaultdict(list)
        for identity in sorted(self.identities, key=lambda i: i.id):
            if identity.type != "derivation":
                out[topic_of(identity)].append(identity)
        return dict(sorted(out.items(), key=lambda item: topic_title(item[0])))
