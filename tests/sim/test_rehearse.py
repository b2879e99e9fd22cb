"""`seawall rehearse` on the fixture app, end to end: the named scenarios' verdicts, byte-identical output across
processes, and exit 3 naming what the simulation does not model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.sim.fixture.synth import fixture_assembly

from seawall.model.contracts import FunctionRelease
from seawall.model.rehearsal import INVARIANTS
from seawall.sim import START
from seawall.sim.codedeploy import PREDEFINED
from seawall.sim.rehearse import rehearse
from seawall.sim.scenarios import (
    first_bake_stage,
    first_one_box_stage,
    first_production_stage,
    in_stages,
    shift_seconds,
    stages_from,
)
from seawall.sim.truth import Step

SEAWALL = str(Path(sys.executable).with_name("seawall"))


@pytest.fixture(scope="module")
def assembly() -> Path:
    return fixture_assembly()


def _cli(*args: str, hashseed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run([SEAWALL, "rehearse", *args], capture_output=True, text=True, env=env, timeout=600)


def test_healthy_json_is_byte_identical_in_two_processes_and_every_invariant_held_and_was_exercised(assembly):
    first, second = (_cli(str(assembly), "--scenario", "healthy", "--json", hashseed=h) for h in ("1", "2"))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    assert str(assembly) not in first.stdout and "/work/" not in first.stdout
    for name in INVARIANTS:
        verdict = doc["invariants"][name]
        assert verdict["held"], (name, verdict)
        assert verdict["exercised"] > 0, (name, verdict)
    production = {t: fns for t, fns in doc["targets"].items() if not t.startswith("gamma/")}
    assert production and all(state == {"version": state["version"], "revision": "r1", "routing": {}}
                              for fns in production.values() for state in fns.values())
    assert doc["invariants"]["I11"]["exercised"] == 3 and "plan" in doc["invariants"]["I11"]["detail"]
    assert {e["kind"] for e in doc["events"]} >= {"pipeline", "stage", "traffic", "deployment"}
    assert all(isinstance(e["at"], int) and e["at"] >= 0 for e in doc["events"])


@pytest.mark.parametrize("scenario", ["first-deploy", "bad-version-one-box"])
def test_the_basic_scenarios_meet_their_expected_outcome(assembly, scenario):
    result = rehearse(assembly, scenario=scenario)
    assert result.ok, {k: v for k, v in {**result.invariants, **result.expectations}.items() if not v.held}
    assert result.expectations  # every named scenario states its expected outcome


def test_a_bad_version_is_caught_by_the_one_box_and_served_nothing_after_the_revert(assembly):
    result = rehearse(assembly, scenario="bad-version-one-box")
    assert "served" in result.expectations["bad-version-reverted"].detail
    caught = result.expectations["caught-at-one-box"]
    assert caught.held and caught.detail.startswith("the one-box of stage gamma served r1 "), caught
    reverts = [e for e in result.events if e.kind == "traffic" and "(r0) by" in e.detail and "+" not in e.detail]
    assert reverts, "the aliases must be seen going back to r0"


def test_every_attempt_of_a_retried_stage_is_in_the_timeline_and_the_stages(assembly):
    result = rehearse(assembly, scenario="stage-retry-after-expiry")  # gamma fails, is retried, fails again
    gamma = [(s.attempt, s.result) for s in result.stages if s.name == "gamma"]
    assert gamma == [(1, "Failed"), (2, "Failed")], result.stages
    events = [e.detail for e in result.events if e.kind == "stage" and e.target == "gamma"]
    assert [d.split(":")[0] for d in events] == [
        "standard execution 00000004 entered (attempt 1)", "Failed (attempt 1)",
        "standard execution 00000004 retried ALL_ACTIONS (attempt 2)", "Failed (attempt 2)"], events
    ended = [e.at for e in result.events if e.kind == "pipeline" and e.detail.endswith(" Failed")]
    assert len(ended) == 2 and ended[0] < ended[1], "the execution ends at each failure, before and after the retry"
    assert [s["attempt"] for s in result.to_json()["stages"] if s["name"] == "gamma"] == [1, 2]


def _edited_copy(assembly: Path, tmp_path: Path, edit) -> Path:
    out = tmp_path / "cdk.out"
    shutil.copytree(assembly, out)
    for template in sorted(out.rglob("*Service*.template.json")):
        data = json.loads(template.read_text())
        edit(data)
        template.write_text(json.dumps(data))
    return out


def test_an_unmodelled_release_relevant_resource_type_exits_3_naming_it(assembly, tmp_path):
    def add_queue_mapping(template: dict) -> None:
        template["Resources"]["Mapping"] = {"Type": "AWS::Lambda::EventSourceMapping",
                                            "Properties": {"FunctionName": "x", "EventSourceArn": "arn:aws:sqs:x"}}

    out = _edited_copy(assembly, tmp_path, add_queue_mapping)
    result = _cli(str(out), "--scenario", "first-deploy")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "AWS::Lambda::EventSourceMapping" in result.stderr


def test_an_unmodelled_state_machine_feature_exits_3_naming_it(assembly, tmp_path):
    out = tmp_path / "cdk.out"
    shutil.copytree(assembly, out)
    edited = 0
    for template in sorted(out.rglob("*Runtime*.template.json")):
        data = json.loads(template.read_text())
        for resource in data["Resources"].values():
            if resource["Type"] == "AWS::StepFunctions::StateMachine":
                text = json.dumps(resource["Properties"]["DefinitionString"])
                resource["Properties"]["DefinitionString"] = json.loads(
                    text.replace('\\"Type\\":\\"Pass\\"', '\\"Type\\":\\"Pass\\",\\"Assign\\":{}', 1))
                edited += text.count('\\"Type\\":\\"Pass\\"') > 0
        template.write_text(json.dumps(data))
    assert edited
    result = _cli(str(out), "--scenario", "healthy")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Assign" in result.stderr


def test_rehearsals_run_two_at_a_time_give_what_they_give_one_at_a_time(assembly, monkeypatch):
    from seawall.sim import generate

    def run(jobs: str) -> tuple[list[object], object]:
        monkeypatch.setenv("SEAWALL_SIM_JOBS", jobs)
        generated = list(generate(assembly, pipeline=None, count=3, seed=11, start=START))
        return generated, rehearse(assembly, scenario="other-service-alarm")  # two variants

    one_at_a_time, two_at_a_time = run("1"), run("2")
    assert len(one_at_a_time[0]) == 3 and len(one_at_a_time[1].variants) == 2  # type: ignore[attr-defined]
    assert one_at_a_time == two_at_a_time


def _truth_of(*stages: tuple[str, str]) -> SimpleNamespace:
    """A ground truth whose pipeline has one step per (stage, CodeDeploy config of its function)."""
    steps = [Step(stage, "eu-west-1", "eu-west-1", "111111111111", (f"{stage}-Service",), production=False)
             for stage, _ in stages]
    configs = dict(stages)

    def releases(step: Step) -> dict[str, FunctionRelease]:
        return {"fn": FunctionRelease(function_name="fn", target_version="2", application="app",
                                      deployment_group="group", deployment_config=configs[step.stage])}

    return SimpleNamespace(steps=steps, releases=releases,
                           world=SimpleNamespace(codedeploy=SimpleNamespace(
                               routing_of=lambda account, region, name: PREDEFINED.get(name))))


def test_the_one_box_stage_is_the_first_with_a_canary_shift_not_the_first_release_stage():
    at_once, canary = "CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    linear = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    assert first_one_box_stage(_truth_of(("alpha", at_once), ("beta", linear), ("gamma", canary),
                                         ("one", canary))) == "gamma"  # type: ignore[arg-type]
    assert first_one_box_stage(_truth_of(("alpha", at_once), ("beta", linear))) is None  # type: ignore[arg-type]


def test_the_bake_and_production_stages_are_found_in_the_pipeline_not_assumed_first():
    at_once, canary = "CodeDeployDefault.LambdaAllAtOnce", "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    truth = _truth_of(("alpha", at_once), ("beta", at_once), ("gamma", canary), ("one", canary), ("two", canary))
    truth.steps[2].state_machines.update(shift="S", bake="B")
    truth.steps[3].state_machines.update(gate="G", shift="S", bake="B")
    truth.steps[3].production = truth.steps[4].production = True
    assert first_bake_stage(truth) == "gamma"  # type: ignore[arg-type]
    assert first_production_stage(truth) == "one"  # type: ignore[arg-type]
    assert stages_from(truth, "gamma") == ["gamma", "one", "two"]  # type: ignore[arg-type]
    assert stages_from(truth, "nowhere") == []  # type: ignore[arg-type]
    assert shift_seconds(truth, "gamma") == 300.0 and shift_seconds(truth, "alpha") == 0.0  # type: ignore[arg-type]
    quiet = _truth_of(("alpha", at_once))
    assert first_bake_stage(quiet) is None and first_production_stage(quiet) is None  # type: ignore[arg-type]
    rel = SimpleNamespace(target="gamma/eu-west-1")
    assert in_stages(rel, ["gamma"]) and not in_stages(rel, ["one"]) and in_stages(rel, None)  # type: ignore[arg-type]
