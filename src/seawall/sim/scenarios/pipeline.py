"""Named scenarios about the pipeline and its operators: retries, updates, rollbacks, the emergency override.

Operators act through CodePipeline's own API (``world.codepipeline.operator``),
so CodePipeline's checks apply: a request AWS would refuse is refused here too
and recorded as refused.  An operator reacts to what the console shows
(``GetPipelineState``) or to an alarm, polled once a minute, never to a
moment fixed in advance, so a change of the runtime's timing does not make an
operator miss the moment the scenario is about.

When a stage can be retried.  A stage with ``OnFailure: ROLLBACK`` starts its
rollback as soon as it fails, and "Another execution enters the failed stage
and supersedes the failed execution. At this point, the failed execution cannot
be retried." (https://docs.aws.amazon.com/codepipeline/latest/userguide/concepts-how-it-works.html).
A failed stage stays retryable in two documented cases, which the retry
scenarios take as their parameter ``how``:

- ``new-pipeline-version``: "The pipeline can only roll back to a previous
  execution if the previous execution was started in the current pipeline
  structure version" (https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-rollback-auto.html):
  the pipeline's definition changed while the change was building (here its
  stack is deployed with a changed definition, which cancels the in-flight
  execution and, with ``RestartExecutionOnUpdate``, restarts it), so the
  failed stage has no rollback target and stays failed;
- ``stopped``: the operator stops the execution (stop and wait) when the
  alarm fires, and "For a pipeline execution in a Stopped state, the actions
  in the stage where the execution stopped can be retried."
  (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-stop.html).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...model.rehearsal import Expectation
from ..botocore_bridge import Fault
from ..truth import Truth
from ..world import NEW, NEXT, PREVIOUS
from . import (
    Run,
    Scenario,
    bad_served_then_none,
    bake_stage,
    final_state,
    no_later_stage,
    one_box_stage,
    pipeline_result,
    production_stage,
    slow_burn_after,
    stages_from,
)

# The stages the scenarios act on are found in the pipeline, not named: the retry scenarios act on the first stage
# with a bake (:func:`bake_stage`: the fixture's gamma; not the sample's alpha, which shifts all at once and does not
# bake), rollback-execution on the first production stage (:func:`production_stage`).

#: How often an operator looks at the console (seconds).
_LOOK = 60.0
#: How long an operator waits after a failure before retrying it ("probably a blip").
_PAUSE = 600.0
#: How long an operator keeps looking for the moment a scenario is about (seconds after the push): the first
#: production stage's bake may start only at the window's next opening (the sample's: 7 hours after the push).
#: The run lasts while an operator looks, so the moment should come.
_PATIENCE = 2 * 86400.0
_OVERRIDE = "SeawallEmergencyOverride"
_HOW = ("new-pipeline-version", "stopped")


# ------------------------------------------------------------------------------------------------ operators


def _stage(run: Run, name: str) -> dict[str, Any]:
    """The stage as the console shows it (``GetPipelineState``)."""
    state = run.pipeline_call("GetPipelineState", name=run.pipeline.name)
    return next(s for s in state["stageStates"] if s["stageName"] == name)


def _status(run: Run, stage: str) -> str:
    return str(_stage(run, stage).get("latestExecution", {}).get("status", ""))


def _action_status(run: Run, stage: str, kind: str) -> str:
    """The status of the stage's first action whose name ends with `kind` (``Bake``, ``Shift``)."""
    for action in _stage(run, stage).get("actionStates", []):
        if str(action["actionName"]).endswith(kind):
            return str(action.get("latestExecution", {}).get("status", ""))
    return ""


