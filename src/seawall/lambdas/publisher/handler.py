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

It waits for the function to be ``Active`` with its last update
``Successful`` before publishing, and for the new version to be ``Active``
(SnapStart takes a snapshot first); it retries an update in progress and a
new IAM grant that has not reached Lambda yet; and it always answers
CloudFormation before Lambda's timeout, FAILED with the reason if it must
give up, in a body within CloudFormation's 4,096 bytes.

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

#: How often to look again while the function updates, a version activates or a new grant propagates.
POLL_SECONDS = 5
#: The handler answers FAILED this long before Lambda would stop it, so CloudFormation never waits for its
#: timeout ("The default value is 3600 seconds (1 hour)",
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html, ServiceTimeout).
RESPONSE_MARGIN_SECONDS = 30
#: The whole budget when Lambda gives no context (a test): well under the function's 15-minute timeout.
DEFAULT_BUDGET_SECONDS = 600
#: CloudFormation's limit on the response body: "The total size of the response body can't exceed 4096 bytes"
#: (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
MAX_RESPONSE_BYTES = 4096

#: The boto3 session the handler's clients come from (the simulation replaces it).
SESSION: Any = boto3.session.Session()
#: What sends the response to CloudFormation's pre-signed URL (the simulation replaces it).
OPEN: Any = urllib.request.urlopen
#: How the handler waits between polls (the simulation replaces it with its clock).
SLEEP: Any = time.sleep
#: What the handler reads the time from (the simulation replaces it with its clock).
CLOCK: Any = time.monotonic

_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"})

#: Errors that pass: the function is still updating ("While the update is in progress, you can't modify the
#: function", https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html), or the publisher's new
#: grant has not reached Lambda yet (IAM changes are eventually consistent: "while the changes will show up
#: right away if we were to call an API to describe that policy/role, the updates may not have actually
#: propagated", aws/aws-cdk#29908; the grant is created just before this resource, aws/aws-cdk#37675).
_TRANSIENT = frozenset({"ResourceConflictException", "AccessDeniedException", "AccessDenied"})


class PublishError(Exception):
    """The version could not be published or the alias could not be read or created."""


class _Deadline:
    """When the handler must stop trying and answer, from Lambda's remaining time."""

    def __init__(self, context: Any) -> None:
        remaining = (context.get_remaining_time_in_millis() / 1000 if context is not None
                     and hasattr(context, "get_remaining_time_in_millis") else DEFAULT_BUDGET_SECONDS)
        self.until = CLOCK() + max(0.0, remaining - RESPONSE_MARGIN_SECONDS)

    def wait(self, what: str) -> None:
        """Sleep one poll, or fail when the next poll would pass the deadline."""
        if CLOCK() + POLL_SECONDS > self.until:
            raise PublishError(f"gave up waiting: {what}")
        SLEEP(POLL_SECONDS)


def _lambda() -> Any:
    return SESSION.client("lambda", config=_CONFIG)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _call(deadline: _Deadline, what: str, fn: Any, **params: Any) -> Any:
    """Call `fn`, retrying the transient errors above until the deadline."""
    while True:
        try:
            return fn(**params)
        except Exception as e:
            if _code(e) not in _TRANSIENT:
                raise
            deadline.wait(f"{what} kept failing with {_code(e)}: {e}")


def _wait_until(deadline: _Deadline, lam: Any, function_name: str, qualifier: str | None = None) -> None:
    """Wait until the function (or one version) is ``Active`` with its last update ``Successful``.

    A new function starts ``Pending``; an updated one is ``InProgress`` until the update finishes; a
    published version, with SnapStart, is ``Pending`` while Lambda takes its snapshot
    (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
    """
    params = {"FunctionName": function_name, **({"Qualifier": qualifier} if qualifier else {})}
    label = f"{function_name}:{qualifier}" if qualifier else function_name
    while True:
        config = _call(deadline, f"GetFunctionConfiguration {label}", lam.get_function_configuration, **params)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
        if state == "Failed" or update == "Failed":
            raise PublishError(f"{label} is {state}, last update {update}: "
                               f"{config.get('StateReason') or config.get('LastUpdateStatusReason') or 'no reason'}")
        if state == "Active" and update == "Successful":
            return
        deadline.wait(f"{label} stayed {state} / {update}")


def _publish(deadline: _Deadline, lam: Any, function_name: str) -> str:
    _wait_until(deadline, lam, function_name)
    version = str(_call(deadline, f"PublishVersion {function_name}", lam.publish_version,
                        FunctionName=function_name)["Version"])
    _wait_until(deadline, lam, function_name, version)
    return version


