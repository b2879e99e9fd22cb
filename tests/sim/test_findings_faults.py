"""Findings about failing closed, reproduced on the fixture app: each a strict xfail until the runtime is fixed, a
test that the scenario failed for the finding (not for nothing), and, where one fake rule exposes it, that rule
swapped for the old narrow stub's behaviour making the scenario pass.

The fake rule that exposes each finding:

- finding 4 (``shift-fails-closed``, I3, expectations no-deployment-ran-on and all-on-previous; seed 0):
  ``FakeCodeDeploy._start_traffic``/``_step``, a deployment's traffic steps running on CodeDeploy's own clock
  whether or not anybody polls it (the old stub advanced a deployment only when ``GetDeployment`` was polled).
  Swapped for "a deployment nobody polls for a minute stops", every trigger but stop-and-abandon passes; that one
  also needs ``FakeCodePipeline._op_StopPipelineExecution`` leaving the state machine running on abandon ("The
  state machine might continue") swapped for "abandon stops it".  Step Functions running no Catch on TIMED_OUT or
  ABORTED (``FakeStepFunctions._time_out``/``_op_StopExecution``) is not what exposes it: the shift machine's
  Catch only leads to a Fail state, which stops nothing either.
- finding 9 (``stop-pending`` with ``stop_seconds=120``, I3 and I9, expectation all-on-previous; seed 0):
  ``FakeCodeDeploy._op_StopDeployment`` answering ``Pending`` while the deployment's due steps still move the
  alias; with ``stop_seconds=0`` (the old stub's "stops at once") the race and its violations are gone and only
  finding 4's I3 violation (the failed shift left its deployment running) remains.
- finding 6 (``stale-gate``, I8; seed 0): ``FakeCodePipeline._start_group``, runOrder being stage-wide (the old
  stubs had no CodePipeline stage); no swap here (a per-target runOrder is not a one-method change).
- finding 12 (first-deploy of the old construct's shape, expectation succeeded and I11; seed 0):
  ``FakeCloudFormation._create_version``, an ``AWS::Lambda::Version`` failing when ``PublishVersion`` publishes
  nothing new (moto's ``PublishVersion`` always published); swapped, the first deploy passes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.sim.findings_support import assembly as _assembly
from tests.sim.findings_support import rehearsed as _rehearsed

from seawall.model.rehearsal import Rehearsal, Variant
from seawall.sim.codedeploy import FakeCodeDeploy
from seawall.sim.codepipeline import FakeCodePipeline
from seawall.sim.lambda_service import FakeLambda
from seawall.sim.rehearse import rehearse

TRIGGERS = ("api-error", "sfn-timeout", "sfn-abort", "stop-and-abandon")


def _variant(result: Rehearsal, **params: str) -> Variant:
    (found,) = [v for v in result.variants if all(v.parameters[k] == x for k, x in params.items())]
    return found


def _unmet(v: Variant | Rehearsal) -> dict[str, str]:
    return {k: x.detail[:300] for k, x in {**v.invariants, **v.expectations}.items() if not x.held}


# ---------------------------------------------------------------------------------------------- finding 4


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.xfail(strict=True, reason="finding 4: a shift that fails closed (API error, timeout, abort, stop and "
                                       "abandon) never stops its CodeDeploy deployment, which runs on to 100 % with "
                                       "no bake; violates I3")
def test_a_shift_that_fails_closed_stops_its_deployment(trigger):
    v = _variant(_rehearsed("shift-fails-closed"), trigger=trigger)
    assert v.ok, _unmet(v)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_the_shift_failed_mid_deployment_and_the_deployment_ran_on(trigger):
    v = _variant(_rehearsed("shift-fails-closed"), trigger=trigger)
    assert v.expectations["struck-mid-shift"].held, v.expectations["struck-mid-shift"].detail
    i3 = v.invariants["I3"]
    assert not i3.held and "nobody had stopped it: it ran on to Succeeded" in i3.detail, i3.detail
    assert "ran on to Succeeded" in v.expectations["no-deployment-ran-on"].detail
    assert "(r1)" in v.expectations["all-on-previous"].detail  # the unbaked version is left live
    assert v.expectations["no-later-stage"].held


def _stops_when_nobody_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old stub's CodeDeploy advanced a deployment only when polled; a deployment nobody polls for a minute
    here stops (with CodeDeploy's rollback), as the shift's poller going away left it under the stub."""
    create, get = FakeCodeDeploy._op_CreateDeployment, FakeCodeDeploy._op_GetDeployment

    def arm(self: FakeCodeDeploy, deployment_id: str, account: str, region: str) -> None:
        polled = self.__dict__.setdefault("_stub_polled", {})
        polled[deployment_id] = self.now

        def check() -> None:
            d = self._by_id[deployment_id]
            if d.active and d.stop_due is None and polled[deployment_id] + 60 <= self.now:
                self.handle("StopDeployment", {"deploymentId": deployment_id, "autoRollbackEnabled": True},
                            account=account, region=region)

        self.scheduler.after(60, check, f"stub: nobody polls {deployment_id}")

    def create_(self: FakeCodeDeploy, p: Any, account: str, region: str) -> dict[str, Any]:
        out = create(self, p, account, region)
        arm(self, out["deploymentId"], account, region)
        return out

    def get_(self: FakeCodeDeploy, p: Any, account: str, region: str) -> dict[str, Any]:
        out = get(self, p, account, region)
        arm(self, p["deploymentId"], account, region)
        return out

    monkeypatch.setattr(FakeCodeDeploy, "_op_CreateDeployment", create_)
    monkeypatch.setattr(FakeCodeDeploy, "_op_GetDeployment", get_)


