"""Only the team's pipeline roles may assume the invoker role that starts the release state machines.

One app, synthesized once: a service pipeline of the team and the team runtime in the pipeline's account.
The test reads the pipeline role's name from the pipeline template and evaluates the invoker role's trust
policy, as IAM does for ``sts:AssumeRole``, for that role and for other principals of the same account: an
account principal matches every principal of the account, and the ``aws:PrincipalArn`` condition then
decides ("For IAM roles, the request context returns the ARN of the role", ``arn:aws:iam::123456789012:role/
role-name``: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
"""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest
from aws_cdk.assertions import Template
from tests.pipeline.support import PIPELINE_ACCOUNT, PIPELINE_ENV, WINDOW, make_pipeline

from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.model.limits import MAX_ROLE_NAME
from seawall.model.naming import invoker_role_name, pipeline_role_name, pipeline_role_prefix
from seawall.stacks.team_runtime import TeamRuntimeStack

PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy.none(), targets=(Target(region="us-east-1"),)),))


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    app, stack, wp = make_pipeline(PLAN)
    wp.build()
    runtime = TeamRuntimeStack(app, "Runtime", team="payments", services=("orders",),
                               pipeline_accounts=(PIPELINE_ACCOUNT,), window=WINDOW, env=PIPELINE_ENV)
    return {"pipeline": Template.from_stack(stack).to_json(), "runtime": Template.from_stack(runtime).to_json()}


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _text(value: Any) -> str:
    """An ARN as text, the partition spelled out."""
    if isinstance(value, str):
        return value
    if "Fn::Sub" in value:
        return str(value["Fn::Sub"]).replace("${AWS::Partition}", "aws")
    sep, parts = value["Fn::Join"]
    return sep.join(p if isinstance(p, str) else {"AWS::Partition": "aws"}[p["Ref"]] for p in parts)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def may_assume(trust: dict[str, Any], principal_arn: str) -> bool:
    """Whether `trust` lets the IAM role `principal_arn` call sts:AssumeRole (Allow statements only; none Deny)."""
    account = principal_arn.split(":")[4]
    assert all(st["Effect"] == "Allow" for st in trust["Statement"])
    for st in trust["Statement"]:
        if "sts:AssumeRole" not in _listed(st["Action"]):
            continue
        principals = [_text(p) for p in _listed(st["Principal"].get("AWS", []))]
        if f"arn:aws:iam::{account}:root" not in principals and principal_arn not in principals:
            continue
        conditions = st.get("Condition", {})
        assert set(conditions) <= {"ArnLike"}, f"the evaluator knows ArnLike only, not {sorted(conditions)}"
        patterns = [_text(p) for p in _listed(conditions.get("ArnLike", {}).get("aws:PrincipalArn", ["*"]))]
        assert set(conditions.get("ArnLike", {})) <= {"aws:PrincipalArn"}
        if any(fnmatch.fnmatchcase(principal_arn, p) for p in patterns):
            return True
    return False


def _invoker_trust(built: dict[str, Any]) -> dict[str, Any]:
    (role,) = [r for r in _resources(built["runtime"], "AWS::IAM::Role")
               if r.get("RoleName") == invoker_role_name("payments", "us-east-1")]
    return role["AssumeRolePolicyDocument"]


def test_the_pipeline_runs_as_its_team_named_role(built: dict[str, Any]) -> None:
    name = pipeline_role_name("payments", "orders", "us-east-1")
    assert name.startswith(pipeline_role_prefix("payments"))
    assert [r["RoleName"] for r in _resources(built["pipeline"], "AWS::IAM::Role")
            if r.get("RoleName") == name] == [name]
    (pipeline,) = _resources(built["pipeline"], "AWS::CodePipeline::Pipeline")
    roles = [r for k, r in built["pipeline"]["Resources"].items()
             if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == name]
    (logical_id,) = [k for k, r in built["pipeline"]["Resources"].items() if r in roles]
    assert pipeline["RoleArn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    invoke = [a for s in pipeline["Stages"] for a in s["Actions"] if a["ActionTypeId"]["Provider"] == "StepFunctions"]
    assert invoke and all(invoker_role_name("payments", "us-east-1") in _text(a["RoleArn"]) for a in invoke)


def test_the_pipeline_role_may_assume_the_invoker(built: dict[str, Any]) -> None:
    name = pipeline_role_name("payments", "orders", "us-east-1")
    assert may_assume(_invoker_trust(built), f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/{name}")


@pytest.mark.parametrize("other", [
    "Admin",
    "cdk-hnb659fds-deploy-role-111111111111-us-east-1",
    invoker_role_name("payments", "us-east-1"),
    pipeline_role_name("payments-x", "orders", "us-east-1"),  # a team whose name starts with "payments-"
    "seawall-payments-pipeline-orders-us-east-1",
])
def test_no_other_role_of_the_pipeline_account_may(built: dict[str, Any], other: str) -> None:
    assert not may_assume(_invoker_trust(built), f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/{other}")


def test_the_same_role_name_in_another_account_may_not(built: dict[str, Any]) -> None:
    name = pipeline_role_name("payments", "orders", "us-east-1")
    assert not may_assume(_invoker_trust(built), f"arn:aws:iam::999999999999:role/{name}")


def test_long_names_fit_iam_and_keep_the_prefix() -> None:
    team, service = "t" * 31, "s" * 31
    names = {pipeline_role_name(team, service, r) for r in ("us-east-1", "ap-southeast-4")}
    assert len(names) == 2
    for name in names:
        assert len(name) <= MAX_ROLE_NAME and name.startswith(pipeline_role_prefix(team))
    assert pipeline_role_name(team, service, "us-east-1") == pipeline_role_name(team, service, "us-east-1")
