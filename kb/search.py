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

from kb.identity import Identity

FIELD_WEIGHTS = {"title": 3.0, "aliases": 3.0, "tags": 2.0, "operations": 1.5, "id": 1.0,
                 "expression": 1.0}
K1, B = 1.2, 0.5
PREFIX_FACTOR = 0.5

# Spellings that mean the same thing, mapped to the words the index stores.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "tr": ("trace",),
    "det": ("determinant",),
    "logdet": ("log", "determinant"),
    "ln": ("log",),
    "inv": ("inverse",),
    "frobenius": ("frobenius", "norm"),
    "norm_f": ("frobenius", "norm"),
    "fro": ("frobenius", "norm"),
    "kron": ("kronecker",),
    "otimes": ("kronecker",),
    "hadamard": ("hadamard",),
    "circ": ("hadamard",),
    "expm": ("matrix", "exponential"),
    "exp": ("exponential",),
    "logm": ("matrix", "log"),
    "grad": ("gradient",),
    "nabla": ("gradient",),
    "jacobian": ("jacobian", "numerator"),
    "sym": ("symmetric",),
    "spd": ("spd", "positive", "definite"),
    "quadratic": ("quadratic",),
    "bilinear": ("bilinear",),
    "adj": ("adjugate",),
}
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
    """BM25 over weighted fields, with prefix matching for words being typed."""

    def __init__(self, identities: Sequence[Identity]) -> None:
        self.identities = list(identities)
        postings: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        lengths = []
        for index, identity in enumerate(self.identities):
            length = 0.0
            for name, text in _fields(identity):
                for token in tokens(text):
                    postings[token][index] += FIELD_WEIGHTS[name]
                    length += FIELD_WEIGHTS[name]
            lengths.append(length)
        self.lengths = lengths
        self.average = (sum(lengths) / len(lengths)) if lengths else 1.0
        n = len(self.identities)
        self.postings = {
            token: (math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5)), dict(docs))
            for token, docs in postings.items()
        }
        self.vocabulary = sorted(self.postings)

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
        scores: dict[int, float] = defaultdict(float)
        for token in dict.fromkeys(tokens(query)):
            for word, factor in self._expand(token):
                idf, docs = self.postings[word]
                for index, tf in docs.items():
                    norm = K1 * (1 - B + B * self.lengths[index] / self.average)
                    scores[index] += factor * idf * tf * (K1 + 1) / (tf + norm)
        phrase = " ".join(tokens(query))
        for index in scores:
            identity = self.identities[index]
            names = [identity.title, *identity.aliases]
            if phrase and any(phrase in " ".join(tokens(name)) for name in names):
                scores[index] *= 1.5
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self.identities[item[0]].id))
        return [Hit(self.identities[i], s) for i, s in ranked[:limit]]


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
