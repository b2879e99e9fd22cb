"""The contract between the pipeline and the release state machines: one dataclass per document.

Every document a release state machine reads has one class here, with
``to_json()`` on the side that writes it and ``from_json()`` on the side that
reads it.  ``to_json()`` returns a JSON-ready ``dict``; on the pipeline side
its values may be CodePipeline ``#{...}`` placeholders (substituted at run
time) or, for a stack output, CDK tokens.  ``from_json()`` (the Lambda side)
accepts a ``dict`` or a JSON string, validates every field once, refuses an
unsubstituted ``#{...}`` placeholder, and raises ``ValueError`` naming the bad
field.  This module is pure: no ``aws_cdk``, no ``boto3``.

========================  ==================================  =======================================
document                  written by                          read by
========================  ==================================  =======================================
:class:`GateInput`        the pipeline's gate action          the gate machine's context task
:class:`ShiftInput`       the pipeline's shift action         the shift machine's context task
:class:`BakeInput`        the pipeline's bake action          the bake machine's context task
:class:`FunctionRelease`  a service stack output per function  the context task (into the manifest)
:class:`ReleaseManifest`  the context task (from DescribeStacks)  the shift and bake tasks
:class:`TeamSettings`     the team runtime (an environment      the gate and bake tasks
                          variable of the release Lambdas)
========================  ==================================  =======================================

Constant-size action inputs
---------------------------
An action input carries the target, the pipeline execution, the override
variable and, for a shift or bake, the target's *release stacks*: the
physical name of each service stack that has SafeLambdaDeployments and the
``SeawallReleaseToken`` output its deploy action produced in this execution
(``#{<deploy namespace>.SeawallReleaseToken}``).  Nothing grows with the
number of functions or alarms: the context task reads the functions, their
new versions and the service alarms from the stacks themselves
(:func:`manifest_from_stacks`), and refuses a stack whose token is not the
one this execution's deploy produced.  The team's window, org-wide alarms and
gate timing come from :class:`TeamSettings`.

How the bake learns the previous versions
-----------------------------------------
The shift records, per function, the version the alias pointed at before it
started (read from the alias, not assumed).  Its execution output holds that
list.  The bake input carries ``#{<shift namespace>.ExecutionArn}`` and the
bake reads the shift's output with ``DescribeExecution`` (same region and
account: both machines run in the target's).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .limits import MAX_ALARM_NAME, MAX_BAKE_WAIT, MAX_DESCRIBE_ALARM_NAMES, MAX_GATE_WAIT
from .limits import MAX_STEP_FUNCTIONS_ACTION_DURATION as MAX_ACTION_DURATION
from .naming import LAMBDA_ALIAS_NAME, aggregate_alarm_name, check_team
from .policies import (
    HISTORY_BUDGET,
    MAX_SHIFT_DURATION,
    SHIFT_EVENTS_PER_TURN,
    SHIFT_HOOK_ALLOWANCE,
    BakePolicy,
)
from .waves import Target
from .window import TimeWindow

#: 3: constant-size inputs; functions and alarms come from the target's stacks and the team runtime.
SCHEMA_VERSION = 3
GATE_KIND = "seawall.gate"
SHIFT_KIND = "seawall.shift"
BAKE_KIND = "seawall.bake"

#: The pipeline variable, set when an execution starts, that turns on the emergency override.
OVERRIDE_VARIABLE = "SeawallEmergencyOverride"
#: CodePipeline placeholders substituted at run time.
EXECUTION_ID = "#{codepipeline.PipelineExecutionId}"
OVERRIDE = f"#{{variables.{OVERRIDE_VARIABLE}}}"
#: Override values.  Only these two words (any case): ``false``, or ``true`` / ``true: <reason>``.
OVERRIDE_OFF = frozenset({"false"})
OVERRIDE_ON = frozenset({"true"})

#: Stack outputs of a service stack with SafeLambdaDeployments (their keys are the outputs' logical IDs).
#: One per function, each key starting with this prefix; value: :meth:`FunctionRelease.to_json`, compact.
FUNCTION_OUTPUT_PREFIX = "SeawallFunction"
#: The stack's release token: changes whenever any of its functions' published versions changes.
RELEASE_TOKEN_OUTPUT = "SeawallReleaseToken"
#: A JSON list of the stack's service high-severity alarm names.
SERVICE_ALARMS_OUTPUT = "SeawallServiceAlarms"
#: The release Lambdas' environment variable holding :meth:`TeamSettings.to_json`.
TEAM_SETTINGS_ENV = "SEAWALL_TEAM_SETTINGS"

#: The gate's limit by default: the longest it may wait (:data:`seawall.model.limits.MAX_GATE_WAIT`).
DEFAULT_GATE_WAIT = MAX_GATE_WAIT
#: How often a closed gate re-checks the alarms.  A closed window is waited out in one Wait.
DEFAULT_GATE_POLL = timedelta(minutes=10)
MIN_POLL = timedelta(minutes=1)
#: How often the bake checks the aggregate alarm: at most 60 seconds per turn.
BAKE_POLL = timedelta(seconds=60)
#: A Standard workflow execution keeps at most 25,000 history events.  Budget
#: (with margin: HISTORY_BUDGET, from policies) and the events one loop turn costs, per machine.
GATE_EVENTS_PER_TURN = 16
BAKE_EVENTS_PER_TURN = 9
#: The shortest shift poll whose history still holds MAX_SHIFT_DURATION plus the hooks: 30 s.
MIN_SHIFT_POLL = timedelta(seconds=math.ceil(
    (MAX_SHIFT_DURATION + SHIFT_HOOK_ALLOWANCE).total_seconds() * SHIFT_EVENTS_PER_TURN / HISTORY_BUDGET))
MAX_SHIFT_POLL = timedelta(minutes=5)
#: The shift machine's timeout: the longest shift, its hooks, and 2 hours for queueing and the last polls.
SHIFT_TIMEOUT = MAX_SHIFT_DURATION + SHIFT_HOOK_ALLOWANCE + timedelta(hours=2)
#: The shortest bake poll whose history still holds MAX_BAKE_WAIT: 54 s.
MIN_BAKE_POLL = timedelta(seconds=math.ceil(MAX_BAKE_WAIT.total_seconds() * BAKE_EVENTS_PER_TURN / HISTORY_BUDGET))
#: After the bake time, how long the bake keeps waiting for its minimum data points.
DEFAULT_DATA_POINT_GRACE = timedelta(hours=24)
#: Alarm names one DescribeAlarms call takes (:mod:`seawall.model.limits`).
MAX_ALARMS = MAX_DESCRIBE_ALARM_NAMES

_PLACEHOLDER = re.compile(r"#\{[^}]*\}")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")
_ACCOUNT = re.compile(r"[0-9]{12}")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


# ----------------------------------------------------------------------------- helpers


def parse_override(value: object) -> str | None:
    """Read the emergency override variable: the reason when it is on, None when off.

    Off: ``false``.  On: ``true`` or ``true: <reason>`` (case-insensitive,
    surrounding blanks ignored).  Anything else -- ``yes``, ``1``, ``on``, an
    empty value, a typo, an unsubstituted variable -- raises ValueError, so
    the step fails instead of guessing whether to skip the blockers.
    """
    if not isinstance(value, str):
        raise ValueError(f"override={value!r} must be a string such as 'false' or 'true: incident 1234'")
    text = value.strip()
    low = text.lower()
    if low in OVERRIDE_OFF:
        return None
    if low in OVERRIDE_ON:
        return "emergency override (no reason given)"
    head, sep, reason = text.partition(":")
    if sep and head.strip().lower() in OVERRIDE_ON:
        return reason.strip() or "emergency override (no reason given)"
    raise ValueError(
        f"override={value!r} is not understood; the pipeline variable {OVERRIDE_VARIABLE} must be one of "
        f"'false' (off) or 'true' / 'true: <reason>' (on)"
    )


def _document(data: object, what: str) -> Mapping[str, Any]:
    """A JSON object, from a mapping or a JSON string."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as e:
            raise ValueError(f"{what} is not JSON: {e}") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a JSON object, got {type(data).__name__}")
    return data


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    """A substituted string field; '' when optional and absent."""
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{where}.{key}={value!r} must be a non-empty string")
    if _PLACEHOLDER.search(value):
        raise ValueError(f"{where}.{key}={value!r} still holds an unsubstituted pipeline variable")
    return value


