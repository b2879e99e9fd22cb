"""Alarm kinds from one table, and the composite alarms built from them.

Every alarm Seawall creates for a Lambda function is one row of
:data:`ALARM_KINDS`: what it measures, with which statistic, which
:class:`~seawall.model.AlarmPolicy` field sets its threshold, whether it
blocks a deployment (it goes into the service's high-severity composite and,
within CodeDeploy's limit of ten, into the deployment group) or is
informative only, and in which order CodeDeploy receives it.

The one-box rows are judged over the whole evaluation window as one data
point (:attr:`~seawall.model.AlarmPolicy.one_box_window`): wave 1 is a
low-traffic region on purpose, and a 10 % one-box there may see a few calls a
minute, too few for a per-minute fault rate. ``one-box-errors`` counts the new
version's errors so that a one-box failing every call of a quiet region still
rolls back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from seawall.model import AlarmPolicy
from seawall.model._validate import require_items, require_str
from seawall.model.limits import MAX_ALARM_NAME, MAX_COMPOSITE_CHILDREN, MAX_COMPOSITE_RULE_CHARS
from seawall.model.naming import aggregate_alarm_name


class AlarmScope(Enum):
    """Which invocations an alarm measures."""

    #: Only the new version behind the alias (``ExecutedVersion`` dimension): the one-box.
    ONE_BOX = "one-box"
    #: Every invocation of the function in the region.
    SERVICE = "service"


class Comparison(Enum):
    ABOVE_THRESHOLD = "above"
    BELOW_BAND = "below-band"
    ABOVE_BAND = "above-band"


@dataclass(frozen=True)
class AlarmKind:
    """One row of the alarm table."""

    kind: str
    scope: AlarmScope
    #: ``fault-rate`` (metric math Errors / Invocations), ``one-box-errors`` (metric math: the Errors
    #: count while the fault rate is above ``max_fault_rate``), a Lambda metric name, or ``ErrorsInLogs``.
    metric: str
    statistic: str
    #: The :class:`AlarmPolicy` field that holds the threshold.
    threshold: str
    comparison: Comparison
    #: Blocking alarms feed the high-severity composite and CodeDeploy; informative ones only exist.
    blocking: bool
    #: Order in which CodeDeploy receives blocking alarms (lower first); it takes ten at most.
    codedeploy_priority: int
    description: str
    #: Evaluated as one period spanning the whole evaluation window
    #: (:attr:`AlarmPolicy.one_box_window`, one data point) rather than per period: a quiet
    #: one-box collects enough calls to judge only over several minutes.
    whole_window: bool = False


ALARM_KINDS: tuple[AlarmKind, ...] = (
    AlarmKind("one-box-fault-rate", AlarmScope.ONE_BOX, "fault-rate", "Sum", "max_fault_rate",
              Comparison.ABOVE_THRESHOLD, True, 0, "Errors / Invocations of the new version only, over the "
              "evaluation window", whole_window=True),
    AlarmKind("one-box-errors", AlarmScope.ONE_BOX, "one-box-errors", "Sum", "one_box_max_errors",
              Comparison.ABOVE_THRESHOLD, True, 1, "Errors of the new version only, over the evaluation window, "
              "counted while its fault rate is above max_fault_rate", whole_window=True),
    AlarmKind("one-box-p99-latency", AlarmScope.ONE_BOX, "Duration", "p99", "p99_latency",
              Comparison.ABOVE_THRESHOLD, True, 2, "p99 Duration of the new version only"),
    AlarmKind("fault-rate", AlarmScope.SERVICE, "fault-rate", "Sum", "max_fault_rate",
              Comparison.ABOVE_THRESHOLD, True, 3, "Errors / Invocations of the function"),
    AlarmKind("p99-latency", AlarmScope.SERVICE, "Duration", "p99", "p99_latency",
              Comparison.ABOVE_THRESHOLD, True, 4, "p99 Duration of the function"),
    AlarmKind("errors-in-logs", AlarmScope.SERVICE, "ErrorsInLogs", "Sum", "max_errors_in_logs",
              Comparison.ABOVE_THRESHOLD, True, 5, 'structured log lines with "level": "ERROR"'),
    AlarmKind("throttles", AlarmScope.SERVICE, "Throttles", "Sum", "max_throttles",
              Comparison.ABOVE_THRESHOLD, True, 6, "throttled invocations"),
    AlarmKind("p90-latency", AlarmScope.SERVICE, "Duration", "p90", "p90_latency",
              Comparison.ABOVE_THRESHOLD, True, 7, "p90 Duration of the function"),
    AlarmKind("p50-latency", AlarmScope.SERVICE, "Duration", "p50", "p50_latency",
              Comparison.ABOVE_THRESHOLD, True, 8, "p50 Duration of the function"),
    AlarmKind("traffic-drop", AlarmScope.SERVICE, "Invocations", "Sum", "anomaly_std_devs",
              Comparison.BELOW_BAND, False, 9, "Invocations below the anomaly-detection band"),
    AlarmKind("latency-anomaly", AlarmScope.SERVICE, "Duration", "p99", "anomaly_std_devs",
              Comparison.ABOVE_BAND, False, 10, "p99 Duration above the anomaly-detection band"),
)
ALARM_KINDS_BY_NAME: dict[str, AlarmKind] = {k.kind: k for k in ALARM_KINDS}
DEFAULT_BLOCKING: tuple[str, ...] = tuple(k.kind for k in ALARM_KINDS if k.blocking)


def alarm_kind(kind: str) -> AlarmKind:
    """The table row for `kind`; a ValueError names the known kinds otherwise (a TypeError if not a string)."""
    require_str(kind, "alarm kind", "fault-rate")
    try:
        return ALARM_KINDS_BY_NAME[kind]
    except KeyError:
        raise ValueError(
            f"unknown alarm kind {kind!r}; expected one of: {', '.join(ALARM_KINDS_BY_NAME)}"
        ) from None


def threshold_of(kind: AlarmKind, policy: AlarmPolicy) -> float:
    """The threshold of `kind` under `policy`, in the metric's unit (latencies in milliseconds)."""
    value = getattr(policy, kind.threshold)
    if isinstance(value, timedelta):
        return value.total_seconds() * 1000
    return float(value)


