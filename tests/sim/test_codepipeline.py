"""The CodePipeline fake: each cited rule, the case AWS allows and the case it refuses, through real boto3 clients.

Pipelines are small hand-written ``AWS::CodePipeline::Pipeline`` definitions
(:mod:`tests.sim.test_codepipeline_world`); the world records every deploy,
scripts every state machine, and holds alarm states by name.
"""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from tests.sim.conformance import conforms
from tests.sim.test_codepipeline_world import (
    ACCOUNT,
    REGION,
    TARGET_ACCOUNT,
    World,
    build,
    deploy,
    invoke,
    one_target,
    pipeline,
    stage,
)

from seawall.model.limits import MAX_STEP_FUNCTIONS_ACTION_DURATION
from seawall.sim import CITATIONS, Unmodelled
from seawall.sim.botocore_bridge import AwsError
from seawall.sim.codepipeline import FakeCodePipeline

RULE = "seawall.sim.codepipeline.FakeCodePipeline."
DAY = 86_400.0


def _code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return str(e.value.response["Error"]["Code"])


def _plain() -> World:
    """A world with pipeline ``demo``: a source stage and stage ``A`` deploying stack ``a``."""
    w = World()
    w.create(pipeline(stage("A", deploy("D", "a"))))
    return w


def _ran(w: World, name: str = "demo", until: float = DAY) -> str:
    """Start an execution and run the world to `until`; return the execution's ID."""
    ex = w.start_run(name)
    w.run(until=w.clock.seconds + until)
    return ex


# ============================================================================ definition (resource provider)

@conforms("seawall.sim.codepipeline.FakeCodePipeline._validate_definition", "allowed")
def test_a_v2_pipeline_is_created_superseded_with_stage_conditions_and_rollback():
    w = World()
    props = pipeline(one_target(), stage("Gated", deploy("D", "gated"), entry_alarms=("org-sev1",)))
    assert w.create(props) == "demo"
    got = w.client.get_pipeline(name="demo")["pipeline"]
    assert (got["pipelineType"], got["executionMode"], got["version"]) == ("V2", "SUPERSEDED", 1)
    assert got["stages"][1]["onFailure"] == {"result": "ROLLBACK"}
    assert got["stages"][2]["beforeEntry"]["conditions"][0]["rules"][0]["configuration"] == {"AlarmName": "org-sev1"}


@conforms("seawall.sim.codepipeline.FakeCodePipeline._validate_definition", "refused")
def test_a_definition_codepipeline_refuses_or_the_fake_does_not_model_fails_loudly():
    w = World()
    with pytest.raises(AwsError, match="must be unique") as e:
        w.create(pipeline(stage("A", deploy("D", "a")), stage("A", deploy("D", "b"))))
    assert e.value.code == "InvalidStructureException"
    too_long = invoke("Gate", "gate", payload="x" * 1001)
    with pytest.raises(AwsError, match="1001 characters") as e:
        w.create(pipeline(stage("A", too_long)))
    assert e.value.code == "ValidationException"
    with pytest.raises(AwsError, match="positive integer"):
        w.create(pipeline(stage("A", deploy("D", "a", run_order=0))))
    with pytest.raises(Unmodelled, match="V2"):
        w.create({**pipeline(stage("A", deploy("D", "a"))), "PipelineType": "V1"})
    with pytest.raises(Unmodelled, match="SUPERSEDED"):
        w.create(pipeline(stage("A", deploy("D", "a")), ExecutionMode="QUEUED"))
    manual = {"Name": "Approve", "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual",
                                                  "Version": "1"}}
    with pytest.raises(Unmodelled, match="Approval/AWS/Manual"):
        w.create(pipeline(stage("A", manual)))


# ============================================================================ API

@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_StartPipelineExecution", "allowed")
def test_start_processes_the_latest_revision_with_the_callers_variables():
    w = World()
    w.create(pipeline(stage("A", invoke("Gate", "gate", payload='{"o":"#{variables.Override}"}'))))
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="r7")
    ex = w.start_run(variables=[{"name": "Override", "value": "true: incident 42"}])
    w.run(until=DAY)
    got = w.execution(ex)
    assert got["status"] == "Succeeded"
    assert got["artifactRevisions"][0]["revisionId"] == "r7"
    assert got["trigger"]["triggerType"] == "StartPipelineExecution"
    assert json.loads(w.inputs("gate")[0]) == {"o": "true: incident 42"}


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_StartPipelineExecution", "refused")
def test_start_of_an_unknown_pipeline_or_with_an_over_long_variable_is_refused():
    w = _plain()
    with pytest.raises(ClientError) as e:
        w.start_run("nope")
    assert _code(e) == "PipelineNotFoundException"
    with pytest.raises(ClientError) as e:
        w.start_run(variables=[{"name": "Override", "value": "x" * 1001}])
    assert _code(e) == "ValidationException"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipelineExecution", "allowed")
