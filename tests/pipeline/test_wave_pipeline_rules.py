"""WavePipeline's rules on small plans: errors that say what to change, guards, conditions, cross-account."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from tests.support.lint import assembly_stacks, cfn_lint_findings, nag_findings, suppressions, synth

from seawall.checks.pipeline_limits import pipelines_in
from seawall.constructs.wave_pipeline import EntryAlarm, WavePipeline
from seawall.model import Target, Wave, WavePlan, expand_steps
from seawall.model.policies import BakePolicy

from .support import WINDOW, classify, make_pipeline, synth_step, templates, toy_function, toy_service

SMALL = WavePlan.standard(["us-east-1", "eu-west-1"], cells=1)
ORG_ALARMS = ("org-sev1", "org-network", "org-identity")


def hooked_service(stage, target):
    """One function with traffic hooks: a generated-name pre-traffic hook and a named post-traffic hook."""
    from seawall.constructs import SafeLambdaDeployment

    stack = cdk.Stack(stage, "Api")

    def function(id, **kw):
        return toy_function(stack, id, **kw)

    SafeLambdaDeployment(stack, "Release", function=function("Fn"), team="payments", service=stage.service,
                         traffic=stage.step.traffic, pre_traffic_hook=function("PreHook"),
                         post_traffic_hook=function("PostHook", function_name=f"orders-smoke-{target.name}"))


@pytest.fixture(scope="module")
def cross_account(tmp_path_factory):
    """A plan whose pre-production and production live in their own accounts, with entry alarms and hooks."""
    outdir = str(tmp_path_factory.mktemp("xacct"))
    plan = WavePlan.standard(["us-east-1", "eu-west-1"], account="333333333333",
                             pre_production_account="222222222222")
    app, stack, wp = make_pipeline(plan, outdir=outdir, tests=True, entry_alarms=ORG_ALARMS,
                                   create_service=hooked_service)
    wp.build()
    synth(stack)  # the one synthesis, cdk-nag attached
    tpls = templates(outdir)
    return plan, wp, tpls, app, outdir


def _pipeline_resource(template):
    (res,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return res["Properties"]


def test_cross_account_targets_get_kms_artifact_keys_and_deploy_with_target_bootstrap_roles(cross_account):
    plan, wp, tpls, *_ = cross_account
    tpl = tpls["PipelineStack.template.json"]
    assert wp.cross_account
    types = {r["Type"] for r in tpl["Resources"].values()}
    assert "AWS::KMS::Key" in types
    props = _pipeline_resource(tpl)
    roles = {}
    for stage in props["Stages"]:
        for action in stage["Actions"]:
            if action["ActionTypeId"]["Provider"] == "CloudFormation":
                roles[stage["Name"]] = str(action.get("RoleArn"))
    assert "222222222222" in roles["alpha"] and "cdk-hnb659fds-deploy-role" in roles["alpha"]
    assert "333333333333" in roles["wave-1"]


def test_cross_account_stages_deploy_into_the_targets_account(cross_account):
    _plan, wp, *_ = cross_account
    accounts = {d.step.name: d.stage.account for d in wp.deployments}
    assert accounts["alpha"] == "222222222222"
    assert accounts["wave-2"] == "333333333333"


def test_entry_alarms_fail_production_stages_only(cross_account):
    plan, _wp, tpls, *_ = cross_account
    stages = {s["Name"]: s for s in _pipeline_resource(tpls["PipelineStack.template.json"])["Stages"]}
    for step in expand_steps(plan):
        stage = stages[step.name]
        if not step.production:
            assert "BeforeEntry" not in stage
            continue
        (condition,) = stage["BeforeEntry"]["Conditions"]
        assert condition["Result"] == "FAIL"
        assert [r["Configuration"]["AlarmName"] for r in condition["Rules"]] == list(ORG_ALARMS)
        assert {r["RuleTypeId"]["Provider"] for r in condition["Rules"]} == {"CloudWatchAlarm"}


def test_pre_production_tests_run_after_the_shift(cross_account):
    plan, _wp, tpls, *_ = cross_account
    (shape,) = pipelines_in(tpls["PipelineStack.template.json"])
    for name in ("alpha", "beta"):
        actions = dict(shape.actions(name))
        assert actions["Tests"] > actions["Shift"] > actions["Api.Deploy"]


def _release_inputs(tpls):
    for stage in _pipeline_resource(tpls["PipelineStack.template.json"])["Stages"]:
        for action in stage["Actions"]:
            if action["ActionTypeId"]["Provider"] == "StepFunctions":
                yield stage["Name"], action["Name"], json.loads(action["Configuration"]["Input"])


def test_the_traffic_hooks_travel_in_the_stack_not_in_the_shift(cross_account):
    plan, wp, tpls, *_ = cross_account
    inputs = list(_release_inputs(tpls))
    shifts = [i for _stage, name, i in inputs if classify(name) == "shift"]
    assert len(shifts) == len(wp.deployments)
    for _stage, _name, payload in inputs:
        assert "functions" not in payload and "Hook" not in json.dumps(payload)
    # Each target's stack carries its function's hooks in its release output.
    for d in wp.deployments:
        (deployment,) = [c for c in d.stage.node.find_all() if type(c).__name__ == "SafeLambdaDeployment"]
        stack = deployment.node.scope
        value = json.dumps(stack.resolve(deployment.release_outputs.function.value))
        # Both hooks, by reference: CloudFormation writes their names into the output at deploy time.
        assert '\\"preTrafficHook\\":\\"", {"Ref": "PreHook' in value, value
        assert '\\"postTrafficHook\\":\\"", {"Ref": "PostHook' in value, value


def test_targets_in_other_accounts_read_the_pipeline_through_its_reader_role(cross_account):
    _plan, _wp, tpls, *_ = cross_account
    seen = 0
    for _stage, _name, payload in _release_inputs(tpls):
        assert payload["pipeline"]["roleArn"] == "arn:aws:iam::111111111111:role/seawall-payments-pipeline-reader"
        assert payload["pipeline"]["region"] == "us-east-1"
        seen += 1
    assert seen


def test_every_cross_account_template_passes_cfn_lint(cross_account):
    """Pipeline stack, cross-region support stacks and every target's stacks, each in its region."""
    *_, outdir = cross_account
    stacks = assembly_stacks(outdir)
    assert len(stacks) > len(expand_steps(cross_account[0]))
    findings = {path: cfn_lint_findings(tpl, regions=[region]) for path, region, tpl in stacks}
    assert {p: f for p, f in findings.items() if f} == {}


