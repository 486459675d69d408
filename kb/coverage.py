"""Coverage of a source by the catalog: which of its equations the records cite, and which
are listed in ``identities/uncovered.yaml`` with the reason no record cites them.

Locators of numbered sources start with ``eq. N``, ``eqs. N, M`` or ``eqs. N–M``; only that
prefix is read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kb.identity import Identity
from kb.schema import Uncovered

COOKBOOK = "matrix-cookbook-2012"
COOKBOOK_CHAPTER_2 = range(32, 145)
"""Chapter 2 of the November 15, 2012 Matrix Cookbook: eqs. 32–144."""

_PREFIX = re.compile(r"^\s*eqs?\.\s*((?:\d+\s*(?:[–-]\s*\d+)?\s*(?:,|and)?\s*)+)")


def equations(locator: str) -> list[int]:
    """The equation numbers a locator names: 'eqs. 70–71, 75 (…)' → [70, 71, 75]."""
    match = _PREFIX.match(locator)
    if match is None:
        return []
    numbers: list[int] = []
    for part in re.split(r",|\band\b", match.group(1)):
        bounds = [int(b) for b in re.findall(r"\d+", part)]
        if len(bounds) == 2 and bounds[0] <= bounds[1]:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


@dataclass
class Coverage:
    """Where every equation of one source stands."""

    ref: str
    cited: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    uncovered: dict[int, str] = field(default_factory=dict)
    unparsed: list[tuple[str, str]] = field(default_factory=list)
    """(record id, locator) pairs whose locator names no equation."""

    def missing(self, numbers: Iterable[int]) -> list[int]:
        return [n for n in numbers if n not in self.cited and n not in self.uncovered]

    def contradictions(self) -> list[int]:
        """Equations listed as uncovered although a record cites them."""
        return sorted(set(self.cited) & set(self.uncovered))


def coverage(identities: Iterable[Identity], uncovered: Mapping[str, list[Uncovered]],
             ref: str = COOKBOOK) -> Coverage:
    result = Coverage(ref)
    for identity in sorted(identities, key=lambda i: i.id):
        for source in identity.record.sources:
            if source.ref != ref:
                continue
            numbers = equations(source.locator)
            if not numbers:
                result.unparsed.append((identity.id, source.locator))
            for number in numbers:
                result.cited[number].append(identity.id)
    for entry in uncovered.get(ref, []):
        for number in equations(entry.locator):
            result.uncovered[number] = entry.reason
    return result