def test_get_pipeline_execution_says_status_type_trigger_and_revision():
    w = _plain()
    ex = w.start_run()
    assert w.execution(ex)["status"] == "InProgress"
    w.run(until=DAY)
    got = w.execution(ex)
    assert (got["status"], got["executionType"], got["executionMode"]) == ("Succeeded", "STANDARD", "SUPERSEDED")
    assert "rollbackMetadata" not in got


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipelineExecution", "refused")
def test_get_pipeline_execution_of_an_unknown_id_is_not_found():
    w = _plain()
    with pytest.raises(ClientError) as e:
        w.execution("00000000-0000-4000-8000-000000000000")
    assert _code(e) == "PipelineExecutionNotFoundException"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipelineState", "allowed")
def test_pipeline_state_shows_each_stages_latest_execution_and_its_type():
    w = World()
    w.create(pipeline(one_target()))
    first = _ran(w)
    w.machines["bake"] = [(60.0, "FAILED"), (60.0, "SUCCEEDED")]  # the rollback's bake passes
    second = _ran(w)
    state = w.client.get_pipeline_state(name="demo")
    prod = next(s for s in state["stageStates"] if s["stageName"] == "Prod")
    rollback = next(e for e in w.cp.executions if e.type == "ROLLBACK")
    assert prod["latestExecution"] == {"pipelineExecutionId": rollback.id, "status": "Succeeded", "type": "ROLLBACK"}
    assert rollback.rollback_target == first and second != first
    assert {a["actionName"] for a in prod["actionStates"]} == {"Deploy", "Shift", "Bake"}


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipelineState", "refused")
def test_pipeline_state_of_an_unknown_pipeline_is_not_found():
    w = World()
    with pytest.raises(ClientError) as e:
        w.client.get_pipeline_state(name="nope")
    assert _code(e) == "PipelineNotFoundException"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_ListPipelineExecutions", "allowed")
def test_list_executions_newest_first_and_filtered_to_a_stages_successes():
    w = World()
    w.create(pipeline(stage("A", deploy("D", "a"), rollback=False)))
    first = _ran(w)
    w.deploy_errors["a"] = RuntimeError("boom")
    second = _ran(w)
    listed = w.client.list_pipeline_executions(pipelineName="demo")["pipelineExecutionSummaries"]
    assert [s["pipelineExecutionId"] for s in listed] == [second, first]
    ok = w.client.list_pipeline_executions(pipelineName="demo", filter={"succeededInStage": {"stageName": "A"}})
    assert [s["pipelineExecutionId"] for s in ok["pipelineExecutionSummaries"]] == [first]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_ListPipelineExecutions", "refused")
def test_list_executions_refuses_more_than_100_results_a_page():
    w = _plain()
    with pytest.raises(ClientError) as e:
        w.client.list_pipeline_executions(pipelineName="demo", maxResults=101)
    assert _code(e) == "ValidationException"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipeline", "allowed")
def test_get_pipeline_answers_the_structure_in_the_apis_names():
    w = World()
    w.create(pipeline(one_target()))
    got = w.client.get_pipeline(name="demo")
    prod = got["pipeline"]["stages"][1]
    assert [a["runOrder"] for a in prod["actions"]] == [1, 2, 3]
    assert prod["actions"][0]["namespace"] == "ProdDeploy"
    assert got["pipeline"]["variables"] == [{"name": "Override", "defaultValue": "false"}]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_GetPipeline", "refused")
def test_get_pipeline_of_an_unknown_name_is_not_found():
    w = World()
    with pytest.raises(ClientError) as e:
        w.client.get_pipeline(name="nope")
    assert _code(e) == "PipelineNotFoundException"


# ---------------------------------------------------------------------------- retry