def _when(run: Run, label: str, ready: Callable[[], bool], act: Callable[[], str], *, delay: float = 0.0) -> None:
    """Once a minute after the push, until :data:`_PATIENCE`, look whether `ready`; the first time it is, do `act`
    `delay` seconds later (:meth:`Run.operate`: what the operator did, or the error CodePipeline answered, is
    recorded)."""
    run.disturbed = True
    run.waiting += 1
    world = run.world

    def look() -> None:
        if ready():
            run.waiting -= 1
            run.operate(world.clock.seconds + delay - run.push_at, label, act)
        elif world.clock.seconds < run.push_at + _PATIENCE:
            world.scheduler.after(_LOOK, look, f"operator watching for: {label}")
        else:
            run.waiting -= 1
            run.operations.append((world.clock.seconds, f"{label}: never needed"))

    world.scheduler.at(run.push_at + _LOOK, look, f"operator watching for: {label}")


def _retry(run: Run, stage: str, mode: str) -> Callable[[], str]:
    def act() -> str:
        latest = _stage(run, stage)["latestExecution"]
        run.pipeline_call("RetryStageExecution", pipelineName=run.pipeline.name, stageName=stage,
              pipelineExecutionId=latest["pipelineExecutionId"], retryMode=mode)
        return f"retried {stage} ({mode}) of execution {latest['pipelineExecutionId'][:8]}"

    return act


def _retry_after_failure(run: Run, stage: str, mode: str) -> None:
    """The operator retries `stage` (`mode`) :data:`_PAUSE` after it failed or stopped."""
    _when(run, f"retry {stage} {mode}", lambda: _status(run, stage) in ("Failed", "Stopped"), _retry(run, stage, mode),
          delay=_PAUSE)


def _stop_when_alarm(run: Run, stage: str) -> None:
    """The operator, paged by an alarm of `stage`'s stacks while it bakes, stops the execution there (stop and
    wait).  Only the stage's own alarms page: an earlier stage's (the sample's alpha, in the same region) is not
    about this bake."""
    world = run.world
    truth = run.truth()
    alarms = {(step.region, r.physical_id) for step in truth.steps if step.stage == stage
              for name in step.stacks if name in (cfn := world.cfn(step.account, step.region)).stacks
              for r in cfn.stacks[name].resources.values() if r.type in ("AWS::CloudWatch::Alarm",
                                                                          "AWS::CloudWatch::CompositeAlarm")}

    def paged() -> bool:
        return _action_status(run, stage, "Bake") == "InProgress" and any(
            t.new == "ALARM" and t.at >= run.push_at and (t.region, t.alarm) in alarms
            for t in world.cloudwatch.history)

    def stop() -> str:
        execution = _stage(run, stage)["latestExecution"]["pipelineExecutionId"]
        run.pipeline_call("StopPipelineExecution", pipelineName=run.pipeline.name, pipelineExecutionId=execution,
              abandon=False, reason="paged during the bake: stop the rollout")
        return f"stop and wait of execution {execution[:8]}"

    _when(run, f"stop during the {stage} bake", paged, stop)


def _no_rollback_target(run: Run, how: str, stage: str) -> None:
    """Make `stage`, once failed, retryable the way `how` says (see the module's docstring)."""
    if how == "new-pipeline-version":
        run.update_pipeline(60.0)  # while the change is in its Build stage
    elif how == "stopped":
        _stop_when_alarm(run, stage)
    else:
        raise ValueError(f"how={how!r} must be one of {_HOW}")


# ------------------------------------------------------------------------------------------------ expectations


def _operated(run: Run, what: str) -> Expectation:
    """The operator action `what` was taken and accepted (the scenario exercised it)."""
    done = [f"+{int(t - run.push_at)}s {text}" for t, text in run.operations if text.startswith(what)]
    accepted = [d for d in done if "refused" not in d]
    return Expectation(bool(accepted), "; ".join(done) if done else f"the operator never did: {what}")


