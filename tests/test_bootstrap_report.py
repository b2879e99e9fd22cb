"""`seawall bootstrap`'s text: the exact checklist for a small cross-account plan with an opt-in region."""

from __future__ import annotations

from datetime import timedelta

from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.model.bootstrap import bootstrap_checklist
from seawall.report.bootstrap import render_bootstrap

EXPECTED = """\
Bootstrap checklist for a pipeline in aws://111111111111/us-east-1

1. Enable opt-in regions (disabled by default in every account; enabling can take a while).
   From the organization's management account (or, in the account itself, without --account-id):
   # for: cross-region support stack
   aws account enable-region --account-id 111111111111 --region-name ap-east-1
   # for: cdk bootstrap and deploys
   aws account enable-region --account-id 444444444444 --region-name ap-east-1

2. Bootstrap 4 environment(s), each with credentials for its account:
   # used by: pipeline, wave-2
   npx cdk bootstrap aws://111111111111/us-east-1 \\
       --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess
   # used by: alpha, beta, gamma
   npx cdk bootstrap aws://222222222222/us-west-2 \\
       --trust 111111111111 \\
       --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess
   # used by: wave-1
   npx cdk bootstrap aws://333333333333/eu-north-1 \\
       --trust 111111111111 \\
       --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess
   # used by: wave-2
   npx cdk bootstrap aws://444444444444/ap-east-1 \\
       --trust 111111111111 \\
       --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess

3. Cross-region support stacks: `cdk deploy` of the pipeline stack creates them in the pipeline
   account (a replication bucket per region); they reuse the pipeline region's bootstrap roles and
   need no bootstrap of their own.
   cross-region-stack-111111111111:ap-east-1  (opt-in region: enable it, step 1)
   cross-region-stack-111111111111:eu-north-1
   cross-region-stack-111111111111:us-west-2

4. Organisation-wide alarms (blocking_alarms) every gate and bake reads, by exact name; a missing
   one fails the step, and only OK lets a gate open or a bake pass (INSUFFICIENT_DATA holds them):
   org-sev1  in aws://111111111111/us-east-1
   org-sev1  in aws://222222222222/us-west-2
   org-sev1  in aws://333333333333/eu-north-1
   org-sev1  in aws://444444444444/ap-east-1
"""


def plan() -> WavePlan:
    """Pre-production in 222222222222; production in 333333333333, 444444444444 (ap-east-1, opt-in) and the
    pipeline's own account (a target without an account)."""
    return WavePlan(
        pre_production=WavePlan.standard_pre_production(["us-west-2"], account="222222222222"),
        waves=[
            Wave(name="wave-1", targets=[Target(region="eu-north-1", account="333333333333")],
                 bake=BakePolicy(duration=timedelta(hours=12))),
            Wave(name="wave-2", bake=BakePolicy(duration=timedelta(hours=4)),
                 targets=[Target(region="us-east-1"), Target(region="ap-east-1", account="444444444444")]),
        ],
    )


def test_the_checklist_prints_exactly():
    checklist = bootstrap_checklist(plan(), pipeline_account="111111111111", pipeline_region="us-east-1",
                                    blocking_alarms=["org-sev1"])
    assert render_bootstrap(checklist) == EXPECTED


def test_a_single_region_plan_says_there_is_nothing_to_enable_and_no_support_stack():
    single = WavePlan(waves=[Wave(name="w", targets=[Target(region="us-east-1")], bake=BakePolicy.none())])
    text = render_bootstrap(bootstrap_checklist(single, pipeline_account="111111111111", pipeline_region="us-east-1"))
    assert "   None: the plan uses no opt-in region.\n" in text
    assert "   None: every target is in the pipeline's region.\n" in text
    assert "2. Bootstrap 1 environment(s)" in text and "4. " not in text