def _failed_bake(w: World, *, rollback: bool = False) -> str:
    """A good execution, then one whose bake fails; returns the failed one's ID."""
    w.create(pipeline(one_target(rollback=rollback)))
    _ran(w)
    w.machines["bake"] = (60.0, "FAILED")
    return _ran(w)


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_RetryStageExecution", "allowed")
def test_retry_failed_actions_reruns_only_the_failed_one_and_retry_stage_reruns_from_the_first():
    w = World()
    ex = _failed_bake(w)
    assert w.execution(ex)["status"] == "Failed"
    w.machines["bake"] = (60.0, "SUCCEEDED")
    w.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex,
                                   retryMode="FAILED_ACTIONS")
    w.run(until=w.clock.seconds + DAY)
    assert w.execution(ex)["status"] == "Succeeded"
    assert (len(w.actions("Deploy", ex)), len(w.actions("Shift", ex)), len(w.actions("Bake", ex))) == (1, 1, 2)
    (run,) = w.runs("Prod", ex)
    assert run.retries == 1

    w2 = World()
    ex2 = _failed_bake(w2)
    w2.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex2,
                                    retryMode="ALL_ACTIONS")
    w2.run(until=w2.clock.seconds + DAY)
    assert (len(w2.actions("Deploy", ex2)), len(w2.actions("Shift", ex2)), len(w2.actions("Bake", ex2))) == (2, 2, 2)


def test_each_attempt_of_a_retried_stage_keeps_its_own_times_and_result():
    w = World()
    ex = _failed_bake(w)
    (run,) = w.runs("Prod", ex)
    first_failed_at = run.ended
    assert first_failed_at is not None
    w.machines["bake"] = (60.0, "SUCCEEDED")
    w.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex,
                                   retryMode="FAILED_ACTIONS")
    retried_at = w.clock.seconds
    w.run(until=w.clock.seconds + DAY)
    first, second = run.attempts()
    assert (first.number, first.started, first.ended, first.status, first.retry_mode) == (
        1, run.started, first_failed_at, "Failed", "")
    assert "Bake" in first.summary
    assert (second.number, second.started, second.status, second.retry_mode) == (
        2, retried_at, "Succeeded", "FAILED_ACTIONS")
    assert second.ended is not None and second.ended > retried_at > first_failed_at
    execution = next(e for e in w.cp.executions if e.id == ex)
    assert [(end, status) for end, status, _ in execution.ended_before] == [(first_failed_at, "Failed")]
    assert execution.status == "Succeeded"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_RetryStageExecution", "refused")
def test_retry_is_refused_once_another_execution_entered_the_stage_or_the_structure_changed():
    w = World()
    ex = _failed_bake(w, rollback=True)  # the stage rolls back: a new execution enters the failed stage
    assert any(e.type == "ROLLBACK" for e in w.cp.executions)
    with pytest.raises(ClientError) as e:
        w.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex,
                                       retryMode="FAILED_ACTIONS")
    assert _code(e) == "NotLatestPipelineExecutionException"

    w2 = World()
    ex2 = _failed_bake(w2)
    w2.redefine(pipeline(one_target(), restart=False))
    with pytest.raises(ClientError) as e:
        w2.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex2,
                                        retryMode="FAILED_ACTIONS")
    assert _code(e) == "StageNotRetryableException"

    w3 = World()
    w3.create(pipeline(one_target()))
    ok = _ran(w3)
    with pytest.raises(ClientError) as e:
        w3.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ok,
                                        retryMode="ALL_ACTIONS")
    assert _code(e) == "StageNotRetryableException"


# ---------------------------------------------------------------------------- stop

def _shifting(w: World) -> str:
    """An execution whose 10-minute shift is running; returns its ID."""
    w.create(pipeline(one_target()))
    w.machines["shift"] = (600.0, "SUCCEEDED")
    ex = w.start_run()
    w.run(until=200)
    return ex


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_StopPipelineExecution", "allowed")
def test_stop_and_wait_lets_actions_finish_and_stop_and_abandon_leaves_the_state_machine_running():
    w = World()
    ex = _shifting(w)
    w.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex, reason="hold")
    assert w.execution(ex)["status"] == "Stopping"
    w.run(until=DAY)
    assert w.execution(ex)["status"] == "Stopped"
    assert w.actions("Shift", ex)[0].status == "Succeeded" and not w.actions("Bake", ex)

    w2 = World()
    ex2 = _shifting(w2)
    w2.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex2, abandon=True)
    assert w2.execution(ex2)["status"] == "Stopped"
    (shift,) = w2.actions("Shift", ex2)
    assert shift.status == "Abandoned"
    assert w2.describe(ACCOUNT, REGION, shift.external_id) == "RUNNING"  # nothing stopped the state machine
    w2.client.retry_stage_execution(pipelineName="demo", stageName="Prod", pipelineExecutionId=ex2,
                                    retryMode="FAILED_ACTIONS")  # a stopped stage can be retried
    w2.run(until=DAY)
    assert w2.execution(ex2)["status"] == "Succeeded"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_StopPipelineExecution", "refused")
