"""The input contract of the release state machines: gate, shift and bake.

The pipeline passes each state machine a *literal* JSON input in which
CodePipeline substitutes ``#{...}`` variables at run time (the execution ID,
the emergency override, stack outputs such as a function's new version).
Every value is therefore a string or an integer inside a JSON string, so
substitution cannot break the document.

The builders (:func:`gate_input`, :func:`shift_input`, :func:`bake_input`)
are used by the pipeline renderer and by the tests; the parsers
(:func:`parse_gate_input`, :func:`parse_shift_input`, :func:`parse_bake_input`)
are used by the Lambda functions, so both sides read one definition.  This
module is pure: no ``aws_cdk``, no ``boto3``.

How the bake learns the previous versions
-----------------------------------------
The shift records, per function, the version the alias pointed at before it
started (read from the alias, not assumed).  Its execution output holds that
list.  The pipeline gives the shift action a variables namespace; the bake
input carries ``#{<namespace>.ExecutionArn}``, and the bake reads the shift's
output with ``DescribeExecution`` (same region and account: both machines run
in the target's).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .policies import (
    HISTORY_BUDGET,
    MAX_SHIFT_DURATION,
    SHIFT_EVENTS_PER_TURN,
    SHIFT_HOOK_ALLOWANCE,
    BakePolicy,
    TrafficPolicy,
)
from .policies import (
    SHIFT_POLL as SHIFT_POLL,  # re-exported: the shift machine's default poll
)
from .waves import Target

if TYPE_CHECKING:  # pragma: no cover
    from .window import TimeWindow

#: The pipeline variable, set when an execution starts, that turns on the emergency override.
OVERRIDE_VARIABLE = "SeawallEmergencyOverride"
#: CodePipeline placeholders substituted at run time.
EXECUTION_ID = "#{codepipeline.PipelineExecutionId}"
OVERRIDE = f"#{{variables.{OVERRIDE_VARIABLE}}}"
#: Override values.  Anything else (including an unsubstituted placeholder) is malformed and fails the step.
#: Only these two words (any case), as the docs say: ``false``, or ``true`` / ``true: <reason>``.
OVERRIDE_OFF = frozenset({"false"})
OVERRIDE_ON = frozenset({"true"})

#: A CodePipeline Step Functions invoke action may run at most 7 days.
MAX_ACTION_DURATION = timedelta(days=7)
#: The longest a gate keeps re-checking: 7 days less 6 hours of margin for the
#: final check, the Lambda retries and clock skew.
MAX_GATE_WAIT = timedelta(days=6, hours=18)
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
#: The longest a bake may watch: a 60 s poll fills the history budget in 24,000 / 9 turns = 44 h 26 min;
#: 40 hours leave margin for retries.
MAX_BAKE_WAIT = timedelta(hours=40)
#: The shortest bake poll whose history still holds MAX_BAKE_WAIT: 54 s.  A faster poll
#: would overflow the history of a long bake (and fail it) before its limit.
MIN_BAKE_POLL = timedelta(seconds=math.ceil(MAX_BAKE_WAIT.total_seconds() * BAKE_EVENTS_PER_TURN / HISTORY_BUDGET))
#: After the bake time, how long the bake keeps waiting for its minimum data points.
DEFAULT_DATA_POINT_GRACE = timedelta(hours=24)

#: 2: a bake input must list at least one service alarm (``serviceAlarmNames``); an input of schema 1
#: (without it) would watch only the team aggregate, which is ``FALSE`` while no service has joined it.
SCHEMA_VERSION = 2
GATE_KIND = "seawall.gate"
SHIFT_KIND = "seawall.shift"
BAKE_KIND = "seawall.bake"

_PLACEHOLDER = re.compile(r"#\{[^}]*\}")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")
_ALIAS = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$")


def _seconds(value: timedelta, parameter: str) -> int:
    if not isinstance(value, timedelta):
        raise ValueError(f"{parameter}={value!r} must be a timedelta")
    return int(value.total_seconds())


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


@dataclass(frozen=True, kw_only=True)
class FunctionRelease:
    """One function a shift moves and a bake watches.

    Every field may be a CodePipeline variable reference (``#{ns.Var}``) that
    the pipeline substitutes from the service stack's outputs.

    ``pre_traffic_hook`` / ``post_traffic_hook`` name Lambda functions that
    CodeDeploy runs as the deployment's ``BeforeAllowTraffic`` /
    ``AfterAllowTraffic`` hooks (the shift writes them into the AppSpec's
    ``Hooks``).  None: no hook.  They appear in the input only when set, and
    only in the shift's (the bake does not need them).
    """

    function_name: str
    target_version: str
    application: str
    deployment_group: str
    alias: str = "live"
    pre_traffic_hook: str | None = None
    post_traffic_hook: str | None = None

    def __post_init__(self) -> None:
        for name in ("function_name", "target_version", "application", "deployment_group", "alias"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"FunctionRelease.{name}={v!r} must be a non-empty string (or '#{{ns.Var}}')")
        for name in ("pre_traffic_hook", "post_traffic_hook"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise ValueError(f"FunctionRelease.{name}={v!r} must be None or a Lambda function name "
                                 f"(or '#{{ns.Var}}')")
        if not _PLACEHOLDER.search(self.target_version) and not (
            self.target_version.isdigit() and int(self.target_version) >= 1
        ):
            raise ValueError(
                f"FunctionRelease.target_version={self.target_version!r} must be a published version number "
                f"such as '7' ($LATEST cannot be released)"
            )
        if not _PLACEHOLDER.search(self.alias) and not _ALIAS.match(self.alias):
            raise ValueError(f"FunctionRelease.alias={self.alias!r} is not a Lambda alias name")

    @property
    def hooks(self) -> list[dict[str, str]]:
        """The AppSpec ``Hooks`` section for this function: one single-key object per lifecycle event."""
        out = []
        if self.pre_traffic_hook:
            out.append({"BeforeAllowTraffic": self.pre_traffic_hook})
        if self.post_traffic_hook:
            out.append({"AfterAllowTraffic": self.post_traffic_hook})
        return out

    def to_dict(self, *, hooks: bool = True) -> dict[str, str]:
        out = {
            "functionName": self.function_name,
            "alias": self.alias,
            "targetVersion": self.target_version,
            "application": self.application,
            "deploymentGroup": self.deployment_group,
        }
        if hooks and self.pre_traffic_hook:
            out["preTrafficHook"] = self.pre_traffic_hook
        if hooks and self.post_traffic_hook:
            out["postTrafficHook"] = self.post_traffic_hook
        return out

    @classmethod
    def from_dict(cls, data: object, *, where: str = "functions[]") -> FunctionRelease:
        if not isinstance(data, Mapping):
            raise ValueError(f"{where}={data!r} must be an object with functionName, alias, targetVersion, ...")
        fields = {"functionName": "function_name", "alias": "alias", "targetVersion": "target_version",
                  "application": "application", "deploymentGroup": "deployment_group"}
        optional = {"preTrafficHook": "pre_traffic_hook", "postTrafficHook": "post_traffic_hook"}
        missing = [k for k in fields if k not in data]
        if missing:
            raise ValueError(f"{where} is missing {missing}; expected keys {sorted(fields)}")
        fr = cls(**{attr: data[key] for key, attr in fields.items()},
                 **{attr: data[key] for key, attr in optional.items() if data.get(key) not in (None, "")})
        if _PLACEHOLDER.search(" ".join(fr.to_dict().values())):
            raise ValueError(f"{where} still holds an unsubstituted pipeline variable: {fr.to_dict()}")
        return fr


def _target(target: Target) -> dict[str, str]:
    if not isinstance(target, Target):
        raise ValueError(f"target={target!r} must be a seawall.model.Target")
    return {"region": target.region, "cell": target.cell or "", "account": target.account or "",
            "name": target.name}


def _pipeline(pipeline_name: str, execution_id: str, pipeline_region: str, pipeline_role_arn: str) -> dict:
    if not isinstance(pipeline_name, str) or not pipeline_name:
        raise ValueError(f"pipeline_name={pipeline_name!r} must name the pipeline (GetPipelineExecution)")
    if not isinstance(execution_id, str) or not execution_id:
        raise ValueError(f"execution_id={execution_id!r} must be the pipeline execution ID or {EXECUTION_ID!r}")
    if pipeline_role_arn and not (isinstance(pipeline_role_arn, str) and pipeline_role_arn.startswith("arn:")):
        raise ValueError(f"pipeline_role_arn={pipeline_role_arn!r} must be an IAM role ARN in the pipeline's "
                         f"account, or '' when the pipeline is in the target's account")
    return {"name": pipeline_name, "executionId": execution_id, "region": pipeline_region or "",
            "roleArn": pipeline_role_arn or ""}


def _alarms(alarm_names: Sequence[str]) -> list[str]:
    if isinstance(alarm_names, str) or not alarm_names:
        raise ValueError(
            f"alarm_names={alarm_names!r} must be a non-empty list; the team's aggregate alarm comes first, "
            f"then any organisation-wide alarms"
        )
    names = list(alarm_names)
    for n in names:
        if not isinstance(n, str) or not n or len(n) > 255:
            raise ValueError(f"alarm name {n!r} must be a CloudWatch alarm name of 1-255 characters")
    if len(set(names)) != len(names):
        raise ValueError(f"alarm_names={names!r} lists an alarm twice")
    if len(names) > 100:
        raise ValueError(f"alarm_names has {len(names)} alarms; DescribeAlarms takes at most 100")
    return names


def _service_alarms(service_alarm_names: Sequence[str], alarm_names: Sequence[str]) -> list[str]:
    if isinstance(service_alarm_names, str):
        raise ValueError(f"service_alarm_names={service_alarm_names!r} must be a list of alarm names, not one string")
    names = list(service_alarm_names)
    if not names:
        raise ValueError(
            "service_alarm_names must name the high-severity alarm of each service the step deploys "
            "(seawall.model.naming.high_severity_alarm_name(team, service, region)): the team aggregate alone "
            "watches nothing while no service has joined it (it is FALSE when empty)"
        )
    for n in names:
        if not isinstance(n, str) or not n or len(n) > 255:
            raise ValueError(f"service alarm name {n!r} must be a CloudWatch alarm name of 1-255 characters")
    both = [*alarm_names, *names]
    if len(set(both)) != len(both):
        raise ValueError(f"service_alarm_names={names!r} repeats an alarm of alarm_names={list(alarm_names)!r}")
    if len(both) > 100:
        raise ValueError(f"the bake watches {len(both)} alarms; DescribeAlarms takes at most 100")
    return names


def _functions(functions: Sequence[FunctionRelease], *, hooks: bool = True) -> list[dict[str, str]]:
    if isinstance(functions, (str, Mapping)) or not functions:
        raise ValueError("functions must be a non-empty list of FunctionRelease")
    out = []
    for f in functions:
        if not isinstance(f, FunctionRelease):
            raise ValueError(f"functions item {f!r} must be a FunctionRelease")
        out.append(f.to_dict(hooks=hooks))
    names = [f["functionName"] for f in out]
    if len(set(names)) != len(names):
        raise ValueError(f"functions lists a function twice: {names}")
    return out


def deployment_config_name(traffic: TrafficPolicy | str) -> str:
    """The CodeDeploy deployment config a shift uses for `traffic`."""
    if isinstance(traffic, str):
        if not traffic:
            raise ValueError("traffic='' must name a CodeDeploy deployment config")
        return traffic
    if not isinstance(traffic, TrafficPolicy):
        raise ValueError(f"traffic={traffic!r} must be a TrafficPolicy or a deployment config name")
    name = traffic.predefined_config_name
    if name is None:
        raise ValueError(
            f"traffic={traffic.describe()!r} has no predefined CodeDeploy config; create a custom "
            f"LambdaDeploymentConfig and pass its name as traffic"
        )
    return name


def gate_input(
    *,
    target: Target,
    window: TimeWindow,
    alarm_names: Sequence[str],
    pipeline_name: str,
    execution_id: str = EXECUTION_ID,
    override: str = OVERRIDE,
    max_wait: timedelta = DEFAULT_GATE_WAIT,
    poll: timedelta = DEFAULT_GATE_POLL,
    pipeline_region: str = "",
    pipeline_role_arn: str = "",
) -> dict[str, Any]:
    """Input of the gate: may this step start in `target` now?

    Parameters
    ----------
    window:
        The team's time window (its own time zone).  Serialised with ``to_dict()``.
    alarm_names:
        The team's aggregate alarm for the target's region first, then
        organisation-wide alarms.  ALARM or INSUFFICIENT_DATA on any blocks.
    max_wait:
        How long the gate keeps re-checking before it fails.  Default and
        maximum: 6 days 18 hours (a pipeline action may run 7 days).
    poll:
        How often the alarms are re-checked while they block.  Default 10
        minutes; a closed window is waited out in one durable Wait.
    pipeline_region, pipeline_role_arn:
        Where ``GetPipelineExecution`` is called (default: the target's
        region) and, for a pipeline in another account, a role to assume.
    """
    if not hasattr(window, "to_dict"):
        raise ValueError(f"window={window!r} must be a seawall.model.window.TimeWindow")
    wait_s = _seconds(max_wait, "max_wait")
    poll_s = _seconds(poll, "poll")
    if not timedelta(0) < max_wait <= MAX_GATE_WAIT:
        raise ValueError(
            f"max_wait={max_wait} must be positive and at most {MAX_GATE_WAIT}: a pipeline action may run "
            f"{MAX_ACTION_DURATION.days} days and the gate needs margin to report"
        )
    if poll < MIN_POLL or poll > max_wait:
        raise ValueError(f"poll={poll} must be at least {MIN_POLL} and at most max_wait={max_wait}")
    turns = math.ceil(wait_s / poll_s)
    if turns * GATE_EVENTS_PER_TURN > HISTORY_BUDGET:
        least = math.ceil(wait_s * GATE_EVENTS_PER_TURN / HISTORY_BUDGET)
        raise ValueError(
            f"poll={poll} over max_wait={max_wait} is {turns} checks, more than a Step Functions execution "
            f"history holds (25,000 events); use poll >= {timedelta(seconds=least)} or a shorter max_wait"
        )
    return {
        "kind": GATE_KIND,
        "schema": SCHEMA_VERSION,
        "target": _target(target),
        "window": window.to_dict(),
        "alarmNames": _alarms(alarm_names),
        "pipeline": _pipeline(pipeline_name, execution_id, pipeline_region, pipeline_role_arn),
        "override": override,
        "maxWaitSeconds": wait_s,
        "pollSeconds": poll_s,
    }


def shift_input(
    *,
    target: Target,
    functions: Sequence[FunctionRelease],
    traffic: TrafficPolicy | str,
    pipeline_name: str,
    execution_id: str = EXECUTION_ID,
    override: str = OVERRIDE,
    pipeline_region: str = "",
    pipeline_role_arn: str = "",
) -> dict[str, Any]:
    """Input of the shift: move each function's alias to its new version with CodeDeploy.

    `traffic` is the step's policy (its predefined CodeDeploy config) or a
    deployment config name.  A rollback execution moves each alias with
    ``UpdateAlias`` all at once (no CodeDeploy deployment, so no alarms that
    could stop it and no traffic hooks).  The override does not change the
    shift: CodeDeploy's alarms and the functions' hooks still guard it.  A
    policy longer than :data:`MAX_SHIFT_DURATION` is rejected by
    :class:`~seawall.model.TrafficPolicy` itself.
    """
    return {
        "kind": SHIFT_KIND,
        "schema": SCHEMA_VERSION,
        "target": _target(target),
        "functions": _functions(functions),
        "deploymentConfig": deployment_config_name(traffic),
        "pipeline": _pipeline(pipeline_name, execution_id, pipeline_region, pipeline_role_arn),
        "override": override,
    }


def bake_input(
    *,
    target: Target,
    bake: BakePolicy,
    alarm_names: Sequence[str],
    functions: Sequence[FunctionRelease],
    shift_execution_arn: str,
    pipeline_name: str,
    service_alarm_names: Sequence[str],
    execution_id: str = EXECUTION_ID,
    override: str = OVERRIDE,
    max_wait: timedelta | None = None,
    pipeline_region: str = "",
    pipeline_role_arn: str = "",
) -> dict[str, Any]:
    """Input of the bake: watch the aggregate, org-wide and service alarms, revert on ALARM.

    Parameters
    ----------
    alarm_names:
        The team's aggregate alarm for the target's region first, then
        organisation-wide alarms (what the gate watches).
    service_alarm_names:
        The high-severity composite of each service the step deploys, in the
        target's region (:func:`seawall.model.naming.high_severity_alarm_name`);
        required, at least one.  A service that has not joined the team aggregate yet is watched
        through it.  The deploy creates it before the bake runs, so a missing
        one fails the bake.
    bake:
        Time and minimum data points (invocations of the alias in the
        region since the bake began); the override cuts the time to
        ``bake.emergency_duration`` but keeps the data points.
    shift_execution_arn:
        The shift's execution ARN (``#{<shift namespace>.ExecutionArn}``);
        its output holds each function's previous version.
    max_wait:
        When the bake fails for lack of data points.  Default: the bake time
        plus 24 hours, at most 40 hours (a 60 s poll fills a Step Functions
        history in about 44 hours).
    """
    if not isinstance(bake, BakePolicy):
        raise ValueError(f"bake={bake!r} must be a BakePolicy")
    if bake.duration > MAX_BAKE_WAIT:
        raise ValueError(
            f"bake.duration={bake.duration} is longer than {MAX_BAKE_WAIT}, the longest one bake execution "
            f"can watch at a 60 s poll; split it across steps"
        )
    if max_wait is None:
        max_wait = min(MAX_BAKE_WAIT, bake.duration + DEFAULT_DATA_POINT_GRACE)
    if not bake.duration <= max_wait <= MAX_BAKE_WAIT or max_wait <= timedelta(0):
        raise ValueError(
            f"max_wait={max_wait} must be positive, at least bake.duration={bake.duration} and at most "
            f"{MAX_BAKE_WAIT}"
        )
    if not isinstance(shift_execution_arn, str) or not shift_execution_arn:
        raise ValueError("shift_execution_arn must be the shift's execution ARN or '#{ns.ExecutionArn}'")
    watched = _alarms(alarm_names)
    service = _service_alarms(service_alarm_names, watched)
    return {
        "kind": BAKE_KIND,
        "schema": SCHEMA_VERSION,
        "target": _target(target),
        "bake": bake.to_dict(),
        "alarmNames": watched,
        "serviceAlarmNames": service,
        "functions": _functions(functions, hooks=False),
        "shiftExecutionArn": shift_execution_arn,
        "pipeline": _pipeline(pipeline_name, execution_id, pipeline_region, pipeline_role_arn),
        "override": override,
        "maxWaitSeconds": _seconds(max_wait, "max_wait"),
    }


# ----------------------------------------------------------------------------- parsing (Lambda side)


@dataclass(frozen=True, kw_only=True)
class PipelineRef:
    name: str
    execution_id: str
    region: str
    role_arn: str


@dataclass(frozen=True, kw_only=True)
class ReleaseInput:
    """The fields every release state machine input shares, validated."""

    kind: str
    target: dict[str, str]
    pipeline: PipelineRef
    override: str | None

    @property
    def region(self) -> str:
        return self.target["region"]


@dataclass(frozen=True, kw_only=True)
class GateInput(ReleaseInput):
    window: dict[str, Any]
    alarm_names: tuple[str, ...]
    max_wait_seconds: int
    poll_seconds: int


@dataclass(frozen=True, kw_only=True)
class ShiftInput(ReleaseInput):
    functions: tuple[FunctionRelease, ...]
    deployment_config: str


@dataclass(frozen=True, kw_only=True)
class BakeInput(ReleaseInput):
    seconds: int
    override_seconds: int
    min_data_points: int
    metric: str
    alarm_names: tuple[str, ...]
    service_alarm_names: tuple[str, ...]
    functions: tuple[FunctionRelease, ...]
    shift_execution_arn: str
    max_wait_seconds: int

    @property
    def watched_alarm_names(self) -> tuple[str, ...]:
        """Every alarm the bake watches: aggregate, org-wide, then the services' own."""
        return (*self.alarm_names, *self.service_alarm_names)

    @property
    def effective_seconds(self) -> int:
        """The bake time of this execution: the floor under an override, never zero unless the bake is."""
        return self.override_seconds if self.override else self.seconds


def _require(event: Mapping[str, Any], key: str, typ: type | tuple[type, ...], what: str) -> Any:
    if key not in event:
        raise ValueError(f"input is missing {key!r} ({what})")
    value = event[key]
    if isinstance(value, bool) or not isinstance(value, typ):
        raise ValueError(f"input {key}={value!r} must be {what}")
    return value


def _int(event: Mapping[str, Any], key: str, what: str, *, minimum: int = 0) -> int:
    value = _require(event, key, (int, str), what)
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"input {key}={value!r} must be {what}") from None
    if number < minimum:
        raise ValueError(f"input {key}={value!r} must be {what} (at least {minimum})")
    return number


