"""Shift tasks: start one CodeDeploy deployment per changed function, then follow them.

``start`` reads each alias's *actual* version (``GetAlias``), leaves functions
already on their target version alone, and starts ``CreateDeployment`` with an
AppSpec from that version to the new one, using the step's deployment config.
Its result records every function's previous version; the shift's execution
output carries it to the bake.

A **rollback execution** does not use CodeDeploy: it moves each alias with
``UpdateAlias`` straight to the target (last good) version, all at once, as the
bake's revert does.  A CodeDeploy deployment would be watched by the
deployment group's alarms, which after a failed shift or a bake revert are
usually still in ALARM -- CodeDeploy would stop the very rollback that fixes
them.  (``overrideAlarmConfiguration`` could switch them off per deployment,
but needs ``codedeploy:UpdateDeploymentGroup`` on every deployment group of
the team.)  It first stops every active deployment of the function's group
(``ListDeployments`` Created/Queued/InProgress/Ready, ``StopDeployment``
without automatic rollback) and accepts an alias split between versions: it
clears the routing weights as it moves the alias.

If starting fails after some deployments started (say ``CreateDeployment`` is
denied for the second function), ``start`` stops the ones it started with
CodeDeploy's automatic rollback and fails with ``ShiftStartFailedError``,
which the state machine does not retry; before anything started, a throttled
call is retried and the retry starts from scratch.

The functions, their new versions, deployment configs and hooks come from the
manifest the context task read from the target's stacks (``$.context.manifest``),
not from the input.  A function's traffic hooks (``preTrafficHook`` /
``postTrafficHook`` in its stack output) go into the AppSpec's ``Hooks`` section as ``BeforeAllowTraffic`` /
``AfterAllowTraffic``, so CodeDeploy runs them around the traffic shift and
rolls back when one reports ``Failed``.  A rollback execution runs **no**
hooks (no CodeDeploy at all): it puts back the version that passed them when
it shipped, and must not be held up by a validation that may fail for the
very reason the stage is rolling back (a dependency down, a broken test
fixture).

``status`` reads each deployment (``GetDeployment``): ``SUCCEEDED`` when all
succeeded, ``IN_PROGRESS`` while any runs, ``FAILED`` as soon as one failed
or was stopped -- then the running ones are stopped with CodeDeploy's
automatic rollback and the ones that already succeeded are put back on their
previous version with ``UpdateAlias``, so no function is left on the new
version; an error stopping or reverting one is reported and does not keep the
others from being handled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.contracts import FunctionRelease, ShiftInput
from seawall.model.policies import ALL_AT_ONCE_CONFIG

from . import common
from .common import AwsApiError, InvalidInputError, logger, tracer

common.settings()  # validate the environment at cold start

RUNNING = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
FAILED = frozenset({"Failed", "Stopped"})


def app_spec(f: FunctionRelease, current: str, *, hooks: bool = True) -> str:
    """The JSON AppSpec of one function's deployment; with its traffic hooks unless `hooks` is False."""
    spec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [{f.function_name: {"Type": "AWS::Lambda::Function", "Properties": {
            "Name": f.function_name, "Alias": f.alias, "CurrentVersion": current,
            "TargetVersion": f.target_version}}}],
    }
    if hooks and f.hooks:
        spec["Hooks"] = f.hooks
    return json.dumps(spec)


def current_version(f: FunctionRelease, region: str, *, allow_split: bool = False) -> str:
    """The alias's version; a split alias fails (another deployment shifts it) unless `allow_split`."""
    return _read_alias(f, region, allow_split=allow_split)[0]


def _read_alias(f: FunctionRelease, region: str, *, allow_split: bool = False) -> tuple[str, dict[str, Any]]:
    """The alias's primary version and its additional routing weights."""
    lam = common.client("lambda", region)
    try:
        alias = common.call(f"Lambda GetAlias {f.function_name}:{f.alias}", lam.get_alias,
                            FunctionName=f.function_name, Name=f.alias)
    except AwsApiError as e:
        if "ResourceNotFound" not in str(e):
            raise
        raise AwsApiError(f"{e}; the function or its alias {f.alias!r} does not exist in {region}: "
                          f"SafeLambdaDeployment creates both in the deploy before the shift, so check that "
                          f"the service stack deployed to this region and account") from e
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if weights and not allow_split:
        raise AwsApiError(
            f"alias {f.function_name}:{f.alias} is split between versions {alias['FunctionVersion']} and "
            f"{sorted(weights)}: another deployment is shifting it; wait for it or stop it, then retry"
        )
    version = str(alias["FunctionVersion"])
    if not version.isdigit():
        raise AwsApiError(f"alias {f.function_name}:{f.alias} points at {version!r}, not a published version")
    return version, dict(weights)


