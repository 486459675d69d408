"""YAML features a record never needs and an attacker can use, refused before anything is
built from the text.

The check reads the parser's events, one at a time, so nothing is composed or expanded
first: an alias (the "billion laughs" expands ten aliases of ten aliases ...) is refused
where it stands, and so is nesting deeper than :data:`~kb.limits.MAX_YAML_DEPTH`, which the
composers and validators would otherwise follow by recursion. A mapping or list used as a
key, which the two loaders read differently, is refused too.
"""

from __future__ import annotations

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

from kb.limits import MAX_YAML_DEPTH


def yaml_problem(text: str) -> tuple[int, int, str] | None:
    """The first refused feature as (line, col, message), 1-based; None if there is none.

    Raises ruamel's ``YAMLError`` if the text does not parse up to that point.
    """
    # One entry per open collection: whether it is a mapping, and how many nodes it holds
    # so far (in a mapping, an even count means the next node is a key).
    open_: list[list] = []
    for event in YAML(typ="safe").parse(text):
        if not isinstance(event, NodeEvent | CollectionEndEvent):
            continue
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        if isinstance(event, AliasEvent):
            return (*where, f"an alias (*{event.anchor}): YAML aliases are not allowed in "
                    "records; write the value out")
        if isinstance(event, CollectionEndEvent):
            open_.pop()
        else:
            if event.anchor is not None:
                return (*where, f"an anchor (&{event.anchor}): YAML anchors and aliases are "
                        "not allowed in records; write the value out")
            if isinstance(event, CollectionStartEvent):
                if open_ and open_[-1][0] and open_[-1][1] % 2 == 0:
                    what = "mapping" if isinstance(event, MappingStartEvent) else "list"
                    return (*where, f"a {what} used as a key: a key is a name")
                if len(open_) >= MAX_YAML_DEPTH:
                    return (*where, f"nested more than {MAX_YAML_DEPTH} levels deep "
                            "(kb/limits.py)")
                open_.append([isinstance(event, MappingStartEvent), 0])
                continue
        if open_:
            open_[-1][1] += 1
    return None


def unreadable_scalar(text: str) -> tuple[int, int, str] | None:
    """The first plain scalar that ruamel's constructors fail on (``._`` as a float,
    ``0x_`` as an integer, ``2001-13-45`` as a date: a ValueError, not a YAML error), as
    (line, col, message), 1-based; None if there is none. Run only once loading failed so."""
    for event in YAML(typ="safe").parse(text):
        if isinstance(event, ScalarEvent) and not event.style:  # plain: "" (C) or None
            try:
                YAML(typ="safe").load(f"- {event.value}")
            except Exception as exc:  # whatever the constructor raises on it
                mark = event.start_mark
                return (mark.line + 1, mark.column + 1, f"'{event.value}' cannot be read "
                        f"({exc}): quote it to make it text")
    return None