def _common(event: object, kind: str) -> dict[str, Any]:
    if not isinstance(event, Mapping):
        raise ValueError(f"input must be a JSON object, got {type(event).__name__}")
    got = event.get("kind")
    if got != kind:
        raise ValueError(f"input kind={got!r} is not {kind!r}; was this input meant for another state machine?")
    if event.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"input schema={event.get('schema')!r} is not {SCHEMA_VERSION}; rebuild the pipeline")
    target = _require(event, "target", Mapping, "an object with region, cell, account, name")
    region = target.get("region")
    if not isinstance(region, str) or not region:
        raise ValueError(f"input target.region={region!r} must be a region code")
    pipe = _require(event, "pipeline", Mapping, "an object with name, executionId, region, roleArn")
    for k in ("name", "executionId"):
        v = pipe.get(k)
        if not isinstance(v, str) or not v or _PLACEHOLDER.search(v):
            raise ValueError(f"input pipeline.{k}={v!r} must be a substituted, non-empty string")
    role_arn = str(pipe.get("roleArn") or "")
    if role_arn and not _ROLE_ARN.match(role_arn):
        raise ValueError(f"input pipeline.roleArn={role_arn!r} is not an IAM role ARN")
    reason = parse_override(event.get("override", ""))
    return {
        "kind": kind,
        "target": {k: str(target.get(k) or "") for k in ("region", "cell", "account", "name")},
        "pipeline": PipelineRef(name=pipe["name"], execution_id=pipe["executionId"],
                                region=str(pipe.get("region") or ""), role_arn=role_arn),
        "override": reason,
    }