def _changed_by_update(truth: Truth, run: Run) -> Expectation:
    """The pipeline's definition changed after the push (when the scenario needed it to)."""
    stack = run.pipeline.stack
    version = truth.world.codepipeline.pipeline_version(account=stack.account, region=stack.region,
                                                        pipeline=run.pipeline.name)
    ran = sorted({e.version for e in truth.executions() if e.started >= run.push_at})
    return Expectation(version > 1, f"pipeline version {version}; executions after the push ran versions {ran}")


# ------------------------------------------------------------------------------------------------ retry-after-revert


def _retry_after_revert_prepare(run: Run) -> None:
    stage = bake_stage(run.truth())
    run.health(NEW, error_rate=0.5, after_seconds=slow_burn_after(run))
    _no_rollback_target(run, run.params["how"], stage)
    _retry_after_failure(run, stage, "FAILED_ACTIONS")


def _retry_after_revert(run: Run, truth: Truth) -> dict[str, Expectation]:
    stage = bake_stage(truth)
    return {"retried": _operated(run, f"retry {stage} FAILED_ACTIONS"),
            "bad-version-reverted": bad_served_then_none(truth, run, NEW, stages_from(truth, stage)),
            "no-later-stage": no_later_stage(truth, run, stage),
            "all-on-previous": final_state(truth, PREVIOUS, stages_from(truth, stage))}


# ---------------------------------------------------------------------------------- stage-retry-after-expiry

#: The CloudWatch outage that fails the bake closed, leaving the new version live: from the operator's first look
#: at the stage baking (at most a minute after its bake started), for longer than the bake task's retries.
_OUTAGE = 200.0
#: The new version turns bad this long after the retried stage's bake is seen under way.
_LATE_BURN = 300.0


def _stage_retry_prepare(run: Run) -> None:
    stage = bake_stage(run.truth())
    region = next(str(a.get("Region") or run.pipeline.stack.region) for s in run.pipeline.definition["Stages"]
                  if s["Name"] == stage for a in s["Actions"])

    def outage() -> str:
        now = run.world.clock.seconds - run.push_at
        run.fault(Fault("access-denied", service="cloudwatch", operation="DescribeAlarms", times=10**6, start=now,
                        end=now + _OUTAGE, region=region))
        return f"DescribeAlarms denied in {region} for {int(_OUTAGE)}s"

    def burn() -> str:
        run.health(NEW, error_rate=0.5)
        return f"{NEW} fails half its requests"

    def retried_and_baking() -> bool:
        runs = run.stage_runs(stage)
        return bool(runs) and runs[-1].retries > 0 and _action_status(run, stage, "Bake") == "InProgress"

    _no_rollback_target(run, "new-pipeline-version", stage)
    _when(run, f"CloudWatch outage during the {stage} bake",
          lambda: _action_status(run, stage, "Bake") == "InProgress", outage)
    _retry_after_failure(run, stage, "ALL_ACTIONS")
    # the version turns bad only once the retried stage's bake is under way
    _when(run, f"{NEW} turns bad in the retried {stage} bake", retried_and_baking, burn, delay=_LATE_BURN)


def _stage_retry(run: Run, truth: Truth) -> dict[str, Expectation]:
    stage = bake_stage(truth)
    judged = stages_from(truth, stage)  # a stage before it shifted with no bake while the version was healthy
    return {"retried": _operated(run, f"retry {stage} ALL_ACTIONS"),
            "bad-version-reverted": bad_served_then_none(truth, run, NEW, judged),
            "all-on-previous": final_state(truth, PREVIOUS, judged)}


# ------------------------------------------------------------------------------------------------ rollback-execution

#: How long the incident lasts once it starts (the new version fails half its requests), in seconds.
_INCIDENT = 1200.0


def _rollback_prepare(run: Run) -> None:
    """The change passes pre-production; while the first production stage bakes it, it fails half its requests for
    20 minutes: the bakes revert, the stage fails, and its ``OnFailure: ROLLBACK`` runs the stage's gates, shifts
    and bakes again."""
    stage = production_stage(run.truth())

    def incident() -> str:
        run.health(NEW, error_rate=0.5)
        run.world.scheduler.after(_INCIDENT, lambda: run.health(NEW), "the incident ends")
        return f"{NEW} fails half its requests for {int(_INCIDENT // 60)} minutes"

    _when(run, f"incident during the {stage} bake", lambda: _action_status(run, stage, "Bake") == "InProgress",
          incident)