def _abandon_stops_the_state_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop and abandon stops the abandoned actions' state machine executions too (not what AWS documents)."""
    stop = FakeCodePipeline._op_StopPipelineExecution

    def stop_(self: FakeCodePipeline, params: Any, account: str, region: str) -> dict[str, Any]:
        out = stop(self, params, account, region)
        sfn = self.start_execution.__self__.sfn  # type: ignore[attr-defined]  # the world's Step Functions
        for run in self.stage_runs:
            for action in run.actions.values():
                if action.status == "Abandoned" and action.external_id:
                    arn = action.external_id
                    sfn.handle("StopExecution", {"executionArn": arn}, account=arn.split(":")[4],
                               region=arn.split(":")[3])
        return out

    monkeypatch.setattr(FakeCodePipeline, "_op_StopPipelineExecution", stop_)


def test_with_the_old_stubs_a_shift_that_fails_closed_passes(monkeypatch):
    _rehearsed("shift-fails-closed")  # the world before the change is set up under AWS's rules
    _stops_when_nobody_polls(monkeypatch)
    _abandon_stops_the_state_machine(monkeypatch)
    result = rehearse(_assembly(), scenario="shift-fails-closed")
    for v in result.variants:
        assert v.ok, (v.parameters, _unmet(v))


# ---------------------------------------------------------------------------------------------- finding 9


@pytest.mark.xfail(strict=True, reason="finding 9: StopDeployment answers Pending; the rollback shift's immediate "
                                       "UpdateAlias races CodeDeploy's last traffic step, which puts the new version "
                                       "back after the rollback succeeded; violates I3 and I9")
def test_a_rollback_that_stops_a_pending_deployment_leaves_the_previous_version_live():
    v = _variant(_rehearsed("stop-pending"), stop_seconds="120")
    assert v.ok, _unmet(v)


def test_the_pending_stop_lets_the_last_traffic_step_land_after_the_rollback():
    v = _variant(_rehearsed("stop-pending"), stop_seconds="120")
    assert "answered Pending" in v.expectations["stop-before-last-step"].detail
    assert v.expectations["rollback-succeeded"].held
    assert "(r1)" in v.expectations["all-on-previous"].detail
    assert "not on r0 (the rollback revision)" in v.invariants["I3"].detail
    assert not v.invariants["I9"].held and "both changed the alias" in v.invariants["I9"].detail


