"""Shared runtime of the release Lambdas: clock, lazy clients, errors, alarm reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from seawall.model.contracts import TEAM_SETTINGS_ENV, ReleaseManifest, TeamSettings
from seawall.model.limits import MAX_STEP_FUNCTIONS_ACTION_DURATION

try:  # the Powertools layer ships aws-xray-sdk; a local test run may not have it
    from aws_lambda_powertools import Tracer

    tracer: Any = Tracer(service="seawall-release")
except ImportError:  # pragma: no cover - depends on the environment

    class _NoTracer:
        def capture_lambda_handler(self, fn: Callable[..., Any]) -> Callable[..., Any]:
            return fn

        def capture_method(self, fn: Callable[..., Any]) -> Callable[..., Any]:
            return fn

    tracer = _NoTracer()

logger = Logger(service="seawall-release")

T = TypeVar("T")

#: CloudWatch, CodeDeploy, Lambda, Step Functions and CodePipeline error codes worth a retry.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalServiceError",
    "InternalError", "ServiceException", "LimitExceededException",
})


class ThrottledError(Exception):
    """An AWS API throttled or had a transient fault; the state machine retries with backoff."""


class AwsApiError(Exception):
    """An AWS API call failed for a reason a retry will not fix; the step fails closed."""


class InvalidInputError(Exception):
    """The state machine input is malformed; the step fails with the reason."""


@dataclass(frozen=True)
class Settings:
    """Environment of a release Lambda, validated once at cold start."""

    region: str
    team: str
    #: The team's window, org-wide alarms and gate timing (``SEAWALL_TEAM_SETTINGS``, set by
    #: ReleaseStateMachines); None when absent -- the gate and bake then fail closed (:func:`team_settings`).
    team_settings: TeamSettings | None = None

    @classmethod
    def from_env(cls) -> Settings:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
        if not region:
            raise RuntimeError("AWS_REGION is not set; the release Lambdas run inside AWS Lambda")
        team = os.environ.get("SEAWALL_TEAM", "")
        if not team:
            raise RuntimeError("SEAWALL_TEAM is not set; the ReleaseStateMachines construct sets it")
        raw = os.environ.get(TEAM_SETTINGS_ENV, "")
        team_settings = None
        if raw:
            try:  # a malformed value fails the cold start, naming the field
                team_settings = TeamSettings.from_json(raw)
            except (ValueError, TypeError) as e:
                raise RuntimeError(f"{TEAM_SETTINGS_ENV} is invalid: {e}") from e
            if team_settings.team != team:
                raise RuntimeError(f"{TEAM_SETTINGS_ENV} is for team {team_settings.team!r}, not {team!r}; "
                                   f"redeploy the team runtime")
        return cls(region=region, team=team, team_settings=team_settings)


@cache
def settings() -> Settings:
    return Settings.from_env()


def team_settings() -> TeamSettings:
    """The team's settings, or InvalidInputError (the step fails closed) when the runtime set none."""
    found = settings().team_settings
    if found is None:
        raise InvalidInputError(f"{TEAM_SETTINGS_ENV} is not set on this release Lambda: the team's window and "
                                f"blocking alarms are unknown, so the step fails closed; redeploy the team runtime "
                                f"(the team's foundation pipeline)")
    return found


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


#: Where every release Lambda reads "now".  Tests replace it with a fake clock
#: that compressed Wait states advance.
clock: Any = SystemClock()


def now() -> datetime:
    value = clock.now()
    if value.tzinfo is None:
        raise RuntimeError("the clock returned a naive datetime; it must be time zone aware")
    return value


def parse_time(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInputError(f"{field}={value!r} must be an ISO 8601 timestamp")
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{field}={value!r} must be an ISO 8601 timestamp") from None
    if t.tzinfo is None:
        raise InvalidInputError(f"{field}={value!r} must carry a time zone offset")
    return t


#: How far ahead of this Lambda's clock a recorded start may be: the release Lambdas of one execution run on
#: different hosts, whose clocks may differ slightly.  Seawall's own tolerance, not an AWS limit.
CLOCK_SKEW = timedelta(minutes=5)


def parse_start(value: object, field: str, *, not_before: datetime | None = None) -> datetime:
    """A start time the execution recorded, which must be plausible, or InvalidInputError (fail closed).

    A release execution runs inside one CodePipeline Step Functions invoke action, so nothing of it started
    more than :data:`~seawall.model.limits.MAX_STEP_FUNCTIONS_ACTION_DURATION` ago, nor later than now (give or take
    :data:`CLOCK_SKEW`); `not_before` is an earlier start of the same execution.  A start in 1970 would
    otherwise pass a bake at once and let a gate's limit lapse; one in the future would stretch it.
    """
    started = parse_time(value, field)
    t = now()
    if started > t + CLOCK_SKEW:
        raise InvalidInputError(f"{field}={value!r} is after now ({t.isoformat()}): a start cannot lie in the "
                                f"future; the context task records it, so re-run the stage")
    longest = MAX_STEP_FUNCTIONS_ACTION_DURATION
    if t - started > longest:
        raise InvalidInputError(f"{field}={value!r} is more than {longest.days} days before now "
                                f"({t.isoformat()}), longer than a CodePipeline Step Functions invoke action can "
                                f"run, so no task of this execution started then; re-run the stage")
    if not_before is not None and started < not_before:
        raise InvalidInputError(f"{field}={value!r} is before the execution's start {not_before.isoformat()}; "
                                f"re-run the stage")
    return started


#: Client timeouts: a release Lambda has 60 s, so no call may hang for botocore's default 60 s read timeout.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
#: botocore's "standard" retry mode (throttling and transient errors, with backoff), 3 attempts in all
#: (the first and 2 retries); what still fails reaches the state machine's Retry.  ``AWS_MAX_ATTEMPTS``
#: in the environment overrides the attempts (the behaviour tests set 1 so faults reach that Retry).
MAX_ATTEMPTS = 3


def client_config() -> Any:
    """The botocore Config of every client the release Lambdas make."""
    from botocore.config import Config

    attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  retries={"mode": "standard",
                           "total_max_attempts": int(attempts) if attempts.isdigit() else MAX_ATTEMPTS})


