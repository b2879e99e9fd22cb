"""Named scenarios about traffic and alarms: a slow burn, quiet regions, a busy sibling, another service's alarms,
and a fix pushed while a re-pointed one-box alarm still holds its old state.

Each scenario's expectations are judged from the ground truth (:class:`~seawall.sim.truth.Truth`): the requests
each version served, every alias's history, alarm transitions, stage runs and the Step Functions executions'
recorded results.
"""

from __future__ import annotations

import copy

from ...model.rehearsal import Expectation
from ..truth import Step, Truth
from ..world import NEW, NEXT, PREVIOUS, Released
from . import (
    Run,
    Scenario,
    bad_served_then_none,
    bake_stage,
    final_state,
    in_stages,
    one_box_stage,
    pipeline_result,
    slow_burn_after,
    stage_failed,
    stages_from,
)

# ------------------------------------------------------------------------------------------------ helpers


def _shift_completed(truth: Truth, run: Run, revision: str, stage: str) -> dict[str, float]:
    """When each released function of `stage` first had its alias on `revision` alone (no routing) after the push,
    by name."""
    out: dict[str, float] = {}
    for _, rel in sorted(truth.world.released.items()):
        if not in_stages(rel, [stage]):
            continue
        for change in truth.alias_history(rel):
            if change.at >= run.push_at and not change.routing and truth.revision(rel, change.version) == revision:
                out.setdefault(rel.function, change.at)
                break
    return out


def _first_failure(truth: Truth, run: Run, revision: str, stage: str) -> tuple[float, str] | None:
    """The start of the first minute in which `revision` failed a request of `stage` after the push, and where."""
    released = truth.world.released
    found = [(m.minute * 60.0, f"{m.region} {m.function}") for m in truth.world.served
             if m.revision == revision and m.minute * 60 >= run.push_at and (m.errors or m.handled_errors)
             and (rel := released.get((m.account, m.region, m.function))) is not None and in_stages(rel, [stage])]
    return min(found) if found else None


def _reverted_by_seawall(truth: Truth, run: Run, revision: str) -> Expectation:
    """Every alias that left `revision` after the push was moved back by a release execution (the bake's revert)."""
    moves = []
    for _, rel in sorted(truth.world.released.items()):
        history = truth.alias_history(rel)
        for before, after in zip(history, history[1:], strict=False):
            if after.at < run.push_at or truth.revision(rel, before.version) != revision or before.routing:
                continue
            if truth.revision(rel, after.version) != revision:
                moves.append((after.at, rel, after.by))
    if not moves:
        return Expectation(False, f"no alias on {revision} alone was moved back: the bake reverted nothing")
    wrong = [f"{rel.target} {rel.logical_id} by {by or '?'}" for _, rel, by in moves
             if not by.startswith("arn:aws:states:")]
    return Expectation(not wrong, f"moved back by something other than a release execution: {wrong}" if wrong else
                       f"{len(moves)} alias(es) on {revision} alone moved back by the bake's revert, the first at "
                       f"+{int(min(t for t, _, _ in moves) - truth.origin)}s")


# ------------------------------------------------------------------------------------------------ slow-burn-bake

def _slow_burn_prepare(run: Run) -> None:
    run.health(NEW, error_rate=0.5, after_seconds=slow_burn_after(run))


def _slow_burn(run: Run, truth: Truth) -> dict[str, Expectation]:
    # judged from the first bake stage on: a stage before it that shifted without a bake (the sample's alpha and
    # beta) completed while the version was still healthy, and nothing of Seawall watches it after that
    stage = bake_stage(truth)
    judged = stages_from(truth, stage)
    completed = _shift_completed(truth, run, NEW, stage)
    failure = _first_failure(truth, run, NEW, stage)
    if failure is None:
        burned = Expectation(False, f"{NEW} never failed a request in {stage}: the slow burn never started")
    elif not completed or failure[0] < min(completed.values()):
        burned = Expectation(False, f"{NEW} first failed at +{int(failure[0] - truth.origin)}s ({failure[1]}), before "
                                    f"{stage}'s shift completed: the one-box, not the bake, was tested")
    else:
        burned = Expectation(True, f"{NEW} first failed at +{int(failure[0] - truth.origin)}s ({failure[1]}), after "
                                   f"the first shift completed at +{int(min(completed.values()) - truth.origin)}s "
                                   f"(in {stage}, the first stage with a bake)")
    return {"turned-bad-after-shift": burned,
            "bad-version-reverted": bad_served_then_none(truth, run, NEW, judged),
            "reverted-by-bake": _reverted_by_seawall(truth, run, NEW),
            "all-on-previous": final_state(truth, PREVIOUS, judged),
            "step-failed": stage_failed(truth, run, stage),
            "failed": pipeline_result(truth, run, "Failed")}



