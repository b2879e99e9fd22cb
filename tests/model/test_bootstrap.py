"""The bootstrap checklist: every environment to bootstrap, with its trust, the support stacks, opt-in regions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.model.bootstrap import (
    ADMINISTRATOR_ACCESS,
    BootstrapEnvironment,
    OptInRegion,
    RequiredAlarm,
    SupportStack,
    bootstrap_checklist,
)

PIPELINE, PRE, PROD_A, PROD_B = "111111111111", "222222222222", "333333333333", "444444444444"
ADMIN = (ADMINISTRATOR_ACCESS,)


def small_plan() -> WavePlan:
    """Pre-production in a third account; production in two accounts and the pipeline's; ap-east-1 is opt-in."""
    return WavePlan(
        pre_production=WavePlan.standard_pre_production(["us-west-2"], account=PRE),
        waves=[
            Wave(name="wave-1", targets=[Target(region="eu-north-1", account=PROD_A)],
                 bake=BakePolicy(duration=timedelta(hours=12))),
            Wave(name="wave-2", bake=BakePolicy(duration=timedelta(hours=4)),
                 targets=[Target(region="us-east-1"), Target(region="ap-east-1", account=PROD_B)]),
        ],
    )


def test_the_small_plan_gives_exactly_these_environments_support_stacks_opt_ins_and_alarms():
    c = bootstrap_checklist(small_plan(), pipeline_account=PIPELINE, pipeline_region="us-east-1",
                            blocking_alarms=["org-sev1"])
    assert c.environments == (
        # The pipeline's own environment: no --trust (an account trusts itself); wave-2's target without an
        # account deploys here too.
        BootstrapEnvironment(account=PIPELINE, region="us-east-1", trust=(), execution_policies=ADMIN,
                             used_by=("pipeline", "wave-2"), opt_in=False),
        BootstrapEnvironment(account=PRE, region="us-west-2", trust=(PIPELINE,), execution_policies=ADMIN,
                             used_by=("alpha", "beta", "gamma"), opt_in=False),
        BootstrapEnvironment(account=PROD_A, region="eu-north-1", trust=(PIPELINE,), execution_policies=ADMIN,
                             used_by=("wave-1",), opt_in=False),
        BootstrapEnvironment(account=PROD_B, region="ap-east-1", trust=(PIPELINE,), execution_policies=ADMIN,
                             used_by=("wave-2",), opt_in=True),
    )
    # One replication-bucket stack per action region other than the pipeline's, in the pipeline account.
    assert c.support_stacks == (
        SupportStack(account=PIPELINE, region="ap-east-1", opt_in=True),
        SupportStack(account=PIPELINE, region="eu-north-1", opt_in=False),
        SupportStack(account=PIPELINE, region="us-west-2", opt_in=False),
    )
    assert [s.stack_id for s in c.support_stacks][0] == "cross-region-stack-111111111111:ap-east-1"
    # ap-east-1 must be enabled in the target account and in the pipeline account (its support stack).
    assert c.opt_in_regions == (
        OptInRegion(account=PIPELINE, region="ap-east-1", needed_for=("cross-region support stack",)),
        OptInRegion(account=PROD_B, region="ap-east-1", needed_for=("cdk bootstrap and deploys",)),
    )
    # Gamma bakes (so reads the alarms) in pre-production; alpha and beta neither gate nor bake.
    assert c.required_alarms == tuple(
        RequiredAlarm(name="org-sev1", account=a, region=r)
        for a, r in ((PIPELINE, "us-east-1"), (PRE, "us-west-2"), (PROD_A, "eu-north-1"), (PROD_B, "ap-east-1"))
    )


def test_commands_are_the_cdk_pipelines_readme_forms():
    c = bootstrap_checklist(small_plan(), pipeline_account=PIPELINE, pipeline_region="us-east-1")
    assert [e.command for e in c.environments] == [
        "npx cdk bootstrap aws://111111111111/us-east-1 "
        "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess",
        "npx cdk bootstrap aws://222222222222/us-west-2 --trust 111111111111 "
        "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess",
        "npx cdk bootstrap aws://333333333333/eu-north-1 --trust 111111111111 "
        "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess",
        "npx cdk bootstrap aws://444444444444/ap-east-1 --trust 111111111111 "
        "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess",
    ]
    assert [o.command for o in c.opt_in_regions] == [
        "aws account enable-region --account-id 111111111111 --region-name ap-east-1",
        "aws account enable-region --account-id 444444444444 --region-name ap-east-1",
    ]
    assert c.required_alarms == ()


