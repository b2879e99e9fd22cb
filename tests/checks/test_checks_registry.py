"""The check registry: one rule per ID, the docs' catalogue is the registry's, every rule tested both ways."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from seawall.checks import CHECKS, RULES, Compliance, Finding, catalogue_markdown
from seawall.checks.registry import Over, Rule

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "checks.md"
TESTS = Path(__file__).resolve().parent


def test_each_id_is_registered_once_in_order():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids) and list(CHECKS) == ids


def test_each_rule_function_is_bound_to_one_id():
    functions = [r.run for r in RULES if r.run is not None]
    assert len(functions) == len(set(functions))
    assert [r.id for r in RULES if r.run is None] == ["SW000"]  # applied by the suppression machinery


def test_each_rule_function_reports_only_its_own_id():
    """The literal IDs in a rule function's body are its registered ID, and nothing else."""
    for r in RULES:
        if r.run is None:
            continue
        source = Path(r.run.__code__.co_filename).read_text(encoding="utf-8")
        tree = ast.parse(source)
        [fn] = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == r.run.__name__]
        used = {n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                and re.fullmatch(r"SW\d{3}", n.value)}
        assert used == {r.id}, (r.run.__name__, used)


def test_a_finding_under_another_id_is_refused():
    def rogue(_t):
        yield Finding(check_id="SW002", status=Compliance.NON_COMPLIANT, message="m", resource="r")

    rule = Rule(id="SW001", title="t", reads=("templates",), why="w", fix="f", over=Over.TEMPLATE, run=rogue)
    with pytest.raises(RuntimeError, match="registered as SW001 but reported SW002"):
        rule.findings(None)


def test_the_docs_catalogue_is_the_registry():
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- catalogue:start -->\n(.*?)\n<!-- catalogue:end -->", text, re.S)
    assert match, "docs/checks.md lost its catalogue markers"
    assert match.group(1) == catalogue_markdown(), (
        "docs/checks.md's catalogue differs from seawall.checks.registry; paste catalogue_markdown():\n"
        + catalogue_markdown())


def test_the_catalogue_lists_one_rule_per_id():
    rows = [line.split("|")[1].strip() for line in catalogue_markdown().splitlines()[2:]]
    assert rows == [r.id for r in RULES]


def test_the_split_ids_are_documented():
    text = DOCS.read_text(encoding="utf-8")
    for old, new in (("SW007", "SW014"), ("SW007", "SW015"), ("SW007", "SW016"), ("SW009", "SW017")):
        assert re.search(rf"\| {old} \|[^\n]*\| {new} \|", text), (old, new)


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return names


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_test_that_trips_it_and_one_that_passes_it(rule):
    names = _test_names()
    prefix = f"test_{rule.id.lower()}_"
    assert any(n.startswith(prefix + "trips") for n in names), f"no {prefix}trips_* test"
    assert any(n.startswith(prefix + "passes") for n in names), f"no {prefix}passes_* test"