# ------------------------------------------------------------------------------------------------ quiet-region
#
# Finding 7, checked against the fixture's synthesized alarms (AlarmPolicy defaults) and AWS's documentation:
#
# - the service fault-rate alarm is ``IF(invocations >= 10, errors / invocations, 0)`` per minute, 3 of 3: below 10
#   requests a minute it reads 0 and never alarms (true);
# - errors-in-logs counts ``{ $.level = "ERROR" }`` lines, "Base class for patterns that only match JSON log
#   events" (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.JsonPattern.html), and alarms above
#   5 a minute, 3 of 3: the runtime's text line for a crash never counts, and 1 JSON line a minute never alarms
#   (true);
# - the one-box errors alarm is ``IF(errors / invocations > 0.01, errors, 0) > 2`` over one 3-minute period on the
#   ``ExecutedVersion`` dimension: it needs 3 crashes of the new version in 3 minutes.  During the 10 % canary at
#   1 request a minute the new version sees a Poisson(0.3) count per window (P(>= 3) ~ 0.4 %); once the alias is on
#   the new version alone, it sees every request *if* Lambda still publishes ``ExecutedVersion`` for an unsplit
#   alias -- AWS documents the dimension for "two versions of a function that are both targets of a weighted alias"
#   (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html: "Use the ExecutedVersion dimension to
#   compare error rates for two versions of a function that are both targets of a weighted alias"), the unknown
#   ``executed_version_unsplit``.  Then P(>= 3 in 3 minutes) ~ 58 % per window and crashes are caught within the
#   bake; without it, never.  The "~7 %" is not what these alarms give: it is ~0.4-1 % during the canary,
#   then all or nothing by that unknown.  Handled errors (a JSON ERROR line, no ``Errors``) are seen by no alarm at
#   all at this rate;
# - the bake's minimum is met from Invocations summed over the target's functions (finding 2): 2 functions at
#   1 request a minute reach the fixture's 10 data points in 5 minutes (100 in 50 minutes; one function alone in
#   100), so a quiet region's bake passes on time while its alarms are blind (I12);
# - at 3 requests an hour the bake needs 10 data points from 6 an hour: it ends hours after ``seawall plan`` said
#   (with 100 data points it would pass its limit and fail), and the plan, which knows no traffic, did not say so
#   (I11).

#: Requests per minute of each function in the quiet region, by the ``traffic`` parameter.
_QUIET = {"1/min": 1.0, "1/min-crash": 1.0, "3/hour": 3 / 60}


def _quiet_region_of(run: Run) -> str:
    """The region of the pipeline's first step with a bake (where a bake first judges a change)."""
    first = bake_stage(run.truth())
    found = sorted(rel.region for rel in run.world.released.values() if in_stages(rel, [first]))
    if not found:
        raise ValueError(f"stage {first} of {run.pipeline.name} releases no function")
    return found[0]


def _quiet_targets(run: Run) -> list[str]:
    region = _quiet_region_of(run)
    return sorted({rel.target for rel in run.world.released.values() if rel.region == region})


def _quiet_prepare(run: Run) -> None:
    traffic = run.params["traffic"]
    for target in _quiet_targets(run):
        run.load(_QUIET[traffic], target=target)
    if traffic == "1/min":  # every request fails and logs Powertools' JSON ERROR line (Lambda counts no Errors)
        run.health(NEW, handled_error_rate=1.0)
    elif traffic == "1/min-crash":  # every request crashes (Errors, and the runtime's text line in the log)
        run.health(NEW, error_rate=1.0)