def _int(data: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{where}.{key}={value!r} must be a whole number")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{where}.{key}={value!r} must be a whole number") from None
    if number < minimum:
        raise ValueError(f"{where}.{key}={value!r} must be at least {minimum}")
    return number


def _seconds(value: timedelta, parameter: str) -> int:
    if not isinstance(value, timedelta):
        raise TypeError(f"{parameter}={value!r} must be a timedelta")
    return int(value.total_seconds())


def check_alarm_names(names: Iterable[str], parameter: str) -> tuple[str, ...]:
    """Alarm names: each 1-:data:`MAX_ALARM_NAME` characters, none twice, at most :data:`MAX_ALARMS`."""
    if isinstance(names, str):
        raise TypeError(f"{parameter}={names!r} must be a list of alarm names, not one string")
    out = tuple(names)
    for n in out:
        if not isinstance(n, str) or not n or len(n) > MAX_ALARM_NAME:
            raise ValueError(f"{parameter}: alarm name {n!r} must be a CloudWatch alarm name of 1-{MAX_ALARM_NAME} "
                             f"characters")
    if len(set(out)) != len(out):
        raise ValueError(f"{parameter}={list(out)!r} lists an alarm twice")
    if len(out) > MAX_ALARMS:
        raise ValueError(f"{parameter} has {len(out)} alarms; DescribeAlarms takes at most {MAX_ALARMS}")
    return out


