"""Faults and failing closed: a shift that fails closed, a stop that is still pending, transient API faults, a gate
verdict gone stale before its deploy.

Each scenario finds its moment in the world as it runs (the first deployment of the change shifting traffic, a
gate that opened, an alarm check that just ran), so it does not depend on the fixture's timings.  The faults are
the bridge's (:class:`~seawall.sim.botocore_bridge.Fault`), limited to calls the release Lambdas make (their
execution roles), so a fault never lands on CloudFormation's custom resources instead.

Finding 12 (two ``AWS::Lambda::Version`` resources per function fail the first deploy) is not a scenario here: it
needs the *old* construct's templates, which no rehearsal of a user's assembly has; ``tests/sim/
test_findings_faults.py`` rehearses ``first-deploy`` on a copy of the fixture's assembly edited to that shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ...model.rehearsal import Expectation
from ..botocore_bridge import Fault
from ..codedeploy import Deployment
from ..traffic import Health
from ..truth import Truth
from ..world import NEW, PREVIOUS, World
from . import Run, Scenario, final_state, no_later_stage, one_box_stage, pipeline_result, stages_from

T = TypeVar("T")

#: How often a scenario looks at the world for its moment (simulated seconds).
WATCH = 10.0
#: How long after the push a scenario keeps looking for its moment: longer than a whole rollout of the sample app
#: (6 days 9 hours by ``seawall plan``, over a weekend), whose first stage with two gated targets starts on the third
#: day.  Looking costs nothing once the run has ended.
LOOK_FOR = 14 * 86400.0
#: How long the change's first deployment shifts before a trigger strikes (inside a canary's first step).
STRIKE_AFTER = 60.0


def _when(run: Run, ready: Callable[[], T | None], act: Callable[[T], str], label: str) -> None:
    """Look at the world every :data:`WATCH` seconds after the push; the first time `ready` finds something, `act`
    on it once (an operator action or a fault; recorded with what `act` says it did)."""
    world = run.world
    run.disturbed = True

    def look() -> None:
        found = ready()
        if found is None:
            if world.clock.seconds < run.push_at + LOOK_FOR:
                world.scheduler.after(WATCH, look, label)
            return
        run.operations.append((world.clock.seconds, f"{label}: {act(found)}"))

    world.scheduler.at(run.push_at + WATCH, look, label)


def release_roles(world: World) -> tuple[str, ...]:
    """The execution roles (ARNs) of the Lambda functions the release state machines' tasks invoke."""
    roles: set[str] = set()
    for machine in world.sfn.machines.values():
        for state in machine.definition.get("States", {}).values():
            target = state.get("Resource", "")
            target = (state.get("Parameters") or {}).get("FunctionName", target) if "::lambda:invoke" in target \
                else target
            parts = str(target).split(":")
            if len(parts) < 7 or parts[5] != "function":
                continue
            fn = world.lambda_.function(parts[4], parts[3], parts[6])
            if fn is not None and fn.config.get("Role"):
                roles.add(str(fn.config["Role"]))
    return tuple(sorted(roles))


def _shifting(run: Run, after: float = STRIKE_AFTER) -> Callable[[], Deployment | None]:
    """The change's first deployment a release execution created, once it has shifted traffic for `after` s."""
    world = run.world

    def ready() -> Deployment | None:
        for d in world.codedeploy.deployments:
            if d.created_at >= run.push_at and d.id in world.deployment_by and d.active and d.steps \
                    and d.started_at is not None and world.clock.seconds - d.started_at >= after:
                return d
        return None

    return ready


def _where(arn: str) -> tuple[str, str]:
    """(account, region) of an ARN."""
    parts = arn.split(":")
    return parts[4], parts[3]


def _release_action(truth: Truth, execution_arn: str) -> Any | None:
    return next((a for r in truth.stage_runs() for a in r.actions.values() if a.external_id == execution_arn), None)


# ------------------------------------------------------------------------------------------ shift-fails-closed