@cache
def _client(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region, config=client_config())


#: Assumed-role clients, with the expiry of their credentials: (service, region, role) -> (client, expires).
_assumed: dict[tuple[str, str, str], tuple[Any, datetime]] = {}
#: Re-assume a role when its credentials have less than this left (a container outlives them).
REFRESH_BEFORE = timedelta(minutes=10)


def _assumed_client(service: str, region: str, role_arn: str) -> Any:
    import boto3

    key = (service, region, role_arn)
    cached = _assumed.get(key)
    if cached is not None and cached[1] - now() > REFRESH_BEFORE:  # the clock seam: STS's clock in AWS, simulated here
        return cached[0]
    sts = _client("sts", settings().region)
    creds = call(f"STS AssumeRole {role_arn}", sts.assume_role, RoleArn=role_arn,
                 RoleSessionName=f"seawall-{settings().team}-release"[:64])["Credentials"]
    made = boto3.client(service, region_name=region, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                        config=client_config())
    expires = creds["Expiration"]
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    _assumed[key] = (made, expires)
    return made


def client(service: str, region: str | None = None, role_arn: str = "") -> Any:
    """A boto3 client, created on first use and kept for the life of the container.

    With `role_arn`, the client uses that role's credentials (``sts:AssumeRole``
    from the Lambda's own region), assumed again before they expire.
    """
    region = region or settings().region
    if role_arn:
        return _assumed_client(service, region, role_arn)
    return _client(service, region)


def reset_clients() -> None:
    """Forget cached clients and settings (tests, after changing the environment)."""
    _client.cache_clear()
    _assumed.clear()
    settings.cache_clear()


def call(what: str, fn: Callable[..., T], **kwargs: Any) -> T:
    """Call an AWS API, turning its errors into ThrottledError (retried) or AwsApiError (fails)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        message = e.response.get("Error", {}).get("Message", str(e))
        if code in THROTTLING_CODES or e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise ThrottledError(f"{what} was throttled or failed transiently ({code}): {message}") from e
        raise AwsApiError(f"{what} failed ({code}): {message}") from e
    except BotoCoreError as e:
        raise ThrottledError(f"{what} failed to reach AWS: {e}") from e


def parse(parser: Callable[[object], T], event: object) -> T:
    try:
        return parser(event)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e


def manifest(event: Mapping[str, Any]) -> ReleaseManifest:
    """The manifest the context task read from the target's stacks (``$.context.manifest``), validated."""
    ctx = event.get("context")
    if not isinstance(ctx, Mapping) or ctx.get("manifest") is None:
        raise InvalidInputError("state has no context.manifest; the context task must run first")
    return parse(lambda m: ReleaseManifest.from_json(m, "context.manifest"), ctx["manifest"])


ALARM_TYPES = ["CompositeAlarm", "MetricAlarm"]


def alarm_states(names: Sequence[str], region: str) -> dict[str, str]:
    """State of each named alarm (metric or composite); missing alarms are left out."""
    cw = client("cloudwatch", region)
    states: dict[str, str] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"AlarmNames": list(names), "AlarmTypes": ALARM_TYPES}
        if token:
            kwargs["NextToken"] = token
        page = call("CloudWatch DescribeAlarms", cw.describe_alarms, **kwargs)
        for a in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
            states[a["AlarmName"]] = a["StateValue"]
        token = page.get("NextToken")
        if not token:
            return states


def missing_alarm_message(missing: Sequence[str], names: Sequence[str], region: str) -> str:
    aggregate = names[0]
    parts = []
    if aggregate in missing:
        parts.append(
            f"the team's aggregate alarm {aggregate!r} does not exist in {region}: deploy the team "
            f"monitoring stack for this region and account (it creates the aggregate alarm every service "
            f"of the team joins) before the first service deploys here, then retry the stage"
        )
    others = [m for m in missing if m != aggregate]
    if others:
        parts.append(
            f"organisation-wide alarm(s) {others} do not exist in {region}: create them or remove them "
            f"from the team's alarm list, then retry the stage"
        )
    return "; ".join(parts)


def duration_text(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    out = (f"{d}d " if d else "") + (f"{h}h " if h else "") + (f"{m}m " if m else "") + (f"{s}s" if s else "")
    return out.strip() or "0s"
