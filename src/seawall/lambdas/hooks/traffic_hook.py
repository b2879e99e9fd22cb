"""A CodeDeploy traffic hook that smoke-tests the new version and always reports back.

CodeDeploy invokes the hook with a deployment ID and a lifecycle hook
execution ID (Powertools ``CodeDeployLifecycleHookEvent``) and waits until the
hook calls ``PutLifecycleEventHookExecutionStatus``; a hook that never answers
leaves the deployment hanging until it times out. So every path reports:
``Succeeded`` when every check passed, ``Failed`` on any error, including bad
settings and AWS API errors. Only a failure to *report* raises (Lambda then
retries the asynchronous invocation).

Checks: read the deployment's AppSpec (``GetDeployment``), and for each
function in it invoke ``<function>:<TargetVersion>`` with the configured
payload (``SEAWALL_SMOKE_PAYLOAD``, a JSON document; without one the hook
fails: it would otherwise pass a version it never ran). A function error or an
invocation error fails the hook. Functions not named in
``SEAWALL_TARGET_FUNCTIONS`` (comma-separated names) fail the hook too: the
hook only tests what it was deployed for.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CodeDeployLifecycleHookEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "seawall-traffic-hook"))

SUCCEEDED = "Succeeded"
FAILED = "Failed"


class HookCheckFailed(Exception):
    """A check of the new version failed; the hook reports Failed."""


@cache
def _codedeploy() -> Any:
    return boto3.client("codedeploy")


@cache
def _lambda() -> Any:
    return boto3.client("lambda")


def settings() -> tuple[frozenset[str], bytes]:
    """Allowed target functions and the smoke-test payload, from the environment."""
    targets = frozenset(n.strip() for n in os.environ.get("SEAWALL_TARGET_FUNCTIONS", "").split(",") if n.strip())
    if not targets:
        raise HookCheckFailed("SEAWALL_TARGET_FUNCTIONS is empty; the hook does not know which function it tests")
    raw = os.environ.get("SEAWALL_SMOKE_PAYLOAD")
    if raw is None:
        raise HookCheckFailed("SEAWALL_SMOKE_PAYLOAD is not set: without a payload the hook would invoke nothing "
                              "and pass a version it never ran; give SmokeTestHook a payload and redeploy")
    try:
        json.loads(raw)
    except ValueError as err:
        raise HookCheckFailed(f"SEAWALL_SMOKE_PAYLOAD is not JSON: {err}") from err
    return targets, raw.encode()


def appspec_functions(deployment_info: dict[str, Any]) -> list[dict[str, str]]:
    """The Lambda functions of a deployment's AppSpec: Name, Alias, CurrentVersion, TargetVersion."""
    revision = deployment_info.get("revision") or {}
    content = (revision.get("appSpecContent") or revision.get("string") or {}).get("content")
    if not content:
        raise HookCheckFailed(f"deployment {deployment_info.get('deploymentId')} carries no AppSpec content")
    try:
        appspec = json.loads(content)
    except ValueError as err:
        raise HookCheckFailed(f"the AppSpec is not JSON (Seawall's shift writes JSON): {err}") from err
    functions = []
    for resource in appspec.get("Resources", []):
        for spec in resource.values():
            if spec.get("Type") == "AWS::Lambda::Function":
                props = spec.get("Properties", {})
                keys = ("Name", "Alias", "CurrentVersion", "TargetVersion")
                functions.append({k: str(props.get(k, "")) for k in keys})
    if not functions:
        raise HookCheckFailed("the AppSpec names no AWS::Lambda::Function resource")
    return functions


def check_deployment(deployment_id: str) -> list[str]:
    """Run every check; return what was checked. Raises HookCheckFailed on the first failure."""
    targets, payload = settings()
    info = _codedeploy().get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    checked = []
    for fn in appspec_functions(info):
        if fn["Name"] not in targets:
            raise HookCheckFailed(f"function {fn['Name']!r} is not one this hook tests ({sorted(targets)})")
        if not fn["TargetVersion"]:
            raise HookCheckFailed(f"the AppSpec gives no TargetVersion for {fn['Name']!r}")
        qualified = f"{fn['Name']}:{fn['TargetVersion']}"
        response = _lambda().invoke(FunctionName=fn["Name"], Qualifier=fn["TargetVersion"],
                                    InvocationType="RequestResponse", Payload=payload)
        body = response["Payload"].read() if hasattr(response.get("Payload"), "read") else b""
        if response.get("FunctionError"):
            raise HookCheckFailed(f"{qualified} failed the smoke test ({response['FunctionError']}): "
                                  f"{body[:500]!r}")
        logger.info("smoke test passed", extra={"function": qualified, "status": response.get("StatusCode")})
        checked.append(qualified)
    return checked


def report(event: CodeDeployLifecycleHookEvent, status: str) -> None:
    _codedeploy().put_lifecycle_event_hook_execution_status(
        deploymentId=event.deployment_id,
        lifecycleEventHookExecutionId=event.lifecycle_event_hook_execution_id,
        status=status,
    )
    logger.info("reported hook status", extra={"deployment_id": event.deployment_id, "status": status})


def run(event: CodeDeployLifecycleHookEvent) -> dict[str, Any]:
    """Check, then report the result to CodeDeploy whatever happened."""
    status, detail = FAILED, ""
    try:
        checked = check_deployment(event.deployment_id)
        status, detail = SUCCEEDED, f"checked {', '.join(checked)}"
    except HookCheckFailed as err:
        detail = str(err)
        logger.error("traffic hook check failed", extra={"reason": detail})
    except Exception as err:  # noqa: BLE001 - any error must still be reported as Failed
        detail = f"{type(err).__name__}: {err}"
        logger.exception("traffic hook raised")
    finally:
        report(event, status)
    return {"status": status, "detail": detail}


@logger.inject_lambda_context
@event_source(data_class=CodeDeployLifecycleHookEvent)
def handler(event: CodeDeployLifecycleHookEvent, context: LambdaContext) -> dict[str, Any]:
    return run(event)
