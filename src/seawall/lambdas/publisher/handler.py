"""The custom resource behind ``SafeLambdaDeployment``: publish a version, create the alias once.

One ``Custom::SeawallVersion`` resource per function replaces both CDK's
``currentVersion`` (an ``AWS::Lambda::Version`` whose logical ID follows the
code) and a separate "initial" version for the alias.  CloudFormation's own
Version resource cannot be used twice on unchanged code: Lambda "doesn't
publish a version if the function's configuration and code haven't changed
since the last version" (https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html),
and CloudFormation then fails the second Version resource with "A version for
this Lambda function exists ( N ). Modify the function to create a new
version" (serverless/serverless#6349, #8251; aws-cdk#18797, #28252).  The same
failure follows any deploy that gives the Version resource a new logical ID
while Lambda sees no change (a CDK upgrade, a feature flag), and then the stack
rollback fails the same way.  This handler is idempotent instead:

* **Create / Update**: wait until the function's last update finished, call
  ``PublishVersion`` (which returns the latest version unchanged when nothing
  changed, so an unchanged function, a renamed resource or a re-applied old
  template never fails), then create the alias on that version **only if the
  alias does not exist**.  An existing alias is adopted as it is and never
  re-pointed: Seawall's shift owns it from then on.
* **Delete**: nothing.  Versions are retained (a revert target must survive a
  deploy) and the alias stays with its function; Lambda deletes both with the
  function ("Deleting a function also deletes its versions and aliases",
  https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html).  A
  Delete for a replaced or renamed resource therefore never removes an alias
  another resource adopted.

The physical ID never changes on Update, so CloudFormation never treats an
update as a replacement ("If the value returned is different, CloudFormation
recognizes the update as a replacement and sends a delete request to the old
resource", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html).

The module imports only the standard library and boto3, which every Lambda
Python runtime includes: the asset is this file alone.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

#: Resource properties the handler reads.
FUNCTION_NAME = "FunctionName"
ALIAS_NAME = "AliasName"

#: How long to wait for the function's previous update to finish before publishing.
UPDATE_WAIT_SECONDS = 600
#: How often to look, and how often to retry a publish that collides with an update in progress.
POLL_SECONDS = 5

#: The boto3 session the handler's clients come from (the simulation replaces it).
SESSION: Any = boto3.session.Session()
#: What sends the response to CloudFormation's pre-signed URL (the simulation replaces it).
OPEN: Any = urllib.request.urlopen
#: How the handler waits between polls (the simulation replaces it with its clock).
SLEEP: Any = time.sleep

_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 5, "mode": "standard"})


class PublishError(Exception):
    """The version could not be published or the alias could not be read or created."""


def _lambda() -> Any:
    return SESSION.client("lambda", config=_CONFIG)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _wait_for_update(lam: Any, function_name: str) -> None:
    """Wait while ``LastUpdateStatus`` is ``InProgress``; fail on ``Failed``.

    "While the update is in progress, you can't modify the function"
    (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html); publishing then answers
    ResourceConflictException.
    """
    waited = 0
    while True:
        config = lam.get_function_configuration(FunctionName=function_name)
        status = config.get("LastUpdateStatus", "Successful")
        if status == "Successful" and config.get("State", "Active") != "Pending":
            return
        if status == "Failed":
            raise PublishError(f"function {function_name}'s last update failed "
                               f"({config.get('LastUpdateStatusReason', 'no reason given')}); nothing was published")
        if waited >= UPDATE_WAIT_SECONDS:
            raise PublishError(f"function {function_name} was still updating after {UPDATE_WAIT_SECONDS} s")
        SLEEP(POLL_SECONDS)
        waited += POLL_SECONDS


def _publish(lam: Any, function_name: str) -> str:
    waited = 0
    while True:
        _wait_for_update(lam, function_name)
        try:
            return str(lam.publish_version(FunctionName=function_name)["Version"])
        except Exception as e:
            if _code(e) != "ResourceConflictException" or waited >= UPDATE_WAIT_SECONDS:
                raise
        SLEEP(POLL_SECONDS)
        waited += POLL_SECONDS


def _ensure_alias(lam: Any, function_name: str, alias_name: str, version: str) -> str:
    """Create the alias on `version` unless it exists; return the version it points at."""
    try:
        return str(lam.get_alias(FunctionName=function_name, Name=alias_name)["FunctionVersion"])
    except Exception as e:
        if _code(e) != "ResourceNotFoundException":
            raise
    try:
        lam.create_alias(FunctionName=function_name, Name=alias_name, FunctionVersion=version,
                         Description="Seawall: created once on the first published version; moved only by "
                                     "Seawall's release state machines")
    except Exception as e:
        if _code(e) != "ResourceConflictException":  # created meanwhile: adopt it as it is
            raise
        return str(lam.get_alias(FunctionName=function_name, Name=alias_name)["FunctionVersion"])
    return version


def _properties(event: dict[str, Any]) -> tuple[str, str]:
    props = event.get("ResourceProperties") or {}
    function_name, alias_name = props.get(FUNCTION_NAME), props.get(ALIAS_NAME)
    if not isinstance(function_name, str) or not function_name:
        raise PublishError(f"ResourceProperties.{FUNCTION_NAME}={function_name!r} must name the function")
    if not isinstance(alias_name, str) or not alias_name:
        raise PublishError(f"ResourceProperties.{ALIAS_NAME}={alias_name!r} must name the alias")
    return function_name, alias_name


def on_event(event: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Carry out one CloudFormation request; return ``(physical resource ID, attributes)``."""
    request = event.get("RequestType")
    if request == "Delete":
        return str(event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "deleted"), {}
    if request not in ("Create", "Update"):
        raise PublishError(f"RequestType={request!r} is not Create, Update or Delete")
    function_name, alias_name = _properties(event)
    lam = _lambda()
    version = _publish(lam, function_name)
    alias_version = _ensure_alias(lam, function_name, alias_name, version)
    function_arn = str(lam.get_function_configuration(FunctionName=function_name)["FunctionArn"])
    physical_id = (str(event["PhysicalResourceId"]) if request == "Update" and event.get("PhysicalResourceId")
                   else f"{function_arn}:{alias_name}")
    return physical_id, {"Version": version, "FunctionArn": function_arn,
                         "AliasArn": f"{function_arn}:{alias_name}", "AliasVersionAtCreate": alias_version}


def _respond(event: dict[str, Any], status: str, physical_id: str, data: dict[str, str], reason: str) -> None:
    """PUT the response to CloudFormation's pre-signed URL (the format of
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html)."""
    body = json.dumps({
        "Status": status, "Reason": reason[:3000], "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"), "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"), "NoEcho": False, "Data": data,
    }).encode()
    request = urllib.request.Request(str(event["ResponseURL"]), data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with OPEN(request, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point: always answers CloudFormation, SUCCESS or FAILED with the reason."""
    try:
        physical_id, data = on_event(event)
    except Exception as e:  # every failure is reported: a silent custom resource hangs the stack for an hour
        fallback = str(event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "failed")
        print(json.dumps({"level": "ERROR", "message": "Seawall version publisher failed", "error": repr(e)}))
        _respond(event, "FAILED", fallback, {}, f"{type(e).__name__}: {e}")
        return
    _respond(event, "SUCCESS", physical_id, data, "")
