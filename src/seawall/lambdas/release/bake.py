"""Bake tasks: learn the previous versions, watch, and revert at once on ALARM.

``start`` reads the shift's execution output (``DescribeExecution`` on the
ARN the pipeline passes as ``#{<shift namespace>.ExecutionArn}``) to learn
each function's previous version, and fixes the bake time of this execution
(``overrideSeconds`` under the emergency override: shorter, never zero).

The functions come from the manifest the context task read from the target's
stacks (``$.context.manifest``); the watched alarms are the team's aggregate
for the region and the org-wide alarms (the team runtime's
:class:`~seawall.model.contracts.TeamSettings`), the services'
high-severity alarms the stacks name, and each function's one-box rollback
composite (``FunctionRelease.one_box_alarm``).  Each task parses its input once.

``check`` returns ``ALARM`` as soon as any watched alarm is in ALARM,
``PASS`` once the bake time has elapsed *and* the alias saw at least
``minDataPoints`` of the metric (summed over the target's functions, in
this region, since the bake began) with every alarm OK, ``EXPIRED`` when
the limit passes first, ``WAIT`` otherwise.  INSUFFICIENT_DATA never passes
a bake but does not revert either.

``revert`` puts every changed function's alias back on its previous version
with ``UpdateAlias`` (immediate, and it clears any routing weights).  No
CodeDeploy deployment of the group can be in flight at this point: the shift
waited for its deployment to succeed and CodePipeline runs one execution per
stage at a time.  It reports the alarm's name so the execution's cause says
why the step failed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.contracts import MAX_ALARMS, BakeInput, FunctionRelease

from . import common
from .common import AwsApiError, InvalidInputError, duration_text, logger, tracer

common.settings()  # validate the environment at cold start



class RevertFailedError(Exception):
    """The bake could not put a function back on its previous version: a person must act."""


def _state(event: Mapping[str, Any], key: str, what: str) -> Mapping[str, Any]:
    value = event.get(key)
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"bake state has no {key!r}; {what} must run first")
    return value


def start(event: Mapping[str, Any]) -> dict[str, Any]:
    bake = common.parse(BakeInput.from_json, event)
    manifest = common.manifest(event)
    ctx = _state(event, "context", "the context task")
    started = common.parse_start(ctx.get("startedAt"), "context.startedAt")
    sfn = common.client("stepfunctions", bake.region)
    out = common.call("Step Functions DescribeExecution (the shift)", sfn.describe_execution,
                      executionArn=bake.shift_execution_arn)
    if out.get("status") != "SUCCEEDED":
        raise AwsApiError(f"the shift execution {bake.shift_execution_arn} is {out.get('status')}, not SUCCEEDED; "
                          f"a bake follows a successful shift")
    try:
        shifted = {f["functionName"]: f for f in json.loads(out.get("output") or "{}")["functions"]}
    except (ValueError, KeyError, TypeError) as e:
        raise AwsApiError(f"the shift execution {bake.shift_execution_arn} has no functions in its output: {e}") from e
    functions = []
    for f in manifest.functions:
        s = shifted.get(f.function_name)
        if s is None or s.get("alias") != f.alias:
            raise InvalidInputError(
                f"function {f.function_name}:{f.alias} is not in the output of shift {bake.shift_execution_arn} "
                f"(it has {sorted(shifted)}); the bake must watch what its shift moved"
            )
        functions.append({"functionName": f.function_name, "alias": f.alias,
                          "previousVersion": str(s["previousVersion"]), "targetVersion": str(s["targetVersion"]),
                          "changed": bool(s["changed"])})
    seconds = bake.effective_seconds
    reason = bake.override_reason
    if reason is not None:
        logger.warning("EMERGENCY OVERRIDE: bake shortened", extra={"seconds": seconds, "normal": bake.seconds,
                                                                    "override_reason": reason})
    return {"startedAt": started.isoformat(), "seconds": seconds, "override": reason is not None,
            "functions": functions}


def data_points(bake: BakeInput, functions: Sequence[FunctionRelease], since: datetime, until: datetime) -> int:
    """The requests the functions' aliases served from `since` to `until`: one sum per function, read as a single
    data point whose period spans the whole bake so far.

    "CloudWatch aggregates data points based on the length of the period that you specify. For example, if you
    request statistics with a one-hour period, CloudWatch aggregates all data points with time stamps that fall
    within each one-hour period."  StartTime: "Start time less than 15 days ago - Round down to the nearest whole
    minute" (a bake is far younger); EndTime: "results include data points up to the specified time stamp"; Period:
    "must be a multiple of 60".  So one period from the rounded start covers exactly the minutes that one-minute
    periods would, in one data point (timestamped at the start) instead of up to 1,440 ("The maximum number of data
    points returned from a single call is 1,440").
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
    """
    if until <= since:
        return 0
    first_minute = since.replace(second=0, microsecond=0)
    period = max(60, math.ceil((until - first_minute).total_seconds() / 60) * 60)
    cw = common.client("cloudwatch", bake.region)
    total = 0.0
    for f in functions:
        out = common.call(
            f"CloudWatch GetMetricStatistics {bake.metric} {f.function_name}:{f.alias}", cw.get_metric_statistics,
            Namespace="AWS/Lambda", MetricName=bake.metric,
            Dimensions=[{"Name": "FunctionName", "Value": f.function_name},
                        {"Name": "Resource", "Value": f"{f.function_name}:{f.alias}"}],
            StartTime=since, EndTime=until, Period=period, Statistics=["Sum"],
        )
        total += sum(p.get("Sum", 0.0) for p in out.get("Datapoints", []))
    return int(total)


def check(event: Mapping[str, Any]) -> dict[str, Any]:
    bake = common.parse(BakeInput.from_json, event)
    manifest = common.manifest(event)
    team_alarms = common.team_settings().alarm_names(bake.region)
    service_alarms = tuple(n for n in manifest.service_alarm_names if n not in team_alarms)
    if not service_alarms:
        raise InvalidInputError(
            f"bake for {bake.target.name}: the target's stacks name no service high-severity alarm "
            f"({manifest.service_alarm_names!r}); the team aggregate alone watches nothing while no service has "
            f"joined it: redeploy the service with SafeLambdaDeployment")
    baking = _state(event, "baking", "the bake start task")
    begun = common.parse_start(_state(event, "context", "the context task").get("startedAt"), "context.startedAt")
    started = common.parse_start(baking.get("startedAt"), "baking.startedAt", not_before=begun)
    raw = baking.get("seconds")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise InvalidInputError(f"baking.seconds={raw!r} must be a whole number of seconds from the bake start task")
    try:
        seconds = int(raw)
    except ValueError:
        raise InvalidInputError(f"baking.seconds={raw!r} must be a whole number of seconds") from None
    if seconds < 0:
        raise InvalidInputError(f"baking.seconds={raw!r} must not be negative")
    if seconds != bake.effective_seconds:
        # The start task copies the input's bake time (the override floor under the override); any other
        # value -- a 0-second bake against a 1-hour policy -- would pass or stretch the bake unseen.
        raise InvalidInputError(
            f"baking.seconds={raw!r} is not this bake's time of {bake.effective_seconds} s (input bake.seconds="
            f"{bake.seconds}, overrideSeconds={bake.override_seconds}, override "
            f"{'on' if bake.override_reason else 'off'}); the bake start task sets it: re-run the stage")
    where = f"bake for {bake.target.name}"
    # Each function's one-box rollback composite (the team aggregate or its own one-box alarms): I10 keeps the
    # one-box alarms out of the service composite, so the bake of the function's own step watches them here.
    one_box = tuple(dict.fromkeys(f.one_box_alarm for f in manifest.functions
                                  if f.one_box_alarm and f.one_box_alarm not in (*team_alarms, *service_alarms)))
    watched = (*team_alarms, *service_alarms, *one_box)
    states: dict[str, str] = {}
    for i in range(0, len(watched), MAX_ALARMS):  # DescribeAlarms takes at most MAX_ALARMS names a call
        states.update(common.alarm_states(watched[i:i + MAX_ALARMS], bake.region))
    t = common.now()
    elapsed = (t - started).total_seconds()
    missing = [n for n in watched if n not in states]
    if missing:
        parts = []
        if any(n in missing for n in team_alarms):
            parts.append(common.missing_alarm_message([n for n in missing if n in team_alarms],
                                                      team_alarms, bake.region))
        own = [n for n in missing if n in service_alarms or n in one_box]
        if own:
            parts.append(
                f"the service's high-severity or one-box rollback alarm(s) {own} do not exist in {bake.region}: "
                f"the deploy before "
                f"this bake creates them (SafeLambdaDeployment); check that the service stack deployed to this "
                f"region and account and that its team and service names match the pipeline's, then retry "
                f"the stage")
        message = f"{where}: " + "; ".join(parts)
        logger.error(message)
        return {"verdict": "MISSING", "message": message, "elapsedSeconds": int(elapsed)}
    alarming = [n for n in watched if states[n] == "ALARM"]
    if alarming:
        message = (f"{where}: alarm {alarming[0]!r} went into ALARM {duration_text(elapsed)} into the bake"
                   + (f" (also in ALARM: {alarming[1:]})" if alarming[1:] else ""))
        logger.error(message)
        return {"verdict": "ALARM", "alarm": alarming[0], "message": message, "elapsedSeconds": int(elapsed)}
    insufficient = [n for n in watched if states[n] != "OK"]
    points = data_points(bake, manifest.functions, started, t) if bake.min_data_points else 0
    timed = elapsed >= seconds
    enough = points >= bake.min_data_points
    result = {"elapsedSeconds": int(elapsed), "dataPoints": points, "requiredDataPoints": bake.min_data_points,
              "bakeSeconds": seconds}
    if timed and enough and not insufficient:
        message = (f"{where} passed: {duration_text(elapsed)} baked (needed {duration_text(seconds)}), "
                   f"{points} {bake.metric} (needed {bake.min_data_points}), alarms OK")
        logger.info(message)
        return {**result, "verdict": "PASS", "message": message}
    if elapsed >= bake.max_wait_seconds:
        lacking = []
        if not enough:
            lacking.append(f"only {points} of {bake.min_data_points} {bake.metric} of the alias were seen "
                           f"(too few data points to judge the change)")
        if insufficient:
            lacking.append(f"alarm(s) {insufficient} are INSUFFICIENT_DATA")
        if not timed:
            lacking.append(f"the bake time {duration_text(seconds)} exceeds the limit")
        message = (f"{where} failed at its limit of {duration_text(bake.max_wait_seconds)}: " + "; ".join(lacking)
                   + "; the new version stays live until the stage rolls back")
        logger.error(message)
        return {**result, "verdict": "EXPIRED", "message": message}
    return {**result, "verdict": "WAIT",
            "message": f"{where}: {duration_text(elapsed)} of {duration_text(seconds)}, "
                       f"{points}/{bake.min_data_points} {bake.metric}"}


_RECORD_KEYS = ("functionName", "alias", "previousVersion", "targetVersion")


def _reverts(event: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The functions the start task recorded (each checked), and the manifest's functions it has no record of."""
    records = _state(event, "baking", "the bake start task").get("functions")
    if not isinstance(records, list) or not records:
        raise InvalidInputError(f"baking.functions={records!r} must be the non-empty list the bake start task "
                                f"recorded; without it nothing can be put back: put the aliases back by hand")
    for i, f in enumerate(records):
        bad = [k for k in _RECORD_KEYS if not isinstance(f, Mapping) or not isinstance(f.get(k), str) or not f[k]]
        if bad or not isinstance(f.get("changed"), bool):
            raise InvalidInputError(f"baking.functions[{i}]={f!r} must carry {', '.join(_RECORD_KEYS)} and a "
                                    f"boolean changed, as the bake start task records them")
    recorded = {(f["functionName"], f["alias"]) for f in records}
    unknown = [f"{f.function_name}:{f.alias}" for f in common.manifest(event).functions
               if (f.function_name, f.alias) not in recorded]
    return records, unknown


def revert(event: Mapping[str, Any]) -> dict[str, Any]:
    bake = common.parse(BakeInput.from_json, event)
    records, unknown = _reverts(event)
    checked = _state(event, "check", "the bake check task")
    alarm = checked.get("alarm") or "?"
    lam = common.client("lambda", bake.region)
    done: list[str] = []
    errors = [f"{name}: not in baking.functions, so its previous version is unknown" for name in unknown]
    for f in records:
        if not f.get("changed"):
            continue
        try:
            common.call(f"Lambda UpdateAlias {f['functionName']}:{f['alias']}", lam.update_alias,
                        FunctionName=f["functionName"], Name=f["alias"], FunctionVersion=f["previousVersion"],
                        RoutingConfig={"AdditionalVersionWeights": {}})
            done.append(f"{f['functionName']}:{f['alias']} {f['targetVersion']} -> {f['previousVersion']}")
        except common.ThrottledError:
            raise  # the state machine retries the whole, idempotent revert
        except AwsApiError as e:
            errors.append(str(e))
    if errors:
        message = (f"bake for {bake.target.name}: alarm {alarm!r} is in ALARM and the revert FAILED for "
                   f"{errors} (reverted: {done or 'none'}); put the alias back by hand")
        logger.error(message)
        raise RevertFailedError(message)
    message = (f"{checked.get('message', '')}; reverted {', '.join(done) if done else 'nothing (no function changed)'}"
               f" with UpdateAlias; the step fails")
    logger.error(message)
    return {"reverted": done, "alarm": alarm, "message": message}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def start_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return start(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def check_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return check(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def revert_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return revert(event)
