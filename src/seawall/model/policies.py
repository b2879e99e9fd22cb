"""Traffic, bake and alarm policies: what a deployment step does and how long it waits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from ._validate import require_int, require_number, require_str, require_timedelta
from .limits import (
    MAX_ALARM_EVALUATION,
    MAX_BAKE_WAIT,
    MAX_HISTORY_EVENTS,
    MAX_LAMBDA_TIMEOUT,
)


def _whole_minutes(value: timedelta, parameter: str) -> int:
    require_timedelta(value, parameter, positive=True)
    seconds = value.total_seconds()
    if seconds <= 0 or seconds % 60:
        raise ValueError(
            f"{parameter}={value} is not a positive whole number of minutes; "
            f"CodeDeploy Lambda configs count in whole minutes (e.g. timedelta(minutes=5))"
        )
    return int(seconds // 60)


class TrafficKind(Enum):
    CANARY = "canary"
    LINEAR = "linear"
    ALL_AT_ONCE = "all_at_once"


# CodeDeploy's predefined Lambda configs, by (kind, percent, interval minutes).
PREDEFINED_LAMBDA_CONFIGS: dict[tuple[TrafficKind, int, int], str] = {
    (TrafficKind.CANARY, 10, 5): "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    (TrafficKind.CANARY, 10, 10): "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    (TrafficKind.CANARY, 10, 15): "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    (TrafficKind.CANARY, 10, 30): "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    (TrafficKind.LINEAR, 10, 1): "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    (TrafficKind.LINEAR, 10, 2): "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    (TrafficKind.LINEAR, 10, 3): "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    (TrafficKind.LINEAR, 10, 10): "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    (TrafficKind.ALL_AT_ONCE, 100, 0): "CodeDeployDefault.LambdaAllAtOnce",
}
ALL_AT_ONCE_CONFIG = "CodeDeployDefault.LambdaAllAtOnce"

#: The most traffic a one-box may take: "the one box serves at most ten percent".
ONE_BOX_MAX_PERCENT = 10

# --- How long a shift may take.  The shift state machine polls CodeDeploy every SHIFT_POLL, and
# a Step Functions Standard execution keeps at most 25,000 history events: a longer shift would
# overflow its history (and the machine's 24 h timeout) while CodeDeploy still moves traffic.
#: How often the shift asks CodeDeploy how the deployment is going.
SHIFT_POLL = timedelta(seconds=30)
#: History events the release machines may use, of Step Functions' 25,000 (margin for retries).
HISTORY_BUDGET = MAX_HISTORY_EVENTS - 1_000
#: Events one poll turn of the shift costs: Wait (2) + Lambda task (5) + Choice (2).
SHIFT_EVENTS_PER_TURN = 9
#: CodeDeploy waits up to an hour for each of the two traffic hooks, outside the traffic intervals.
SHIFT_HOOK_ALLOWANCE = timedelta(hours=2)
#: The longest `TrafficPolicy.duration()` a shift can follow: the poll turns the history holds
#: (24,000 / 9 turns x 30 s = 22 h 13 min) less the hooks, rounded down to whole hours: 20 h.
MAX_SHIFT_DURATION = timedelta(hours=int(
    (HISTORY_BUDGET // SHIFT_EVENTS_PER_TURN * SHIFT_POLL - SHIFT_HOOK_ALLOWANCE).total_seconds() // 3600))


@dataclass(frozen=True, kw_only=True)
class TrafficPolicy:
    """How a shift moves the alias from the current version to the new one.

    Build it with :meth:`canary`, :meth:`linear` or :meth:`all_at_once`; each
    maps onto one CodeDeploy Lambda deployment config.
    """

    kind: TrafficKind
    percent: int = 100
    interval: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, TrafficKind):
            raise TypeError(
                f"TrafficPolicy kind={self.kind!r} is a {type(self.kind).__name__}, not a TrafficKind; build the "
                f"policy with TrafficPolicy.canary(...), TrafficPolicy.linear(...) or TrafficPolicy.all_at_once()"
            )
        if self.kind is TrafficKind.ALL_AT_ONCE:
            if self.percent != 100 or self.interval != timedelta(0):
                raise ValueError(
                    f"all_at_once traffic takes no percent or interval (got percent={self.percent!r}, "
                    f"interval={self.interval!r}); use TrafficPolicy.all_at_once()"
                )
            return
        if isinstance(self.percent, bool) or not isinstance(self.percent, int):
            raise TypeError(f"{self.kind.value} traffic percent={self.percent!r} is a "
                            f"{type(self.percent).__name__}; pass a whole percentage (int) from 1 to 99")
        if not 1 <= self.percent <= 99:
            raise ValueError(
                f"percent={self.percent!r} is not allowed for {self.kind.value} traffic; expected a whole "
                f"percentage from 1 to 99 (use TrafficPolicy.all_at_once() for 100)"
            )
        _whole_minutes(self.interval, "interval")
        if self.duration() > MAX_SHIFT_DURATION:
            raise ValueError(
                f"{self.kind.value} traffic of percent={self.percent} every interval={self.interval} takes "
                f"{self.duration()} to reach 100 %, longer than MAX_SHIFT_DURATION={MAX_SHIFT_DURATION}, the "
                f"longest shift one state machine execution can follow (a {SHIFT_POLL.seconds} s poll within "
                f"Step Functions' 25,000-event history); raise percent or shorten interval"
            )

    @classmethod
    def canary(cls, *, percent: int = 10, interval: timedelta = timedelta(minutes=60)) -> TrafficPolicy:
        """Shift `percent` of traffic (the one-box), wait `interval`, then shift the rest.

        Default: 10 % for 60 minutes, then all at once.
        """
        return cls(kind=TrafficKind.CANARY, percent=percent, interval=interval)

    @classmethod
    def linear(cls, *, percent: int = 10, interval: timedelta = timedelta(minutes=10)) -> TrafficPolicy:
        """Shift `percent` more traffic every `interval` (a rolling deployment).

        Default: 10 % every 10 minutes.
        """
        return cls(kind=TrafficKind.LINEAR, percent=percent, interval=interval)

    @classmethod
    def all_at_once(cls) -> TrafficPolicy:
        """Move all traffic at once (pre-production, rollbacks)."""
        return cls(kind=TrafficKind.ALL_AT_ONCE)

    @property
    def interval_minutes(self) -> int:
        return int(self.interval.total_seconds() // 60)

    @property
    def increments(self) -> int:
        """How many traffic moves the shift makes."""
        if self.kind is TrafficKind.ALL_AT_ONCE:
            return 1
        if self.kind is TrafficKind.CANARY:
            return 2
        return math.ceil(100 / self.percent)

    def duration(self) -> timedelta:
        """Time from the first traffic move to 100 % on the new version."""
        return self.interval * (self.increments - 1)

    @property
    def predefined_config_name(self) -> str | None:
        """CodeDeploy's predefined config for this policy, or None when a custom one is needed."""
        return PREDEFINED_LAMBDA_CONFIGS.get((self.kind, self.percent, self.interval_minutes))

    @property
    def is_one_box(self) -> bool:
        return self.kind is TrafficKind.CANARY and self.percent <= ONE_BOX_MAX_PERCENT

    def describe(self) -> str:
        if self.kind is TrafficKind.ALL_AT_ONCE:
            return "all at once"
        if self.kind is TrafficKind.CANARY:
            return f"canary {self.percent}% for {self.interval_minutes} min"
        return f"linear {self.percent}% every {self.interval_minutes} min"

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "percent": self.percent, "intervalMinutes": self.interval_minutes}