# ----------------------------------------------------------------------------- shared parts


@dataclass(frozen=True, kw_only=True)
class TargetRef:
    """Where a release runs: the target's region, cell, account and name."""

    region: str
    cell: str = ""
    account: str = ""
    name: str = ""

    @classmethod
    def of(cls, target: Target) -> TargetRef:
        if not isinstance(target, Target):
            raise TypeError(f"target={target!r} must be a seawall.model.Target")
        return cls(region=target.region, cell=target.cell or "", account=target.account or "", name=target.name)

    def to_json(self) -> dict[str, str]:
        return {"region": self.region, "cell": self.cell, "account": self.account, "name": self.name}

    @classmethod
    def from_json(cls, data: object, where: str = "target") -> TargetRef:
        d = _document(data, where)
        account = _text(d, "account", where, required=False)
        if account and not _ACCOUNT.fullmatch(account):
            raise ValueError(f"{where}.account={account!r} must be a 12-digit AWS account ID, or '' for the "
                             f"pipeline's account")
        return cls(region=_text(d, "region", where), cell=_text(d, "cell", where, required=False),
                   account=account, name=_text(d, "name", where, required=False))


@dataclass(frozen=True, kw_only=True)
class PipelineRef:
    """The pipeline execution a release belongs to, and how to read it (``GetPipelineExecution``).

    ``region``: the pipeline's region ('' = the target's).  ``role_arn``: a role
    in the pipeline's account to assume when it is not the target's ('' = none).
    """

    name: str
    execution_id: str = EXECUTION_ID
    region: str = ""
    role_arn: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"pipeline name={self.name!r} must name the pipeline (GetPipelineExecution)")
        if not isinstance(self.execution_id, str) or not self.execution_id:
            raise ValueError(f"execution_id={self.execution_id!r} must be the execution ID or {EXECUTION_ID!r}")
        if self.role_arn and not (isinstance(self.role_arn, str) and self.role_arn.startswith("arn:")):
            raise ValueError(f"pipeline role_arn={self.role_arn!r} must be an IAM role ARN in the pipeline's "
                             f"account, or '' when the pipeline is in the target's account")

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "executionId": self.execution_id, "region": self.region or "",
                "roleArn": self.role_arn or ""}

    @classmethod
    def from_json(cls, data: object, where: str = "pipeline") -> PipelineRef:
        d = _document(data, where)
        role_arn = _text(d, "roleArn", where, required=False)
        if role_arn and not _ROLE_ARN.fullmatch(role_arn):
            raise ValueError(f"{where}.roleArn={role_arn!r} is not an IAM role ARN")
        return cls(name=_text(d, "name", where), execution_id=_text(d, "executionId", where),
                   region=_text(d, "region", where, required=False), role_arn=role_arn)


@dataclass(frozen=True, kw_only=True)
class ReleaseStack:
    """A service stack of the target that has SafeLambdaDeployments, and this execution's token for it.

    ``stack_name``: the stack's physical name (literal at synthesis).
    ``token``: ``#{<deploy action namespace>.SeawallReleaseToken}`` on the pipeline side, the value
    that deploy left in the stack's :data:`RELEASE_TOKEN_OUTPUT` on the Lambda side.
    """

    stack_name: str
    token: str

    def __post_init__(self) -> None:
        if not isinstance(self.stack_name, str) or not _STACK_NAME.fullmatch(self.stack_name):
            raise ValueError(f"stack_name={self.stack_name!r} must be a CloudFormation stack name (a letter, then "
                             f"letters, digits and hyphens, at most 128)")
        if not isinstance(self.token, str) or not self.token:
            raise ValueError(f"{self.stack_name}: token={self.token!r} must be the deploy action's "
                             f"#{{ns.{RELEASE_TOKEN_OUTPUT}}} variable")

    def to_json(self) -> dict[str, str]:
        return {"stackName": self.stack_name, "token": self.token}

    @classmethod
    def from_json(cls, data: object, where: str = "stacks[]") -> ReleaseStack:
        d = _document(data, where)
        return cls(stack_name=_text(d, "stackName", where), token=_text(d, "token", where))


