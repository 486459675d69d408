"""Related identities, listed at the foot of each identity page."""

from __future__ import annotations

from collections.abc import Iterable

from kb.identity import Identity


def related_identities(identity: Identity, others: Iterable[Identity], n: int = 5
                       ) -> list[Identity]:
    """The identities sharing the most tags and operations with this one."""
    mine = set(identity.tags) | set(identity.operations)
    scored = []
    for other in others:
        if other.id == identity.id:
            continue
        theirs = set(other.tags) | set(other.operations)
        shared = len(mine & theirs)
        if shared:
            scored.append((-shared / len(mine | theirs), other.id, other))
    return [other for *_, other in sorted(scored)[:n]]
