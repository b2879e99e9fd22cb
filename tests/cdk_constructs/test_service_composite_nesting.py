"""A service's high-severity composite nests past CloudWatch's limits on one composite alarm.

CloudWatch: "The rule expression of a composite alarm can include as many as 100 underlying alarms", and
``AlarmRule`` is at most 10,240 characters (``seawall.model.limits``).  The composite holds each function's
blocking alarms of every invocation -- six by default; the three one-box alarms stay out of it (I10: they
go to the function's own one-box rollback composite) -- so one composite holds sixteen functions; from the
seventeenth on, the alarms go into part composites (``{name}-part-{n}``) and the composite everything
watches (by its unchanged name) is ALARM when any part is.  One app, synthesized once for the module:

* ``Sixteen``: 16 functions, 96 children, no parts (rendered exactly as before nesting existed);
* ``Seventeen``: 17 functions, 102 children, two parts;
* ``Full``: 24 functions, the most one stack holds under CloudFormation's 500 resources (each function
  brings about twenty), 144 children;
* ``Long``: region-agnostic, few children with long names (the rule's character limit splits them) and a
  user alarm whose name CloudFormation generates (counted as 255 characters);
* ``Deep``: CloudWatch's limits lowered to three children per composite, so the parts nest three levels.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from tests.support import cfn_lint_findings, synth

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.lambda_deployment import _ServiceHighSeverity
from seawall.model.contracts import SERVICE_ALARMS_OUTPUT
from seawall.model.limits import MAX_COMPOSITE_CHILDREN, MAX_COMPOSITE_RULE_CHARS
from seawall.testing import check, failures

ENV = Environment(account="111111111111", region="us-east-1")
COMPOSITE = "AWS::CloudWatch::CompositeAlarm"
#: The composite's logical ID before nesting existed; the bake and the team aggregate name it.
TOP_ID = "SeawallHighSeveritypaymentsapiC378EC1D"
TOP_NAME = "payments-api-us-east-1-high-severity"
#: What a region token counts as when measuring a region-agnostic stack's rules (longer than any region).
REGION = "r" * 16


def _function(stack: Stack, i: int) -> lambda_.Function:
    return lambda_.Function(stack, f"Fn{i}", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))


def _service(stack: Stack, functions: int, **kwargs: Any) -> list[SafeLambdaDeployment]:
    return [SafeLambdaDeployment(stack, f"Api{i}", function=_function(stack, i), team="payments", service="api",
                                 **kwargs) for i in range(functions)]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    app = App()
    stacks: dict[str, Stack] = {}
    deployments: dict[str, list[SafeLambdaDeployment]] = {}
    for name, functions in (("Sixteen", 16), ("Seventeen", 17), ("Full", 24)):
        stacks[name] = Stack(app, name, env=ENV)
        deployments[name] = _service(stacks[name], functions)

    long = stacks["Long"] = Stack(app, "Long")  # region-agnostic: Seawall's alarm names carry a region token
    # CloudFormation names this one: its name is a token, counted as CloudWatch's longest (255 characters).
    unnamed = cloudwatch.Alarm(long, "Unnamed", metric=cloudwatch.Metric(namespace="Shop", metric_name="Orders"),
                               threshold=1, evaluation_periods=1)
    deployments["Long"] = []
    for i in range(3):
        extras: list[cloudwatch.IAlarm] = [
            cloudwatch.Alarm.from_alarm_name(long, f"Biz{i}x{j}", f"shop-{i}-{j}-" + "x" * 230) for j in range(20)]
        deployments["Long"].append(SafeLambdaDeployment(
            long, f"Api{i}", function=_function(long, i), team="payments", service="api",
            blocking=["fault-rate"], extra_alarms=[*extras, unnamed]))  # every function names `unnamed`: once

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_ServiceHighSeverity, "max_children", 3)
        deep = stacks["Deep"] = Stack(app, "Deep", env=ENV)
        deployments["Deep"] = _service(deep, 6)
    templates = {name: synth(stack) for name, stack in stacks.items()}
    return {"stacks": stacks, "deployments": deployments, "templates": templates}


# --------------------------------------------------------------------------- reading the templates

def _resolve(template: dict[str, Any], value: Any) -> str:
    """`value` as CloudFormation renders it: a Ref to an alarm is its name (255 characters when CloudFormation
    generates it), the region is :data:`REGION`."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        if value["Ref"] == "AWS::Region":
            return REGION
        name = template["Resources"][value["Ref"]]["Properties"].get("AlarmName")
        return "x" * 255 if name is None else _resolve(template, name)
    separator, parts = value["Fn::Join"]
    return separator.join(_resolve(template, p) for p in parts)