def _quiet_served(run: Run, truth: Truth) -> Expectation:
    """The quiet targets served about the stated rate (the scenario exercised a quiet region, not a silent one)."""
    targets = set(_quiet_targets(run))
    rate = _QUIET[run.params["traffic"]]
    minutes: dict[tuple[str, str], set[int]] = {}
    requests = 0
    for m in truth.world.served:
        rel = truth.world.released.get((m.account, m.region, m.function))
        if rel is None or rel.target not in targets or m.minute * 60 < run.push_at:
            continue
        minutes.setdefault((rel.target, rel.function), set()).add(m.minute)
        requests += m.requests
    span = sum(len(v) for v in minutes.values())
    if not span or not requests:
        return Expectation(False, f"the quiet targets {sorted(targets)} served nothing after the push")
    seen = requests / span
    ok = seen <= 3 * rate + 0.5
    return Expectation(ok, f"{sorted(targets)} served {requests} requests over {span} function-minutes "
                           f"({seen:.3f} a minute, stated {rate:.3f})")


def _quiet(run: Run, truth: Truth) -> dict[str, Expectation]:
    out = {"quiet-traffic": _quiet_served(run, truth)}
    if run.params["traffic"] == "3/hour":
        # a healthy version: I11 judges when each step ended against the plan
        out["rolled-out"] = final_state(truth, NEW)
        return out
    stage = bake_stage(truth)  # a stage before it shifts with no bake: finding 14, not this one
    out["bad-version-reverted"] = bad_served_then_none(truth, run, NEW, stages_from(truth, stage))
    out["step-failed"] = stage_failed(truth, run, stage)
    return out



# ------------------------------------------------------------------------------------------------ sibling-traffic
#
# Finding 2: ``bake.data_points`` sums ``Invocations`` (FunctionName + Resource=<function>:<alias>) over every
# function of the target's manifest and compares the sum with ``minDataPoints``; a busy sibling meets an idle
# function's minimum, so the idle function's new version passes a bake it was never judged in (I1: "it served the
# minimum data points itself ... -- not through a sibling").

#: The idle function's requests per minute (3 an hour: a nightly or admin endpoint); its sibling keeps the default.
_IDLE = 3 / 60


def _idle_function(run: Run) -> str:
    """The logical ID of the first released function (by name): the idle one."""
    ids = sorted({rel.logical_id for rel in run.world.released.values()})
    if len(ids) < 2:
        raise ValueError(f"sibling-traffic needs two functions per target; the pipeline releases {ids}")
    return ids[0]


def _sibling_prepare(run: Run) -> None:
    run.load(_IDLE, function=_idle_function(run))


def _sibling(run: Run, truth: Truth) -> dict[str, Expectation]:
    idle = _idle_function(run)
    short: list[tuple[Step, Released, int]] = []
    busy: list[tuple[Step, Released, int]] = []
    for step in truth.steps:
        runs = [r for r in truth.stage_runs(step.stage) if r.started >= run.push_at]
        bake = next((r.actions.get(step.state_machines.get("bake", "")) for r in reversed(runs)), None)
        if bake is None or bake.ended is None:
            continue
        for rel in truth.released_in(step):
            version, _ = truth.alias_at(rel, bake.ended)
            served, _ = truth.served(rel, version, bake.started, bake.ended)
            (short if rel.logical_id == idle else busy).append((step, rel, served))
    if not short or not busy:
        return {"idle-and-busy": Expectation(False, "no bake ended with both an idle and a busy function")}
    # the finding's case: a bake in which the idle function served below the minimum itself and its sibling met
    # it.  A long bake (the sample's 12 hours) or the monitoring canary's own requests can meet an idle function's
    # minimum: those bakes judged it, and are not the case
    met = {(s.stage, s.target) for s, _, n in busy if n >= s.min_data_points}
    case = [(s, n) for s, _, n in short if n < s.min_data_points and (s.stage, s.target) in met]
    judged = [f"{s.stage}/{s.target} {n}" for s, _, n in short if n >= s.min_data_points]
    return {"idle-and-busy": Expectation(bool(case), (
                f"in {len(case)} of {len(short)} bakes {idle} served below the minimum itself "
                f"({', '.join(f'{s.stage}/{s.target} {n} of {s.min_data_points}' for s, n in case[:6])}) while its "
                f"sibling met it" + (f"; it met the minimum itself in {', '.join(judged[:6])}" if judged else ""))
                if case else f"no bake in which {idle} served below the minimum and its sibling met it: "
                             f"{[f'{s.target} {n}' for s, _, n in short]}"),
            "rolled-out": final_state(truth, NEW)}