def test_a_second_stop_and_wait_and_a_stop_of_a_finished_execution_are_refused():
    w = World()
    ex = _shifting(w)
    w.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex)
    with pytest.raises(ClientError) as e:
        w.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex)
    assert _code(e) == "DuplicatedStopRequestException"
    w.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex, abandon=True)  # may escalate
    with pytest.raises(ClientError) as e:
        w.client.stop_pipeline_execution(pipelineName="demo", pipelineExecutionId=ex, abandon=True)
    assert _code(e) == "PipelineExecutionNotStoppableException"


# ---------------------------------------------------------------------------- manual rollback

@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_RollbackStage", "allowed")
def test_manual_rollback_is_a_new_execution_of_the_stage_with_the_targets_revision():
    w = World()
    w.create(pipeline(one_target(), stage("Later", deploy("D", "later"))))
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="good")
    good = _ran(w)
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="next")
    _ran(w)
    out = w.client.rollback_stage(pipelineName="demo", stageName="Prod", targetPipelineExecutionId=good)
    w.run(until=w.clock.seconds + DAY)
    got = w.execution(out["pipelineExecutionId"])
    assert (got["executionType"], got["status"], got["trigger"]["triggerType"]) == ("ROLLBACK", "Succeeded",
                                                                                    "ManualRollback")
    assert got["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": good}
    assert [d[5] for d in w.deploys if d[3] == "prod-api"] == ["good", "next", "good"]
    assert not w.runs("Later", out["pipelineExecutionId"])  # only the rolled back stage runs


@conforms("seawall.sim.codepipeline.FakeCodePipeline._op_RollbackStage", "refused")
def test_rollback_to_a_rollback_to_the_source_stage_or_across_a_structure_change_is_refused():
    w = World()
    w.create(pipeline(one_target()))
    good = _ran(w)
    rb = w.client.rollback_stage(pipelineName="demo", stageName="Prod",
                                 targetPipelineExecutionId=good)["pipelineExecutionId"]
    w.run(until=w.clock.seconds + DAY)
    for stage_name, target, code in [("Prod", rb, "UnableToRollbackStageException"),
                                     ("Source", good, "UnableToRollbackStageException")]:
        with pytest.raises(ClientError) as e:
            w.client.rollback_stage(pipelineName="demo", stageName=stage_name, targetPipelineExecutionId=target)
        assert _code(e) == code
    w.redefine(pipeline(one_target(), stage("More", deploy("D", "more")), restart=False))
    with pytest.raises(ClientError) as e:
        w.client.rollback_stage(pipelineName="demo", stageName="Prod", targetPipelineExecutionId=good)
    assert _code(e) == "PipelineExecutionOutdatedException"


# ============================================================================ engine rules

def _second_behind_first(w: World) -> tuple[str, str]:
    """Two executions: the first bakes for an hour in Prod, the second reaches Prod meanwhile."""
    w.create(pipeline(one_target()))
    w.machines["bake"] = (3600.0, "SUCCEEDED")
    first = w.start_run()
    w.run(until=500)
    second = w.start_run()
    w.run(until=1000)
    return first, second


@conforms("seawall.sim.codepipeline.FakeCodePipeline._arrive", "allowed")
def test_a_later_execution_waits_in_front_of_a_locked_stage_and_the_newest_waiting_one_supersedes():
    w = World()
    first, second = _second_behind_first(w)
    third = w.start_run()
    w.run(until=DAY)
    assert [w.execution(x)["status"] for x in (first, second, third)] == ["Succeeded", "Superseded", "Succeeded"]
    state = w.runs("Prod")
    assert [r.execution_id for r in state] == [first, third]
    assert state[1].started >= state[0].ended


@conforms("seawall.sim.codepipeline.FakeCodePipeline._arrive", "refused")
def test_no_execution_enters_a_stage_another_holds():
    w = World()
    first, second = _second_behind_first(w)
    prod = next(s for s in w.client.get_pipeline_state(name="demo")["stageStates"] if s["stageName"] == "Prod")
    assert prod["latestExecution"]["pipelineExecutionId"] == first
    assert prod["inboundExecution"]["pipelineExecutionId"] == second
    assert not w.runs("Prod", second)


