"""Shift tasks: start one CodeDeploy deployment per changed function, then follow them.

``start`` reads each alias's *actual* version (``GetAlias``), leaves functions
already on their target version alone, and starts ``CreateDeployment`` with an
AppSpec from that version to the new one, using the step's deployment config
(``CodeDeployDefault.LambdaAllAtOnce`` on a rollback execution).  Its result
records every function's previous version; the shift's execution output
carries it to the bake.

A function's traffic hooks (``preTrafficHook`` / ``postTrafficHook`` in the
input) go into the AppSpec's ``Hooks`` section as ``BeforeAllowTraffic`` /
``AfterAllowTraffic``, so CodeDeploy runs them around the traffic shift and
rolls back when one reports ``Failed``.  A rollback execution runs **no**
hooks: it puts back the version that passed them when it shipped, all at once,
and must not be held up by a validation that may fail for the very reason the
stage is rolling back (a dependency down, a broken test fixture).

``status`` reads each deployment (``GetDeployment``): ``SUCCEEDED`` when all
succeeded, ``IN_PROGRESS`` while any runs, ``FAILED`` as soon as one failed
or was stopped -- then the others are stopped with CodeDeploy's automatic
rollback, so no function is left half shifted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.policies import ALL_AT_ONCE_CONFIG
from seawall.model.release import FunctionRelease, parse_shift_input

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


def current_version(f: FunctionRelease, region: str) -> str:
    lam = common.client("lambda", region)
    alias = common.call(f"Lambda GetAlias {f.function_name}:{f.alias}", lam.get_alias,
                        FunctionName=f.function_name, Name=f.alias)
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    if weights:
        raise AwsApiError(
            f"alias {f.function_name}:{f.alias} is split between versions {alias['FunctionVersion']} and "
            f"{sorted(weights)}: another deployment is shifting it; wait for it or stop it, then retry"
        )
    version = str(alias["FunctionVersion"])
    if not version.isdigit():
        raise AwsApiError(f"alias {f.function_name}:{f.alias} points at {version!r}, not a published version")
    return version


def start(event: Mapping[str, Any]) -> dict[str, Any]:
    shift = common.parse(parse_shift_input, event)
    ctx = event.get("context")
    if not isinstance(ctx, Mapping) or not isinstance(ctx.get("rollback"), bool):
        raise InvalidInputError("shift state has no context.rollback; the context task must run first")
    rollback = ctx["rollback"]
    config = ALL_AT_ONCE_CONFIG if rollback else shift.deployment_config
    cd = common.client("codedeploy", shift.region)
    functions: list[dict[str, Any]] = []
    for f in shift.functions:
        current = current_version(f, shift.region)
        record: dict[str, Any] = {**f.to_dict(), "previousVersion": current, "changed": current != f.target_version,
                                  "deploymentId": ""}
        if record["changed"]:
            out = common.call(
                f"CodeDeploy CreateDeployment {f.application}/{f.deployment_group}", cd.create_deployment,
                applicationName=f.application, deploymentGroupName=f.deployment_group,
                deploymentConfigName=config,
                description=f"seawall {shift.pipeline.name} {shift.pipeline.execution_id} "
                            f"{shift.target['name']}: {current} -> {f.target_version}"[:100],
                revision={"revisionType": "AppSpecContent",
                          "appSpecContent": {"content": app_spec(f, current, hooks=not rollback)}},
            )
            record["deploymentId"] = out["deploymentId"]
            hooks = [] if rollback else [next(iter(h)) for h in f.hooks]
            logger.info("deployment started", extra={"function": f.function_name, "from": current,
                                                      "to": f.target_version, "config": config,
                                                      "deployment": out["deploymentId"], "hooks": hooks})
            if rollback and f.hooks:
                logger.info("rollback execution: traffic hooks not run",
                            extra={"function": f.function_name, "skipped_hooks": f.hooks})
        else:
            logger.info("alias already on the target version; left alone",
                        extra={"function": f.function_name, "version": current})
        functions.append(record)
    return {"deploymentConfig": config, "functions": functions,
            "pending": any(r["changed"] for r in functions)}


def status(event: Mapping[str, Any]) -> dict[str, Any]:
    shift = common.parse(parse_shift_input, event)
    started = event.get("shift")
    if not isinstance(started, Mapping) or not isinstance(started.get("functions"), list):
        raise InvalidInputError("shift state has no shift.functions; the start task must run first")
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
        for fn, i in states.items():
            if i.get("status") in RUNNING:
                logger.warning("stopping sibling deployment", extra={"function": fn, "deployment": i["deploymentId"]})
                common.call(f"CodeDeploy StopDeployment {i['deploymentId']}", cd.stop_deployment,
                            deploymentId=i["deploymentId"], autoRollbackEnabled=True)
        reasons = []
        for fn, i in failed.items():
            err = i.get("errorInformation") or {}
            reasons.append(f"{fn}: deployment {i['deploymentId']} {i['status']}"
                           + (f" ({err.get('code', '')}: {err.get('message', '')})" if err else ""))
        message = (f"shift for {shift.target['name']} failed; CodeDeploy rolled the alias back: "
                   + "; ".join(reasons))
        logger.error(message)
        return {"state": "FAILED", "message": message}
    if any(i.get("status") != "Succeeded" for i in states.values()):
        return {"state": "IN_PROGRESS", "message": ", ".join(f"{fn}: {i.get('status')}" for fn, i in states.items())}
    return {"state": "SUCCEEDED", "message": f"shift for {shift.target['name']} succeeded"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def start_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return start(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def status_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return status(event)