# ------------------------------------------------------------------------------------------------ other-service-alarm
#
# I10: another service of the team is deployed in the same accounts and regions (its own stack: a fault alarm and
# its high-severity composite per target scope, a one-box alarm and that function's one-box rollback composite,
# "ALARM(aggregate) OR ALARM(one-box)"), and the team lists it: the team monitoring stack is redeployed with the
# aggregate naming the other service's high-severity composite in every scope of the region, the rule
# ``TeamMonitoringStack(services=(OTHER,), scopes=...)`` renders (tests/sim/test_scenarios_traffic.py checks it
# against the construct).  During this service's first bake, one of the other service's alarms fires: its
# high-severity alarm reverts this bake (through the team aggregate, which names it), its one-box alarm does not.

#: The other service of the team, its released function, and its metrics' namespace.
OTHER, OTHER_FUNCTION, _OTHER_NAMESPACE = "ledger", "handler", "Ledger"
#: When the other service's alarm starts to breach (seconds after the first bake stage's bake started in the quiet
#: region, so inside it) and for how long.
_OTHER_INTO_BAKE, _OTHER_FOR = 300.0, 600.0


def team_scopes(truth: Truth) -> dict[tuple[str, str], list[str]]:
    """Every deployment-target scope of the service pipeline, per (account, region), in plan order (what the team
    foundation's ``target_scopes`` gives the monitoring stack); each checked against the service's own composite."""
    from types import SimpleNamespace

    from ...model.naming import target_scope

    out: dict[tuple[str, str], list[str]] = {}
    for step in truth.steps:
        scope = target_scope(SimpleNamespace(name=step.target), production=step.production, stage=step.stage)
        manifest = truth.manifest(step)
        if manifest is None or not any(n.endswith(f"-{scope}-high-severity") for n in manifest.service_alarm_names):
            raise ValueError(f"{step.stage}/{step.target}: no high-severity composite of scope {scope!r} among "
                             f"{manifest.service_alarm_names if manifest else 'no stack outputs'}")
        scopes = out.setdefault((step.account, step.region), [])
        if scope not in scopes:
            scopes.append(scope)
    return out


def other_service_template(team: str, region: str, scopes: list[str]) -> dict[str, object]:
    """The other service's alarms in one account and region: per scope a fault alarm under its high-severity
    composite, and a one-box alarm under its function's one-box rollback composite."""
    from ...model.naming import aggregate_alarm_name, alarm_name, high_severity_alarm_name, one_box_rollback_alarm_name

    resources: dict[str, object] = {}
    for i, scope in enumerate(scopes):
        faults, one_box = alarm_name(team, OTHER, scope, "fault-rate"), \
            alarm_name(team, OTHER, scope, f"{OTHER_FUNCTION}-one-box-errors")
        for logical, name, metric in ((f"Faults{i}", faults, "Faults"), (f"OneBox{i}", one_box, "OneBoxFaults")):
            resources[logical] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "AlarmName": name, "Namespace": _OTHER_NAMESPACE, "MetricName": metric,
                "Dimensions": [{"Name": "Scope", "Value": scope}], "Statistic": "Sum", "Period": 60,
                "EvaluationPeriods": 1, "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching"}}
        resources[f"HighSeverity{i}"] = {"Type": "AWS::CloudWatch::CompositeAlarm", "DependsOn": [f"Faults{i}"],
                                         "Properties": {"AlarmName": high_severity_alarm_name(team, OTHER, scope),
                                                        "AlarmRule": f'ALARM("{faults}")'}}
        resources[f"OneBoxRollback{i}"] = {
            "Type": "AWS::CloudWatch::CompositeAlarm", "DependsOn": [f"OneBox{i}"],
            "Properties": {"AlarmName": one_box_rollback_alarm_name(team, OTHER, scope, OTHER_FUNCTION),
                           "AlarmRule": f'ALARM("{aggregate_alarm_name(team, region)}") OR ALARM("{one_box}")'}}
    return {"Resources": resources}