def _rollback(run: Run, truth: Truth) -> dict[str, Expectation]:
    rollbacks = [e for e in truth.executions() if e.started >= run.push_at and e.type == "ROLLBACK"]
    ran = Expectation(bool(rollbacks), f"{len(rollbacks)} rollback execution(s): "
                                       f"{[f'{e.id[:8]} {e.status}' for e in rollbacks]}")
    done = [e for e in rollbacks if e.status == "Succeeded"]
    stage = production_stage(truth)
    return {"incident": _operated(run, f"incident during the {stage} bake"),
            "rollback-ran": ran,
            "rollback-succeeded": Expectation(bool(done), f"{len(done)} of {len(rollbacks)} rollback(s) succeeded"),
            "production-on-previous": final_state(truth, PREVIOUS, [stage])}


# ---------------------------------------------------------------------------------- override-during-incident

_REASON = "true: INC-1234 ship the fix for the checkout errors"


def _override_prepare(run: Run) -> None:
    """The live version fails a third of its requests (an incident); the fix is pushed and the operator starts it
    with the emergency override instead of the plain run the push started."""
    run.health(PREVIOUS, error_rate=0.3)

    def override() -> str:
        plain = next(e for e in run.world.codepipeline.executions
                     if e.pipeline == run.pipeline.name and e.active and e.started >= run.push_at)
        run.pipeline_call("StopPipelineExecution", pipelineName=run.pipeline.name, pipelineExecutionId=plain.id,
              abandon=True, reason="restarting with the emergency override")
        started = run.pipeline_call("StartPipelineExecution", name=run.pipeline.name,
                        variables=[{"name": _OVERRIDE, "value": _REASON}])
        return f"stopped {plain.id[:8]}, started {started['pipelineExecutionId'][:8]} with {_OVERRIDE}"

    run.operate(1.0, "override", override)


def _override(run: Run, truth: Truth) -> dict[str, Expectation]:
    first = min((e.started for e in truth.executions() if e.started >= run.push_at), default=run.push_at)
    alarm = next((t for t in truth.world.cloudwatch.history if t.new == "ALARM" and t.at >= first), None)
    incident = Expectation(alarm is not None, f"{alarm.alarm} in ALARM at +{int(alarm.at - truth.origin)}s"
                           if alarm else "no alarm fired: the incident never showed")
    return {"override": _operated(run, "override"),
            "incident": incident,
            "fix-shipped": final_state(truth, NEW),
            "succeeded": pipeline_result(truth, run, "Succeeded")}


# ---------------------------------------------------------------------------------- stage-cancelled-by-update

#: From a push to its self-mutation: the Source and Build stages (10 s and 120 s) and the SelfMutate build (120 s).
_TO_SELF_MUTATION = 250.0


def _cancelled_stage(truth: Truth, kind: str) -> str:
    """The stage whose `kind` action an update interrupts: the first with a one-box for ``Shift`` (a shift that
    takes time: an all-at-once one ends at once), the first with a bake for ``Bake``."""
    return one_box_stage(truth) if kind == "Shift" else bake_stage(truth)