@conforms("seawall.sim.codepipeline.FakeCodePipeline._check_entry", "allowed")
def test_an_entry_alarm_that_is_ok_or_clears_within_the_wait_time_lets_the_stage_run():
    w = World()
    w.create(pipeline(stage("Gated", deploy("D", "gated"), entry_alarms=("org-sev1",), wait_minutes=20)))
    assert w.execution(_ran(w))["status"] == "Succeeded"
    w.alarms["org-sev1"] = "ALARM"
    ex = w.start_run()
    w.run(until=w.clock.seconds + 600)
    w.alarms["org-sev1"] = "OK"  # clears within the 20 minutes
    w.run(until=w.clock.seconds + DAY)
    assert w.execution(ex)["status"] == "Succeeded"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._check_entry", "refused")
def test_an_entry_alarm_in_alarm_fails_the_stage_before_any_action_and_does_not_wait_for_it():
    w = World()
    w.create(pipeline(stage("Gated", deploy("D", "gated"), entry_alarms=("org-ok", "org-sev1"))))
    w.alarms["org-sev1"] = "ALARM"
    ex = _ran(w)
    got = w.execution(ex)
    assert got["status"] == "Failed" and "org-sev1 is ALARM" in got["statusSummary"]
    assert not w.deploys and not any(e.type == "ROLLBACK" for e in w.cp.executions)


@conforms("seawall.sim.codepipeline.FakeCodePipeline._start_group", "allowed")
def test_run_order_is_stage_wide_every_deploy_waits_for_every_gate():
    w = World()
    w.machines.update({"gate-a": (6 * 3600.0, "SUCCEEDED"), "gate-b": (60.0, "SUCCEEDED")})
    w.create(pipeline(stage("Wave", invoke("GateA", "gate-a"), invoke("GateB", "gate-b"),
                            deploy("DeployA", "a", run_order=2), deploy("DeployB", "b", run_order=2))))
    _ran(w)
    gate_a = w.actions("GateA")[0]
    deploy_b = w.actions("DeployB")[0]
    assert deploy_b.started >= gate_a.ended >= 6 * 3600  # B's gate said yes at ~1 min; B deploys hours later
    assert w.actions("GateB")[0].ended < 3600


@conforms("seawall.sim.codepipeline.FakeCodePipeline._start_group", "refused")
def test_a_failed_action_keeps_later_run_orders_from_starting_and_fails_the_stage():
    w = World()
    w.machines["gate-a"] = (60.0, "FAILED")
    w.create(pipeline(stage("Wave", invoke("GateA", "gate-a"), invoke("GateB", "gate-b"),
                            deploy("DeployA", "a", run_order=2), rollback=False)))
    ex = _ran(w)
    assert w.execution(ex)["status"] == "Failed"
    assert w.actions("GateB")[0].status == "Succeeded" and not w.actions("DeployA")


@conforms("seawall.sim.codepipeline.FakeCodePipeline._roll_back_on_failure", "allowed")
def test_a_failed_stage_rolls_back_to_the_most_recent_successful_execution_of_that_stage():
    w = World()
    w.create(pipeline(one_target()))
    for revision in ("r1", "r2"):
        w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision=revision)
        last_good = _ran(w)
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="bad")
    w.machines["bake"] = (60.0, "FAILED")
    failed = _ran(w)
    (rb,) = [e for e in w.cp.executions if e.type == "ROLLBACK"]
    got = w.execution(rb.id)
    assert got["trigger"]["triggerType"] == "AutomatedRollback" and rb.rollback_target == last_good
    assert w.execution(failed)["status"] == "Failed"
    assert [d[5] for d in w.deploys][-1] == "r2"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._roll_back_on_failure", "refused")
def test_no_rollback_without_a_successful_execution_of_the_current_structure():
    w = World()
    w.create(pipeline(one_target()))
    w.machines["bake"] = (60.0, "FAILED")
    _ran(w)  # the first execution ever fails: nothing to roll back to
    w.machines["bake"] = (60.0, "SUCCEEDED")
    _ran(w)
    w.redefine(pipeline(one_target(), stage("More", deploy("D", "more")), restart=False))
    w.machines["bake"] = (60.0, "FAILED")
    _ran(w)  # its only success ran the old structure
    assert not any(e.type == "ROLLBACK" for e in w.cp.executions)


@conforms("seawall.sim.codepipeline.FakeCodePipeline._start_rollback", "allowed")
def test_a_rollback_execution_runs_only_its_stage_with_the_targets_revision():
    w = World()
    w.create(pipeline(one_target(), stage("Later", deploy("D", "later"))))
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="good")
    _ran(w)
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="bad")
    w.machines["bake"] = (60.0, "FAILED")
    _ran(w)
    (rb,) = [e for e in w.cp.executions if e.type == "ROLLBACK"]
    assert rb.revision == "good" and [r.stage for r in w.cp.stage_runs if r.execution_id == rb.id] == ["Prod"]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._start_rollback", "refused")