def _period(policy: AlarmPolicy) -> Duration:
    return Duration.seconds(int(policy.period.total_seconds()))


def alarm_period(kind: AlarmKind, policy: AlarmPolicy) -> Duration:
    """The period `kind`'s metric is aggregated over: the policy's period, or the whole window."""
    if kind.whole_window:
        return Duration.seconds(int(policy.one_box_window.total_seconds()))
    return _period(policy)


def build_alarm(
    scope: Construct, construct_id: str, *, kind: AlarmKind, metric: cloudwatch.IMetric,
    policy: AlarmPolicy, name: str,
) -> cloudwatch.AlarmBase:
    """Render one row of the table as a CloudWatch alarm named `name`."""
    description = f"Seawall {kind.kind}: {kind.description}" + ("" if kind.blocking else " (informative)")
    # A whole-window alarm judges one data point that already spans the evaluation window.
    evaluation_periods = 1 if kind.whole_window else policy.evaluation_periods
    datapoints_to_alarm = 1 if kind.whole_window else policy.datapoints_to_alarm
    if kind.comparison is Comparison.ABOVE_THRESHOLD:
        return cloudwatch.Alarm(
            scope, construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=threshold_of(kind, policy),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            # A quiet region or a one-box without traffic yet has no data; that is not a breach.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
    return cloudwatch.AnomalyDetectionAlarm(
        scope, construct_id,
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        std_devs=threshold_of(kind, policy),
        comparison_operator=(
            cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD
            if kind.comparison is Comparison.BELOW_BAND
            else cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD
        ),
        evaluation_periods=policy.evaluation_periods,
        datapoints_to_alarm=policy.datapoints_to_alarm,
        treat_missing_data=(
            cloudwatch.TreatMissingData.BREACHING
            if kind.comparison is Comparison.BELOW_BAND
            else cloudwatch.TreatMissingData.NOT_BREACHING
        ),
    )


def lambda_metric(metric_name: str, statistic: str, dimensions: dict[str, str],
                  policy: AlarmPolicy, period: Duration | None = None) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Lambda", metric_name=metric_name, dimensions_map=dimensions,
        statistic=statistic, period=period or _period(policy),
    )


def fault_rate(dimensions: dict[str, str], policy: AlarmPolicy, label: str,
               period: Duration | None = None) -> cloudwatch.MathExpression:
    """Errors / Invocations, zero while fewer than ``min_invocations_for_fault_rate`` calls arrive.

    `period` defaults to the policy's period.
    """
    period = period or _period(policy)
    return cloudwatch.MathExpression(
        expression=f"IF(invocations >= {policy.min_invocations_for_fault_rate}, errors / invocations, 0)",
        using_metrics={
            "errors": lambda_metric("Errors", "Sum", dimensions, policy, period),
            "invocations": lambda_metric("Invocations", "Sum", dimensions, policy, period),
        },
        label=label,
        period=period,
    )


def _decimal(value: float) -> str:
    """`value` in plain decimal notation (metric math has no exponent syntax): 1e-05 -> '0.00001'."""
    return f"{value:.12f}".rstrip("0").rstrip(".") or "0"


def failing_errors(dimensions: dict[str, str], policy: AlarmPolicy, label: str,
                   period: Duration | None = None) -> cloudwatch.MathExpression:
    """The Errors count, zero while Errors / Invocations stays at or below ``max_fault_rate``.

    The one-box error-count alarm compares it with ``one_box_max_errors``: a
    one-box too quiet for the fault rate (fewer than
    ``min_invocations_for_fault_rate`` calls) still alarms when it fails, and
    a busy one-box does not alarm on its normal, tolerated errors.
    """
    period = period or _period(policy)
    return cloudwatch.MathExpression(
        expression=f"IF(errors / invocations > {_decimal(policy.max_fault_rate)}, errors, 0)",
        using_metrics={
            "errors": lambda_metric("Errors", "Sum", dimensions, policy, period),
            "invocations": lambda_metric("Invocations", "Sum", dimensions, policy, period),
        },
        label=label,
        period=period,
    )


