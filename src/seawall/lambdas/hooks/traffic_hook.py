"""A CodeDeploy traffic hook that smoke-tests the new version and always reports back.

CodeDeploy invokes the hook with a deployment ID and a lifecycle hook
execution ID (Powertools ``CodeDeployLifecycleHookEvent``) and waits until the
hook calls ``PutLifecycleEventHookExecutionStatus``; a hook that never answers
leaves the deployment hanging until it times out. So every path reports:
``Succeeded`` when every check passed, ``Failed`` on any error, including bad
settings and AWS API errors. Only a failure to *report* raises (Lambda then
retries the asynchronous invocation).

Checks: read the deployment's AppSpec (``GetDeployment`` gives its application
and the AppSpec's SHA-256, ``GetApplicationRevision`` its content), and for each
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


def appspec_content(deployment_info: dict[str, Any]) -> str:
    """The deployment's AppSpec, read with ``GetApplicationRevision`` by the SHA-256 ``GetDeployment`` gives.

    GetDeployment never carries the content: "The content property of the appSpecContent object in the
    returned revision is always null. Use GetApplicationRevision and the sha256 property of the returned
    appSpecContent object to get the content of the deployment's AppSpec file."
    (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeployment.html).  The hook does not
    rely on that content; should GetDeployment ever carry it, it must be the content GetApplicationRevision
    holds under the same hash, or the hook fails.  AWS documents ``sha256`` only as "The SHA256 hash value of
    the revision content" (API_AppSpecContent.html), not its encoding, so the hook does not recompute it.

    Raises
    ------
    HookCheckFailed
        The deployment names no application, revision or hash, its revision is not an ``AppSpecContent``
        (what Seawall's shift creates), or the revision holds no content.
    """
    deployment_id = deployment_info.get("deploymentId")
    application = deployment_info.get("applicationName")
    if not application:
        raise HookCheckFailed(f"deployment {deployment_id} names no applicationName; the hook cannot read "
                              f"its AppSpec (GetApplicationRevision needs the application)")
    revision = deployment_info.get("revision")
    if not isinstance(revision, dict) or not revision:
        raise HookCheckFailed(f"deployment {deployment_id} carries no revision; the hook cannot read its AppSpec")
    if revision.get("revisionType") != "AppSpecContent":
        raise HookCheckFailed(f"deployment {deployment_id} has revisionType {revision.get('revisionType')!r}; "
                              f"the hook reads AppSpecContent revisions, which Seawall's shift creates")
    listed = revision.get("appSpecContent") or {}
    sha = listed.get("sha256")
    if not sha:
        raise HookCheckFailed(f"deployment {deployment_id} gives no revision.appSpecContent.sha256; the hook "
                              f"cannot read its AppSpec (GetApplicationRevision finds the content by that hash)")
    found = _codedeploy().get_application_revision(
        applicationName=application, revision={"revisionType": "AppSpecContent", "appSpecContent": {"sha256": sha}})
    content = ((found.get("revision") or {}).get("appSpecContent") or {}).get("content")
    if not content:
        raise HookCheckFailed(f"GetApplicationRevision returned no AppSpec content for application "
                              f"{application!r}, sha256 {sha!r} (deployment {deployment_id})")
    if listed.get("content") and listed["content"] != content:
        raise HookCheckFailed(f"deployment {deployment_id} carries AppSpec content that is not the revision "
                              f"{application!r} holds under sha256 {sha!r}")
    return str(content)


def appspec_functions(content: str) -> list[dict[str, str]]:
    """The Lambda functions of an AppSpec (JSON): Name, Alias, CurrentVersion, TargetVersion."""
    try:
        appspec = json.loads(content)
    except ValueError as err:
        raise HookCheckFailed(f"the AppSpec is not JSON (Seawall's shift writes JSON): {err}") from err
    if not isinstance(appspec, dict):
        raise HookCheckFailed(f"the AppSpec is a JSON {type(appspec).__name__}, not an object with Resources")
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
    for fn in appspec_functions(appspec_content(info)):
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