def aggregate_rule(team: str, services: list[str], scopes: list[str]) -> str:
    """The team aggregate's rule listing `services` in `scopes` (``TeamMonitoringStack``: every service's
    high-severity composite in each scope, scope-major, as one ``ALARM(...) OR ...`` while it fits one composite)."""
    from ...model.naming import high_severity_alarm_name

    names = [high_severity_alarm_name(team, s, scope) for scope in scopes for s in services]
    return " OR ".join(f'ALARM("{n}")' for n in names) if names else "FALSE"


def _list_other_service(run: Run) -> None:
    """Deploy the other service's alarms, then the team monitoring stacks with the aggregate naming it."""
    from ...model.naming import aggregate_alarm_name

    world = run.world
    truth = Truth(world, run.pipeline.name, origin=world.setup_lead)
    for (account, region), scopes in sorted(team_scopes(truth).items()):
        settings = truth.team_settings(account, region)
        if settings is None:
            raise ValueError(f"no team runtime in {account}/{region}: the world before the change is incomplete")
        team, cfn = settings.team, world.cfn(account, region)
        cfn.deploy(f"{team}-{OTHER}-{region}", other_service_template(team, region, scopes))
        aggregate = aggregate_alarm_name(team, region)
        found = [(name, lid) for name, stack in sorted(cfn.stacks.items()) for lid, r in sorted(stack.resources.items())
                 if r.type == "AWS::CloudWatch::CompositeAlarm" and r.physical_id == aggregate]
        if len(found) != 1:
            raise ValueError(f"{account}/{region}: expected one stack with the team aggregate {aggregate}, "
                             f"found {found}")
        stack, logical = found[0]
        template = copy.deepcopy(cfn.stacks[stack].template)
        template["Resources"][logical]["Properties"]["AlarmRule"] = aggregate_rule(team, [OTHER], scopes)
        cfn.deploy(stack, template)


def _other_scope(truth: Truth, region: str) -> str:
    """The scope of the other service whose alarm breaches: its first production target in `region` (a scope the
    team aggregate lists, :func:`team_scopes`)."""
    from types import SimpleNamespace

    from ...model.naming import target_scope

    step = next((s for s in truth.steps if s.region == region and s.production), None)
    if step is None:
        raise ValueError(f"other-service-alarm: pipeline {truth.pipeline} has no production step in {region}")
    return target_scope(SimpleNamespace(name=step.target), production=True, stage=step.stage)


def _breach(run: Run, metric: str) -> None:
    """The other service's `metric` breaches in its production scope of the first bake stage's region, every
    minute for a while: its alarm goes to ALARM at the next evaluation and stays there while the breach lasts."""
    region = _quiet_region_of(run)
    account = next(rel.account for rel in run.world.released.values() if rel.region == region)
    scope = _other_scope(run.truth(), region)
    client = run.world.aws.session(account=account, region=region).client("cloudwatch")

    def put() -> None:
        client.put_metric_data(Namespace=_OTHER_NAMESPACE, MetricData=[{
            "MetricName": metric, "Dimensions": [{"Name": "Scope", "Value": scope}], "Value": 1.0,
            "Timestamp": run.world.clock.now()}])

    start = run.world.clock.seconds
    run.world.scheduler.every(60, put, f"{OTHER} {metric} breaching", first=start, until=start + _OTHER_FOR)


def _other_prepare(run: Run) -> None:
    _list_other_service(run)
    metric = "Faults" if run.params["alarm"] == "high-severity" else "OneBoxFaults"
    truth = run.truth()
    stage, region = bake_stage(truth), _quiet_region_of(run)
    bakes = {s.state_machines["bake"] for s in truth.steps if s.stage == stage and s.region == region}

    def baking() -> bool:
        return any(a.status == "InProgress" and a.action in bakes for r in run.stage_runs(stage)
                   for a in r.actions.values())

    run.once(baking, lambda: _breach(run, metric), f"{OTHER}'s {run.params['alarm']} alarm starts to breach",
             delay=_OTHER_INTO_BAKE)