def _ensure_alias(deadline: _Deadline, lam: Any, function_name: str, alias_name: str, version: str) -> str:
    """Create the alias on `version` unless it exists; return the version it points at."""
    label = f"{function_name}:{alias_name}"
    try:
        return str(_call(deadline, f"GetAlias {label}", lam.get_alias, FunctionName=function_name,
                         Name=alias_name)["FunctionVersion"])
    except Exception as e:
        if _code(e) != "ResourceNotFoundException":
            raise
    try:
        lam.create_alias(FunctionName=function_name, Name=alias_name, FunctionVersion=version,
                         Description="Seawall: created once on the first published version; moved only by "
                                     "Seawall's release state machines")
    except Exception as e:
        if _code(e) not in _TRANSIENT:
            raise
        # created meanwhile (adopt it as it is), or the grant is still propagating (look again)
        return _ensure_alias(deadline, lam, function_name, alias_name, version)
    return version


def _properties(event: dict[str, Any]) -> tuple[str, str]:
    props = event.get("ResourceProperties") or {}
    function_name, alias_name = props.get(FUNCTION_NAME), props.get(ALIAS_NAME)
    if not isinstance(function_name, str) or not function_name:
        raise PublishError(f"ResourceProperties.{FUNCTION_NAME}={function_name!r} must name the function")
    if not isinstance(alias_name, str) or not alias_name:
        raise PublishError(f"ResourceProperties.{ALIAS_NAME}={alias_name!r} must name the alias")
    return function_name, alias_name


def on_event(event: dict[str, Any], context: Any = None) -> tuple[str, dict[str, str]]:
    """Carry out one CloudFormation request; return ``(physical resource ID, attributes)``."""
    request = event.get("RequestType")
    if request == "Delete":
        return str(event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "deleted"), {}
    if request not in ("Create", "Update"):
        raise PublishError(f"RequestType={request!r} is not Create, Update or Delete")
    function_name, alias_name = _properties(event)
    deadline = _Deadline(context)
    lam = _lambda()
    version = _publish(deadline, lam, function_name)
    alias_version = _ensure_alias(deadline, lam, function_name, alias_name, version)
    function_arn = str(_call(deadline, f"GetFunctionConfiguration {function_name}", lam.get_function_configuration,
                             FunctionName=function_name)["FunctionArn"])
    physical_id = (str(event["PhysicalResourceId"]) if request == "Update" and event.get("PhysicalResourceId")
                   else f"{function_arn}:{alias_name}")
    return physical_id, {"Version": version, "FunctionArn": function_arn,
                         "AliasArn": f"{function_arn}:{alias_name}", "AliasVersionAtCreate": alias_version}


def _respond(event: dict[str, Any], status: str, physical_id: str, data: dict[str, str], reason: str) -> None:
    """PUT the response to CloudFormation's pre-signed URL (the format of
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html)."""
    fields = {"Status": status, "Reason": "", "PhysicalResourceId": physical_id, "StackId": event.get("StackId"),
              "RequestId": event.get("RequestId"), "LogicalResourceId": event.get("LogicalResourceId"),
              "NoEcho": False, "Data": data}
    room = MAX_RESPONSE_BYTES - len(json.dumps(fields).encode())
    escaped = len(json.dumps(reason).encode()) - 2  # the reason's bytes in the body, quotes aside
    if escaped > room:  # cut in proportion to the escaping, then by a little more until it fits
        reason = reason[: len(reason) * max(room, 0) // escaped]
        while reason and len(json.dumps(reason).encode()) - 2 > room:
            reason = reason[:-16]
    body = json.dumps({**fields, "Reason": reason}).encode()
    request = urllib.request.Request(str(event["ResponseURL"]), data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with OPEN(request, timeout=30) as response:
        response.read()


def handler(event: dict[str, Any], context: Any) -> None:
    """Lambda entry point: always answers CloudFormation, SUCCESS or FAILED with the reason."""
    try:
        physical_id, data = on_event(event, context)
    except Exception as e:  # every failure is reported: a silent custom resource hangs the stack for an hour
        fallback = str(event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "failed")
        print(json.dumps({"level": "ERROR", "message": "Seawall version publisher failed", "error": repr(e)}))
        _respond(event, "FAILED", fallback, {}, f"{type(e).__name__}: {e}")
        return
    _respond(event, "SUCCESS", physical_id, data, "")
