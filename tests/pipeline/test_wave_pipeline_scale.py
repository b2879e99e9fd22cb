"""The all-regions x 3 cells pipeline, synthesized once: order, rollback conditions, quotas."""

from __future__ import annotations

import json
import os

import pytest
from tests.support.lint import assembly_stacks, cfn_lint_findings, nag_findings, suppressions, synth

from seawall.checks.pipeline_limits import (
    MAX_ACTIONS_PER_PIPELINE,
    MAX_ACTIONS_PER_STAGE,
    MAX_STAGES_PER_PIPELINE,
    pipelines_in,
    stack_quota_errors,
)
from seawall.model import WavePlan, commercial_regions, expand_steps
from seawall.model.release import OVERRIDE_VARIABLE

from .support import classify, make_pipeline, templates

PLAN = WavePlan.standard(commercial_regions(), cells=3)
ORDER = {"gate": 0, "deploy": 1, "shift": 2, "bake": 3}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(pipeline, templates by path, pipeline template, app, assembly dir): one synthesis, cdk-nag attached."""
    outdir = str(tmp_path_factory.mktemp("scale"))
    app, stack, wp = make_pipeline(PLAN, outdir=outdir)
    wp.build()
    synth(stack)
    tpls = templates(outdir)
    return wp, tpls, tpls["PipelineStack.template.json"], app, outdir


@pytest.fixture(scope="module")
def pipeline(built):
    (shape,) = pipelines_in(built[2])
    return shape


def test_plan_spans_every_commercial_region_with_three_cells():
    targets = [t for s in expand_steps(PLAN) if s.production for t in s.targets]
    assert len(targets) == len(commercial_regions()) * 3


def test_one_stage_per_step_in_order(pipeline):
    steps = expand_steps(PLAN)
    names = pipeline.stage_names
    assert names[-len(steps):] == tuple(s.name for s in steps)
    assert set(names[:-len(steps)]) <= {"Source", "Build", "UpdatePipeline", "Assets"}
    assert names[:3] == ("Source", "Build", "UpdatePipeline")


def test_each_target_runs_gate_deploy_shift_bake_in_that_order(built, pipeline):
    wp = built[0]
    for step in expand_steps(PLAN):
        actions = pipeline.actions(step.name)
        seen_targets = set()
        for target in step.targets:
            prefix = "" if len(step.targets) == 1 else f"{wp.stage_id(step, target)}."
            mine = [(classify(n), ro) for n, ro in actions if n.startswith(prefix)] if prefix else \
                [(classify(n), ro) for n, ro in actions]
            kinds = [k for k, _ in sorted(mine, key=lambda x: x[1])]
            expected = (["gate"] if step.gated else []) + ["deploy", "shift"] + (["bake"] if step.baked else [])
            assert kinds == expected, (step.name, target.name, mine)
            run_orders = [ro for _, ro in sorted(mine, key=lambda x: ORDER[x[0]])]
            assert run_orders == sorted(run_orders) and len(set(run_orders)) == len(run_orders), (step.name, mine)
            seen_targets.add(target.name)
        assert len(seen_targets) == len(step.targets)
        # Targets of a step run in parallel: every target's gate (or deploy) shares runOrder 1.
        assert {ro for n, ro in actions if classify(n) == ("gate" if step.gated else "deploy")} == {1}


def test_every_deploying_stage_rolls_back_on_failure(built):
    (resource,) = [r for r in built[2]["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    stages = {s["Name"]: s for s in resource["Properties"]["Stages"]}
    for step in expand_steps(PLAN):
        assert stages[step.name]["OnFailure"] == {"Result": "ROLLBACK"}, step.name
    for fixed in ("Source", "Build", "UpdatePipeline"):
        assert "OnFailure" not in stages[fixed]


def test_pipeline_is_v2_with_the_override_variable_defaulting_to_false(built):
    (resource,) = [r for r in built[2]["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    props = resource["Properties"]
    assert props["PipelineType"] == "V2"
    assert {"Name": OVERRIDE_VARIABLE, "DefaultValue": "false"}.items() <= props["Variables"][0].items()


def test_no_quota_is_exceeded_counted_from_the_templates(built, pipeline):
    assert len(pipeline.stages) <= MAX_STAGES_PER_PIPELINE
    assert pipeline.max_actions_per_stage <= MAX_ACTIONS_PER_STAGE
    assert pipeline.action_count <= MAX_ACTIONS_PER_PIPELINE
    errors = [e for name, t in built[1].items() for e in stack_quota_errors(name, t)]
    assert errors == []


def _actions(template):
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    for stage in resource["Properties"]["Stages"]:
        for action in stage["Actions"]:
            yield stage["Name"], action


def test_release_actions_share_one_invoker_role_per_account_and_region(built):
    tpl = built[2]
    roles = {}
    for _stage, action in _actions(tpl):
        if action["ActionTypeId"]["Provider"] == "StepFunctions":
            region = action.get("Region", "us-east-1")  # absent in the pipeline's own region
            role = action["RoleArn"]
            role = role if isinstance(role, str) else json.dumps(role)
            roles.setdefault(region, set()).add(role)
            assert f"role/seawall-payments-invoker-{region}" in role
    assert len(roles) == len(commercial_regions())
    assert all(len(r) == 1 for r in roles.values())
    # No IAM role per action in the pipeline stack: only CDK Pipelines' own few.
    assert sum(r["Type"] == "AWS::IAM::Role" for r in tpl["Resources"].values()) < 10


def test_a_custom_canary_shift_reads_its_codedeploy_config_from_the_deployed_stack(built):
    step = next(s for s in expand_steps(PLAN) if s.production)
    assert step.traffic.predefined_config_name is None  # 10 % for 60 minutes: a custom config
    (action,) = [a for name, a in _actions(built[2]) if name == step.name and a["Name"].endswith("Shift")]
    payload = json.loads(action["Configuration"]["Input"])
    # The config's generated name is in each function's stack output, not in the action: the action names
    # the stack and consumes only its release token.
    assert "deploymentConfig" not in payload and "functions" not in payload
    (stack,) = payload["stacks"]
    assert stack["token"].startswith("#{") and stack["token"].endswith(".SeawallReleaseToken}")
    assert payload["override"] == f"#{{variables.{OVERRIDE_VARIABLE}}}"


def test_every_gate_and_bake_reads_the_emergency_override_variable(built):
    kinds = {"Gate": 0, "Bake": 0}
    for _name, action in _actions(built[2]):
        kind = action["Name"].split(".")[-1]
        if kind in kinds:
            assert json.loads(action["Configuration"]["Input"])["override"] == \
                f"#{{variables.{OVERRIDE_VARIABLE}}}"
            kinds[kind] += 1
    production_targets = sum(len(s.targets) for s in expand_steps(PLAN) if s.production)
    assert kinds["Gate"] == production_targets
    assert kinds["Bake"] >= production_targets


def test_same_account_targets_carry_no_pipeline_role_and_hookless_services_no_hooks(built):
    for _name, action in _actions(built[2]):
        if action["ActionTypeId"]["Provider"] == "StepFunctions":
            payload = json.loads(action["Configuration"]["Input"])
            assert payload["pipeline"]["roleArn"] == ""
            assert "functions" not in payload and "Hook" not in json.dumps(payload)


def test_the_app_has_no_unacknowledged_cdk_nag_findings(built):
    assert nag_findings(built[3]) == []
    for path, tpl in built[1].items():
        assert "cdk_nag" not in tpl.get("Metadata", {}), f"{path}: stack-wide cdk-nag suppression"
        assert all(len(reason.strip()) >= 20 for _id, _rule, reason in suppressions(tpl)), path


# Every LINT_SAMPLE_EVERY-th of the other templates, in path order, is linted.
LINT_SAMPLE_EVERY = 12


def test_templates_pass_cfn_lint_pipeline_and_one_stage_fully_the_rest_sampled(built):
    """cfn-lint over the assembly, each stack in its own region.

    Linting all ~145 templates (the ~600 KB pipeline stack, a cross-region support stack per
    region, a service stack per target) took ~110 s on two cores: each call pays a per-template,
    per-region cost even for a 2 KB support stack.  So the pipeline stack and every stack of one
    representative stage (a production target outside the pipeline's region) are linted fully,
    and of the rest (support stacks and the other targets' stacks, which differ from the linted
    ones only in region and names) every LINT_SAMPLE_EVERY-th in path order: a fixed sample.
    """
    wp, _tpls, _pipeline, _app, outdir = built
    stacks = sorted(assembly_stacks(outdir), key=lambda s: s[0])
    representative = next(d for d in wp.deployments if d.step.production and d.target.region != "us-east-1")
    stage_dir = os.path.relpath(representative.stage.outdir, outdir) + os.sep
    full = [s for s in stacks if s[0] == "PipelineStack.template.json" or s[0].startswith(stage_dir)]
    rest = [s for s in stacks if s not in full]
    picked = full + rest[::LINT_SAMPLE_EVERY]
    assert len(full) >= 2 and any("cross-region-stack" in p for p, _r, _t in picked)
    findings = {path: cfn_lint_findings(tpl, regions=[region]) for path, region, tpl in picked}
    assert {p: f for p, f in findings.items() if f} == {}