def _other_alarm_fired(run: Run, truth: Truth) -> tuple[Expectation, float | None]:
    """The other service's alarm of this variant was in ALARM during one of this service's bakes."""
    from ...model.naming import alarm_name, high_severity_alarm_name

    region = _quiet_region_of(run)
    settings = next(truth.team_settings(r.account, region) for r in truth.world.released.values()
                    if r.region == region)
    assert settings is not None
    scope = _other_scope(truth, region)
    name = (high_severity_alarm_name(settings.team, OTHER, scope) if run.params["alarm"] == "high-severity" else
            alarm_name(settings.team, OTHER, scope, f"{OTHER_FUNCTION}-one-box-errors"))
    for step in truth.steps:
        if step.region != region:
            continue
        for stage_run in truth.stage_runs(step.stage):
            bake = stage_run.actions.get(step.state_machines.get("bake", ""))
            if stage_run.started < run.push_at or bake is None:
                continue
            at = truth.alarm_in_alarm(step.account, region, name, bake.started, bake.ended or truth.world.clock.seconds)
            if at is not None:
                return (Expectation(True, f"{name} in ALARM at +{int(at - truth.origin)}s, during the bake of "
                                          f"{step.stage}/{step.target}"), at)
    return Expectation(False, f"{name} was never in ALARM during a bake of {region}: the scenario tested nothing"), None


def _bake_failure_names(truth: Truth, run: Run, alarm: str) -> Expectation:
    """A bake execution of the change failed, and its recorded cause names `alarm`."""
    failed = [e for e in truth.world.sfn.executions if e.started >= run.push_at and e.status == "FAILED"
              and "bake" in e.machine.name.lower()]
    if not failed:
        return Expectation(False, "no bake execution failed")
    named = [e for e in failed if alarm in f"{e.error} {e.cause}"]
    return Expectation(bool(named), f"bake {failed[0].name} failed: {str(failed[0].cause)[:300]}" if named else
                       f"{len(failed)} bake execution(s) failed, none naming {alarm}: {str(failed[0].cause)[:300]}")


def _other(run: Run, truth: Truth) -> dict[str, Expectation]:
    from ...model.naming import aggregate_alarm_name

    fired, _ = _other_alarm_fired(run, truth)
    out = {"other-alarm-fired": fired}
    if run.params["alarm"] == "high-severity":
        region = _quiet_region_of(run)
        team = truth.team_settings(next(r.account for r in truth.world.released.values() if r.region == region),
                                   region)
        assert team is not None
        out["reverted-by-bake"] = _reverted_by_seawall(truth, run, NEW)
        out["failure-names-alarm"] = _bake_failure_names(truth, run, aggregate_alarm_name(team.team, region))
        # from the stage on: a stage before it (the sample's alpha and beta) completed with the change, as it should
        stage = bake_stage(truth)
        out["all-on-previous"] = final_state(truth, PREVIOUS, stages_from(truth, stage))
        out["step-failed"] = stage_failed(truth, run, stage)
        return out
    out["succeeded"] = pipeline_result(truth, run, "Succeeded")
    out["all-on-new"] = final_state(truth, NEW)
    return out



# ------------------------------------------------------------------------------------------------ fix-after-revert
#
# r1 fails half its requests: the one-box catches it in the first step and CodeDeploy reverts it; minutes later a
# healthy fix, r2, is pushed.  Each deploy of the step's stack re-points the one-box alarms' ``ExecutedVersion`` to
# the version it publishes, and "When you update an existing alarm, its state is left unchanged"
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html): the stage rollback's
# deploy (r0's template, right after the failure) re-points an alarm still in ALARM.  The safety contract wants the
# fix to ship: no watched alarm of r2's step is in ALARM for anything r2 did, so r2 must not be reverted or blocked
# (I2 applies only to a watched alarm in ALARM during r2's shift and bake).
#
# What the world shows: the stale ALARM lasts until the alarm's next evaluation (alarms are evaluated every
# minute), which reads the re-pointed version's data (or none: notBreaching) and says OK; a deploy action takes
# longer than that before the shift creates its CodeDeploy deployment, and the stage rollback's deploy re-points
# the alarm minutes before r2's does.  So r2 never meets the stale state and rolls out.

#: When the fix (r2) is pushed: this long after the first one-box stage failed (its one-box reverted r1 just before).
_FIX_AFTER = 60.0