def _alarm_list(event: Mapping[str, Any]) -> tuple[str, ...]:
    names = _require(event, "alarmNames", list, "a non-empty list of alarm names")
    return tuple(_alarms(names))


def _function_list(event: Mapping[str, Any]) -> tuple[FunctionRelease, ...]:
    items = _require(event, "functions", list, "a non-empty list of functions")
    if not items:
        raise ValueError("input functions=[] must list at least one function")
    return tuple(FunctionRelease.from_dict(f, where=f"functions[{i}]") for i, f in enumerate(items))


def parse_gate_input(event: object) -> GateInput:
    """Validate a gate input; raises ValueError naming the bad field."""
    common = _common(event, GATE_KIND)
    assert isinstance(event, Mapping)
    window = _require(event, "window", Mapping, "a TimeWindow.to_dict() object")
    return GateInput(**common, window=dict(window), alarm_names=_alarm_list(event),
                     max_wait_seconds=_int(event, "maxWaitSeconds", "a whole number of seconds", minimum=1),
                     poll_seconds=_int(event, "pollSeconds", "a whole number of seconds", minimum=1))


def parse_shift_input(event: object) -> ShiftInput:
    common = _common(event, SHIFT_KIND)
    assert isinstance(event, Mapping)
    config = _require(event, "deploymentConfig", str, "a CodeDeploy deployment config name")
    if not config:
        raise ValueError("input deploymentConfig='' must name a CodeDeploy deployment config")
    return ShiftInput(**common, functions=_function_list(event), deployment_config=config)