def test_a_failed_rollback_execution_does_not_roll_back_again():
    w = World()
    w.create(pipeline(one_target()))
    _ran(w)
    w.machines["bake"] = (60.0, "FAILED")  # fails the standard execution and its rollback too
    _ran(w)
    rollbacks = [e for e in w.cp.executions if e.type == "ROLLBACK"]
    assert len(rollbacks) == 1 and rollbacks[0].status == "Failed"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._resolve", "allowed")
def test_variables_resolve_before_the_action_starts():
    w = World()
    w.create(pipeline(one_target()))
    ex = _ran(w)
    (bake,) = [json.loads(i) for i in w.inputs("bake")]
    (shift_arn,) = [e.external_id for e in w.actions("Shift", ex)]
    assert bake == {"exec": ex, "token": "prod-api@r0#1", "shift": shift_arn}
    assert json.loads(w.inputs("shift")[0])["override"] == "false"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._resolve", "refused")
def test_an_unresolvable_variable_fails_the_action_without_starting_it():
    w = World()
    w.create(pipeline(stage("A", invoke("Gate", "gate", payload='{"t":"#{Nowhere.Token}"}'), rollback=False)))
    ex = _ran(w)
    (gate,) = w.actions("Gate", ex)
    assert gate.status == "Failed" and "#{Nowhere.Token}" in gate.summary and not w.started


@pytest.mark.parametrize("reading", ["target", "own"])
def test_a_rollbacks_execution_id_and_output_variables_follow_the_rollback_variables_parameter(reading):
    w = World(rollback_variables=reading)
    w.create(pipeline(one_target()))
    good = _ran(w)
    w.machines["bake"] = (60.0, "FAILED")
    _ran(w)
    (rb,) = [e for e in w.cp.executions if e.type == "ROLLBACK"]
    rb_bake = json.loads(w.inputs("bake")[-1])
    tokens = [json.loads(i)["token"] for i in w.inputs("bake")]
    if reading == "target":
        assert rb_bake["exec"] == good and rb_bake["token"] == tokens[0]
    else:
        assert rb_bake["exec"] == rb.id and rb_bake["token"] == "prod-api@r0#3"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._apply_update", "allowed")
def test_an_update_cancels_the_in_flight_stage_leaves_its_state_machine_running_and_restarts():
    w = World()
    w.create(pipeline(one_target()))
    w.machines["bake"] = (7200.0, "SUCCEEDED")
    ex = w.start_run()
    w.run(until=1000)  # in the bake
    w.redefine(pipeline(one_target(), stage("More", deploy("D", "more"))))
    got = w.execution(ex)
    assert (got["status"], got["pipelineVersion"]) == ("Cancelled", 1)
    (bake,) = w.actions("Bake", ex)
    assert bake.status == "Abandoned" and w.describe(ACCOUNT, REGION, bake.external_id) == "RUNNING"
    assert w.runs("Prod", ex)[0].status == "Cancelled"
    restarted = w.cp.executions[-1]
    assert restarted.id != ex and restarted.version == 2 and restarted.trigger_detail == "RestartExecutionOnUpdate"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._apply_update", "refused")
def test_a_cancelled_stage_is_not_a_failure_and_does_not_roll_back():
    w = World()
    w.create(pipeline(one_target()))
    _ran(w)
    w.machines["bake"] = (7200.0, "SUCCEEDED")
    w.start_run()
    w.run(until=w.clock.seconds + 1000)
    w.redefine(pipeline(one_target(), restart=False))
    w.run(until=w.clock.seconds + DAY)
    assert not any(e.type == "ROLLBACK" for e in w.cp.executions)
    assert [e.status for e in w.cp.executions] == ["Succeeded", "Cancelled"]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_source", "allowed")
def test_a_push_starts_an_execution_of_the_pushed_revision():
    w = _plain()
    ex = w.cp.push(account=ACCOUNT, region=REGION, pipeline="demo", revision="abc123")
    w.run(until=DAY)
    got = w.execution(ex)
    assert got["artifactRevisions"][0]["revisionId"] == "abc123" and got["trigger"]["triggerType"] == "WebhookV2"
    assert w.deploys[0][5] == "abc123"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_source", "refused")
