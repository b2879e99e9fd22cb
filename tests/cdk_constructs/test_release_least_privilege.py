"""The release Lambdas may move only their team's aliases and start deployments only in their team's groups.

One app, synthesized once: the team's release state machines and a service stack with one
SafeLambdaDeployment.  Every statement that grants an alias move, a deployment start or a deployment
stop is checked on the template.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.release import ReleaseStateMachines
from seawall.model import AlarmPolicy, TimeWindow
from seawall.model.naming import TEAM_TAG_KEY, codedeploy_name

ENV = cdk.Environment(account="111111111111", region="us-east-1")
TEAM = "payments"


@pytest.fixture(scope="module")
def templates() -> tuple[dict[str, Any], dict[str, Any]]:
    app = cdk.App()
    runtime = cdk.Stack(app, "Runtime", env=ENV)
    ReleaseStateMachines(runtime, "Release", team=TEAM, window=TimeWindow.always())
    service = cdk.Stack(app, "Service", env=ENV)
    fn = lambda_.Function(service, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    SafeLambdaDeployment(service, "Orders", function=fn, team=TEAM, service="orders", alarms=AlarmPolicy())
    return Template.from_stack(runtime).to_json(), Template.from_stack(service).to_json()


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            out += resource["Properties"]["PolicyDocument"]["Statement"]
    return out


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _granting(template: dict[str, Any], action: str) -> list[dict[str, Any]]:
    found = [st for st in _statements(template) if action in _listed(st["Action"])]
    assert found, f"no statement grants {action}"
    return found


def _arn_text(value: Any) -> str:
    """An ARN built with Fn::Join as text, pseudo parameters spelled as in the stack's environment."""
    if isinstance(value, str):
        return value
    sep, parts = value["Fn::Join"]
    pseudo = {"AWS::Partition": "aws", "AWS::Region": ENV.region, "AWS::AccountId": ENV.account}
    return sep.join(p if isinstance(p, str) else pseudo[p["Ref"]] for p in parts)


@pytest.mark.parametrize("action", ["lambda:UpdateAlias", "lambda:GetAlias"])
def test_alias_moves_need_the_team_tag(templates: tuple[dict[str, Any], dict[str, Any]], action: str) -> None:
    for st in _granting(templates[0], action):
        assert "*" not in _listed(st["Resource"])
        assert st["Condition"] == {"StringEquals": {f"aws:ResourceTag/{TEAM_TAG_KEY}": TEAM}}


def test_safe_lambda_deployment_tags_the_function_with_its_team(
        templates: tuple[dict[str, Any], dict[str, Any]]) -> None:
    functions = [r for r in templates[1]["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
                 and "Seawall" not in str(r["Properties"].get("Description", ""))]
    assert len(functions) == 1
    assert {"Key": TEAM_TAG_KEY, "Value": TEAM} in functions[0]["Properties"]["Tags"]


@pytest.mark.parametrize("action", ["codedeploy:CreateDeployment", "codedeploy:ListDeployments",
                                    "codedeploy:GetDeployment"])
def test_deployments_only_in_the_team_s_groups(templates: tuple[dict[str, Any], dict[str, Any]], action: str) -> None:
    ours = codedeploy_name(TEAM, "orders", None, "orders")
    theirs = codedeploy_name("billing", "orders", None, "orders")
    for st in _granting(templates[0], action):
        patterns = [_arn_text(r) for r in _listed(st["Resource"])]
        assert "*" not in patterns
        group = "arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:{}/{}"
        assert any(fnmatch.fnmatchcase(group.format(ours, ours), p) for p in patterns)
        assert not any(fnmatch.fnmatchcase(group.format(theirs, theirs), p) for p in patterns)


def test_stop_deployment_is_alone_on_its_star(templates: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """StopDeployment supports no resource-level permission, so it needs "*"; no other action rides on it."""
    for st in _statements(templates[0]):
        if "*" in _listed(st["Resource"]) and any(a.startswith(("codedeploy:", "lambda:"))
                                                   for a in _listed(st["Action"])):
            assert _listed(st["Action"]) == ["codedeploy:StopDeployment"]
    assert _granting(templates[0], "codedeploy:StopDeployment")