# --- composites -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")
#: The longest region name a token may resolve to (e.g. "ap-southeast-5" is 14).
_REGION_CHARS = 16


def alarm_rule_any(names: Sequence[str]) -> str:
    """``ALARM("a") OR ALARM("b") ...``; ``FALSE`` when `names` is empty."""
    if not names:
        return "FALSE"
    return " OR ".join(f'ALARM("{n}")' for n in names)


def _estimated_length(text: str, region_token: str | None) -> int:
    """Characters `text` will have once deployed: a region token counts as a region name, any
    other token as the longest alarm name."""
    if region_token:
        text = text.replace(region_token, "r" * _REGION_CHARS)
    return len(_TOKEN.sub("x" * MAX_ALARM_NAME, text))


def chunk_alarm_names(
    names: Sequence[str], *, max_children: int = MAX_COMPOSITE_CHILDREN,
    max_chars: int = MAX_COMPOSITE_RULE_CHARS, region_token: str | None = None,
) -> list[list[str]]:
    """Split `names` into groups whose ``ALARM(...) OR ...`` rule fits one composite alarm."""
    groups: list[list[str]] = []
    current: list[str] = []
    length = 0
    for name in names:
        piece = _estimated_length(f'ALARM("{name}")', region_token)
        if piece > max_chars:
            raise ValueError(f"alarm name {name!r} alone exceeds the composite rule limit of {max_chars}")
        extra = piece + (4 if current else 0)  # " OR "
        if current and (len(current) >= max_children or length + extra > max_chars):
            groups.append(current)
            current, length, extra = [], 0, piece
        current.append(name)
        length += extra
    if current:
        groups.append(current)
    return groups


class AggregateAlarm(Construct):
    """A team's rollback alarm in one region: ALARM when any child alarm is in ALARM.

    Children are referenced by *name*, so services deployed by other stacks or
    pipelines join the aggregate without a reference to (or an edit of) each
    other's stacks. Past CloudWatch's limits of 100 children or 10,240
    characters per rule, the children are split into part composites
    (``{aggregate}-part-{level}-{n}``) and the aggregate watches the parts,
    nesting as deep as needed.

    Every named child must exist when the aggregate is deployed: CloudWatch
    rejects a composite whose rule names an alarm that does not exist, and
    refuses to delete an alarm a composite still references.

    Parameters
    ----------
    team:
        The team whose aggregate this is; the alarm is named
        ``aggregate_alarm_name(team, region)``.
    region:
        Default: the stack's region.
    alarm_names:
        The child alarms, by name. Empty gives a composite whose rule is
        ``FALSE`` (never in ALARM).
    """

    def __init__(self, scope: Construct, construct_id: str, *, team: str, region: str | None = None,
                 alarm_names: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        region = stack.region if region is None else require_str(region, "region", "us-east-1")
        self.alarm_name = aggregate_alarm_name(team, region)
        alarm_names = require_items(alarm_names, "alarm_names", "['payments-orders-us-east-1-high-severity']")
        for name in alarm_names:
            require_str(name, "alarm_names item", "payments-orders-us-east-1-high-severity")
        names = list(dict.fromkeys(alarm_names))
        if len(names) != len(alarm_names):
            dupes = sorted({n for n in alarm_names if list(alarm_names).count(n) > 1})
            raise ValueError(f"alarm_names lists {dupes} more than once; list each child alarm once")
        region_token = stack.region if Token.is_unresolved(stack.region) else None
        #: Every composite this construct creates, the aggregate last.
        self.composites: list[cloudwatch.CfnCompositeAlarm] = []
        level = 0
        while True:
            groups = chunk_alarm_names(names, region_token=region_token)
            if len(groups) <= 1:
                break
            level += 1
            parts: list[str] = []
            previous = list(self.composites)
            for index, group in enumerate(groups, start=1):
                part_name = f"{self.alarm_name}-part-{level}-{index}"
                part = self._composite(f"Part{level}x{index}", part_name, group)
                for child in previous:  # parts of the level below must exist first
                    if child.alarm_name in group:
                        part.add_resource_dependency(child)
                parts.append(part_name)
            names = parts
        top = self._composite("Resource", self.alarm_name, names)
        for child in self.composites[:-1]:
            if child.alarm_name in names:
                top.add_resource_dependency(child)
        self.alarm = cloudwatch.CompositeAlarm.from_composite_alarm_name(self, "Alarm", self.alarm_name)

    def _composite(self, construct_id: str, name: str, children: Sequence[str]) -> cloudwatch.CfnCompositeAlarm:
        composite = cloudwatch.CfnCompositeAlarm(
            self, construct_id,
            alarm_name=name,
            alarm_rule=alarm_rule_any(children),
            alarm_description="Seawall aggregate: ALARM when any child alarm is in ALARM",
        )
        self.composites.append(composite)
        return composite