def _stacks(stacks: Sequence[ReleaseStack], parameter: str = "stacks") -> tuple[ReleaseStack, ...]:
    if isinstance(stacks, (str, Mapping)) or not stacks:
        raise ValueError(f"{parameter} must be a non-empty list of ReleaseStack: the target's service stacks "
                         f"that have SafeLambdaDeployments")
    out = tuple(stacks)
    for s in out:
        if not isinstance(s, ReleaseStack):
            raise TypeError(f"{parameter} item {s!r} must be a ReleaseStack")
    names = [s.stack_name for s in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{parameter} lists a stack twice: {names}")
    return out


def _stacks_from_json(d: Mapping[str, Any], where: str) -> tuple[ReleaseStack, ...]:
    items = d.get("stacks")
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}.stacks={items!r} must be a non-empty list of {{stackName, token}}")
    return _stacks([ReleaseStack.from_json(s, f"{where}.stacks[{i}]") for i, s in enumerate(items)],
                   f"{where}.stacks")


def _header(data: object, kind: str) -> tuple[Mapping[str, Any], TargetRef, PipelineRef, str]:
    d = _document(data, "input")
    got = d.get("kind")
    if got != kind:
        raise ValueError(f"input kind={got!r} is not {kind!r}; was this input meant for another state machine?")
    if d.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"input schema={d.get('schema')!r} is not {SCHEMA_VERSION}; rebuild the pipeline")
    override = d.get("override", "")
    parse_override(override)  # validated once here; override_reason re-reads the checked text
    return d, TargetRef.from_json(d.get("target"), "input.target"), \
        PipelineRef.from_json(d.get("pipeline"), "input.pipeline"), override


@dataclass(frozen=True, kw_only=True)
class _Input:
    target: TargetRef
    pipeline: PipelineRef
    override: str = OVERRIDE

    kind = ""

    @property
    def region(self) -> str:
        return self.target.region

    @property
    def override_reason(self) -> str | None:
        """The override's reason when it is on, None when off (the input was validated by from_json)."""
        return parse_override(self.override)

    def _head(self) -> dict[str, Any]:
        return {"kind": self.kind, "schema": SCHEMA_VERSION, "target": self.target.to_json(),
                "pipeline": self.pipeline.to_json(), "override": self.override}


# ----------------------------------------------------------------------------- the three inputs


@dataclass(frozen=True, kw_only=True)
class GateInput(_Input):
    """Input of the gate: may this step start in the target now?  The rules are the team's (TeamSettings)."""

    kind = GATE_KIND

    def to_json(self) -> dict[str, Any]:
        return self._head()

    @classmethod
    def from_json(cls, data: object) -> GateInput:
        _, target, pipeline, override = _header(data, GATE_KIND)
        return cls(target=target, pipeline=pipeline, override=override)


@dataclass(frozen=True, kw_only=True)
class ShiftInput(_Input):
    """Input of the shift: move each function of the target's release stacks to its new version."""

    stacks: tuple[ReleaseStack, ...]
    kind = SHIFT_KIND

    def __post_init__(self) -> None:
        object.__setattr__(self, "stacks", _stacks(self.stacks))

    def to_json(self) -> dict[str, Any]:
        return {**self._head(), "stacks": [s.to_json() for s in self.stacks]}

    @classmethod
    def from_json(cls, data: object) -> ShiftInput:
        d, target, pipeline, override = _header(data, SHIFT_KIND)
        return cls(target=target, pipeline=pipeline, override=override, stacks=_stacks_from_json(d, "input"))