def require_one_box(traffic: TrafficPolicy, parameter: str = "traffic") -> None:
    """Reject a canary that sends more than a one-box's share of traffic to the new version."""
    if traffic.kind is TrafficKind.CANARY and traffic.percent > ONE_BOX_MAX_PERCENT:
        raise ValueError(
            f"{parameter} is a canary of {traffic.percent}%, above the one-box limit of "
            f"{ONE_BOX_MAX_PERCENT}%; lower the percent or use TrafficPolicy.linear() for a rolling shift"
        )


@dataclass(frozen=True, kw_only=True)
class BakePolicy:
    """How long a step watches the aggregate alarm before the next step may start.

    A bake passes only once `duration` has elapsed *and* at least
    `min_data_points` of `metric` have been seen since it began.
    """

    duration: timedelta
    min_data_points: int = 100
    metric: str = "Invocations"
    #: The shortest bake an emergency override may cut this one to.
    #: Default: a tenth of `duration`, at least 5 minutes, at most `duration`.
    override_floor: timedelta | None = None

    def __post_init__(self) -> None:
        require_timedelta(self.duration, "bake duration", maximum=MAX_BAKE_WAIT,
                          why="the longest one bake state machine execution can watch within Step Functions' "
                              "25,000-event history; bake longer by splitting the wave into steps")
        require_int(self.min_data_points, "min_data_points", minimum=0)
        require_str(self.metric, "metric", "Invocations")
        if self.override_floor is not None:
            require_timedelta(self.override_floor, "override_floor")
            if self.override_floor > self.duration:
                raise ValueError(
                    f"override_floor={self.override_floor} must lie between 0 and duration={self.duration}"
                )
            if self.duration and not self.override_floor:
                raise ValueError(
                    "override_floor=0 would let an emergency override remove the bake; an override only "
                    "shortens it: give a positive floor"
                )

    @classmethod
    def none(cls) -> BakePolicy:
        """No bake at all (pre-production stages that run tests instead)."""
        return cls(duration=timedelta(0), min_data_points=0)

    @property
    def is_empty(self) -> bool:
        return not self.duration and not self.min_data_points

    @property
    def emergency_duration(self) -> timedelta:
        """The bake under an emergency override: shorter, never zero unless the bake is zero."""
        if self.override_floor is not None:
            return self.override_floor
        if not self.duration:
            return timedelta(0)
        return min(self.duration, max(self.duration / 10, timedelta(minutes=5)))

    def describe(self) -> str:
        hours = self.duration.total_seconds() / 3600
        span = f"{hours:g} h" if hours >= 1 else f"{self.duration.total_seconds() / 60:g} min"
        return f"{span}, >= {self.min_data_points} {self.metric}" if self.min_data_points else span

    def to_dict(self) -> dict[str, object]:
        return {
            "seconds": int(self.duration.total_seconds()),
            "minDataPoints": self.min_data_points,
            "metric": self.metric,
            "overrideSeconds": int(self.emergency_duration.total_seconds()),
        }


