"""STS's AssumeRole and EventBridge's PutEvents, as far as a release touches them.

``AssumeRole`` answers credentials that sign as the role's account (the
bridge maps them back), valid for the requested duration on the simulated
clock; a role that no stack of the world created is refused as IAM refuses
it.  ``PutEvents`` is captured, never delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from .botocore_bridge import AwsError, FakeAws, dispatch
from .citations import Citation, cites

_ASSUME = Citation(
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
    "Returns a set of temporary security credentials that you can use to access AWS resources.")
_DURATION = Citation(
    "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
    "By default, the value is set to 3600 seconds.")
_PUT_EVENTS = Citation(
    "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html",
    "Sends custom events to Amazon EventBridge so that they can be matched to rules.")
_PUT_EVENTS_ENTRIES = Citation(
    "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html",
    "Entries: The entry that defines an event in your system. Array Members: Minimum number of 1 item. Maximum "
    "number of 10 items.")


class FakeSts:
    """STS for a simulated world; `role_exists(arn)` says whether a stack created that role."""

    def __init__(self, aws: FakeAws, role_exists: Callable[[str], bool]) -> None:
        self.aws, self.role_exists = aws, role_exists
        #: Every role assumed: (simulated seconds, caller's account, role ARN).
        self.assumed: list[tuple[float, str, str]] = []

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "STS", operation, params, account, region)

    @cites(_ASSUME, _DURATION)
    def _op_AssumeRole(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        arn = str(p["RoleArn"])
        parts = arn.split(":")
        if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/") or not self.role_exists(arn):
            raise AwsError("AccessDenied", f"User: arn:aws:sts::{account}:assumed-role/caller is not authorized to "
                                           f"perform: sts:AssumeRole on resource: {arn}", 403)
        seconds = int(p.get("DurationSeconds", 3600))
        creds = self.aws.credentials(parts[4], arn)
        self.assumed.append((self.aws.clock.seconds, account, arn))
        return {"Credentials": {**creds, "Expiration": self.aws.clock.now() + timedelta(seconds=seconds)},
                "AssumedRoleUser": {"AssumedRoleId": f"AROASIMULATED:{p['RoleSessionName']}",
                                    "Arn": f"arn:aws:sts::{parts[4]}:assumed-role/{parts[5][5:]}/"
                                           f"{p['RoleSessionName']}"}}


class FakeEvents:
    """EventBridge ``PutEvents``: every entry captured with its moment, nothing delivered."""

    def __init__(self, aws: FakeAws) -> None:
        self.aws = aws
        #: (simulated seconds, account, region, entry) of every event put.
        self.events: list[tuple[float, str, str, dict[str, Any]]] = []

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "EventBridge", operation, params, account, region)

    @cites(_PUT_EVENTS, _PUT_EVENTS_ENTRIES)
    def _op_PutEvents(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        entries = list(p["Entries"])
        if not 1 <= len(entries) <= 10:
            raise AwsError("ValidationException", f"PutEvents takes 1 to 10 entries, got {len(entries)}", 400)
        out = []
        for entry in entries:
            self.events.append((self.aws.clock.seconds, account, region, dict(entry)))
            out.append({"EventId": f"sim-{len(self.events):08d}"})
        return {"FailedEntryCount": 0, "Entries": out}
