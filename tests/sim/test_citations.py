"""Every behaviour a fake models names the AWS documentation it rests on, and has a conformance test for the
case AWS allows and the case it refuses."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import seawall.sim
from seawall.sim import CITATIONS, Citation, cites

_TESTS = Path(__file__).parent


def _sim_modules() -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(seawall.sim.__path__, "seawall.sim."))
    for name in names:
        importlib.import_module(name)
    return names


def _services() -> list[type]:
    """Every fake service class: a class of seawall.sim with a ``handle`` method and ``_op_*`` operations."""
    found = []
    for name in _sim_modules():
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if cls.__module__ == name and hasattr(cls, "handle") and any(n.startswith("_op_") for n in vars(cls)):
                found.append(cls)
    return found


def test_every_operation_of_every_fake_is_cited():
    services = _services()
    assert {c.__name__ for c in services} >= {"FakeLambda"}
    uncited = [f"{c.__module__}.{c.__qualname__}.{n}" for c in services for n in vars(c) if n.startswith("_op_")
               and f"{c.__module__}.{c.__qualname__}.{n}" not in CITATIONS]
    assert uncited == [], f"operations modelled without a citation: {uncited}"


def _conformance_marks() -> dict[str, set[str]]:
    """rule -> cases, read from every ``@conforms("<rule>", "<case>")`` in tests/sim."""
    marks: dict[str, set[str]] = {}
    for path in sorted(_TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "conforms" and len(node.args) == 2
                    and all(isinstance(a, ast.Constant) for a in node.args)):
                rule, case = (a.value for a in node.args)  # type: ignore[attr-defined]
                marks.setdefault(rule, set()).add(case)
    return marks


def test_every_cited_rule_has_a_conformance_test_for_the_allowed_and_the_refused_case():
    _sim_modules()
    marks = _conformance_marks()
    missing = {rule: sorted({"allowed", "refused"} - marks.get(rule, set())) for rule in sorted(CITATIONS)}
    missing = {rule: cases for rule, cases in missing.items() if cases}
    assert missing == {}, f"cited rules without conformance tests: {missing}"
    unknown = sorted(set(marks) - set(CITATIONS))
    assert unknown == [], f"conformance tests name rules that are not cited (renamed?): {unknown}"


def test_a_citation_needs_an_https_url_and_the_sentence():
    with pytest.raises(ValueError, match="https"):
        Citation("docs.aws.amazon.com/x", "A sentence that is long enough to quote.")
    with pytest.raises(ValueError, match="quote"):
        Citation("https://docs.aws.amazon.com/x", "short")
    with pytest.raises(ValueError, match="at least one"):
        cites()