def _composites(template: dict[str, Any], *, every: bool = False) -> dict[str, tuple[str, list[str]]]:
    """Each high-severity composite (or, with `every`, each composite) by its resolved name: its logical ID and
    the names its rule watches, in order."""
    out = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == COMPOSITE and (every or "-high-severity" in _resolve(
                template, resource["Properties"]["AlarmName"])):
            rule = _resolve(template, resource["Properties"]["AlarmRule"])
            out[_resolve(template, resource["Properties"]["AlarmName"])] = (
                logical_id, re.findall(r'ALARM\("([^"]*)"\)', rule))
    return out


def _reachable(template: dict[str, Any], top: str) -> tuple[Counter[str], set[str]]:
    """The leaf alarms the composite `top` watches, through any depth of parts, and the composites visited."""
    composites = _composites(template)
    leaves: Counter[str] = Counter()
    visited: set[str] = set()

    def walk(name: str) -> None:
        if name in composites:
            visited.add(name)
            for child in composites[name][1]:
                walk(child)
        else:
            leaves[name] += 1

    walk(top)
    return leaves, visited


def _expected(template: dict[str, Any], deployments: list[SafeLambdaDeployment]) -> set[str]:
    """The names of every blocking alarm of every invocation and extra alarm of every function, as deployed."""
    names = set()
    for d in deployments:
        for alarm in [*_service_alarms(d), *d.extra_alarms]:
            stack = Stack.of(alarm)
            names.add(_resolve(template, stack.resolve(alarm.alarm_name)))
    return names


def _service_alarms(d: SafeLambdaDeployment) -> list[cloudwatch.AlarmBase]:
    """A function's blocking alarms without its one-box ones: what the high-severity composite holds."""
    return [a for a in d.alarms if a not in d.one_box_alarms]


def _top_name(name: str) -> str:
    return TOP_NAME if name != "Long" else f"payments-api-{REGION}-high-severity"


# --------------------------------------------------------------------------- the tests

def test_sixteen_functions_fill_one_composite_and_render_as_before(built):
    template = built["templates"]["Sixteen"]
    composites = _composites(template)
    assert list(composites) == [TOP_NAME]
    logical_id, children = composites[TOP_NAME]
    assert logical_id == TOP_ID
    assert len(children) == 16 * 6 == 96
    # The rule names each blocking alarm by a Ref, in the order the functions joined.
    rule = template["Resources"][TOP_ID]["Properties"]["AlarmRule"]["Fn::Join"][1]
    refs = [p["Ref"] for p in rule if isinstance(p, dict)]
    stack = built["stacks"]["Sixteen"]
    assert refs == [stack.resolve(stack.get_logical_id(a.node.default_child))
                    for d in built["deployments"]["Sixteen"] for a in _service_alarms(d)]


@pytest.mark.parametrize("name", ["Sixteen", "Seventeen", "Full", "Long", "Deep"])
def test_no_one_box_alarm_is_reachable_from_the_service_composite(built, name):
    """I10: the team aggregate names the service composite, so a one-box alarm there would hold every gate."""
    template = built["templates"][name]
    leaves, _ = _reachable(template, _top_name(name))
    one_box = {_resolve(template, Stack.of(a).resolve(a.alarm_name))
               for d in built["deployments"][name] for a in d.one_box_alarms}
    assert len(one_box) == 3 * len(built["deployments"][name])
    assert not set(leaves) & one_box


@pytest.mark.parametrize("name", ["Seventeen", "Full", "Long", "Deep"])
def test_every_blocking_alarm_is_reachable_from_the_composite_exactly_once(built, name):
    template = built["templates"][name]
    leaves, visited = _reachable(template, _top_name(name))
    assert set(leaves) == _expected(template, built["deployments"][name])
    assert max(leaves.values()) == 1, [n for n, c in leaves.items() if c > 1]
    # every part is watched by the composite (none is left over), and the parts do exist
    assert visited == set(_composites(template)) and len(visited) > 1


