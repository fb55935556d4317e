"""Every read of Werkzeug's private state, in one place.

Heron's router (:mod:`heron.core.routing`) walks a copy of the state machine
Werkzeug's ``Map`` compiles, so that matching costs no ``MapAdapter`` per
request. That copy reads what Werkzeug does not publish: a rule's converters
(``Rule._converters``), the matcher's root state (``Map._matcher._root``),
its states' ``rules``/``static``/``dynamic`` and the ``__werkzeug_<n>`` group
names of their patterns. This module is the only one that touches them:
:func:`matcher_root` answers None when a Werkzeug release changes them, and
the router then matches with Werkzeug's own adapter (correct, slower);
``tests/core/test_werkzeug.py`` fails in that case, so the fast walk cannot
silently go away. ``pyproject.toml`` bounds werkzeug to the releases checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import BaseConverter, Map, Rule

__all__ = ["Dynamic", "State", "matcher_root", "rule_arguments", "rule_converters", "state_of"]

_GROUP = "__werkzeug_"


@dataclass(frozen=True, slots=True)
class Dynamic:
    """A transition of Werkzeug's state machine on a part with converters.

    Attributes:
        pattern: The part's regular expression, compiled.
        final: Whether it consumes the rest of the path (a ``path`` converter).
        suffixed: Whether it may end in a slash.
        groups: The pattern's group numbers of the converters, in Werkzeug's order.
        target: The state it leads to.
    """

    pattern: re.Pattern[str]
    final: bool
    suffixed: bool
    groups: tuple[int, ...]
    target: State


@dataclass(frozen=True, slots=True)
class State:
    """One state of Werkzeug's matcher, as Heron reads it.

    Attributes:
        endpoint: The endpoint of the first rule ending here, or None.
        rule: That rule.
        static: Static segment → next state.
        dynamic: The transitions on parts with converters, in Werkzeug's order.
    """

    endpoint: str | None
    rule: Rule | None
    static: Mapping[str, State]
    dynamic: tuple[Dynamic, ...]


def state_of(raw: Any) -> State:
    """Read one of Werkzeug's matcher states (and those below it).

    Raises:
        AttributeError: If Werkzeug's states have another shape.
    """
    rule = raw.rules[0] if raw.rules else None  # Heron's rules take every method
    static = {part: state_of(sub) for part, sub in raw.static.items()}
    dynamic = []
    for part, sub in raw.dynamic:
        pattern = re.compile(part.content)
        # Werkzeug orders a part's values by the number in the group's name.
        names = sorted(
            (g for g in pattern.groupindex if g.startswith(_GROUP)),
            key=lambda g: int(g[len(_GROUP) :]),
        )
        groups = tuple(pattern.groupindex[g] for g in names)
        dynamic.append(Dynamic(pattern, part.final, part.suffixed, groups, state_of(sub)))
    return State(rule.endpoint if rule is not None else None, rule, static, tuple(dynamic))


def matcher_root(table: Map) -> State | None:
    """Return the state below the (empty) domain part of a compiled ``Map``.

    Returns:
        The root state (an empty one for a table without rules), or None when
        this Werkzeug's matcher cannot be read: the router then matches with
        Werkzeug's ``MapAdapter``.
    """
    try:
        domain = table._matcher._root.static.get("")  # noqa: SLF001
        if domain is None:
            return State(None, None, {}, ())
        return state_of(domain)
    except AttributeError:
        return None


def rule_converters(rule: Rule) -> Iterator[tuple[str, BaseConverter]]:
    """Return the rule's path parameters and their converters, in the rule's order."""
    return iter(rule._converters.items())  # noqa: SLF001


def rule_arguments(rule: str, converters: Mapping[str, type[BaseConverter]]) -> tuple[str, ...]:
    """Return the path parameter names of the rule string ``rule``, in order.

    Args:
        rule: A Werkzeug rule (``"/pets/<int:pet_id>"``).
        converters: The application's extra converters by name.

    Raises:
        ValueError: If the rule does not parse (an unknown converter...).
    """
    table = Map([Rule(rule, endpoint="_")], converters=dict(converters))
    (parsed,) = table.iter_rules()
    return tuple(name for name, _ in rule_converters(parsed))