def test_output_is_sorted_whatever_the_plan_order_and_lists_each_environment_once():
    waves = [
        Wave(name="w1", bake=BakePolicy.none(),
             targets=[Target(region="us-west-2", account=PROD_B), Target(region="eu-west-1", account=PROD_A)]),
        Wave(name="w2", targets=[Target(region="eu-north-1", account=PROD_A, cell="c1"),
                                 Target(region="eu-north-1", account=PROD_A, cell="c2")], bake=BakePolicy.none()),
    ]
    c = bootstrap_checklist(WavePlan(waves=waves), pipeline_account=PIPELINE, pipeline_region="eu-west-1")
    assert [(e.account, e.region, e.used_by) for e in c.environments] == [
        (PIPELINE, "eu-west-1", ("pipeline",)),
        (PROD_A, "eu-north-1", ("w2",)),
        (PROD_A, "eu-west-1", ("w1",)),
        (PROD_B, "us-west-2", ("w1",)),
    ]
    assert [s.region for s in c.support_stacks] == ["eu-north-1", "us-west-2"]
    assert c.opt_in_regions == ()
    reordered = WavePlan(waves=[Wave(name=w.name, targets=tuple(reversed(w.targets)), bake=w.bake)
                                for w in reversed(waves)])
    assert bootstrap_checklist(reordered, pipeline_account=PIPELINE, pipeline_region="eu-west-1") == c


def test_an_opt_in_pipeline_region_is_enabled_and_custom_policies_reach_every_command():
    policy = "arn:aws:iam::111111111111:policy/SeawallDeploy"
    plan = WavePlan(waves=[Wave(name="w", targets=[Target(region="me-south-1", account=PROD_A)],
                                bake=BakePolicy.none())])
    c = bootstrap_checklist(plan, pipeline_account=PIPELINE, pipeline_region="me-south-1",
                            execution_policies=[policy, ADMINISTRATOR_ACCESS])
    assert c.support_stacks == ()
    assert [(o.account, o.needed_for) for o in c.opt_in_regions] == [
        (PIPELINE, ("cdk bootstrap and deploys",)), (PROD_A, ("cdk bootstrap and deploys",))]
    assert all(e.command.endswith(f"--cloudformation-execution-policies {policy},{ADMINISTRATOR_ACCESS}")
               for e in c.environments)


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    ({"pipeline_account": "1234"}, ValueError, "pipeline_account='1234' is not an AWS account ID"),
    ({"pipeline_account": 111111111111}, TypeError, "pipeline_account=111111111111 is a int"),
    ({"pipeline_region": "mars-1"}, ValueError, "pipeline_region='mars-1' is not a known AWS commercial region"),
    ({"pipeline_region": "ap-east-2"}, ValueError, "pipeline_region='ap-east-2' cannot host the pipeline"),
    ({"execution_policies": ADMINISTRATOR_ACCESS}, TypeError, "execution_policies=.* must be a list"),
    ({"execution_policies": []}, ValueError, "execution_policies is empty"),
    ({"execution_policies": ["AdministratorAccess"]}, ValueError,
     "execution_policies holds 'AdministratorAccess', which is not an IAM managed policy ARN"),
    ({"blocking_alarms": "org-sev1"}, TypeError, "blocking_alarms='org-sev1' must be a list"),
    ({"blocking_alarms": [""]}, ValueError, "blocking_alarms holds ''; a CloudWatch alarm name has 1-255"),
])
def test_bad_input_names_the_parameter_and_value(kwargs, error, pattern):
    args = {"pipeline_account": PIPELINE, "pipeline_region": "us-east-1", **kwargs}
    with pytest.raises(error, match=pattern):
        bootstrap_checklist(small_plan(), **args)


def test_a_plan_that_is_not_a_wave_plan_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("plan=[] is not a seawall.model.WavePlan")):
        bootstrap_checklist([], pipeline_account=PIPELINE, pipeline_region="us-east-1")  # type: ignore[arg-type]