@dataclass(frozen=True, kw_only=True)
class BakeInput(_Input):
    """Input of the bake: watch the target's alarms for the bake time and data points; revert on ALARM.

    Build it on the pipeline side with :meth:`of` (from a :class:`BakePolicy`).
    ``max_wait_seconds``: when the bake fails for lack of data points.
    """

    stacks: tuple[ReleaseStack, ...]
    shift_execution_arn: str
    seconds: int
    override_seconds: int
    min_data_points: int
    metric: str
    max_wait_seconds: int
    kind = BAKE_KIND

    def __post_init__(self) -> None:
        object.__setattr__(self, "stacks", _stacks(self.stacks))
        if not isinstance(self.shift_execution_arn, str) or not self.shift_execution_arn:
            raise ValueError("shift_execution_arn must be the shift's execution ARN or '#{ns.ExecutionArn}'")
        if self.seconds and not self.override_seconds:
            raise ValueError("bake overrideSeconds=0 would remove the bake under an override; it only shortens")
        if self.override_seconds > self.seconds:
            raise ValueError(f"bake overrideSeconds={self.override_seconds} is longer than the bake seconds="
                             f"{self.seconds}; the override floor lies between 0 and the bake time")
        if not 0 < self.max_wait_seconds <= _seconds(MAX_BAKE_WAIT, "MAX_BAKE_WAIT") \
                or self.max_wait_seconds < self.seconds:
            raise ValueError(f"bake maxWaitSeconds={self.max_wait_seconds} must be positive, at least the bake "
                             f"time ({self.seconds} s) and at most {MAX_BAKE_WAIT}")

    @classmethod
    def of(cls, *, target: Target | TargetRef, pipeline: PipelineRef, stacks: Sequence[ReleaseStack],
           bake: BakePolicy, shift_execution_arn: str, max_wait: timedelta | None = None,
           override: str = OVERRIDE) -> BakeInput:
        """The pipeline side.  `max_wait` default: the bake time plus 24 hours, at most 40 hours."""
        if not isinstance(bake, BakePolicy):
            raise TypeError(f"bake={bake!r} must be a BakePolicy")
        if bake.duration > MAX_BAKE_WAIT:
            raise ValueError(f"bake.duration={bake.duration} is longer than {MAX_BAKE_WAIT}, the longest one bake "
                             f"execution can watch at a 60 s poll; split it across steps")
        if max_wait is None:
            max_wait = min(MAX_BAKE_WAIT, bake.duration + DEFAULT_DATA_POINT_GRACE)
        policy = bake.to_dict()
        return cls(target=target if isinstance(target, TargetRef) else TargetRef.of(target), pipeline=pipeline,
                   stacks=tuple(stacks), shift_execution_arn=shift_execution_arn, override=override,
                   seconds=int(str(policy["seconds"])), override_seconds=int(str(policy["overrideSeconds"])),
                   min_data_points=int(str(policy["minDataPoints"])), metric=str(policy["metric"]),
                   max_wait_seconds=_seconds(max_wait, "max_wait"))

    @property
    def effective_seconds(self) -> int:
        """The bake time of this execution: the floor under an override, never zero unless the bake is."""
        return min(self.override_seconds, self.seconds) if self.override_reason else self.seconds

    def to_json(self) -> dict[str, Any]:
        return {**self._head(), "stacks": [s.to_json() for s in self.stacks],
                "bake": {"seconds": self.seconds, "overrideSeconds": self.override_seconds,
                         "minDataPoints": self.min_data_points, "metric": self.metric},
                "maxWaitSeconds": self.max_wait_seconds, "shiftExecutionArn": self.shift_execution_arn}

    @classmethod
    def from_json(cls, data: object) -> BakeInput:
        d, target, pipeline, override = _header(data, BAKE_KIND)
        bake = _document(d.get("bake"), "input.bake")
        arn = _text(d, "shiftExecutionArn", "input")
        if not arn.startswith("arn:") or ":execution:" not in arn:
            raise ValueError(f"input.shiftExecutionArn={arn!r} is not a Step Functions execution ARN")
        return cls(target=target, pipeline=pipeline, override=override, stacks=_stacks_from_json(d, "input"),
                   shift_execution_arn=arn, seconds=_int(bake, "seconds", "input.bake"),
                   override_seconds=_int(bake, "overrideSeconds", "input.bake"),
                   min_data_points=_int(bake, "minDataPoints", "input.bake"),
                   metric=_text(bake, "metric", "input.bake"),
                   max_wait_seconds=_int(d, "maxWaitSeconds", "input", minimum=1))


ReleaseInput = GateInput | ShiftInput | BakeInput
#: The input class of each state machine, by its kind.
INPUTS: dict[str, type[GateInput] | type[ShiftInput] | type[BakeInput]] = {
    GATE_KIND: GateInput, SHIFT_KIND: ShiftInput, BAKE_KIND: BakeInput}


# ----------------------------------------------------------------------------- functions and the manifest