def _api_error(run: Run) -> None:
    """The shift's status task is denied once while a deployment shifts.

    AccessDenied is not retried (common.call: AwsApiError), so the status task fails and the machine's Catch ends
    the execution in "Shift failed closed".  Injected once a deployment has shifted for :data:`STRIKE_AFTER`, not
    from the push: a stage that shifts all at once (the sample's alpha) completes its deployment before its first
    status call, and would fail closed with nothing left shifting.
    """
    roles = release_roles(run.world)

    def act(d: Deployment) -> str:
        run.fault(Fault("access-denied", service="codedeploy", operation="GetDeployment", times=1,
                        start=run.world.clock.seconds - run.push_at, callers=roles))
        return f"GetDeployment denied while {d.id} shifts"

    _when(run, _shifting(run), act, "deny the shift's status task")


def _time_out(run: Run) -> None:
    """The shift execution times out with its deployment in progress.

    A shift's ``TimeoutSeconds`` (a day) is more than any traffic policy ``seawall plan`` accepts can take, so no
    rollout of the fixture reaches it on its own: the scenario brings the moment forward and applies the Step
    Functions fake's own TIMED_OUT rule then (status, history event, no Catch), as if the deployment had been
    stalled that long.  Nothing else of the execution is touched.
    """
    world = run.world

    def act(d: Deployment) -> str:
        execution = world.sfn.execution(world.deployment_by[d.id])
        world.sfn._time_out(execution)  # the rule that runs at TimeoutSeconds, brought forward
        return f"{execution.name} TIMED_OUT while {d.id} shifts"

    _when(run, _shifting(run), act, "the shift execution times out")


def _abort(run: Run) -> None:
    """Someone stops the shift execution (``StopExecution``, as the Step Functions console's Stop does)."""
    world = run.world

    def act(d: Deployment) -> str:
        arn = world.deployment_by[d.id]
        account, region = _where(arn)
        world.sfn.handle("StopExecution", {"executionArn": arn, "error": "Operator", "cause": "stopped by hand"},
                         account=account, region=region)
        return f"{arn.rsplit(':', 1)[-1]} ABORTED while {d.id} shifts"

    _when(run, _shifting(run), act, "StopExecution on the shift")


def _stop_and_abandon(run: Run) -> None:
    """The operator's Stop and abandon on the pipeline execution while its shift runs."""
    world, stack = run.world, run.pipeline.stack

    def act(d: Deployment) -> str:
        running = [e for e in world.codepipeline.executions if e.pipeline == run.pipeline.name and e.active
                   and e.type == "STANDARD"]
        world.codepipeline.operator("StopPipelineExecution", account=stack.account, region=stack.region,
                                    pipelineName=run.pipeline.name, pipelineExecutionId=running[-1].id,
                                    abandon=True, reason="operator: stop and abandon")
        return f"stopped and abandoned {running[-1].id[:8]} while {d.id} shifts"

    _when(run, _shifting(run), act, "stop and abandon")


_TRIGGERS: dict[str, Callable[[Run], None]] = {
    "api-error": _api_error, "sfn-timeout": _time_out, "sfn-abort": _abort, "stop-and-abandon": _stop_and_abandon,
}


def _fails_closed_prepare(run: Run) -> None:
    _TRIGGERS[run.params["trigger"]](run)


def orphaned(truth: Truth, run: Run) -> list[tuple[Deployment, Any, float]]:
    """Deployments of the change whose release execution, or its pipeline action, stopped before they ended:
    (deployment, the execution, when it or its action stopped)."""
    world = truth.world
    out = []
    for d in world.codedeploy.deployments:
        arn = world.deployment_by.get(d.id)
        if d.created_at < run.push_at or not arn:
            continue
        execution, action = truth.state_machine_execution(arn), _release_action(truth, arn)
        if execution is None or action is None:
            continue
        ended = execution.transitions[-1][0] if execution.status != "RUNNING" else None
        times = [t for t in (ended, action.ended) if t is not None]
        if not times or (execution.status == "SUCCEEDED" and action.status == "Succeeded"):
            continue
        over = min(times)
        if d.started_at is not None and d.started_at <= over and (d.completed_at is None or d.completed_at > over):
            out.append((d, execution, over))
    return out