def _cancel(run: Run, kind: str, update: str) -> None:
    """While the change's `kind` action (``Shift`` or ``Bake``) runs in its stage (:func:`_cancelled_stage`), the
    pipeline's definition is updated, which cancels the stage (not a failure: no rollback): by the next change's
    self-mutation when it reaches it (``self-mutation``: the pipeline restarts on the next change), or from
    outside (``definition``: it restarts on the change itself, and the next change comes 20 minutes later).  The
    next change turns bad in its bake."""
    stage = _cancelled_stage(run.truth(), kind)
    run.health(NEXT, error_rate=0.5, after_seconds=slow_burn_after(run))

    def act() -> str:
        now = run.world.clock.seconds - run.push_at
        if update == "self-mutation":
            run.push_revision(now)
            run.update_pipeline(now + _TO_SELF_MUTATION)
            return f"{NEXT} pushed; its self-mutation updates the pipeline in {int(_TO_SELF_MUTATION)}s"
        if update == "definition":
            run.update_pipeline(now)
            run.push_revision(now + 1200.0)
            return f"the pipeline's definition is updated; {NEXT} is pushed in 20 minutes"
        raise ValueError(f"update={update!r} must be 'self-mutation' or 'definition'")

    _when(run, f"update while the {stage} {kind.lower()} runs",
          lambda: _action_status(run, stage, kind) == "InProgress", act)


def _cancelled(run: Run, truth: Truth, kind: str) -> dict[str, Expectation]:
    stage = _cancelled_stage(truth, kind)
    cancelled = [r for r in truth.stage_runs(stage) if r.started >= run.push_at and r.status == "Cancelled"]
    return {"stage-cancelled": Expectation(bool(cancelled), f"{len(cancelled)} {stage} stage run(s) cancelled"),
            # judged from the stage on: a stage before it shifted the next change with no bake while it was healthy
            "next-change-reverted": bad_served_then_none(truth, run, NEXT, stages_from(truth, stage))}


SCENARIOS = [
    Scenario("retry-after-revert",
             "The bake reverts a slow burn; the failed stage cannot roll back (a new pipeline version, or the "
             "operator stopped it), and 'Retry failed actions' re-runs only the bake, which never reads the live "
             "alias: it passes on the old version and the next stage gets the bad change",
             _retry_after_revert, prepare=_retry_after_revert_prepare, parameters={"how": _HOW}, finding="1"),
    Scenario("stage-retry-after-expiry",
             "The bake fails without reverting (the new version stays live, as after an expired bake); 'Retry "
             "stage' re-runs the shift, which records the new version as the previous one, so when the new "
             "version turns bad the bake's revert puts back nothing",
             _stage_retry, prepare=_stage_retry_prepare, finding="3"),
    Scenario("rollback-execution",
             "The change fails in production's bake and the stage rolls back; if the rollback resolves "
             "#{codepipeline.PipelineExecutionId} to the target execution's ID, Seawall takes it for a standard "
             "execution (its gates wait on alarm state, its shift refuses the rollback's deploy as another "
             "execution's) and the rollback fails",
             _rollback, prepare=_rollback_prepare,
             parameters={"rollback_variables": ("target", "own")}, finding="8"),
    Scenario("override-during-incident",
             "The live version fails a third of its requests; the fix is started with the emergency override, "
             "and must ship although the service's own alarms fire (I7)",
             _override, prepare=_override_prepare, finding="5"),
    Scenario("stage-cancelled-by-update",
             "A pipeline update (from outside, or the next change's self-mutation) while the change's shift runs "
             "cancels the stage (not failed: no rollback); the shift's execution runs on and its CodeDeploy "
             "deployment finishes unbaked, and that version becomes the next change's revert target",
             lambda run, truth: _cancelled(run, truth, "Shift"),
             prepare=lambda run: _cancel(run, "Shift", run.params["update"]),
             parameters={"update": ("definition", "self-mutation")}, finding="4"),
    Scenario("two-revisions-in-flight",
             "The next change is pushed while the change bakes in pre-production, and its self-mutation updates the "
             "pipeline: the bake is cancelled (no rollback), the change stays live unbaked, and the next change, "
             "turning bad, is reverted to it",
             lambda run, truth: _cancelled(run, truth, "Bake"),
             prepare=lambda run: _cancel(run, "Bake", "self-mutation"), finding="10"),
]