def parse_bake_input(event: object) -> BakeInput:
    common = _common(event, BAKE_KIND)
    assert isinstance(event, Mapping)
    bake = _require(event, "bake", Mapping, "a BakePolicy.to_dict() object")
    seconds = _int(bake, "seconds", "bake seconds")
    override_seconds = _int(bake, "overrideSeconds", "bake override seconds")
    if seconds and not override_seconds:
        raise ValueError("input bake.overrideSeconds=0 would remove the bake under an override; it only shortens")
    arn = _require(event, "shiftExecutionArn", str, "the shift's execution ARN")
    if not arn.startswith("arn:") or ":execution:" not in arn:
        raise ValueError(f"input shiftExecutionArn={arn!r} is not a Step Functions execution ARN")
    alarm_names = _alarm_list(event)
    service = _require(event, "serviceAlarmNames", list,
                       "a non-empty list of the services' high-severity alarm names")
    if not service:
        raise ValueError("input serviceAlarmNames=[] must name the high-severity alarm of each service the step "
                         "deploys: the team aggregate alone watches nothing while no service has joined it; "
                         "rebuild the pipeline")
    return BakeInput(
        **common, seconds=seconds, override_seconds=min(override_seconds, seconds),
        min_data_points=_int(bake, "minDataPoints", "a whole number of data points"),
        metric=_require(bake, "metric", str, "a metric name"),
        alarm_names=alarm_names, service_alarm_names=tuple(_service_alarms(service, alarm_names)),
        functions=_function_list(event), shift_execution_arn=arn,
        max_wait_seconds=_int(event, "maxWaitSeconds", "a whole number of seconds", minimum=1),
    )