@dataclass(frozen=True, kw_only=True)
class AlarmPolicy:
    """Thresholds of a service's high-severity and one-box alarms.

    Defaults suit a request/response API: 1 % faults, p50 1 s, p90 2 s,
    p99 5 s, any throttle, 5 errors in logs per minute; three of three
    one-minute periods breaching before ALARM. The one-box fault rate and
    error count are judged over the same three minutes as one data point
    (:attr:`one_box_window`), and the one-box alarms from its third error
    in that window (while above the fault rate).
    """

    max_fault_rate: float = 0.01
    p50_latency: timedelta = timedelta(seconds=1)
    p90_latency: timedelta = timedelta(seconds=2)
    p99_latency: timedelta = timedelta(seconds=5)
    max_throttles: int = 0
    max_errors_in_logs: int = 5
    period: timedelta = timedelta(minutes=1)
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 3
    #: Fewest invocations in a period before the fault rate may alarm; quiet regions otherwise flap.
    min_invocations_for_fault_rate: int = 10
    #: Width of the anomaly-detection band (standard deviations) of the informative traffic-drop
    #: and latency-anomaly alarms.
    anomaly_std_devs: float = 2.0
    #: Errors of the new version the one-box tolerates in one evaluation window
    #: (:attr:`one_box_window`) before its error-count alarm fires, counted only while the
    #: one-box's fault rate is above `max_fault_rate`. It catches a failing one-box in a region
    #: too quiet for the fault rate (fewer than `min_invocations_for_fault_rate` calls).
    #: Default 2: the third error in the window alarms.
    one_box_max_errors: int = 2

    def __post_init__(self) -> None:
        require_number(self.max_fault_rate, "max_fault_rate", above=0, at_most=1, below=True,
                       what="a fraction between 0 and 1", example="0.01 (1 % of invocations fail)")
        for name in ("p50_latency", "p90_latency", "p99_latency"):
            require_timedelta(getattr(self, name), name, positive=True, maximum=MAX_LAMBDA_TIMEOUT,
                              why="Lambda's function timeout")
        if not self.p50_latency <= self.p90_latency <= self.p99_latency:
            raise ValueError(
                f"latency thresholds must not decrease: p50_latency={self.p50_latency}, "
                f"p90_latency={self.p90_latency}, p99_latency={self.p99_latency}"
            )
        for name in ("max_throttles", "max_errors_in_logs", "min_invocations_for_fault_rate",
                     "one_box_max_errors"):
            require_int(getattr(self, name), name, minimum=0)
        require_number(self.anomaly_std_devs, "anomaly_std_devs", above=0, at_most=10,
                       example="2 (the width of the anomaly band in standard deviations)")
        require_timedelta(self.period, "period", positive=True)
        require_int(self.evaluation_periods, "evaluation_periods", minimum=1)
        require_int(self.datapoints_to_alarm, "datapoints_to_alarm", minimum=1)
        if self.period.total_seconds() not in (10, 20, 30) and (
            self.period.total_seconds() < 60 or self.period.total_seconds() % 60
        ):
            raise ValueError(
                f"period={self.period} is not a CloudWatch alarm period; use 10, 20 or 30 seconds "
                f"or a whole number of minutes"
            )
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(
                f"datapoints_to_alarm={self.datapoints_to_alarm} must be between 1 and "
                f"evaluation_periods={self.evaluation_periods}"
            )
        if self.evaluation_periods * self.period > MAX_ALARM_EVALUATION:
            raise ValueError(
                f"evaluation_periods x period = {self.evaluation_periods} x {self.period} exceeds CloudWatch's "
                f"limit of {MAX_ALARM_EVALUATION}; use fewer periods or a shorter period"
            )

    @property
    def detection_time(self) -> timedelta:
        """Evaluation periods x period: how long a breach must last before ALARM."""
        return self.period * self.evaluation_periods

    @property
    def one_box_window(self) -> timedelta:
        """The one period the one-box fault rate and error count are summed over.

        The evaluation window (:attr:`detection_time`), rounded up to a period
        CloudWatch accepts (10, 20 or 30 seconds, or whole minutes).
        """
        seconds = int(self.detection_time.total_seconds())
        if seconds not in (10, 20, 30) and seconds % 60:
            seconds += 60 - seconds % 60
        return timedelta(seconds=seconds)
