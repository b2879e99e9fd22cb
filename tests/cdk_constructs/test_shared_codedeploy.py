"""CodeDeploy configs and service roles are shared per account and region, owned by the team runtime.

CodeDeploy allows 50 custom deployment configs per account and region, not adjustable, and IAM roles are
account-wide (``seawall.model.limits``): a config or a role per function per target would run out.  One app,
synthesized once for the module: a team's foundation (the team runtime in every region) and a service
pipeline of two functions per target over three regions of two cells.  The team's plan uses a custom canary
(10 % for 60 minutes: no predefined config) in production and predefined configs before; the service's own
plan shifts production with another custom canary, which the team declares in ``traffic_policies``.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import aws_cdk as cdk
import pytest
from tests.pipeline.support import CONNECTION, PIPELINE_ENV, WINDOW, toy_function

from seawall.constructs import SafeLambdaDeployment
from seawall.model import TrafficPolicy, WavePlan
from seawall.model.naming import codedeploy_role_name, deployment_config_name, runtime_stack_name
from seawall.stacks import Source, TeamPipelineStack

REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")
CONFIG = "AWS::CodeDeploy::DeploymentConfig"
GROUP = "AWS::CodeDeploy::DeploymentGroup"
EXTRA = TrafficPolicy.canary(percent=10, interval=timedelta(minutes=20))


class PaymentsTeam(TeamPipelineStack):
    team = "payments"
    plan = WavePlan.standard(REGIONS, cells=2)
    window = WINDOW
    source = Source(repository="example-org/payments", connection_arn=CONNECTION)
    #: A policy outside the plan, declared for a service that uses it explicitly.
    traffic_policies = (EXTRA,)


class Orders(PaymentsTeam):
    service = "orders"
    plan = WavePlan.standard(REGIONS, cells=2, one_box=EXTRA)

    def create_service(self, stage: Any, target: Any) -> None:
        stack = cdk.Stack(stage, "Api")
        for name in ("Read", "Write"):
            SafeLambdaDeployment(stack, name, function=toy_function(stack, f"{name}Fn"), team=self.team,
                                 service=self.service)


def _templates(app: cdk.App) -> list[tuple[cdk.Stack, dict[str, Any]]]:
    app.synth()
    return [(s, cdk.Stage.of(s).synth().get_stack_artifact(s.artifact_id).template)
            for s in app.node.find_all() if isinstance(s, cdk.Stack)]


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    app = cdk.App()
    PaymentsTeam.foundation(app, env=PIPELINE_ENV)
    Orders(app, "Orders", env=PIPELINE_ENV)
    return {"templates": _templates(app)}


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in template["Resources"].values() if r["Type"] == kind]


def _custom_policies() -> list[TrafficPolicy]:
    out = [s.traffic for s in PaymentsTeam.plan.steps() if s.traffic.predefined_config_name is None]
    return [*dict.fromkeys([*out, EXTRA])]


def test_each_account_and_region_has_one_config_per_custom_policy_all_in_the_team_runtime(built):
    per_env: Counter[tuple[str, str, str]] = Counter()
    for stack, template in built["templates"]:
        for config in _of_type(template, CONFIG):
            assert stack.stack_name == runtime_stack_name("payments"), stack.node.path
            per_env[(stack.account, stack.region, config["DeploymentConfigName"])] += 1
    policies = _custom_policies()
    assert len(policies) == 2  # the team plan's production canary and the declared one the service uses
    expected = {(PIPELINE_ENV.account, r, deployment_config_name("payments", p)) for r in REGIONS for p in policies}
    assert per_env == Counter(expected)  # each exactly once, however many targets and functions share it


def test_deployment_groups_name_a_predefined_config_or_their_regions_team_config(built):
    runtime_configs = {(s.account, s.region): {c["DeploymentConfigName"] for c in _of_type(t, CONFIG)}
                       for s, t in built["templates"] if s.stack_name == runtime_stack_name("payments")}
    groups = 0
    for stack, template in built["templates"]:
        for group in _of_type(template, GROUP):
            groups += 1
            name = group["DeploymentConfigName"]
            assert isinstance(name, str), name  # a name, never a Ref to a config of the service stack
            assert name.startswith("CodeDeployDefault.") or name in runtime_configs[(stack.account, stack.region)]
    # two functions per target; several targets per region: many groups, a handful of configs
    assert groups > 2 * len(REGIONS) * 2


def test_one_codedeploy_role_per_account_and_region_named_by_every_group_there(built):
    roles: Counter[tuple[str, str]] = Counter()
    for stack, template in built["templates"]:
        for role in _of_type(template, "AWS::IAM::Role"):
            if "codedeploy.amazonaws.com" in str(role["AssumeRolePolicyDocument"]):
                assert stack.stack_name == runtime_stack_name("payments")
                assert role["RoleName"] == codedeploy_role_name("payments", stack.region)
                roles[(stack.account, stack.region)] += 1
        for group in _of_type(template, GROUP):
            assert f":role/{codedeploy_role_name('payments', stack.region)}" in str(group["ServiceRoleArn"])
    assert roles == Counter({(PIPELINE_ENV.account, r): 1 for r in REGIONS})


def test_a_custom_policy_the_team_runtime_does_not_declare_fails_at_synth():
    """A service plan of its own: the team runtime (the team class's plan and traffic_policies) lacks its config."""

    class Rogue(PaymentsTeam):
        service = "rogue"
        plan = WavePlan.standard(REGIONS, cells=2, one_box=TrafficPolicy.canary(percent=10, interval=timedelta(
            minutes=25)))

        def create_service(self, stage: Any, target: Any) -> None:
            stack = cdk.Stack(stage, "Api")
            SafeLambdaDeployment(stack, "Read", function=toy_function(stack, "ReadFn"), team=self.team,
                                 service=self.service)

    with pytest.raises(ValueError, match=r"traffic='canary 10% for 25 min' .* needs the custom CodeDeploy "
                                         r"config 'seawall-payments-canary-10pct-25min', which the payments "
                                         r"team runtime does not create.*traffic_policies"):
        Rogue(cdk.App(), "Rogue", env=PIPELINE_ENV)


def test_the_team_runtime_refuses_more_custom_policies_than_codedeploy_allows():
    from seawall.model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS
    from seawall.stacks import TeamRuntimeStack

    many = [TrafficPolicy.canary(percent=p % 9 + 1, interval=timedelta(minutes=20 + p))
            for p in range(MAX_CUSTOM_DEPLOYMENT_CONFIGS + 1)]
    with pytest.raises(ValueError, match=r"51 policies without a predefined CodeDeploy config; CodeDeploy allows "
                                         r"50 custom deployment configs per account and region"):
        TeamRuntimeStack(cdk.App(), "Runtime", team="payments", services=(), pipeline_accounts=("111111111111",),
                         window=WINDOW, traffic_policies=many, env=PIPELINE_ENV)
    with pytest.raises(TypeError, match=r"traffic_policies=.* must be a list of seawall.model.TrafficPolicy"):
        TeamRuntimeStack(cdk.App(), "Runtime", team="payments", services=(), pipeline_accounts=("111111111111",),
                         window=WINDOW, traffic_policies=TrafficPolicy.canary(), env=PIPELINE_ENV)
