"""Findings about the pipeline and its operators, reproduced on the fixture app: each a strict xfail until the runtime
is fixed, plus a test that the scenario exercised what it is about (so it fails for the finding, not for nothing).

The fake rule that exposes each finding (what the old narrow stubs lacked):

- finding 1 (``retry-after-revert``, I1, I2, expectation no-later-stage): ``FakeCodePipeline._op_RetryStageExecution``
  re-running only the failed bake (the old stubs had no CodePipeline stage, so nothing could be retried);
- finding 3 (``stage-retry-after-expiry``, I2): ``_op_RetryStageExecution`` with ``ALL_ACTIONS`` re-running the
  shift in the same pipeline execution;
- finding 5 (``override-during-incident``, I7 as the expectation fix-shipped): ``FakeCodeDeploy._poll_alarms``
  stopping the deployment on the group's alarms (the old stubs evaluated no alarm);
- findings 4 and 10 (``stage-cancelled-by-update``, ``two-revisions-in-flight``, I3 and I5):
  ``FakeCodePipeline._apply_update`` cancelling the in-flight stage (cancelled, not failed: no rollback) and leaving
  the Step Functions executions its actions started running (the old stubs had no pipeline to update);
- finding 8 (``rollback-execution`` under ``rollback_variables=target``, I4): ``FakeCodePipeline._resolve``
  resolving a rollback's ``#{codepipeline.PipelineExecutionId}`` to the target execution's ID; the ``own`` variant
  is that rule swapped, and passes (``test_scenarios_pipeline.py``).
"""

from __future__ import annotations

import pytest
from tests.sim.findings_support import rehearsed as _rehearsed

from seawall.model.rehearsal import Rehearsal


def _unmet(result: Rehearsal) -> list[str]:
    return [f"{v.parameters} {k}: {x.detail}" for v in result.variants
            for k, x in {**v.invariants, **v.expectations}.items() if not x.held]


def _held(result: Rehearsal, *names: str) -> None:
    for v in result.variants:
        for name in names:
            assert v.expectations[name].held, f"{v.parameters} {name}: {v.expectations[name].detail}"


def _finding(number: str, violates: str, what: str, scenario: str, **params: str) -> object:
    reason = f"finding {number}: {what}; violates {violates}"
    return pytest.param(scenario, params, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason),
                        id=f"{scenario}{''.join('-' + v for v in params.values())}")


@pytest.mark.parametrize(("scenario", "params"), [
    _finding("1", "I1", "the bake never reads the live alias, so 'Retry failed actions' after its revert passes on "
             "the old version and the next stage gets the change", "retry-after-revert", how=how)
    for how in ("new-pipeline-version", "stopped")] + [
    _finding("3", "I2", "after 'Retry stage' the shift records the new version as the previous one, so the bake's "
             "revert on a later ALARM puts back nothing", "stage-retry-after-expiry"),
    _finding("8", "I4", "a rollback whose #{codepipeline.PipelineExecutionId} is the target's is taken for a "
             "standard execution (gates on alarm state, the shift refusing the rollback's deploy) and fails",
             "rollback-execution", rollback_variables="target"),
    _finding("5", "I7", "under the emergency override CodeDeploy still stops the fix on the group's alarms, which "
             "the incident keeps in ALARM", "override-during-incident"),
    _finding("4 and 10", "I3 and I5", "a pipeline update cancels the stage; the shift's execution and its "
             "deployment run on, leaving the change live unbaked, and the next change is reverted to it",
             "stage-cancelled-by-update", update="self-mutation"),
    _finding("4", "I3", "a pipeline update cancels the stage; the shift's execution and its deployment run on "
             "unwatched", "stage-cancelled-by-update", update="definition"),
    _finding("10", "I5", "the next change's self-mutation cancels the bake (no rollback); the change stays live "
             "unbaked and becomes the next change's revert target", "two-revisions-in-flight"),
])
def test_finding(scenario, params):
    result = _rehearsed(scenario, **params)
    assert result.ok, _unmet(result)


@pytest.mark.parametrize(("scenario", "params", "exercised"), [
    ("retry-after-revert", {"how": "new-pipeline-version"}, ("retried", "bad-version-reverted")),
    ("retry-after-revert", {"how": "stopped"}, ("retried", "bad-version-reverted")),
    ("stage-retry-after-expiry", {}, ("retried",)),
    ("rollback-execution", {"rollback_variables": "target"}, ("incident", "rollback-ran")),
    ("override-during-incident", {}, ("override", "incident")),
    ("stage-cancelled-by-update", {"update": "self-mutation"}, ("stage-cancelled", "next-change-reverted")),
    ("stage-cancelled-by-update", {"update": "definition"}, ("stage-cancelled",)),
    ("two-revisions-in-flight", {}, ("stage-cancelled", "next-change-reverted")),
])
def test_finding_exercised(scenario, params, exercised):
    """Each finding's scenario did what it is about (the operator's action was accepted, the incident happened), so
    it fails for the finding and not because nothing happened."""
    _held(_rehearsed(scenario, **params), *exercised)