def _struck_stage(truth: Truth, left: list[tuple[Deployment, Any, float]]) -> str:
    """The stage where the trigger struck: that of the first deployment :func:`orphaned` found (the first that
    shifts for a while: not an all-at-once one), else the first stage with a one-box."""
    struck_in = [a.stage for _, e, _ in left if (a := _release_action(truth, e.arn)) is not None]
    return struck_in[0] if struck_in else one_box_stage(truth)


def _at(truth: Truth, t: float) -> str:
    return f"+{int(t - truth.origin)}s"


def _fails_closed_expect(run: Run, truth: Truth) -> dict[str, Expectation]:
    left = orphaned(truth, run)
    struck = Expectation(bool(left), "; ".join(
        f"{e.name} ({e.status}) or its action stopped at {_at(truth, over)} while {d.id} was still shifting"
        for d, e, over in left) if left else
        "the trigger never stopped a shift while its deployment ran: the scenario exercised nothing")
    ran_on = [f"{d.id} ({d.function}) ran on to {d.status} at {_at(truth, d.completed_at or 0)}"
              for d, _, _ in left if d.status == "Succeeded"]
    stopped = Expectation(bool(left) and not ran_on, "; ".join(ran_on) if ran_on else
                          f"{len(left)} deployment(s) left behind were stopped, none ran on to 100 %")
    first = _struck_stage(truth, left)
    want = "Stopped" if run.params["trigger"] == "stop-and-abandon" else "Failed"
    # a stage before it (the sample's alpha and beta, all at once) completed with the change, as it should
    return {"struck-mid-shift": struck, "no-deployment-ran-on": stopped,
            "all-on-previous": final_state(truth, PREVIOUS, stages_from(truth, first)),
            "no-later-stage": no_later_stage(truth, run, first),
            "pipeline-" + want.lower(): pipeline_result(truth, run, want)}


# ------------------------------------------------------------------------------------------ stop-pending

#: When the shift fails before its deployment's last traffic step: the stage rollback that follows reaches its
#: StopDeployment one pipeline poll (at most 60 s) plus its deploy (60 s) plus the status poll (at most 30 s) later,
#: so failing this long before the last step lands the stop within the last 120 s before it.
_FAIL_BEFORE_LAST_STEP = 165.0


def _stop_pending_prepare(run: Run) -> None:
    """The shift's status task is denied just long enough before the deployment's last traffic step that the
    stage rollback's StopDeployment lands shortly before that step."""
    roles = release_roles(run.world)

    def act(d: Deployment) -> str:
        world = run.world
        last = (d.started_at or 0.0) + d.routing.steps()[-1][0]
        at = max(world.clock.seconds, last - _FAIL_BEFORE_LAST_STEP)
        # one denial per shift execution running now (one per target of the stage): a stage fails only once all
        # its running actions ended, so every target's shift must fail for the rollback to come before the step
        shifts = {world.deployment_by[x.id] for x in world.codedeploy.deployments
                  if x.active and x.id in world.deployment_by and x.created_at >= run.push_at}
        run.fault(Fault("access-denied", service="codedeploy", operation="GetDeployment", times=len(shifts),
                        start=at - run.push_at, callers=roles))
        return (f"GetDeployment denied {len(shifts)} time(s) from {_at_world(run, at)} (last traffic step of "
                f"{d.id} due {_at_world(run, last)})")

    _when(run, _shifting(run, after=0.0), act, "deny the shift's status task")


def _at_world(run: Run, t: float) -> str:
    return f"+{int(t - run.world.setup_lead)}s"


