"""Ranked full-text search over the catalog.

Titles, aliases, tags, operations and the words of the expressions are tokenized and
normalized ("tr" and "traces" become "trace", "logdet" and "log-determinant" become "log
determinant"), then scored with BM25 weighted by field. The index is an inverted dict built
once per catalog, so a query costs a few dict lookups.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kb.functions import FUNCTIONS

if TYPE_CHECKING:
    from kb.identity import Identity

FIELD_WEIGHTS = {"title": 3.0, "aliases": 3.0, "tags": 2.0, "operations": 1.5, "id": 1.0,
                 "expression": 1.0}
K1, B = 1.2, 0.5
PREFIX_FACTOR = 0.5

# Spellings that mean the same thing, mapped to the words the index stores; the functions'
# own synonyms (``tr`` → trace) come from their specs.
_WORDS: dict[str, tuple[str, ...]] = {
    "logdet": ("log", "determinant"),
    "ln": ("log",),
    "inv": ("inverse",),
    "frobenius": ("frobenius", "norm"),
    "fro": ("frobenius", "norm"),
    "otimes": ("kronecker",),
    "hadamard": ("hadamard",),
    "circ": ("hadamard",),
    "grad": ("gradient",),
    "nabla": ("gradient",),
    "jacobian": ("jacobian", "numerator"),
    "sym": ("symmetric",),
    "spd": ("spd", "positive", "definite"),
    "quadratic": ("quadratic",),
    "bilinear": ("bilinear",),
}
SYNONYMS: dict[str, tuple[str, ...]] = _WORDS | {
    spec.name.lower(): spec.synonyms for spec in FUNCTIONS.values() if spec.synonyms}
STOPWORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "the", "to", "with", "wrt"})
_SPLIT = re.compile(r"[^0-9a-zα-ω_]+")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Normalized words of a text: lower case, synonyms expanded, plurals folded."""
    out: list[str] = []
    for raw in _SPLIT.split(text.lower().replace("-", " ")):
        if not raw or raw in STOPWORDS:
            continue
        word = _stem(raw)
        out.extend(SYNONYMS.get(raw, SYNONYMS.get(word, (word,))))
    return out


@dataclass(frozen=True)
class Hit:
    identity: Identity
    score: float


class SearchIndex:
    """BM25 over weighted fields, with prefix matching for words being typed.

    The BM25 weight of every (word, record) pair is computed once; a query adds numpy arrays
    of weights, then re-ranks its best candidates for phrase matches.
    """

    def __init__(self, identities: Sequence[Identity]) -> None:
        self.identities = list(identities)
        counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        lengths = np.zeros(len(self.identities))
        for index, identity in enumerate(self.identities):
            for name, value in _fields(identity):
                for token in tokens(value):
                    counts[token][index] += FIELD_WEIGHTS[name]
                    lengths[index] += FIELD_WEIGHTS[name]
        average = lengths.mean() if len(lengths) else 1.0
        norms = K1 * (1 - B + B * lengths / max(average, 1e-9))
        n = len(self.identities)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for token, docs in counts.items():
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            positions = np.fromiter(docs.keys(), dtype=np.int64, count=len(docs))
            tf = np.fromiter(docs.values(), dtype=float, count=len(docs))
            self.postings[token] = (positions, idf * tf * (K1 + 1) / (tf + norms[positions]))
        self.vocabulary = sorted(self.postings)
        self.phrases = [(" ".join(tokens(i.id)),
                         [" ".join(tokens(name)) for name in (i.title, *i.aliases)])
                        for i in self.identities]

    def _expand(self, token: str) -> Iterable[tuple[str, float]]:
        if token in self.postings:
            yield token, 1.0
        if len(token) >= 3:
            start = bisect.bisect_left(self.vocabulary, token)
            for word in self.vocabulary[start:start + 50]:
                if not word.startswith(token):
                    break
                if word != token:
                    yield word, PREFIX_FACTOR

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        scores = np.zeros(len(self.identities))
        for token in dict.fromkeys(tokens(query)):
            for word, factor in self._expand(token):
                index, weight = self.postings[word]
                scores[index] += factor * weight
        found = np.flatnonzero(scores)
        if found.size == 0:
            return []
        # Phrase bonuses only re-rank the best candidates, so they cost nothing at scale.
        pool = found[np.argsort(-scores[found], kind="stable")[: max(5 * limit, 50)]]
        phrase = " ".join(tokens(query))
        ranked = []
        for index in pool:
            score = float(scores[index])
            own, names = self.phrases[index]
            if phrase and own == phrase:
                score *= 3.0  # the query names the record
            elif phrase and any(phrase in name for name in names):
                score *= 1.5
            ranked.append((-score, self.identities[index].id, int(index)))
        ranked.sort()
        return [Hit(self.identities[i], -s) for s, _, i in ranked[:limit]]


def _fields(identity: Identity) -> Iterable[tuple[str, str]]:
    yield "title", identity.title
    yield "id", identity.id
    for alias in identity.aliases:
        yield "aliases", alias
    for tag in identity.tags:
        yield "tags", tag
    yield "operations", " ".join(identity.operations)
    if identity.kind:
        yield "tags", identity.kind
    for field in identity.statement.trees:
        yield "expression", getattr(identity.record, field)