def _fix_prepare(run: Run) -> None:
    run.health(NEW, error_rate=0.5)
    stage = one_box_stage(run.truth())

    def failed() -> bool:
        return any(r.type == "STANDARD" and r.status == "Failed" for r in run.stage_runs(stage))

    run.once(failed, lambda: run.push_revision(run.world.clock.seconds - run.push_at, NEXT),
             f"{stage} failed: the fix is pushed", delay=_FIX_AFTER)


def _stale_alarm(run: Run, truth: Truth) -> Expectation:
    """A deploy of the first one-box stage's stacks after the push re-pointed a one-box alarm that was in ALARM."""
    first = one_box_stage(truth)
    steps = [s for s in truth.steps if s.stage == first]
    seen = []
    for step in steps:
        cfn = truth.world.cfn(step.account, step.region)
        names = [r.physical_id for stack in step.stacks if stack in cfn.stacks
                 for r in cfn.stacks[stack].resources.values()
                 if r.type == "AWS::CloudWatch::Alarm" and "-one-box-" in r.physical_id]
        for stage_run in truth.stage_runs(first):
            if stage_run.started < run.push_at:
                continue
            for action in stage_run.actions.values():
                if action.provider != "CloudFormation" or action.resolved.get("StackName") not in step.stacks:
                    continue
                for name in sorted(set(names)):
                    if truth.alarm_in_alarm(step.account, step.region, name, action.started, action.started):
                        seen.append(f"{name} at +{int(action.started - truth.origin)}s "
                                    f"({truth.execution(stage_run.execution_id).type.lower()} execution of "
                                    f"{truth.execution(stage_run.execution_id).revision})")
    return Expectation(bool(seen), f"re-pointed while in ALARM: {'; '.join(seen[:4])}" if seen else
                       "no deploy re-pointed a one-box alarm in ALARM: the scenario tested nothing")


def _fix(run: Run, truth: Truth) -> dict[str, Expectation]:
    moved = _reverted_by_seawall(truth, run, NEXT)
    return {"bad-version-reverted": bad_served_then_none(truth, run, NEW),
            "stale-alarm-exercised": _stale_alarm(run, truth),
            "fix-not-reverted": Expectation(not moved.held and "reverted nothing" in moved.detail,
                                            f"{NEXT} was never moved back" if "reverted nothing" in moved.detail
                                            else moved.detail),
            "fix-succeeded": pipeline_result(truth, run, "Succeeded"),
            "all-on-fix": final_state(truth, NEXT)}

SCENARIOS = [
    Scenario("slow-burn-bake", "The new version fails half its requests only after serving 15 minutes, after the "
                               "one-box shift completed: the bake catches it, reverts every alias and the step fails",
             _slow_burn, prepare=_slow_burn_prepare),
]
SCENARIOS.append(Scenario(
    "quiet-region", "A region so quiet (1 request a minute, or 3 an hour) that a version failing every request "
    "passes its bake, or a healthy one's bake ends hours after the plan said (finding 7)", _quiet,
    prepare=_quiet_prepare, finding="7",
    parameters={"traffic": tuple(_QUIET), "executed_version_unsplit": ("true", "false")}))
SCENARIOS.append(Scenario(
    "sibling-traffic", "One function of each target is idle (3 requests an hour), its sibling busy: the sibling's "
    "invocations meet the idle function's data-point minimum and its new version passes unjudged (finding 2)",
    _sibling, prepare=_sibling_prepare, finding="2"))
SCENARIOS.append(Scenario(
    "other-service-alarm", "Another service of the team fires an alarm during this service's bake: its "
    "high-severity alarm (in the team aggregate) reverts the bake, naming the aggregate; its one-box alarm (only "
    "in its own one-box rollback composite) does not (I10)", _other, prepare=_other_prepare,
    parameters={"alarm": ("high-severity", "one-box")}))
SCENARIOS.append(Scenario(
    "fix-after-revert", "A fix (r2) pushed minutes after the one-box reverted r1, while the re-pointed one-box alarm "
    "may still hold its old ALARM state: the fix rolls out everywhere", _fix, prepare=_fix_prepare,
    parameters={"rollback_variables": ("target", "own")}))