def _stop_pending_expect(run: Run, truth: Truth) -> dict[str, Expectation]:
    rollbacks = [e for e in truth.executions() if e.started >= run.push_at and e.type == "ROLLBACK"]
    raced, left = [], orphaned(truth, run)
    for d, _, _ in left:
        last = (d.started_at or 0.0) + d.routing.steps()[-1][0]
        for stop in d.stops:
            if stop.cause == "request" and stop.at < last and stop.at >= min((e.started for e in rollbacks),
                                                                               default=float("inf")):
                raced.append(f"{d.id}: the rollback's StopDeployment at {_at(truth, stop.at)} answered {stop.answer}"
                             f", {last - stop.at:.0f}s before its last traffic step")
    return {"stop-before-last-step": Expectation(bool(raced), "; ".join(raced) if raced else
                                                 "no rollback stopped a deployment before its last traffic step: "
                                                 "the scenario exercised nothing"),
            "rollback-succeeded": Expectation(bool(rollbacks) and rollbacks[-1].status == "Succeeded",
                                              f"the stage rollback ended {rollbacks[-1].status}" if rollbacks else
                                              "no stage rollback ran"),
            "all-on-previous": final_state(truth, PREVIOUS, stages_from(truth, _struck_stage(truth, left)))}


# ------------------------------------------------------------------------------------------ api-faults

#: The APIs the release Lambdas call (botocore service and operation): reads and writes of Lambda, CodeDeploy,
#: CloudWatch, CloudFormation, CodePipeline, Step Functions and STS.
RELEASE_APIS = (
    ("lambda", "GetAlias"), ("lambda", "UpdateAlias"),
    ("codedeploy", "CreateDeployment"), ("codedeploy", "GetDeployment"), ("codedeploy", "ListDeployments"),
    ("codedeploy", "StopDeployment"),
    ("cloudwatch", "DescribeAlarms"), ("cloudwatch", "GetMetricStatistics"),
    ("cloudformation", "DescribeStacks"), ("codepipeline", "GetPipelineExecution"),
    ("stepfunctions", "DescribeExecution"), ("sts", "AssumeRole"),
)
#: The ones that change something: faulted on their first call only (a read is faulted again on its fourth).
_WRITES = frozenset({("lambda", "UpdateAlias"), ("codedeploy", "CreateDeployment"), ("codedeploy", "StopDeployment")})
#: The fault a variant injects: ``timeout-after-effect`` (the request took effect, the answer was lost);
#: ``throttle-after-start`` throttles the second CreateDeployment, after the shift started its first deployment.
API_FAULTS = ("throttle", "5xx", "timeout", "timeout-after-effect", "throttle-after-start")


def _api_faults_prepare(run: Run) -> None:
    """The faults strike the calls of the first stage with a one-box and after: they are injected when it starts
    (a stage before it that shifts all at once, the sample's alpha, would absorb them otherwise)."""
    kind = run.params["fault"]
    roles = release_roles(run.world)
    stage = one_box_stage(run.truth())

    def entered() -> bool:
        return bool(run.stage_runs(stage))

    def inject() -> None:
        if kind == "throttle-after-start":
            run.fault(Fault("throttle", service="codedeploy", operation="CreateDeployment", times=1, skip=1,
                            callers=roles))
            return
        for service, operation in RELEASE_APIS:
            for skip in (0,) if (service, operation) in _WRITES else (0, 3):
                run.fault(Fault("timeout" if kind.startswith("timeout") else kind, service=service,
                                operation=operation, times=1, skip=skip, applied=kind == "timeout-after-effect",
                                callers=roles))

    run.once(entered, inject, f"{kind} faults injected as {stage} starts", every=WATCH)


def _api_faults_expect(run: Run, truth: Truth) -> dict[str, Expectation]:
    called = {(c[2], c[3]) for c in truth.world.aws.calls}
    fired: dict[tuple[str, str], int] = {}
    for f in truth.world.aws.faults:
        fired[(f.service, f.operation)] = fired.get((f.service, f.operation), 0) + f.fired
    missed = [f"{s} {o}" for (s, o) in RELEASE_APIS if (s, o) in called and (s, o) in fired and not fired[(s, o)]]
    never = [f"{s} {o}" for (s, o) in RELEASE_APIS if (s, o) not in called]
    detail = (f"{sum(fired.values())} faults struck "
              f"{', '.join(f'{s} {o} x{n}' for (s, o), n in sorted(fired.items()) if n)}"
              f"{'; never called here: ' + ', '.join(never) if never else ''}")
    return {"faults-struck": Expectation(not missed and sum(fired.values()) > 0,
                                         f"APIs the release Lambdas called without a fault striking: {missed}"
                                         if missed else detail),
            "succeeded": pipeline_result(truth, run, "Succeeded"), "all-on-new": final_state(truth, NEW)}


