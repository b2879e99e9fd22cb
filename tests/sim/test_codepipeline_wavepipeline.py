"""The CodePipeline fake runs a synthesized WavePipeline: CDK Pipelines' fixed stages, then Seawall's steps.

One synthesis per module: a standard plan over two regions (alpha, beta,
gamma, wave-1, wave-2) with an org-wide entry alarm.  The pipeline resource
is read from the cloud assembly and its intrinsic functions resolved the way
CloudFormation would for this account; every release action's resolved input
must parse as the runtime's contract.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.pipeline.support import make_pipeline, templates
from tests.sim.test_codepipeline_world import ACCOUNT, REGION, World

from seawall.model.contracts import INPUTS, RELEASE_TOKEN_OUTPUT
from seawall.model.waves import WavePlan

DAY = 86_400.0
STEPS = ["alpha", "beta", "gamma", "wave-1", "wave-2"]


def _resolve(value: Any) -> Any:
    """The pipeline's properties as CloudFormation hands them to the resource provider (this stack's values)."""
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return f"{value['Ref'].lower()}-physical"
    if set(value) == {"Fn::GetAtt"}:
        return f"arn:aws:iam::{ACCOUNT}:role/{value['Fn::GetAtt'][0]}"
    if set(value) == {"Fn::Sub"}:
        assert isinstance(value["Fn::Sub"], str)
        return value["Fn::Sub"].replace("${AWS::Partition}", "aws")
    if set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return sep.join(str(_resolve(p)) for p in parts)
    return {k: _resolve(v) for k, v in value.items()}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outdir = str(tmp_path_factory.mktemp("wavepipeline"))
    plan = WavePlan.standard(["us-east-1", "eu-west-1"], cells=1)
    app, _stack, wp = make_pipeline(plan, outdir=outdir, entry_alarms=("org-sev1",))
    wp.build()
    app.synth()
    tpl = templates(outdir)["PipelineStack.template.json"]
    (res,) = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return dict(_resolve(res["Properties"]))


class Released(World):
    """The world's deploys answer the release token output a SafeLambdaDeployment's stack has."""

    def deploy(self, account: str, region: str, stack: str, template: str, revision: str) -> dict[str, str]:
        super().deploy(account, region, stack, template, revision)
        return {RELEASE_TOKEN_OUTPUT: f"{stack}@{revision}"}


def _world(props: dict[str, Any], **params: Any) -> Released:
    w = Released(**params)
    w.create(props)
    return w


def _release_inputs(w: Released, execution_id: str) -> list[dict[str, Any]]:
    runs = [a for a in w.cp.action_runs if a.execution_id == execution_id and a.provider == "StepFunctions"]
    return [json.loads(w.started[a.external_id]["input"]) for a in runs]


def test_a_healthy_execution_runs_every_stage_in_order_and_every_release_input_parses(synthesized):
    w = _world(synthesized)
    assert [s["Name"] for s in synthesized["Stages"]] == ["Source", "Build", "UpdatePipeline", "Assets", *STEPS]
    ex = w.start_run("payments-orders")
    w.run(until=3 * DAY)
    assert w.execution(ex, "payments-orders")["status"] == "Succeeded"
    assert [r.stage for r in w.cp.stage_runs] == ["Source", "Build", "UpdatePipeline", "Assets", *STEPS]
    inputs = _release_inputs(w, ex)
    assert len(inputs) == 1 + 1 + 2 * 2 + 3 + 3  # alpha, beta: a shift; gamma: 2 shifts, 2 bakes; waves: 3 each
    for payload in inputs:
        parsed = INPUTS[payload["kind"]].from_json(payload)
        assert parsed.pipeline.execution_id == ex and parsed.override == "false"
        for s in getattr(parsed, "stacks", ()):
            assert s.token == f"{s.stack_name}@r0"
    assert w.updates == ["r0"]  # the self-mutation ran and changed nothing


def test_a_multi_target_stage_runs_every_deploy_only_after_every_gate_and_shift_order(synthesized):
    w = _world(synthesized)
    w.machines["seawall-payments-shift"] = [(3600.0, "SUCCEEDED"), (60.0, "SUCCEEDED")]
    ex = w.start_run("payments-orders")
    w.run(until=3 * DAY)
    gamma = [a for a in w.cp.action_runs if a.execution_id == ex and a.stage == "gamma"]
    deploys = [a for a in gamma if a.provider == "CloudFormation"]
    shifts = [a for a in gamma if a.action.endswith("Shift")]
    bakes = [a for a in gamma if a.action.endswith("Bake")]
    assert max(d.ended for d in deploys) <= min(s.started for s in shifts)
    assert min(b.started for b in bakes) >= max(s.ended for s in shifts)


@pytest.mark.parametrize("reading", ["target", "own"])
def test_a_failed_production_bake_rolls_the_stage_back_and_the_rollback_inputs_follow_the_reading(
        synthesized, reading):
    w = _world(synthesized, rollback_variables=reading)
    good = w.start_run("payments-orders")
    w.run(until=3 * DAY)
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="payments-orders", revision="bad")
    w.machines["seawall-payments-bake"] = [(60.0, "SUCCEEDED")] * 2 + [(60.0, "FAILED"), (60.0, "SUCCEEDED")]
    bad = w.start_run("payments-orders")
    w.run(until=6 * DAY)
    assert w.execution(bad, "payments-orders")["status"] == "Failed"
    (rollback,) = [e for e in w.cp.executions if e.type == "ROLLBACK"]
    assert (rollback.only_stage, rollback.rollback_target, rollback.status) == ("wave-1", good, "Succeeded")
    assert [d[5] for d in w.deploys if d[3] == "payments-orders-us-east-1-Api"] == ["r0", "bad", "r0"]
    seen = {INPUTS[p["kind"]].from_json(p).pipeline.execution_id for p in _release_inputs(w, rollback.id)}
    assert seen == ({good} if reading == "target" else {rollback.id})
    assert not [r for r in w.cp.stage_runs if r.execution_id == bad and r.stage == "wave-2"]


def test_an_org_wide_alarm_fails_a_production_stage_at_entry(synthesized):
    w = _world(synthesized)
    w.alarms["org-sev1"] = "ALARM"
    ex = w.start_run("payments-orders")
    w.run(until=3 * DAY)
    got = w.execution(ex, "payments-orders")
    assert got["status"] == "Failed" and "wave-1" in got["statusSummary"]
    assert not [a for a in w.cp.action_runs if a.stage == "wave-1"]