def test_the_cross_account_app_has_no_unacknowledged_cdk_nag_findings(cross_account):
    _plan, _wp, tpls, app, _outdir = cross_account
    assert nag_findings(app) == []
    for path, tpl in tpls.items():
        assert "cdk_nag" not in tpl.get("Metadata", {}), f"{path}: stack-wide cdk-nag suppression"
        assert all(len(reason.strip()) >= 20 for _id, _rule, reason in suppressions(tpl)), path


def _plan_with(targets_per_wave: int, cells: int = 1) -> WavePlan:
    regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2",
               "ca-central-1", "eu-north-1", "us-east-2", "eu-west-2", "eu-west-3", "ap-south-1",
               "ap-northeast-2"][:targets_per_wave]
    wave = Wave(name="wave-1", targets=tuple(Target(region=r) for r in regions),
                bake=BakePolicy(duration=__import__("datetime").timedelta(hours=1)), one_cell_at_a_time=False)
    return WavePlan(waves=(wave,), max_targets_per_step=50)


def test_a_stage_over_50_actions_fails_and_says_how_many_targets_fit():
    _app, _stack, wp = make_pipeline(_plan_with(13))
    with pytest.raises(ValueError, match=r"wave-1.*13 targets at 4 actions.*max_targets_per_step to 12"):
        wp.build()


def test_more_than_five_entry_alarms_are_refused():
    with pytest.raises(ValueError, match="at most 5 rules"):
        make_pipeline(SMALL, entry_alarms=[f"a{i}" for i in range(6)])


def test_waves_cannot_be_added_after_the_pipeline_was_built():
    _app, _stack, wp = make_pipeline(SMALL)
    wp.build()
    with pytest.raises(RuntimeError, match="cannot add waves after the pipeline was built"):
        wp.add_wave(Wave(name="late", targets=(Target(region="us-west-2"),), bake=BakePolicy.none()))


def test_a_pipeline_stack_needs_an_explicit_environment():
    app = cdk.App()
    stack = cdk.Stack(app, "NoEnv")
    with pytest.raises(ValueError, match="has no explicit env"):
        WavePipeline(stack, "W", plan=SMALL, team="payments", service="orders", synth=synth_step(),
                     create_service=toy_service, window=WINDOW)


def test_cross_account_targets_refuse_cross_account_keys_off():
    plan = WavePlan.standard(["us-east-1"], account="333333333333")
    with pytest.raises(ValueError, match="cross_account_keys=False"):
        make_pipeline(plan, cross_account_keys=False)


def test_entry_alarm_names_are_checked():
    with pytest.raises(ValueError, match="1-255 characters"):
        EntryAlarm("")


def test_a_pipeline_definition_too_large_for_its_template_fails_and_says_what_to_change(monkeypatch):
    from seawall.constructs import wave_pipeline

    monkeypatch.setattr(wave_pipeline, "STAGES_BYTES_BUDGET", 10_000)
    _app, _stack, wp = make_pipeline(SMALL)
    with pytest.raises(ValueError, match=r"stages take \d+ bytes.*fewer cells or targets per pipeline"):
        wp.build()


def test_an_action_configuration_value_over_1000_characters_fails_the_build_naming_it():
    """CodePipeline allows 1,000 characters per configuration value: a manual approval's comment is one."""
    from aws_cdk import pipelines

    app = cdk.App()
    stack = cdk.Stack(app, "PipelineStack", env=cdk.Environment(account="111111111111", region="us-east-1"))
    wp = WavePipeline(stack, "Waves", plan=SMALL, team="payments", service="orders", synth=synth_step(),
                      create_service=toy_service, window=WINDOW,
                      tests=lambda stage: [pipelines.ManualApprovalStep("Approve", comment="x" * 1001)])
    with pytest.raises(ValueError, match=r"stage 'beta', action '[^']*Approve': configuration CustomData is 1001 "
                                         r"characters(.|\n)*To fix: shorten the value"):
        wp.build()