# ------------------------------------------------------------------------------------------ stale-gate

#: How long after the stale target's gate opened its region's incident begins.
_INCIDENT_AFTER_GATE = 300.0
_INCIDENT = Health(error_rate=0.5)


def _gates(truth: Truth) -> tuple[Any, Any] | None:
    """(the stale step, the held step): the first stage with two or more gated targets, its first and last."""
    for stage in dict.fromkeys(s.stage for s in truth.steps):
        gated = [s for s in truth.steps if s.stage == stage and "gate" in s.state_machines]
        if len(gated) >= 2:
            return gated[0], gated[-1]
    return None


def _set_state(world: World, account: str, region: str, name: str, state: str, reason: str) -> None:
    """An operator's SetAlarmState (on a composite, the state holds until a child changes state)."""
    world.cloudwatch.handle("SetAlarmState", {"AlarmName": name, "StateValue": state, "StateReason": reason},
                            account=account, region=region)


def _gate_run(run: Run, action: str) -> Any | None:
    """The change's (standard execution's) first run of the gate action `action`."""
    found = [a for r in run.stage_runs() if r.type == "STANDARD" for a in r.actions.values() if a.action == action]
    return found[0] if found else None


def _stale_gate_prepare(run: Run) -> None:
    """The held target's team aggregate is set to ALARM before the step (an on-call holding its region's deploys);
    the stale target's gate opens, then its region's live version starts failing half its requests; once that
    incident is in ALARM, the hold is lifted right after the held gate's alarm check (so the held gate's next
    check, a gate poll later, opens it and both deploys start)."""
    world = run.world
    truth = Truth(world, run.pipeline.name, origin=world.setup_lead)
    found = _gates(truth)
    if found is None:
        raise ValueError(f"stale-gate needs a stage with two gated targets; {run.pipeline.name} has none")
    stale, held = found
    settings = truth.team_settings(held.account, held.region)
    if settings is None:
        raise ValueError(f"stale-gate: no team settings in {held.account}/{held.region}")
    aggregate = settings.alarm_names(held.region)[0]
    stale_id, held_id = f"{stale.stage}/{stale.target}", f"{held.stage}/{held.target}"
    _set_state(world, held.account, held.region, aggregate, "ALARM", f"on-call holds deploys to {held_id}")
    run.operations.append((world.clock.seconds, f"SetAlarmState {aggregate} ALARM (hold {held_id})"))
    run.disturbed = True

    def gate_open() -> Any | None:
        gate = _gate_run(run, stale.state_machines["gate"])
        return gate if gate is not None and gate.status == "Succeeded" else None

    def incident(gate: Any) -> str:
        def start() -> None:
            world.traffic.target_health = {**world.traffic.target_health, (stale_id, PREVIOUS): _INCIDENT}
            run.operations.append((world.clock.seconds, f"{stale_id}: the live version fails half its requests"))
        world.scheduler.after(_INCIDENT_AFTER_GATE, start, "incident")
        return f"{stale_id}'s gate opened at {_at_world(run, gate.ended)}; incident in {_INCIDENT_AFTER_GATE:.0f}s"

    def blocked_and_checked() -> bool | None:
        manifest = truth.manifest(stale)
        names = list(manifest.service_alarm_names) if manifest else []
        if not any(world.cloudwatch.state(stale.account, stale.region, n) == "ALARM" for n in names):
            return None
        gate = _gate_run(run, held.state_machines["gate"])
        execution = truth.state_machine_execution(gate.external_id) if gate is not None else None
        checks = [v for v in (execution.visits if execution else []) if v.name == "Check alarms" and v.exited]
        return True if checks and world.clock.seconds - (checks[-1].exited or 0.0) <= WATCH else None

    def lift(_: bool) -> str:
        _set_state(world, held.account, held.region, aggregate, "OK", "on-call lifts the hold")
        return f"SetAlarmState {aggregate} OK (hold on {held_id} lifted)"

    _when(run, gate_open, incident, "watch the stale gate")
    _when(run, blocked_and_checked, lift, "lift the hold")