def test_a_later_push_does_not_change_an_execution_in_flight():
    w = World()
    w.create(pipeline(stage("A", deploy("D", "a")), stage("B", deploy("D", "b"))))
    ex = w.cp.push(account=ACCOUNT, region=REGION, pipeline="demo", revision="one")
    w.run(until=30)
    w.cp.set_source_revision(account=ACCOUNT, region=REGION, pipeline="demo", revision="two")
    w.run(until=DAY)
    assert {d[5] for d in w.deploys} == {"one"} and w.execution(ex)["status"] == "Succeeded"


def _self_mutating() -> dict:
    return pipeline(build(), build("SelfMutate", "UpdatePipeline"), one_target())


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_build", "allowed")
def test_self_mutation_that_changes_the_pipeline_cancels_the_execution_and_restarts_it():
    w = World()
    w.create(_self_mutating())
    changed = pipeline(build(), build("SelfMutate", "UpdatePipeline"), one_target(), stage("New", deploy("D", "n")))
    w.on_update = lambda revision: w.redefine(changed) if w.cp.pipeline_version(
        account=ACCOUNT, region=REGION, pipeline="demo") == 1 else None
    ex = w.start_run(variables=[{"name": "Override", "value": "true: fix"}])
    w.run(until=DAY)
    assert w.execution(ex)["status"] == "Cancelled" and not w.runs("Prod", ex)
    restarted = w.cp.executions[-1]
    assert restarted.status == "Succeeded" and restarted.variables == {}  # the override is lost on restart
    assert w.updates == ["r0", "r0"] and w.runs("New", restarted.id)


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_build", "refused")
def test_self_mutation_that_changes_nothing_lets_the_execution_continue():
    w = World()
    w.create(_self_mutating())
    ex = _ran(w)
    assert w.execution(ex)["status"] == "Succeeded" and len(w.cp.executions) == 1 and w.updates == ["r0"]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_cloudformation", "allowed")
def test_cloudformation_actions_deploy_the_revision_in_the_roles_account_and_change_sets_run_in_order():
    w = World()
    w.create(pipeline(stage("A", deploy("Deploy", "x", account=TARGET_ACCOUNT, region="eu-west-1",
                                        namespace="X")),
                      stage("B", deploy("Prepare", "y", mode="CHANGE_SET_REPLACE"),
                            deploy("Execute", "y", run_order=2, mode="CHANGE_SET_EXECUTE", namespace="Y"))))
    ex = _ran(w)
    assert [(d[1], d[2], d[3], d[4]) for d in w.deploys] == [
        (TARGET_ACCOUNT, "eu-west-1", "x", "src::x.template.json"), (ACCOUNT, REGION, "y", "src::y.template.json")]
    assert w.actions("Deploy", ex)[0].outputs == {"Token": "x@r0#1"}
    assert w.execution(ex)["status"] == "Succeeded"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_cloudformation", "refused")
def test_a_failed_stack_operation_or_a_missing_change_set_fails_the_action():
    w = World()
    w.deploy_errors["x"] = RuntimeError("UPDATE_ROLLBACK_COMPLETE")
    w.create(pipeline(stage("A", deploy("Deploy", "x"), rollback=False)))
    ex = _ran(w)
    assert "UPDATE_ROLLBACK_COMPLETE" in w.actions("Deploy", ex)[0].summary
    w2 = World()
    w2.create(pipeline(stage("B", deploy("Execute", "y", mode="CHANGE_SET_EXECUTE"), rollback=False)))
    ex2 = _ran(w2)
    assert w2.actions("Execute", ex2)[0].summary.startswith("ChangeSetNotFound") and not w2.deploys


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_stepfunctions", "allowed")
def test_the_state_machine_is_named_for_the_action_execution_and_gets_an_empty_object_without_input():
    w = World()
    w.create(pipeline(stage("A", invoke("Plain", "plain"), invoke("Named", "named", prefix="seawall"))))
    ex = _ran(w)
    plain, named = w.actions("Plain", ex)[0], w.actions("Named", ex)[0]
    started = {e["machine"]: e for e in w.started.values()}
    assert started["plain"]["name"] == plain.action_execution_id and started["plain"]["input"] == "{}"
    assert started["named"]["name"] == f"seawall-{named.action_execution_id}"
    assert [s.execution_arn for s in w.cp.state_machine_executions] == [plain.external_id, named.external_id]


@conforms("seawall.sim.codepipeline.FakeCodePipeline._run_stepfunctions", "refused")
def test_a_state_machine_that_cannot_be_started_fails_the_action():
    w = World()
    w.start_errors["gate"] = RuntimeError("AccessDeniedException")
    w.create(pipeline(stage("A", invoke("Gate", "gate"), rollback=False)))
    ex = _ran(w)
    assert "AccessDeniedException" in w.actions("Gate", ex)[0].summary
    assert w.execution(ex)["status"] == "Failed"


