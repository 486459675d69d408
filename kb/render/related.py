"""Related identities: the ones sharing the most tags and operations with each identity.

The score of a pair is the Jaccard similarity of their feature sets (tags and operations);
each identity gets the ``n`` best, ties broken by id. Comparing every pair grows with the
square of the catalog, so the identities are grouped by feature set (identities with equal
sets score alike) and candidate groups are found through an inverted index from each feature
to the groups that have it. The work grows with the number of distinct feature sets and
the identities' own lists, not with the pairs of identities.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable

from kb.identity import Identity

Features = frozenset[str]


def features(identity: Identity) -> Features:
    """What relatedness is measured on: an identity's tags and operations."""
    return frozenset(identity.tags) | frozenset(identity.operations)


def related_identities(identities: Iterable[Identity], n: int = 5) -> dict[str, list[Identity]]:
    """Identity id → the ``n`` identities sharing the largest fraction of features with it
    (Jaccard similarity, ties by id); identities sharing nothing are never related."""
    groups: dict[Features, list[Identity]] = defaultdict(list)
    for identity in identities:
        groups[features(identity)].append(identity)
    keys = list(groups)
    for members in groups.values():
        members.sort(key=lambda i: i.id)
    postings: dict[str, list[int]] = defaultdict(list)
    for number, key in enumerate(keys):
        for feature in key:
            postings[feature].append(number)
    out: dict[str, list[Identity]] = {}
    for key in keys:
        # n + 1 best of the whole catalog: each member then drops itself if it is among them.
        best = _best(key, keys, groups, postings, n + 1) if key else []
        for member in groups[key]:
            out[member.id] = [other for other in best if other.id != member.id][:n]
    return out


def _best(key: Features, keys: list[Features], groups: dict[Features, list[Identity]],
          postings: dict[str, list[int]], n: int) -> list[Identity]:
    shared: Counter[int] = Counter()
    for feature in key:
        shared.update(postings[feature])
    by_score: dict[float, list[int]] = defaultdict(list)
    for other, count in shared.items():
        by_score[count / (len(key) + len(keys[other]) - count)].append(other)
    picked: list[Identity] = []
    for score in sorted(by_score, reverse=True):
        tied = heapq.merge(*(groups[keys[g]] for g in by_score[score]), key=lambda i: i.id)
        for identity in tied:
            picked.append(identity)
            if len(picked) == n:
                return picked
    return picked