def _stale_gate_expect(run: Run, truth: Truth) -> dict[str, Expectation]:
    found = _gates(truth)
    if found is None:
        return {"stale-verdict": Expectation(False, "no stage with two gated targets")}
    stale, held = found
    gate = _gate_run(run, stale.state_machines["gate"])
    deploy = next((a for r in truth.stage_runs() if r.started >= run.push_at and r.type == "STANDARD"
                   for a in r.actions.values()
                   if a.provider == "CloudFormation" and a.resolved.get("StackName") in stale.stacks), None)
    held_gate = _gate_run(run, held.state_machines["gate"])
    if gate is None or gate.ended is None or deploy is None or held_gate is None or held_gate.ended is None:
        return {"stale-verdict": Expectation(False, f"{stale.target}'s gate or deploy, or {held.target}'s gate, did "
                                                    f"not run to the end")}
    manifest = truth.manifest(stale)
    names = list(manifest.service_alarm_names) if manifest else []
    fired = [(t, n) for n in names if (t := truth.alarm_in_alarm(stale.account, stale.region, n, gate.ended,
                                                                 deploy.started)) is not None and t > gate.ended]
    return {
        "stale-verdict": Expectation(bool(fired), f"{stale.target}'s gate opened at {_at(truth, gate.ended)}, "
                                                  f"{min(fired)[1]} entered ALARM at {_at(truth, min(fired)[0])}, its "
                                                  f"deploy started at {_at(truth, deploy.started)}" if fired else
                                     f"no blocking alarm of {stale.target} entered ALARM between its gate and deploy"),
        "held-gate-waited": Expectation(held_gate.ended - held_gate.started > gate.ended - gate.started,
                                        f"{held.target}'s gate took {held_gate.ended - held_gate.started:.0f}s, "
                                        f"{stale.target}'s {gate.ended - gate.started:.0f}s"),
    }


SCENARIOS = [
    Scenario("shift-fails-closed",
             "A shift fails closed while its CodeDeploy deployment shifts (an API error the status task cannot get "
             "past, the execution timing out or aborted, the operator's stop and abandon): the deployment must be "
             "stopped, never run on to 100 % with no bake (finding 4)",
             _fails_closed_expect, prepare=_fails_closed_prepare,
             parameters={"trigger": tuple(_TRIGGERS)}, finding="4"),
    Scenario("stop-pending",
             "The shift fails closed shortly before its deployment's last traffic step; the stage rollback's "
             "StopDeployment answers Pending and its UpdateAlias races that step (finding 9).  Runs under the "
             "'own' reading of a rollback's variables: under 'target' the rollback fails closed before it stops "
             "anything (rollback-execution)",
             _stop_pending_expect, prepare=_stop_pending_prepare,
             parameters={"stop_seconds": ("0", "120"), "rollback_variables": ("own",)}, finding="9"),
    Scenario("api-faults",
             "Transient faults (throttling, 5xx, timeouts with and without effect) on every API the release Lambdas "
             "call, within what the state machines' Retry absorbs: the rollout still succeeds",
             _api_faults_expect, prepare=_api_faults_prepare, parameters={"fault": API_FAULTS}),
    Scenario("stale-gate",
             "A multi-target step: one target's gate opens, the other's waits on a hold; meanwhile the first "
             "target's region has an incident; runOrder is stage-wide, so its deploy starts on the old verdict "
             "when the other gate opens (finding 6)",
             _stale_gate_expect, prepare=_stale_gate_prepare, finding="6"),
]