@pytest.mark.parametrize("name", ["Sixteen", "Seventeen", "Full", "Long", "Deep"])
def test_every_rule_fits_one_composite_alarm(built, name):
    template = built["templates"][name]
    high_severity = {logical_id for logical_id, _ in _composites(template).values()}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == COMPOSITE:
            # Deep lowers the service composite's limit only (one-box rollback composites keep CloudWatch's)
            limit = 3 if name == "Deep" and logical_id in high_severity else MAX_COMPOSITE_CHILDREN
            rule = _resolve(template, resource["Properties"]["AlarmRule"])
            assert len(rule) <= MAX_COMPOSITE_RULE_CHARS
            assert 1 <= rule.count("ALARM(") <= limit


def test_seventeen_functions_split_into_two_parts_under_the_unchanged_composite(built):
    template = built["templates"]["Seventeen"]
    composites = _composites(template)
    assert composites[TOP_NAME] == (TOP_ID, [f"{TOP_NAME}-part-1", f"{TOP_NAME}-part-2"])
    assert [len(composites[f"{TOP_NAME}-part-{n}"][1]) for n in (1, 2)] == [100, 2]


def test_the_character_limit_splits_long_names_before_the_children_limit(built):
    template = built["templates"]["Long"]
    top = _top_name("Long")
    composites = _composites(template)
    # 3 fault-rate alarms + 60 imported names of 241 characters + one generated name: 64 children, under 100,
    # but about 16,000 characters: two parts.
    assert composites[top][1] == [f"{top}-part-1", f"{top}-part-2"]
    assert sum(len(composites[f"{top}-part-{n}"][1]) for n in (1, 2)) == 64


def test_parts_nest_as_deep_as_the_limits_need(built):
    composites = _composites(built["templates"]["Deep"])
    # 36 alarms -> 12 parts of 3 -> 4 parts -> 2 parts -> the composite
    assert composites[TOP_NAME][1] == [f"{TOP_NAME}-part-3-1", f"{TOP_NAME}-part-3-2"]
    assert sorted(n for n in composites if re.fullmatch(rf"{TOP_NAME}-part-\d+", n)) == sorted(
        f"{TOP_NAME}-part-{n}" for n in range(1, 13))
    assert {n for n in composites if re.fullmatch(rf"{TOP_NAME}-part-2-\d+", n)} == {
        f"{TOP_NAME}-part-2-{n}" for n in range(1, 5)}


@pytest.mark.parametrize("name", ["Seventeen", "Full", "Long", "Deep"])
def test_each_part_is_created_before_the_composite_that_names_it(built, name):
    """A rule names every alarm of the stack by a Ref, so CloudFormation creates it first."""
    template = built["templates"][name]
    high_severity = {logical_id for logical_id, _ in _composites(template).values()}
    for logical_id, resource in template["Resources"].items():
        if logical_id in high_severity:
            pieces = resource["Properties"]["AlarmRule"]["Fn::Join"][1]
            named = [p["Ref"] for p in pieces if isinstance(p, dict)]
            literal = re.findall(r'ALARM\("([^"]+)"\)', "".join(p for p in pieces if isinstance(p, str)))
            assert not [n for n in literal if not n.startswith("shop-")]  # only imported alarms by literal name
            assert all(template["Resources"][ref]["Type"] in (COMPOSITE, "AWS::CloudWatch::Alarm")
                       for ref in named)


@pytest.mark.parametrize("name", ["Seventeen", "Full"])
def test_the_bake_still_reads_only_the_composite_by_its_name(built, name):
    output = built["templates"][name]["Outputs"][SERVICE_ALARMS_OUTPUT]["Value"]
    assert json.loads(output) == [TOP_NAME]
    for d in built["deployments"][name]:
        assert d.high_severity_alarm.node.default_child.alarm_name == TOP_NAME


def test_codedeploy_never_gets_a_composite(built):
    template = built["templates"]["Full"]
    composite_ids = {k for k, v in template["Resources"].items() if v["Type"] == COMPOSITE}
    assert len(composite_ids) > 24  # the service composite, its parts, one one-box rollback per function
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CodeDeploy::DeploymentGroup":
            alarms = resource["Properties"]["AlarmConfiguration"]["Alarms"]
            assert not {a["Name"]["Ref"] for a in alarms} & composite_ids


def test_the_fullest_stack_is_cfn_lint_clean_and_passes_seawalls_checks(built):
    assert cfn_lint_findings(built["templates"]["Full"]) == []
    assert failures(check(built["templates"]["Full"])) == []