#: Deployments that may still move an alias: a rollback execution stops them before it moves the alias.
ACTIVE = ["Created", "Queued", "InProgress", "Ready"]


def _stop_active(f: FunctionRelease, region: str) -> list[str]:
    """A rollback execution: stop every active deployment of the function's group (no automatic rollback:
    the rollback moves the alias itself right after).  Returns the stopped deployment IDs."""
    cd = common.client("codedeploy", region)
    ids: list[str] = []
    token = ""
    while True:
        kwargs: dict[str, Any] = {"applicationName": f.application, "deploymentGroupName": f.deployment_group,
                                  "includeOnlyStatuses": ACTIVE}
        if token:
            kwargs["nextToken"] = token
        page = common.call(f"CodeDeploy ListDeployments {f.application}/{f.deployment_group}",
                           cd.list_deployments, **kwargs)
        ids.extend(page.get("deployments") or [])
        token = page.get("nextToken") or ""
        if not token:
            break
    for d in ids:
        logger.warning("rollback execution: stopping an active deployment of the group",
                       extra={"function": f.function_name, "deployment": d})
        common.call(f"CodeDeploy StopDeployment {d}", cd.stop_deployment, deploymentId=d,
                    autoRollbackEnabled=False)
    return ids


class ShiftStartFailedError(Exception):
    """Starting the shift failed after some deployments had started; they were stopped.  Not retried."""