@dataclass(frozen=True, kw_only=True)
class FunctionRelease:
    """One function a shift moves and a bake watches: one stack output per function.

    On the service stack (SafeLambdaDeployment) the fields are CDK tokens
    rendered by ``Stack.to_json_string(f.to_json())``; the context task reads
    them back with :meth:`from_json`.  ``pre_traffic_hook`` /
    ``post_traffic_hook`` name the functions CodeDeploy runs as
    ``BeforeAllowTraffic`` / ``AfterAllowTraffic`` hooks (None: no hook).
    ``deployment_config``: the CodeDeploy deployment config of the step.
    ``one_box_alarm``: the function's one-box rollback composite
    (:func:`~seawall.model.naming.one_box_rollback_alarm_name`), which the bake watches for this function
    (None: a stack deployed before one-box alarms left the service composite; they are in it there).
    """

    function_name: str
    target_version: str
    application: str
    deployment_group: str
    deployment_config: str
    alias: str = "live"
    pre_traffic_hook: str | None = None
    post_traffic_hook: str | None = None
    one_box_alarm: str | None = None

    def __post_init__(self) -> None:
        for name in ("function_name", "target_version", "application", "deployment_group", "deployment_config",
                     "alias"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"FunctionRelease.{name}={v!r} must be a non-empty string")
        for name in ("pre_traffic_hook", "post_traffic_hook"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise ValueError(f"FunctionRelease.{name}={v!r} must be None or a Lambda function name")
        if self.one_box_alarm is not None:
            check_alarm_names((self.one_box_alarm,), "FunctionRelease.one_box_alarm")

    @property
    def hooks(self) -> list[dict[str, str]]:
        """The AppSpec ``Hooks`` section for this function: one single-key object per lifecycle event."""
        out = []
        if self.pre_traffic_hook:
            out.append({"BeforeAllowTraffic": self.pre_traffic_hook})
        if self.post_traffic_hook:
            out.append({"AfterAllowTraffic": self.post_traffic_hook})
        return out

    def to_json(self) -> dict[str, str]:
        out = {"functionName": self.function_name, "alias": self.alias, "version": self.target_version,
               "application": self.application, "deploymentGroup": self.deployment_group,
               "deploymentConfig": self.deployment_config}
        if self.pre_traffic_hook:
            out["preTrafficHook"] = self.pre_traffic_hook
        if self.post_traffic_hook:
            out["postTrafficHook"] = self.post_traffic_hook
        if self.one_box_alarm:
            out["oneBoxAlarm"] = self.one_box_alarm
        return out

    @classmethod
    def from_json(cls, data: object, where: str = "function") -> FunctionRelease:
        d = _document(data, where)
        version = _text(d, "version", where)
        if not (version.isdigit() and int(version) >= 1):
            raise ValueError(f"{where}.version={version!r} must be a published version number such as '7' "
                             f"($LATEST cannot be released)")
        alias = _text(d, "alias", where)
        if not LAMBDA_ALIAS_NAME.fullmatch(alias):
            raise ValueError(f"{where}.alias={alias!r} is not a Lambda alias name")
        return cls(function_name=_text(d, "functionName", where), target_version=version, alias=alias,
                   application=_text(d, "application", where), deployment_group=_text(d, "deploymentGroup", where),
                   deployment_config=_text(d, "deploymentConfig", where),
                   pre_traffic_hook=_text(d, "preTrafficHook", where, required=False) or None,
                   post_traffic_hook=_text(d, "postTrafficHook", where, required=False) or None,
                   one_box_alarm=_text(d, "oneBoxAlarm", where, required=False) or None)


@dataclass(frozen=True, kw_only=True)
class ReleaseManifest:
    """What a shift moves and a bake watches in one target, as the target's deployed stacks say.

    Built by the context task from ``DescribeStacks`` (:func:`manifest_from_stacks`) after it checked each
    stack's release token; the shift and bake tasks read it from the state (``$.context.manifest``).
    """

    stacks: tuple[ReleaseStack, ...]
    functions: tuple[FunctionRelease, ...]
    service_alarm_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "stacks", _stacks(self.stacks))
        if isinstance(self.functions, (str, Mapping)) or not self.functions:
            raise ValueError("ReleaseManifest.functions must list at least one FunctionRelease")
        object.__setattr__(self, "functions", tuple(self.functions))
        for f in self.functions:
            if not isinstance(f, FunctionRelease):
                raise TypeError(f"ReleaseManifest.functions item {f!r} must be a FunctionRelease")
        names = [(f.function_name, f.alias) for f in self.functions]
        if len(set(names)) != len(names):
            raise ValueError(f"ReleaseManifest lists a function twice: {names}")
        object.__setattr__(self, "service_alarm_names",
                           check_alarm_names(self.service_alarm_names, "ReleaseManifest.service_alarm_names"))

    def to_json(self) -> dict[str, Any]:
        return {"stacks": [s.to_json() for s in self.stacks], "functions": [f.to_json() for f in self.functions],
                "serviceAlarmNames": list(self.service_alarm_names)}

    @classmethod
    def from_json(cls, data: object, where: str = "manifest") -> ReleaseManifest:
        d = _document(data, where)
        functions = d.get("functions")
        alarms = d.get("serviceAlarmNames")
        if not isinstance(functions, list) or not functions:
            raise ValueError(f"{where}.functions={functions!r} must be a non-empty list")
        if not isinstance(alarms, list):
            raise ValueError(f"{where}.serviceAlarmNames={alarms!r} must be a list of alarm names")
        return cls(stacks=_stacks_from_json(d, where),
                   functions=tuple(FunctionRelease.from_json(f, f"{where}.functions[{i}]")
                                   for i, f in enumerate(functions)),
                   service_alarm_names=tuple(alarms))