@conforms("seawall.sim.codepipeline.FakeCodePipeline._poll_stepfunctions", "allowed")
def test_the_action_succeeds_at_the_first_poll_after_the_state_machine_succeeded():
    w = World(sfn_poll_seconds=30)
    w.machines["gate"] = (100.0, "SUCCEEDED")
    w.create(pipeline(stage("A", invoke("Gate", "gate", namespace="G"))))
    ex = _ran(w)
    gate = w.actions("Gate", ex)[0]
    assert gate.status == "Succeeded" and gate.ended - gate.started == 120
    assert gate.outputs["ExecutionArn"] == gate.external_id


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
@conforms("seawall.sim.codepipeline.FakeCodePipeline._poll_stepfunctions", "refused")
def test_a_state_machine_that_ends_badly_or_outlives_seven_days_fails_the_action(status):
    w = World()
    w.machines["gate"] = (100.0, status)
    w.create(pipeline(stage("A", invoke("Gate", "gate"), rollback=False)))
    assert w.actions("Gate", _ran(w))[0].status == "Failed"
    w2 = World()
    w2.machines["gate"] = (30 * DAY, "SUCCEEDED")
    w2.create(pipeline(stage("A", invoke("Gate", "gate"), rollback=False)))
    ex = _ran(w2, until=10 * DAY)
    gate = w2.actions("Gate", ex)[0]
    assert gate.status == "Failed" and gate.ended - gate.started == MAX_STEP_FUNCTIONS_ACTION_DURATION.total_seconds()
    assert w2.describe(ACCOUNT, REGION, gate.external_id) == "RUNNING"


# ============================================================================ the fake as a whole

def test_constructor_refuses_bad_parameters_naming_them():
    w = World()
    with pytest.raises(ValueError, match="rollback_variables='both'"):
        FakeCodePipeline(w.scheduler, deploy_stack=w.deploy, start_execution=w.start,
                         describe_execution=w.describe, rollback_variables="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sfn_poll_seconds=0"):
        FakeCodePipeline(w.scheduler, deploy_stack=w.deploy, start_execution=w.start,
                         describe_execution=w.describe, sfn_poll_seconds=0)
    with pytest.raises(TypeError, match="deploy_stack"):
        FakeCodePipeline(w.scheduler, deploy_stack=None, start_execution=w.start,  # type: ignore[arg-type]
                         describe_execution=w.describe)


def test_unmodelled_operations_fail_loudly_naming_them():
    w = _plain()
    with pytest.raises(Unmodelled, match="DisableStageTransition"):
        w.client.disable_stage_transition(pipelineName="demo", stageName="A", transitionType="Inbound",
                                          reason="no")


def test_every_operation_and_engine_rule_is_cited_and_has_an_allowed_and_a_refused_test():
    rules = {name for name, _ in inspect.getmembers(FakeCodePipeline, inspect.isfunction)
             if f"{RULE}{name}" in CITATIONS or name.startswith("_op_")}
    uncited = sorted(n for n in rules if f"{RULE}{n}" not in CITATIONS)
    assert uncited == []
    marks: dict[str, set[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_codepipeline*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "conforms"
                    and all(isinstance(a, ast.Constant) for a in node.args)):
                rule, case = (a.value for a in node.args)  # type: ignore[attr-defined]
                marks.setdefault(rule, set()).add(case)
    missing = sorted(n for n in rules if marks.get(f"{RULE}{n}") != {"allowed", "refused"})
    assert missing == []


def test_two_runs_of_the_same_scenario_record_the_same_history():
    def history() -> list[tuple]:
        w = World()
        w.create(pipeline(one_target(), stage("Later", deploy("D", "later"))))
        _ran(w)
        w.machines["bake"] = (60.0, "FAILED")
        _ran(w)
        return [(r.execution_id, r.stage, r.type, r.status, r.started, r.ended) for r in w.cp.stage_runs]

    first = history()
    assert first == history() and any(r[2] == "ROLLBACK" for r in first)


def test_creating_a_pipeline_starts_an_execution_unless_told_not_to():
    w = World(start_on_create=True)
    w.create(pipeline(stage("A", deploy("D", "a"))))
    w.run(until=DAY)
    assert [(e.trigger_type, e.status) for e in w.cp.executions] == [("CreatePipeline", "Succeeded")]
    assert _plain().cp.executions == []