def _stop_started(cd: Any, started: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Stop (with CodeDeploy's automatic rollback) every deployment this start task created."""
    stopped, failed = [], []
    for r in started:
        try:
            common.call(f"CodeDeploy StopDeployment {r['deploymentId']}", cd.stop_deployment,
                        deploymentId=r["deploymentId"], autoRollbackEnabled=True)
            stopped.append(f"{r['functionName']} ({r['deploymentId']})")
        except (AwsApiError, common.ThrottledError) as e:
            failed.append(f"{r['functionName']} ({r['deploymentId']}): {e}")
    return stopped, failed


def _rollback_alias(f: FunctionRelease, current: str, region: str) -> None:
    """A rollback execution: put the alias on the target version at once, without CodeDeploy."""
    lam = common.client("lambda", region)
    common.call(f"Lambda UpdateAlias {f.function_name}:{f.alias}", lam.update_alias,
                FunctionName=f.function_name, Name=f.alias, FunctionVersion=f.target_version,
                RoutingConfig={"AdditionalVersionWeights": {}})
    logger.warning("rollback execution: alias moved with UpdateAlias (no CodeDeploy deployment, no hooks, "
                   "no deployment group alarms)",
                   extra={"function": f.function_name, "from": current, "to": f.target_version,
                          "skipped_hooks": f.hooks})


def _record(f: FunctionRelease) -> dict[str, Any]:
    """What the shift's output says about a function (the bake reads it back)."""
    return {"functionName": f.function_name, "alias": f.alias, "targetVersion": f.target_version,
            "application": f.application, "deploymentGroup": f.deployment_group}


def start(event: Mapping[str, Any]) -> dict[str, Any]:
    shift = common.parse(ShiftInput.from_json, event)
    ctx = event.get("context")
    if not isinstance(ctx, Mapping) or not isinstance(ctx.get("rollback"), bool):
        raise InvalidInputError("shift state has no context.rollback; the context task must run first")
    rollback = ctx["rollback"]
    manifest = common.manifest(event)
    cd = common.client("codedeploy", shift.region)
    functions: list[dict[str, Any]] = []
    started: list[dict[str, Any]] = []
    for f in manifest.functions:
        config = ALL_AT_ONCE_CONFIG if rollback else f.deployment_config
        try:
            if rollback:
                # A deployment still shifting this alias (say the one that failed the stage) would fight
                # the rollback: stop it first, then move the alias whatever its split.
                stopped = _stop_active(f, shift.region)
                current, weights = _read_alias(f, shift.region, allow_split=True)
            else:
                stopped, (current, weights) = [], (current_version(f, shift.region), {})
            record: dict[str, Any] = {**_record(f), "previousVersion": current,
                                      "changed": current != f.target_version or bool(weights), "deploymentId": ""}
            if stopped:
                record["stoppedDeployments"] = stopped
            if record["changed"] and rollback:
                _rollback_alias(f, current, shift.region)
            elif record["changed"]:
                out = common.call(
                    f"CodeDeploy CreateDeployment {f.application}/{f.deployment_group}", cd.create_deployment,
                    applicationName=f.application, deploymentGroupName=f.deployment_group,
                    deploymentConfigName=config,
                    description=f"seawall {shift.pipeline.name} {shift.pipeline.execution_id} "
                                f"{shift.target.name}: {current} -> {f.target_version}"[:100],
                    revision={"revisionType": "AppSpecContent",
                              "appSpecContent": {"content": app_spec(f, current)}},
                )
                deployment_id = out.get("deploymentId")
                if not isinstance(deployment_id, str) or not deployment_id:
                    raise AwsApiError(f"CodeDeploy CreateDeployment {f.application}/{f.deployment_group} returned "
                                      f"deploymentId={deployment_id!r}: the shift cannot follow a deployment "
                                      f"without its ID")
                record["deploymentId"] = deployment_id
                started.append(record)
                logger.info("deployment started", extra={"function": f.function_name, "from": current,
                                                          "to": f.target_version, "config": config,
                                                          "deployment": out["deploymentId"],
                                                          "hooks": [next(iter(h)) for h in f.hooks]})
            else:
                logger.info("alias already on the target version; left alone",
                            extra={"function": f.function_name, "version": current})
        except Exception as e:
            if not started:
                raise  # nothing started: a retry (throttling) starts from scratch, anything else fails
            stopped, unstoppable = _stop_started(cd, started)
            message = (f"shift for {shift.target.name} failed while starting {f.function_name}: {e}; "
                       f"stopped the deployments already started, with CodeDeploy's automatic rollback: "
                       f"{', '.join(stopped) or 'none'}")
            if unstoppable:
                message += f"; could NOT stop {unstoppable}: stop them by hand"
            logger.error(message)
            raise ShiftStartFailedError(message) from e
        functions.append(record)
    configs = ", ".join(sorted({f.deployment_config for f in manifest.functions}))
    return {"deploymentConfig": "UpdateAlias" if rollback else configs, "functions": functions,
            "pending": bool(started)}


def _started(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The start task's result, checked: a record for every function of the manifest, and a deployment ID for
    every function it changed -- otherwise a missing deployment would read as one that succeeded."""
    started = event.get("shift")
    if not isinstance(started, Mapping) or not isinstance(started.get("functions"), list):
        raise InvalidInputError("shift state has no shift.functions; the start task must run first")
    records = started["functions"]
    if not records:
        raise InvalidInputError("shift.functions=[] lists no function: the start task records every function of "
                                "the target's manifest, so the shift cannot tell what it moved; re-run the stage")
    for i, r in enumerate(records):
        if not isinstance(r, Mapping) or not isinstance(r.get("functionName"), str) \
                or not isinstance(r.get("changed"), bool):
            raise InvalidInputError(f"shift.functions[{i}]={r!r} must carry functionName and a boolean changed, "
                                    f"as the start task records them")
        deployment_id = r.get("deploymentId")
        if r["changed"] and (not isinstance(deployment_id, str) or not deployment_id):
            raise InvalidInputError(
                f"shift.functions[{i}] ({r['functionName']}) changed but has deploymentId={deployment_id!r}: the "
                f"shift cannot tell whether its CodeDeploy deployment succeeded; re-run the stage")
    recorded = {r["functionName"] for r in records}
    missing = [f.function_name for f in common.manifest(event).functions if f.function_name not in recorded]
    if missing:
        raise InvalidInputError(f"shift.functions has no record of {missing}, which the target's manifest "
                                f"releases; re-run the stage")
    return started


def status(event: Mapping[str, Any]) -> dict[str, Any]:
    shift = common.parse(ShiftInput.from_json, event)
    started = _started(event)
    cd = common.client("codedeploy", shift.region)
    states: dict[str, dict[str, Any]] = {}
    for r in started["functions"]:
        if not r.get("deploymentId"):
            continue
        info = common.call(f"CodeDeploy GetDeployment {r['deploymentId']}", cd.get_deployment,
                           deploymentId=r["deploymentId"])["deploymentInfo"]
        states[r["functionName"]] = info
    failed = {fn: i for fn, i in states.items() if i.get("status") in FAILED}
    if failed:
        records = {r["functionName"]: r for r in started["functions"]}
        message = _fail_siblings(shift.target.name, shift.region, cd, states, failed, records)
        logger.error(message)
        return {"state": "FAILED", "message": message}
    if any(i.get("status") != "Succeeded" for i in states.values()):
        return {"state": "IN_PROGRESS", "message": ", ".join(f"{fn}: {i.get('status')}" for fn, i in states.items())}
    return {"state": "SUCCEEDED", "message": f"shift for {shift.target.name} succeeded"}


def _revert_alias(record: Mapping[str, Any], region: str) -> None:
    """Put a function whose deployment succeeded back on its previous version (routing cleared)."""
    lam = common.client("lambda", region)
    common.call(f"Lambda UpdateAlias {record['functionName']}:{record['alias']}", lam.update_alias,
                FunctionName=record["functionName"], Name=record["alias"],
                FunctionVersion=str(record["previousVersion"]), RoutingConfig={"AdditionalVersionWeights": {}})


def _fail_siblings(target: str, region: str, cd: Any, states: Mapping[str, Mapping[str, Any]],
                   failed: Mapping[str, Mapping[str, Any]], records: Mapping[str, Mapping[str, Any]]) -> str:
    """One deployment failed: stop the running siblings, put the succeeded ones back; the failure's cause.

    CodeDeploy rolls back a failed or stopped deployment itself (the deployment group's automatic
    rollback); a sibling that already *succeeded* is done as far as CodeDeploy is concerned, so its alias
    is moved back to its previous version here.  Every error is collected, so one does not leave the
    remaining siblings on the new version.
    """
    stopped, reverted, problems = [], [], []
    for fn, i in states.items():
        status_ = i.get("status")
        try:
            if status_ in RUNNING:
                logger.warning("stopping sibling deployment", extra={"function": fn, "deployment": i["deploymentId"]})
                common.call(f"CodeDeploy StopDeployment {i['deploymentId']}", cd.stop_deployment,
                            deploymentId=i["deploymentId"], autoRollbackEnabled=True)
                stopped.append(f"{fn} ({i['deploymentId']})")
            elif status_ == "Succeeded":
                r = records[fn]
                logger.warning("reverting sibling that already succeeded",
                               extra={"function": fn, "from": r.get("targetVersion"), "to": r["previousVersion"]})
                _revert_alias(r, region)
                reverted.append(f"{fn} ({r.get('targetVersion')} -> {r['previousVersion']})")
        except (AwsApiError, common.ThrottledError) as e:
            action = "stop" if status_ in RUNNING else "revert"
            problems.append(f"could NOT {action} {fn}: {e}")
    reasons = []
    for fn, i in failed.items():
        err = i.get("errorInformation") or {}
        reasons.append(f"{fn}: deployment {i['deploymentId']} {i['status']}"
                       + (f" ({err.get('code', '')}: {err.get('message', '')})" if err else ""))
    message = (f"shift for {target} failed: " + "; ".join(reasons)
               + "; CodeDeploy rolls back the failed or stopped deployment(s) (automatic rollback of the "
                 "deployment group)")
    if stopped:
        message += f"; stopped the deployments still running, with automatic rollback: {', '.join(stopped)}"
    if reverted:
        message += (f"; put the functions whose deployment had already succeeded back on their previous "
                    f"version with UpdateAlias: {', '.join(reverted)}")
    if problems:
        message += "; " + "; ".join(problems) + ": fix these aliases by hand"
    return message


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def start_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return start(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def status_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return status(event)