class StaleReleaseError(ValueError):
    """A target's stack does not hold what this execution's deploy left there; the step fails closed."""


def manifest_from_stacks(expected: Sequence[ReleaseStack], outputs: Mapping[str, Mapping[str, str] | None], *,
                         check_tokens: bool = True) -> ReleaseManifest:
    """The manifest of a target, from each release stack's outputs (``{stack name: {OutputKey: OutputValue}}``).

    Fails closed (:class:`StaleReleaseError`, a ``ValueError``) when a stack is missing (``None`` or
    absent), has no release token or no function, or -- with `check_tokens` -- when its current token is not
    the one this execution's deploy produced: another execution deployed since, or the deploy did not happen.
    """
    stacks = _stacks(expected, "expected")
    functions: list[FunctionRelease] = []
    alarms: list[str] = []
    for s in stacks:
        out = outputs.get(s.stack_name)
        if out is None:
            raise StaleReleaseError(
                f"stack {s.stack_name} does not exist in this region and account: the deploy action before this "
                f"step creates it; check that the stage deployed here, then retry the stage")
        token = out.get(RELEASE_TOKEN_OUTPUT)
        if token is None:
            raise StaleReleaseError(
                f"stack {s.stack_name} has no {RELEASE_TOKEN_OUTPUT} output: it was deployed by an older "
                f"Seawall or has no SafeLambdaDeployment; redeploy it through the pipeline")
        if check_tokens and token != s.token:
            raise StaleReleaseError(
                f"stack {s.stack_name} holds release token {token!r}, but this pipeline execution's deploy produced "
                f"{s.token!r}: another execution deployed the stack since (or this deploy did not happen), so "
                f"its versions are not this execution's to release; the step fails closed -- retry the stage")
        found = sorted(k for k in out if k.startswith(FUNCTION_OUTPUT_PREFIX))
        if not found:
            raise StaleReleaseError(f"stack {s.stack_name} has no {FUNCTION_OUTPUT_PREFIX}* output: no function to "
                                    f"release; wrap its functions in SafeLambdaDeployment")
        functions.extend(FunctionRelease.from_json(out[k], f"{s.stack_name}.{k}") for k in found)
        raw = out.get(SERVICE_ALARMS_OUTPUT, "[]")
        try:
            names = json.loads(raw)
        except ValueError:
            names = None
        if not isinstance(names, list):
            raise StaleReleaseError(f"stack {s.stack_name}: output {SERVICE_ALARMS_OUTPUT}={raw!r} is not a JSON "
                                    f"list of alarm names")
        alarms.extend(n for n in names if n not in alarms)
    return ReleaseManifest(stacks=tuple(ReleaseStack(stack_name=s.stack_name, token=outputs[s.stack_name]
                                                     [RELEASE_TOKEN_OUTPUT]) for s in stacks),  # type: ignore[index]
                           functions=tuple(functions), service_alarm_names=tuple(alarms))


# ----------------------------------------------------------------------------- team settings