def test_a_stop_that_takes_effect_at_once_removes_the_race():
    """stop_seconds=0, the old stub's "stops at once": the rollback wins; what is left is finding 4's violation
    (the failed shift left its deployment running until the rollback stopped it), not finding 9's."""
    v = _variant(_rehearsed("stop-pending"), stop_seconds="0")
    assert "answered Succeeded" in v.expectations["stop-before-last-step"].detail
    assert all(e.held for e in v.expectations.values()), _unmet(v)
    assert {k for k, x in v.invariants.items() if not x.held} == {"I3"}
    violations = v.invariants["I3"].detail.split("; ")
    assert violations and all("nobody had stopped it: it ran on to Stopped" in x for x in violations), violations


# ---------------------------------------------------------------------------------------------- finding 6


@pytest.mark.xfail(strict=True, reason="finding 6: runOrder is stage-wide, so in a multi-target step a target's "
                                       "deploy waits for every gate and starts on a verdict its own alarms have "
                                       "since contradicted; violates I8")
def test_a_deploy_starts_only_on_a_fresh_gate_verdict():
    result = _rehearsed("stale-gate")
    assert result.ok, _unmet(result)


def test_the_first_targets_incident_began_after_its_gate_opened_and_before_its_deploy():
    v = _rehearsed("stale-gate").variants[0]
    assert v.expectations["stale-verdict"].held, v.expectations["stale-verdict"].detail
    assert v.expectations["held-gate-waited"].held, v.expectations["held-gate-waited"].detail
    i8 = v.invariants["I8"]
    assert not i8.held and "eu-west-1: the deploy started while blocking alarm" in i8.detail, i8.detail
    assert "us-east-1" not in i8.detail  # the held target waited for its own gate: its verdict was fresh


# ---------------------------------------------------------------------------------------------- finding 12


def _old_construct_shape(tmp_path: Path) -> Path:
    """The fixture's assembly with every released function as the old construct synthesized it: CDK's
    currentVersion plus a second ``AWS::Lambda::Version`` for the alias (Seawall's resource left in place)."""
    out = tmp_path / "cdk.out"
    shutil.copytree(_assembly(), out)
    added = 0
    for template in sorted(out.rglob("*Service*.template.json")):
        data = json.loads(template.read_text())
        resources = data["Resources"]
        for lid, resource in sorted(resources.items()):
            if resource["Type"] != "Custom::SeawallVersion":
                continue
            function = resource["Properties"]["FunctionName"]
            resources[f"{function['Ref']}CurrentVersion0A1B2C3D"] = {
                "Type": "AWS::Lambda::Version", "Properties": {"FunctionName": function}}
            resources[f"{lid}InitialVersion"] = {"Type": "AWS::Lambda::Version",
                                                 "Properties": {"FunctionName": function}}
            added += 1
        template.write_text(json.dumps(data))
    assert added == 6  # 2 functions on each of 3 targets
    return out


@pytest.fixture(scope="module")
def old_shape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _old_construct_shape(tmp_path_factory.mktemp("old-construct"))


@pytest.fixture(scope="module")
def old_shape_deployed(old_shape: Path) -> Rehearsal:
    return rehearse(old_shape, scenario="first-deploy")


@pytest.mark.xfail(strict=True, reason="finding 12: two Version resources per function (the old construct) fail the "
                                       "first deploy: the second AWS::Lambda::Version publishes nothing new; "
                                       "expectation succeeded (and I11) unmet")
def test_the_old_construct_shape_deploys_first_time(old_shape_deployed):
    assert old_shape_deployed.ok, _unmet(old_shape_deployed)


def test_the_old_construct_shape_fails_on_the_second_version_and_passes_when_publish_always_publishes(
        old_shape, old_shape_deployed, monkeypatch):
    failed = old_shape_deployed
    stage = next(e for e in failed.events if e.kind == "stage" and e.detail.startswith("Failed"))
    assert "InitialVersion" in stage.detail and "create failed" in stage.detail, stage.detail
    assert not failed.expectations["succeeded"].held

    publish = FakeLambda.publish

    def always_new(self: FakeLambda, *args: Any, **kwargs: Any) -> tuple[str, bool]:
        number, _ = publish(self, *args, **kwargs)
        return number, True  # moto's PublishVersion: always a new version

    monkeypatch.setattr(FakeLambda, "publish", always_new)
    passed = rehearse(old_shape, scenario="first-deploy")
    assert passed.ok, _unmet(passed)
