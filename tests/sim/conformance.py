"""Marks a test as the conformance test of one cited fake rule, for the allowed or the refused case.

A *rule* is a method of a fake decorated with :func:`seawall.sim.cites` (its
qualified name is the key of :data:`seawall.sim.CITATIONS`).  Every rule needs
one test for the case AWS allows and one for the case AWS refuses (or the
behaviour that must not happen); ``tests/sim/test_citations.py`` reads these
marks from the source of ``tests/sim`` and fails on a rule without both.

Use it as a decorator with literal strings (the meta-test reads the source)::

    @conforms("seawall.sim.lambda_service.FakeLambda._op_CreateAlias", "refused")
    def test_create_alias_twice_is_a_conflict(): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., object])


def conforms(rule: str, case: Literal["allowed", "refused"]) -> Callable[[F], F]:
    if case not in ("allowed", "refused"):
        raise ValueError(f"case={case!r} must be 'allowed' or 'refused'")
    mark: Callable[[F], F] = pytest.mark.conforms(rule=rule, case=case)
    return mark