@dataclass(frozen=True, kw_only=True)
class TeamSettings:
    """The team's release rules in a region and account: what the gate and bake read from the team runtime.

    ``window``: ``TimeWindow.to_dict()`` (holiday dates resolved at synth).  ``blocking_alarm_names``:
    organisation-wide alarms every gate and bake watches after the team's aggregate
    (:func:`~seawall.model.naming.aggregate_alarm_name`, derived from team and region).
    """

    team: str
    window: Mapping[str, Any]
    blocking_alarm_names: tuple[str, ...] = ()
    gate_poll_seconds: int = _seconds(DEFAULT_GATE_POLL, "DEFAULT_GATE_POLL")
    gate_max_wait_seconds: int = _seconds(DEFAULT_GATE_WAIT, "DEFAULT_GATE_WAIT")

    def __post_init__(self) -> None:
        check_team(self.team)
        if not isinstance(self.window, Mapping):
            raise TypeError(f"window={self.window!r} must be TimeWindow.to_dict()")
        object.__setattr__(self, "blocking_alarm_names",
                           check_alarm_names(self.blocking_alarm_names, "blocking_alarm_names"))
        if len(self.blocking_alarm_names) + 1 > MAX_ALARMS:
            raise ValueError(f"blocking_alarm_names has {len(self.blocking_alarm_names)} alarms; with the team "
                             f"aggregate at most {MAX_ALARMS} (DescribeAlarms)")
        try:  # validated here, so no release Lambda starts with a window the gate could not read
            TimeWindow.from_dict(dict(self.window))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"window is not a TimeWindow.to_dict(): {e}; redeploy the team runtime") from None
        wait, poll = self.gate_max_wait_seconds, self.gate_poll_seconds
        if not 0 < wait <= _seconds(MAX_GATE_WAIT, "MAX_GATE_WAIT"):
            raise ValueError(f"gate max_wait={timedelta(seconds=wait)} must be positive and at most {MAX_GATE_WAIT}: "
                             f"a pipeline action may run {MAX_ACTION_DURATION.days} days and the gate needs margin")
        if poll < _seconds(MIN_POLL, "MIN_POLL") or poll > wait:
            raise ValueError(f"gate poll={timedelta(seconds=poll)} must be at least {MIN_POLL} and at most "
                             f"max_wait={timedelta(seconds=wait)}")
        turns = math.ceil(wait / poll)
        if turns * GATE_EVENTS_PER_TURN > HISTORY_BUDGET:
            least = math.ceil(wait * GATE_EVENTS_PER_TURN / HISTORY_BUDGET)
            raise ValueError(
                f"gate poll={timedelta(seconds=poll)} over max_wait={timedelta(seconds=wait)} is {turns} checks, "
                f"more than a Step Functions execution history holds (25,000 events); use poll >= "
                f"{timedelta(seconds=least)} or a shorter max_wait")

    @classmethod
    def of(cls, *, team: str, window: Any, blocking_alarms: Sequence[str] = (),
           gate_poll: timedelta = DEFAULT_GATE_POLL, gate_max_wait: timedelta = DEFAULT_GATE_WAIT) -> TeamSettings:
        """From a :class:`~seawall.model.window.TimeWindow` (its holiday dates are resolved now)."""
        if not hasattr(window, "to_dict"):
            raise TypeError(f"window={window!r} must be a seawall.model.window.TimeWindow")
        return cls(team=team, window=window.to_dict(), blocking_alarm_names=tuple(blocking_alarms),
                   gate_poll_seconds=_seconds(gate_poll, "gate_poll"),
                   gate_max_wait_seconds=_seconds(gate_max_wait, "gate_max_wait"))

    def alarm_names(self, region: str) -> tuple[str, ...]:
        """What blocks a gate and fails a bake in `region`: the team's aggregate first, then org-wide alarms."""
        return (aggregate_alarm_name(self.team, region), *self.blocking_alarm_names)

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "window": dict(self.window), "blockingAlarmNames": list(self.blocking_alarm_names),
                "gatePollSeconds": self.gate_poll_seconds, "gateMaxWaitSeconds": self.gate_max_wait_seconds}

    def to_env(self) -> str:
        """The compact JSON the team runtime puts in :data:`TEAM_SETTINGS_ENV`."""
        return json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, data: object, where: str = TEAM_SETTINGS_ENV) -> TeamSettings:
        d = _document(data, where)
        window = d.get("window")
        if not isinstance(window, Mapping):
            raise ValueError(f"{where}.window={window!r} must be a TimeWindow.to_dict() object")
        alarms = d.get("blockingAlarmNames", [])
        if not isinstance(alarms, list):
            raise ValueError(f"{where}.blockingAlarmNames={alarms!r} must be a list of alarm names")
        return cls(team=_text(d, "team", where), window=dict(window), blocking_alarm_names=tuple(alarms),
                   gate_poll_seconds=_int(d, "gatePollSeconds", where, minimum=1),
                   gate_max_wait_seconds=_int(d, "gateMaxWaitSeconds", where, minimum=1))


__all__ = [
    "BAKE_KIND", "FUNCTION_OUTPUT_PREFIX", "GATE_KIND", "INPUTS", "OVERRIDE", "OVERRIDE_VARIABLE",
    "RELEASE_TOKEN_OUTPUT", "SCHEMA_VERSION", "SERVICE_ALARMS_OUTPUT", "SHIFT_KIND", "TEAM_SETTINGS_ENV",
    "BakeInput", "FunctionRelease", "GateInput", "PipelineRef", "ReleaseInput", "ReleaseManifest", "ReleaseStack",
    "ShiftInput", "StaleReleaseError", "TargetRef", "TeamSettings", "manifest_from_stacks", "parse_override",
]
