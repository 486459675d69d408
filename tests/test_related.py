"""Related identities come from an index; they must equal the plain all-pairs ranking."""

from __future__ import annotations

from dataclasses import replace

import kb
from kb.identity import Identity
from kb.render.related import related_identities


def pairwise(identity: Identity, others: list[Identity], n: int = 5) -> list[Identity]:
    """The definition: every other identity scored by Jaccard similarity of tags and
    operations, best first, ties by id."""
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


def test_the_index_equals_all_pairs_on_the_real_catalog() -> None:
    ordinary = [i for i in kb.load() if i.type != "derivation"]
    index = related_identities(ordinary)
    assert set(index) == {i.id for i in ordinary}
    for identity in ordinary:
        assert [r.id for r in index[identity.id]] == [r.id for r in pairwise(identity, ordinary)]
    assert sum(map(bool, index.values())) > len(ordinary) // 2


def test_copies_with_the_same_features_are_ranked_by_id_and_never_include_self() -> None:
    catalog = kb.load()
    base = catalog.get("log-det")
    copies = [replace(base, record=base.record.model_copy(update={"id": f"log-det-{k}"}))
              for k in range(8)]
    everyone = [i for i in catalog if i.type != "derivation"] + copies
    index = related_identities(everyone, n=3)
    assert [r.id for r in index["log-det-0"]] == [r.id for r in pairwise(copies[0], everyone, 3)]
    assert all(r.id != "log-det-0" for r in index["log-det-0"])
    assert index["log-det-0"][0].id == "log-det"  # equal features, ties by id
