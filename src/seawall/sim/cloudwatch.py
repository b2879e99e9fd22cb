"""A fake of CloudWatch: a metric store, metric and composite alarms evaluated on the simulated clock.

The metric store is partitioned by account and region and holds one bucket per
series (namespace, metric name, dimensions) per minute: sum, sample count,
minimum, maximum and, when the traffic model gives them, the values themselves
as a histogram (percentiles need them).  :meth:`FakeCloudWatch.record` and
:meth:`FakeCloudWatch.record_stats` are O(1) per call and minute (a
:class:`SeriesWriter` from :meth:`FakeCloudWatch.writer` writes one series
without naming it again); data for a minute becomes visible
``publication_delay`` seconds after the minute starts.  A minute's statistics
are computed once per data added to it, and so is a period's of several
minutes (kept on its last minute); an alarm whose range moved on by one period
since the last tick reads only its newest period, unless older minutes of it
were written or became visible since; math alarms reading the same metrics at
one evaluation share their values, and their expressions run as compiled code.

Metric alarms are evaluated every ``evaluation_interval`` seconds on a sliding
window (AWS's default), with AWS's documented M-of-N and missing-data rules,
including the evaluation range and the "premature alarm" rule.  An alarm whose
whole evaluation range is empty and whose state already is what emptiness
gives is put to sleep until one of its series receives data: the cost is
proportional to the data, not to the number of alarms times the minutes.
Composite alarms are evaluated when a child changes state.  Every state change
is recorded in :attr:`FakeCloudWatch.history` with its simulated time and
reason (the simulation's ground truth).

Metric math is the subset Seawall synthesizes (``IF``, ``/``, comparisons,
numbers, metric ids); any other function or syntax raises
:class:`~seawall.sim.botocore_bridge.Unmodelled`, naming it.  Anomaly
detection alarms (``ANOMALY_DETECTION_BAND``) are created and described but
never evaluated (their model is AWS's own): they stay ``INSUFFICIENT_DATA``,
and a composite that names one raises :class:`Unmodelled`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dateutil.tz import tzutc

from ..model.limits import (
    MAX_ALARM_EVALUATION,
    MAX_ALARM_NAME,
    MAX_COMPOSITE_CHILDREN,
    MAX_COMPOSITE_RULE_CHARS,
    MAX_DESCRIBE_ALARM_NAMES,
)
from .botocore_bridge import AwsError, Unmodelled, dispatch
from .citations import Citation, cites
from .clock import Clock, Scheduler

_GUIDE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"
_API = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"

_STATISTICS_LIMIT = Citation(
    _API + "API_GetMetricStatistics.html",
    "The maximum number of data points returned from a single call is 1,440. If you request more than 1,440 data "
    "points, CloudWatch returns an error.")
_STATISTICS_AGGREGATE = Citation(
    _API + "API_GetMetricStatistics.html",
    "CloudWatch aggregates data points based on the length of the period that you specify. For example, if you "
    "request statistics with a one-hour period, CloudWatch aggregates all data points with time stamps that fall "
    "within each one-hour period.")
_STATISTICS_DIMENSIONS = Citation(
    _API + "API_GetMetricStatistics.html",
    "CloudWatch treats each unique combination of dimensions as a separate metric. If a specific combination of "
    "dimensions was not published, you can't retrieve statistics for it.")
_STATISTICS_EITHER = Citation(
    _API + "API_GetMetricStatistics.html",
    "The metric statistics, other than percentile. For percentile statistics, use ExtendedStatistics. When calling "
    "GetMetricStatistics, you must specify either Statistics or ExtendedStatistics, but not both.")
_PERCENTILE_SETS = Citation(
    _API + "API_GetMetricStatistics.html",
    "CloudWatch needs raw data points to calculate percentile statistics. If you publish data using a statistic "
    "set instead, you can only retrieve percentile statistics for this data if one of the following conditions is "
    "true: The SampleCount value of the statistic set is 1. The Min and the Max values of the statistic set are "
    "equal.")
_PERCENTILE = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html",
    "For example, p95 is the 95th percentile and means that 95 percent of the data within the period is lower than "
    "this value and 5 percent of the data is higher than this value.")
_PUT_METRIC_DATA = Citation(
    _API + "API_PutMetricData.html",
    "Publishes metric data to Amazon CloudWatch. CloudWatch associates the data with the specified metric. If the "
    "specified metric does not exist, CloudWatch creates the metric.")
_NEW_ALARM = Citation(
    _API + "API_PutMetricAlarm.html",
    "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA. The alarm is "
    "then evaluated and its state is set appropriately.")
_UPDATED_ALARM = Citation(
    _API + "API_PutMetricAlarm.html",
    "When you update an existing alarm, its state is left unchanged, but the update completely overwrites the "
    "previous configuration of the alarm.")
_ALARM_NAME = Citation(
    _API + "API_PutMetricAlarm.html",
    "AlarmName: The name for the alarm. This name must be unique within the Region. Length Constraints: Minimum "
    "length of 1. Maximum length of 255.")
_EVALUATION_SPAN = Citation(
    _API + "API_PutMetricAlarm.html",
    "For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer "
    "than one day (86,400 seconds).")
_MATH_ALARM = Citation(
    _GUIDE,
    "A math expression used for an alarm can include as many as 10 metrics. Each metric must be using the same "
    "period.")
_EVALUATION = Citation(
    _GUIDE,
    "Datapoints to Alarm is the number of data points within the Evaluation Periods that must be breaching to cause "
    "the alarm to go to the ALARM state. The breaching data points don't have to be consecutive, they just must all "
    "be within the last number of data points equal to Evaluation Period.")
_MISSING = Citation(
    _GUIDE,
    "If some data points in the evaluation range are missing, and the number of actual data points that were "
    "retrieved is lower than the alarm's number of Evaluation Periods, CloudWatch fills in the missing data points "
    "with the result you specified for how to treat missing data, and then evaluates the alarm. However, all real "
    "data points in the evaluation range are included in the evaluation. CloudWatch uses missing data points only "
    "as few times as possible.")
_TREATMENTS = Citation(
    _GUIDE,
    "missing – If all data points in the alarm evaluation range are missing, the alarm transitions to "
    "INSUFFICIENT_DATA.")
_PREMATURE = Citation(
    _GUIDE,
    "This is because alarms are designed to always go into ALARM state when the oldest available breaching "
    "datapoint during the Evaluation Periods number of data points is at least as old as the value of Datapoints "
    "to Alarm, and all other more recent data points are breaching or missing.")
_SLIDING = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html",
    "SlidingWindow – the default. The window advances each time the alarm is evaluated, forming a rolling time "
    "window.")
_EVERY_MINUTE = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html",
    "When CloudWatch evaluates an alarm, it does so every minute, even if the period for the alarm is longer than "
    "one minute.")
_MATH_MISSING = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html",
    "Missing values in a time series are treated as 0. If the value of a data point causes a function to attempt "
    "to divide by zero, the data point is dropped.")
_MATH_IF = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html",
    "has the value of 0, if the corresponding data point of metric1 is TRUE and the corresponding data point does "
    "not exist in metric2. is dropped, if the corresponding data point of metric1 is FALSE and the corresponding "
    "data point does not exist in metric3 or if metric3 is omitted from the expression.")
_MATH_COMPARE = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html",
    "When comparison operators are used between two time series, and only one of the time series has a value for "
    "a particular time stamp, the function treats the missing value in the other time series as 0.")
_COMPOSITE_RULE = Citation(
    _API + "API_PutCompositeAlarm.html",
    "ALARM(\"alarm-name or alarm-ARN\") is TRUE if the named alarm is in ALARM state. OK(\"alarm-name or "
    "alarm-ARN\") is TRUE if the named alarm is in OK state. INSUFFICIENT_DATA(\"alarm-name or alarm-ARN\") is TRUE "
    "if the named alarm is in INSUFFICIENT_DATA state.")
_COMPOSITE_LIMITS = Citation(
    _API + "API_PutCompositeAlarm.html",
    "The rule expression of a composite alarm can include as many as 100 underlying alarms.")
_COMPOSITE_NEW = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-compositealarm.html",
    "For a composite alarm, this initial time after creation is the only time that the alarm can be in "
    "INSUFFICIENT_DATA state.")
_COMPOSITE_CHILD = Citation(
    _API + "API_SetAlarmState.html",
    "If you use SetAlarmState on a composite alarm, the composite alarm is not guaranteed to return to its actual "
    "state. It returns to its actual state only once any of its children alarms change state. It is also "
    "reevaluated if you update its configuration.")
_SET_STATE = Citation(
    _GUIDE,
    "You can test an alarm by setting it to any state using the SetAlarmState API action or the set-alarm-state "
    "command in the AWS CLI. This temporary state change lasts only until the next alarm comparison occurs.")
_DESCRIBE_NAMES = Citation(
    _API + "API_DescribeAlarms.html",
    "AlarmNames: The names of the alarms to retrieve information about. Type: Array of strings. Array Members: "
    "Maximum number of 100 items.")
_DESCRIBE_TYPES = Citation(
    _API + "API_DescribeAlarms.html",
    "If you omit this parameter, only metric alarms are returned, even if composite alarms exist in the account.")
_DESCRIBE_TOKEN = Citation(
    _API + "API_DescribeAlarms.html",
    "NextToken: The token returned by a previous call to indicate that there is more data available.")
_DELETE = Citation(
    _API + "API_DeleteAlarms.html",
    "You can delete up to 100 alarms in one operation. However, this total can include no more than one composite "
    "alarm. If you specify any incorrect alarm names, the alarms you specify with correct names are still deleted.")
_DELETE_REFERENCED = Citation(
    _API + "API_DeleteAlarms.html",
    "In this scenario, you can't delete any composite alarm that is part of the cycle because there is always still "
    "a composite alarm that depends on that alarm that you want to delete.")
_VALIDATION = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html",
    "ValidationError: The input fails to satisfy the constraints specified by an AWS service.")
_CFN_ALARM = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html",
    "The AWS::CloudWatch::Alarm type specifies an alarm and associates it with the specified metric or metric math "
    "expression.")

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_OPERATORS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
_BAND_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
_TREATMENTS_ALLOWED = ("breaching", "notBreaching", "ignore", "missing")
_PERCENTILE_RE = re.compile(r"^p(\d{1,2}(\.\d{1,10})?|100)$")
#: The alarm configuration fields :class:`FakeCloudWatch` reads; any other one set is refused as unmodelled.
_UNMODELLED_ALARM_FIELDS = ("EvaluationCriteria", "EvaluationInterval", "WarmUpConfiguration", "Unit")


# ------------------------------------------------------------------------------------------------ metric store


@dataclass(slots=True)
class _Bucket:
    """One minute of one series."""

    visible_at: float
    total: float = 0.0
    count: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    #: value -> how many samples had it; None once a statistic set without values was recorded.
    values: dict[float, float] | None = field(default_factory=dict)
    unit: str = "None"
    #: statistic -> its value over this minute alone, and (statistic, k) -> its value over the k minutes ending
    #: with this one (all visible); None again whenever data is added to the minute or to one of those k.
    memo: dict[Any, float | None] | None = None


SeriesKey = tuple[str, str, str, str, tuple[tuple[str, str], ...]]


class _Plan(list[tuple[int, int]]):
    """The minutes [first, last) of each period of an evaluation range at one tick, oldest first.

    `after` is the previous tick's plan of the same shape when this one is that one moved on by one period
    (every period but its oldest is one of this plan's), else None.
    """

    __slots__ = ("after",)
    after: _Plan | None

    def __init__(self, bounds: Iterable[tuple[int, int]], after: _Plan | None) -> None:
        super().__init__(bounds)
        if after is not None:
            after.after = None  # (only the plan of the tick before is ever asked for)
        self.after = after if after is not None and after[1:] == self[:-1] else None


#: botocore's UTC: the time zone of every timestamp botocore parses from an answer.
_TZUTC = tzutc()


def series_key(account: str, region: str, namespace: str, name: str, dimensions: Mapping[str, str]) -> SeriesKey:
    """How the store names one metric: dimensions are an unordered set of (name, value)."""
    return account, region, namespace, name, tuple(sorted((str(k), str(v)) for k, v in dimensions.items()))


@dataclass
class _Series:
    buckets: dict[int, _Bucket] = field(default_factory=dict)
    #: Alarms asleep until this series receives data.
    sleepers: dict[tuple[str, str, str], _MetricAlarm] = field(default_factory=dict)
    #: The most minutes a period of an alarm reading the series has spanned: a write to a minute forgets what the
    #: minute and the `span` - 1 minutes after it remember (a period's value is kept on its last minute).
    span: int = 1
    #: The earliest minute written since evaluation tick number `low_tick` started (none if an older number).
    low: int = 0
    low_tick: int = -1


def _visible_in(series: _Series, start: float, end: float, now: float) -> list[_Bucket]:
    """The buckets of `series` whose minute lies in [start, end) (epoch seconds) and that are visible at `now`."""
    buckets = series.buckets
    first, last = math.ceil(start / 60), math.ceil(end / 60)
    if last - first == 1:
        b = buckets.get(first)
        return [b] if b is not None and b.visible_at <= now else []
    return [b for minute in range(first, last) if (b := buckets.get(minute)) is not None and b.visible_at <= now]


def _aggregate(buckets: Sequence[_Bucket], stat: str) -> float | None:
    """`stat` over `buckets` (already filtered to visible ones); None when there is no data or no percentile."""
    if not buckets:
        return None
    total = count = 0.0
    low, high = math.inf, -math.inf
    for b in buckets:
        total += b.total
        count += b.count
        low = min(low, b.low)
        high = max(high, b.high)
    if stat == "Sum":
        return total
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return total / count if count else None
    if stat == "Minimum":
        return low
    if stat == "Maximum":
        return high
    merged: dict[float, float] = {}
    for b in buckets:
        if b.values is None:  # a statistic set without values: percentiles as CloudWatch documents for those
            return _percentile(stat, None, count, low, high)
        for v, n in b.values.items():
            merged[v] = merged.get(v, 0.0) + n
    return _percentile(stat, merged, count, low, high)


def _statistic(buckets: Sequence[_Bucket], stat: str) -> float | None:
    """:func:`_aggregate`, remembered per minute for a single minute (until data is added to it)."""
    if len(buckets) != 1:
        return _aggregate(buckets, stat)
    b = buckets[0]
    memo = b.memo
    if memo is None:
        memo = b.memo = {}
    elif stat in memo:
        return memo[stat]
    value = memo[stat] = _aggregate(buckets, stat)
    return value


@functools.cache
def _fraction(stat: str) -> float:
    """pNN -> NN / 100 (parsed once per statistic)."""
    return float(stat[1:]) / 100.0


@cites(_PERCENTILE, _PERCENTILE_SETS)
def _percentile(stat: str, values: dict[float, float] | None, count: float, low: float, high: float) -> float | None:
    """The nearest-rank percentile ``pNN``; from a statistic set only when SampleCount is 1 or Min == Max."""
    if values is None or not values:
        return low if (count == 1 or low == high) and count > 0 else None
    n = sum(values.values())
    rank = max(1.0, math.ceil(_fraction(stat) * n - 1e-9))
    seen = 0.0
    for v in sorted(values):
        seen += values[v]
        if seen >= rank:
            return v
    return high


# ------------------------------------------------------------------------------------------------ metric math


class Tokens:
    """A cursor over (kind, text) tokens, for the small parsers of the fakes."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.pos = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.pos += 1
        return tok

    def done(self) -> bool:
        return self.pos == len(self.tokens)


class _Expr:
    """A parsed metric math expression, evaluated one timestamp at a time."""

    scalar: bool = False

    def at(self, point: Mapping[str, float | None]) -> float | None:
        raise NotImplementedError


@dataclass
class _Num(_Expr):
    value: float
    scalar: bool = True

    def at(self, point: Mapping[str, float | None]) -> float | None:
        return self.value


@dataclass
class _Id(_Expr):
    name: str

    def at(self, point: Mapping[str, float | None]) -> float | None:
        return point.get(self.name)


@dataclass
class _Binary(_Expr):
    """An operator of two operands: no point where neither has one; a scalar when both are."""

    left: _Expr
    right: _Expr

    def __post_init__(self) -> None:
        self.scalar = self.left.scalar and self.right.scalar

    def at(self, point: Mapping[str, float | None]) -> float | None:
        a, b = self.left.at(point), self.right.at(point)
        if a is None and b is None:
            return None
        return self.apply(a, b)

    def apply(self, a: float | None, b: float | None) -> float | None:
        """The operator on the operands' values, one of them at least present."""
        raise NotImplementedError


@dataclass
class _Div(_Binary):
    def apply(self, a: float | None, b: float | None) -> float | None:
        a, b = a or 0.0, b or 0.0  # a missing value in one series counts as 0
        if b == 0:
            return None  # dividing by zero drops the data point
        return a / b


_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
            "!=": operator.ne}


@dataclass
class _Compare(_Binary):
    op: str

    def apply(self, a: float | None, b: float | None) -> float | None:
        if (a is None and self.right.scalar) or (b is None and self.left.scalar):
            return None  # a time series compared with a scalar has no point where the series has none
        return 1.0 if _COMPARE[self.op](a or 0.0, b or 0.0) else 0.0


@dataclass
class _If(_Expr):
    cond: _Expr
    then: _Expr
    otherwise: _Expr | None

    def at(self, point: Mapping[str, float | None]) -> float | None:
        c = self.cond.at(point)
        if c is None:
            return None
        if c != 0:
            v = self.then.at(point)
            return 0.0 if v is None else v
        if self.otherwise is None:
            return None
        return self.otherwise.at(point)


_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>>=|<=|==|!=|[><(),/])|"
                    r"(?P<bad>\S))")


@cites(_MATH_MISSING, _MATH_IF, _MATH_COMPARE)
def parse_expression(text: str, ids: Iterable[str]) -> _Expr:
    """Parse the metric math Seawall synthesizes: ``IF``, ``/``, comparisons, numbers and metric ids.

    Anything else (another function, ``+``, ``*``, ``AND``, ...) raises
    :class:`Unmodelled` naming it.
    """
    known = set(ids)
    cursor = Tokens([(m.lastgroup or "bad", m.group(m.lastgroup or "bad")) for m in _TOKEN.finditer(text)])
    peek, take = cursor.peek, cursor.take

    def expect(value: str) -> None:
        kind, got = take()
        if got != value:
            raise Unmodelled(f"metric math {text!r}: expected {value!r}, found {got!r}; the simulated CloudWatch "
                             f"models only IF, '/', comparisons, numbers and metric ids")

    def primary() -> _Expr:
        kind, value = take()
        if kind == "num":
            return _Num(float(value))
        if kind == "name":
            if peek()[1] == "(":
                if value != "IF":
                    raise Unmodelled(f"metric math function {value} (in {text!r}) is not modelled; the simulated "
                                     f"CloudWatch models IF only")
                expect("(")
                cond = comparison()
                expect(",")
                then = comparison()
                otherwise = None
                if peek()[1] == ",":
                    take()
                    otherwise = comparison()
                expect(")")
                return _If(cond, then, otherwise)
            if value not in known:
                raise Unmodelled(f"metric math {text!r} names {value!r}, which is neither a metric id of the alarm "
                                 f"({sorted(known)}) nor a modelled function")
            return _Id(value)
        if value == "(":
            inner = comparison()
            expect(")")
            return inner
        raise Unmodelled(f"metric math {text!r}: {value!r} is not modelled (only IF, '/', comparisons, numbers, ids)")

    def term() -> _Expr:
        left = primary()
        while peek()[1] == "/":
            take()
            left = _Div(left, primary())
        return left

    def comparison() -> _Expr:
        left = term()
        if peek()[1] in _COMPARE:
            op = take()[1]
            left = _Compare(left, term(), op)
        return left

    tree = comparison()
    if not cursor.done():
        raise Unmodelled(f"metric math {text!r}: {peek()[1]!r} is not modelled (only IF, '/', comparisons, numbers, "
                         f"ids)")
    return tree


def compile_expression(expr: _Expr, ids: Sequence[str]) -> Callable[..., float | None]:
    """`expr` as a function of its metrics' values (or None, missing), given in the order of `ids`.

    The function computes exactly what ``expr.at(dict(zip(ids, values)))`` does -- the same operations in the
    same order, as straight-line Python rather than a call per node, leaving out the tests for a missing value
    where a node cannot be missing (a number): an alarm evaluates its expression once per period per evaluation.
    """
    index = {name: i for i, name in enumerate(ids)}  # the last of a repeated id, as a dict of the point keeps
    constants: dict[str, float] = {}
    lines: list[str] = []
    counter = itertools.count()

    def branches(pad: str, target: str, arms: list[tuple[str, str]], otherwise: str) -> None:
        """``if`` arm ``elif`` arm ... ``else`` otherwise, assigning `target` (no ``if`` when there is no arm)."""
        if not arms:
            lines.append(f"{pad}{target} = {otherwise}")
            return
        for k, (condition, value) in enumerate(arms):
            lines.extend([f"{pad}{'el' if k else ''}if {condition}:", f"{pad}    {target} = {value}"])
        lines.extend([f"{pad}else:", f"{pad}    {target} = {otherwise}"])

    def emit(node: _Expr, pad: str) -> tuple[str, bool]:
        """The name (or literal) holding `node`'s value, and whether it can be missing."""
        if isinstance(node, _Num):
            if math.isfinite(node.value):
                return repr(float(node.value)), False
            constants[f"k{len(constants)}"] = node.value
            return f"k{len(constants) - 1}", False
        if isinstance(node, _Id):
            return (f"v{index[node.name]}", True) if node.name in index else ("None", True)
        t = f"t{next(counter)}"
        if isinstance(node, _Binary):
            (a, a_none), (b, b_none) = emit(node.left, pad), emit(node.right, pad)
            neither = [f"{a} is None and {b} is None"] if a_none and b_none else []
            if isinstance(node, _Div):
                branches(pad, t, [(c, "None") for c in neither] + [(f"({b} or 0.0) == 0", "None")],
                         f"({a} or 0.0) / ({b} or 0.0)")
                return t, True
            if isinstance(node, _Compare):
                missing = neither + ([f"{a} is None"] if a_none and node.right.scalar else [])
                missing += [f"{b} is None"] if b_none and node.left.scalar else []
                branches(pad, t, [(" or ".join(f"({c})" for c in missing), "None")] if missing else [],
                         f"1.0 if ({a} or 0.0) {node.op} ({b} or 0.0) else 0.0")
                return t, bool(missing)
        if isinstance(node, _If):
            c, c_none = emit(node.cond, pad)
            if c_none:
                lines.extend([f"{pad}if {c} is None:", f"{pad}    {t} = None", f"{pad}elif {c} != 0:"])
            else:
                lines.append(f"{pad}if {c} != 0:")
            v, v_none = emit(node.then, pad + "    ")
            lines.extend([f"{pad}    {t} = {f'0.0 if {v} is None else {v}' if v_none else v}", f"{pad}else:"])
            if node.otherwise is None:
                lines.append(f"{pad}    {t} = None")
                return t, True
            o, o_none = emit(node.otherwise, pad + "    ")
            lines.append(f"{pad}    {t} = {o}")
            return t, c_none or o_none
        raise Unmodelled(f"metric math node {type(node).__name__} cannot be compiled")

    result, _ = emit(expr, "    ")
    source = "\n".join([f"def expression({', '.join(f'v{i}' for i in range(len(ids)))}):", *lines,
                        f"    return {result}"])
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<metric math>", "exec"), namespace)  # noqa: S102 -- source generated from a parsed tree
    function: Callable[..., float | None] = namespace["expression"]
    return function


# ------------------------------------------------------------------------------------------------ composite rules


class _Rule:
    def holds(self, state_of: Any) -> bool:
        raise NotImplementedError


@dataclass
class _Const(_Rule):
    value: bool

    def holds(self, state_of: Any) -> bool:
        return self.value


@dataclass
class _StateIs(_Rule):
    state: str
    alarm: str

    def holds(self, state_of: Any) -> bool:
        return bool(state_of(self.alarm) == self.state)


@dataclass
class _Not(_Rule):
    inner: _Rule

    def holds(self, state_of: Any) -> bool:
        return not self.inner.holds(state_of)


@dataclass
class _Both(_Rule):
    op: str
    parts: list[_Rule]

    def holds(self, state_of: Any) -> bool:
        if self.op == "AND":
            return all(p.holds(state_of) for p in self.parts)
        return any(p.holds(state_of) for p in self.parts)


_RULE_TOKEN = re.compile(r'\s*(?:(?P<q>"[^"]*")|(?P<p>[()])|(?P<w>[^\s()"]+))')


@cites(_COMPOSITE_RULE)
def parse_rule(text: str) -> tuple[_Rule, list[str]]:
    """Parse a composite alarm rule; return it and the alarms it names (in order, each once).

    The language: ``ALARM(x)``, ``OK(x)``, ``INSUFFICIENT_DATA(x)`` with ``x``
    quoted or not, ``AND``, ``OR``, ``NOT``, parentheses, ``TRUE``, ``FALSE``.
    A malformed rule raises ``ValidationError`` as CloudWatch does.
    """
    tokens = [m.group(m.lastgroup or "w") for m in _RULE_TOKEN.finditer(text) if m.group(0).strip()]
    pos = 0
    named: list[str] = []

    def bad(why: str) -> AwsError:
        return AwsError("ValidationError", f"AlarmRule {text!r} is invalid: {why}")

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take() -> str:
        nonlocal pos
        tok = peek()
        pos += 1
        return tok

    def unary() -> _Rule:
        tok = take()
        if tok == "NOT":
            return _Not(unary())
        if tok == "(":
            inner = disjunction()
            if take() != ")":
                raise bad("a parenthesis is not closed")
            return inner
        if tok in ("TRUE", "FALSE"):
            return _Const(tok == "TRUE")
        if tok in STATES:
            if take() != "(":
                raise bad(f"{tok} must be followed by (alarm name)")
            name = take()
            if not name or name == ")":
                raise bad(f"{tok}() names no alarm")
            if take() != ")":
                raise bad(f"{tok}({name} is not closed")
            name = name[1:-1] if name.startswith('"') else name
            if name not in named:
                named.append(name)
            return _StateIs(tok, name)
        raise bad(f"unexpected {tok!r}")

    def conjunction() -> _Rule:
        parts = [unary()]
        while peek() == "AND":
            take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else _Both("AND", parts)

    def disjunction() -> _Rule:
        parts = [conjunction()]
        while peek() == "OR":
            take()
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else _Both("OR", parts)

    if not tokens:
        raise bad("it is empty")
    tree = disjunction()
    if pos != len(tokens):
        raise bad(f"unexpected {peek()!r}")
    return tree, named


# ------------------------------------------------------------------------------------------------ alarms


@dataclass(frozen=True)
class AlarmTransition:
    """One state change of an alarm, as the simulation's ground truth records it."""

    account: str
    region: str
    alarm: str
    at: float
    old: str
    new: str
    reason: str
    kind: str  # "MetricAlarm" or "CompositeAlarm"


@dataclass
class _Query:
    id: str
    series: SeriesKey
    stat: str
    #: The store's series, once it exists (a series is never removed).
    found: _Series | None = field(default=None, compare=False, repr=False)


@dataclass
class _Alarm:
    account: str
    region: str
    name: str
    seq: int
    config: dict[str, Any]
    state: str = "INSUFFICIENT_DATA"
    reason: str = "Unchecked: Initial alarm creation"
    updated_at: float = 0.0
    transitioned_at: float = 0.0
    config_updated_at: float = 0.0

    @property
    def key(self) -> tuple[str, str, str]:
        return self.account, self.region, self.name

    @property
    def arn(self) -> str:
        return f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{self.name}"


@dataclass
class _MetricAlarm(_Alarm):
    period: int = 60
    n: int = 1
    m: int = 1
    threshold: float = 0.0
    compare: Any = None
    treat: str = "missing"
    queries: list[_Query] = field(default_factory=list)
    expr: _Expr | None = None
    #: Anomaly detection: created and described, never evaluated.
    band: bool = False
    #: The expression as a function of the queries' values, in their order (see :func:`compile_expression`).
    compiled: Any = field(default=None, compare=False, repr=False)
    #: The range last read: (tick number, plan, values, when a minute read then not visible becomes visible).
    kept: tuple[int, _Plan, list[float | None], float] | None = field(default=None, compare=False, repr=False)
    #: The last judgement: (values, state before, state, reason); the same values and state judge the same.
    judged: tuple[list[float | None], str, str, str] | None = field(default=None, compare=False, repr=False)
    #: (state before, each value breaching or not or missing) -> (state, reason): what :func:`judge` said.
    verdicts: dict[tuple[str, tuple[bool | None, ...]], tuple[str, str]] = field(default_factory=dict,
                                                                                 compare=False, repr=False)


@dataclass
class _CompositeAlarm(_Alarm):
    rule: _Rule = field(default_factory=lambda: _Const(False))
    children: list[str] = field(default_factory=list)


class SeriesWriter:
    """One series of a :class:`FakeCloudWatch` store, to write many minutes to (from :meth:`FakeCloudWatch.writer`).

    :meth:`stats` is :meth:`FakeCloudWatch.record_stats` and :meth:`values` is :meth:`FakeCloudWatch.record` for
    this series: the same checks, the same data in the same minute, the same effect on alarms, at the same
    moment; without naming (and hashing) the series on each call.  A writer that emits the same series every
    minute (the world's Lambda metrics: three metrics per dimension set per version) keeps one handle per series.
    """

    __slots__ = ("_cw", "_series")

    def __init__(self, cw: FakeCloudWatch, series: _Series) -> None:
        self._cw, self._series = cw, series

    def stats(self, at_seconds: float, *, total: float, count: float, minimum: float, maximum: float,
              distribution: Mapping[float, float] | None = None, unit: str = "None") -> None:
        """Add a statistic set to the minute holding `at_seconds` (as :meth:`FakeCloudWatch.record_stats`)."""
        self._cw._add_stats(self._series, at_seconds, total, count, minimum, maximum, distribution, unit)

    def values(self, at_seconds: float, values: Sequence[float], *, counts: Sequence[float] | None = None,
               unit: str = "None") -> None:
        """Add `values` (`counts` each) to the minute holding `at_seconds` (as :meth:`FakeCloudWatch.record`)."""
        self._cw._add_values(self._series, at_seconds, values, counts, unit)


class FakeCloudWatch:
    """CloudWatch metrics and alarms for every account and region of a simulated world.

    Parameters (what AWS does not promise a number for):

    publication_delay:
        Seconds after the start of its minute when a data point becomes visible to alarms and
        ``GetMetricStatistics``.  Default 60: as soon as the minute is over.
    evaluation_interval:
        How often alarms are evaluated (AWS: every minute for periods of a minute or more).
    extra_range_periods:
        How many periods the evaluation range holds beyond ``EvaluationPeriods`` (AWS's example: 5 for 3,
        "depends on the length of the alarm period").  Default 2.
    first_evaluation:
        Seconds from creating an alarm (metric or composite) or updating a composite to its first evaluation.
        Default: the next evaluation tick.
    """

    def __init__(self, *, clock: Clock, scheduler: Scheduler, publication_delay: float = 60.0,
                 evaluation_interval: float = 60.0, extra_range_periods: int = 2,
                 first_evaluation: float | None = None) -> None:
        if publication_delay < 0 or evaluation_interval <= 0 or extra_range_periods < 0:
            raise ValueError(f"publication_delay={publication_delay}, evaluation_interval={evaluation_interval} and "
                             f"extra_range_periods={extra_range_periods} must not be negative (the interval "
                             f"positive)")
        self.clock, self.scheduler = clock, scheduler
        self.publication_delay = publication_delay
        self.evaluation_interval = evaluation_interval
        self.extra_range_periods = extra_range_periods
        self.first_evaluation = first_evaluation
        self._epoch = clock.start.timestamp()
        self._series: dict[SeriesKey, _Series] = {}
        #: The series a writer's (account, region, namespace, name, dimensions as given) names (dimensions as
        #: strings in the writer's order: the store's key sorts them, which is most of a write's cost).
        self._series_of: dict[tuple[str, str, str, str, tuple[tuple[str, str], ...]], _Series] = {}
        self._alarms: dict[tuple[str, str, str], _Alarm] = {}
        self._parents: dict[tuple[str, str, str], set[str]] = {}
        self._awake: dict[tuple[str, str, str], _MetricAlarm] = {}
        #: The awake alarms by creation (their evaluation order), until one wakes or sleeps.
        self._awake_order: list[_MetricAlarm] | None = None
        #: The minutes [first, last) of each period of a range of (period, periods) at this tick's time.
        self._plans: dict[tuple[int, int], _Plan] = {}
        self._plans_at = math.nan
        #: The previous tick's plans, and how many ticks have started.
        self._last_plans: dict[tuple[int, int], _Plan] = {}
        self._tick_number = 0
        #: The values of (series, statistic, plan) computed in this tick (see :meth:`_column`).
        self._columns: dict[tuple[int, str, int], tuple[list[float | None], float]] = {}
        self._wakes: list[tuple[float, int, tuple[str, str, str]]] = []
        self._pending_composites: list[tuple[float, int, tuple[str, str, str]]] = []
        self._ticks: set[float] = set()
        self._seq = itertools.count()
        #: Every state change of every alarm, in order (the ground truth).
        self.history: list[AlarmTransition] = []
        #: How many metric alarm evaluations ran (a measure of the fake's cost).
        self.evaluations = 0
        self.alarm_provider = _AlarmProvider(self)
        self.composite_provider = _AlarmProvider(self, composite=True)

    # ------------------------------------------------------------------ time

    def _now(self) -> float:
        """Now, in epoch seconds."""
        return self._epoch + self.clock.seconds

    def _dt(self, epoch: float) -> datetime:
        """An answer's timestamp, as botocore parses AWS's (in dateutil's UTC)."""
        return datetime.fromtimestamp(epoch, tz=_TZUTC)

    # ------------------------------------------------------------------ the metric store (the world builder's API)

    def record(self, account: str, region: str, namespace: str, name: str, dimensions: Mapping[str, str],
               at_seconds: float, values: Sequence[float] = (), *, counts: Sequence[float] | None = None,
               unit: str = "None") -> None:
        """Add `values` (with `counts` each, default 1) to the series' minute holding `at_seconds` (since the start).

        Percentiles come from these values.  O(len(values)) per call.  A writer of many minutes of one series
        saves finding the series on every call with :meth:`writer`.
        """
        self._add_values(self._find(account, region, namespace, name, dimensions), at_seconds, values, counts, unit)

    def record_stats(self, account: str, region: str, namespace: str, name: str, dimensions: Mapping[str, str],
                     at_seconds: float, *, total: float, count: float, minimum: float, maximum: float,
                     distribution: Mapping[float, float] | None = None, unit: str = "None") -> None:
        """Add a statistic set to the series' minute holding `at_seconds`; O(1) (O(len(distribution))).

        `distribution` maps a value to how many samples had it (a histogram the traffic model gives); without
        it, percentiles are available only as CloudWatch documents for statistic sets.  A writer of many minutes
        of one series saves finding the series on every call with :meth:`writer`.
        """
        self._add_stats(self._find(account, region, namespace, name, dimensions), at_seconds, total, count, minimum,
                        maximum, distribution, unit)

    def writer(self, account: str, region: str, namespace: str, name: str,
               dimensions: Mapping[str, str]) -> SeriesWriter:
        """A handle on one series, to write many minutes to it without naming it again (see :class:`SeriesWriter`).

        ``cw.writer(a, r, ns, name, dims).stats(at, total=...)`` stores exactly what
        ``cw.record_stats(a, r, ns, name, dims, at, total=...)`` does (and ``.values`` what :meth:`record` does),
        in the same order with everything else; only finding the series (hashing the account, region, namespace,
        name and dimensions) is done once, here.  The series exists from this call on (with no data it is not
        listed anywhere and no statistic sees it).
        """
        return SeriesWriter(self, self._find(account, region, namespace, name, dimensions))

    def _find(self, account: str, region: str, namespace: str, name: str, dimensions: Mapping[str, str]) -> _Series:
        """The store's series for a writer's names (created when new)."""
        given = (account, region, namespace, name, tuple(dimensions.items()))
        try:
            series = self._series_of.get(given)
        except TypeError:  # a dimension value that does not hash: the store's key says which series it is
            series = None
        if series is None:
            key = series_key(account, region, namespace, name, dimensions)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series()
            if all(type(k) is str and type(v) is str for k, v in given[4]):
                self._series_of[given] = series
        return series

    def _add_values(self, series: _Series, at_seconds: float, values: Sequence[float],
                    counts: Sequence[float] | None, unit: str) -> None:
        if counts is not None and len(counts) != len(values):
            raise ValueError(f"counts has {len(counts)} entries for {len(values)} values; give one count per value")
        bucket = self._bucket(series, at_seconds, unit)
        for i, v in enumerate(values):
            n = 1.0 if counts is None else float(counts[i])
            if n <= 0:
                raise ValueError(f"counts[{i}]={n} must be positive")
            bucket.total += v * n
            bucket.count += n
            bucket.low = min(bucket.low, v)
            bucket.high = max(bucket.high, v)
            if bucket.values is not None:
                bucket.values[float(v)] = bucket.values.get(float(v), 0.0) + n

    def _add_stats(self, series: _Series, at_seconds: float, total: float, count: float, minimum: float,
                   maximum: float, distribution: Mapping[float, float] | None, unit: str) -> None:
        if count <= 0 or minimum > maximum:
            raise ValueError(f"count={count} must be positive and minimum={minimum} <= maximum={maximum}")
        bucket = self._bucket(series, at_seconds, unit)
        bucket.total += total
        bucket.count += count
        if minimum < bucket.low:  # min() and max() as comparisons: the same value kept on a tie
            bucket.low = minimum
        if maximum > bucket.high:
            bucket.high = maximum
        if distribution is None:
            bucket.values = None
        elif (values := bucket.values) is not None:
            get = values.get
            for v, n in distribution.items():
                v = float(v)
                values[v] = get(v, 0.0) + float(n)

    def _bucket(self, series: _Series, at_seconds: float, unit: str) -> _Bucket:
        """The series' minute holding `at_seconds`, about to receive data (created when new)."""
        minute = int((self._epoch + at_seconds) // 60)
        buckets = series.buckets
        bucket = buckets.get(minute)
        if bucket is None:
            bucket = buckets[minute] = _Bucket(visible_at=minute * 60 + self.publication_delay, unit=unit)
        else:
            bucket.memo = None  # the caller adds data: what was computed from the minute no longer holds
        if series.low_tick != self._tick_number:  # (what a column kept from the last tick knows of the series)
            series.low_tick, series.low = self._tick_number, minute
        elif minute < series.low:
            series.low = minute
        if series.span > 1:  # nor what the periods holding it remembered, on their last minutes
            for later in range(minute + 1, minute + series.span):
                if (b := buckets.get(later)) is not None:
                    b.memo = None
        if series.sleepers:
            when = max(bucket.visible_at, self._now())
            for alarm in sorted(series.sleepers.values(), key=lambda a: a.seq):
                self._wake(alarm, when)
            series.sleepers.clear()
        return bucket

    def _column(self, q: _Query, plan: Sequence[tuple[int, int]], now: float,
                shared: bool = False) -> tuple[list[float | None], float]:
        """`q`'s statistic over its series' minutes visible at `now` in each [first, last) of `plan`, None
        without data; and when a minute in them not visible at `now` becomes visible (inf: none).

        A minute keeps its own statistic, and the last minute of a period of several minutes keeps the period's
        once every minute in it is visible, until data is added to one of them (:meth:`_bucket`).  With `shared`
        (the metrics of math alarms, which often read the same ones), alarms reading the same statistic of the
        same series over the same periods in one tick share the list (nothing is written during a tick).
        """
        series = q.found
        if series is None:
            series = self._series.get(q.series)
            if series is None:
                return [None] * len(plan), math.inf
            q.found = series
        stat = q.stat
        if shared:
            key = (id(series), stat, id(plan))  # (a series and a plan live at least as long as the tick)
            if (found := self._columns.get(key)) is not None:
                return found
        out: list[float | None] = []
        buckets = series.buckets
        soonest = math.inf
        for first, last in plan:
            if last - first == 1:
                b = buckets.get(first)
                if b is None:
                    out.append(None)
                    continue
                if b.visible_at > now:
                    out.append(None)
                    soonest = min(soonest, b.visible_at)
                    continue
                out.append(_statistic((b,), stat))
                continue
            b = buckets.get(last - 1)
            memo = b.memo if b is not None else None
            if memo is not None and (stat, last - first) in memo:
                out.append(memo[(stat, last - first)])
                continue
            seen = []
            pending = math.inf
            for minute in range(first, last):
                if (m := buckets.get(minute)) is not None:
                    if m.visible_at <= now:
                        seen.append(m)
                    else:
                        pending = min(pending, m.visible_at)
            value = _statistic(seen, stat)
            out.append(value)
            if pending < math.inf:
                soonest = min(soonest, pending)
            elif b is not None:  # the period is whole: remember it until data is added to it
                series.span = max(series.span, last - first)
                if b.memo is None:
                    b.memo = {}
                b.memo[(stat, last - first)] = value
        if shared:
            self._columns[key] = (out, soonest)
        return out, soonest

    # ------------------------------------------------------------------ ground truth and helpers

    def state(self, account: str, region: str, name: str) -> str | None:
        """The alarm's state now, or None if it does not exist."""
        alarm = self._alarms.get((account, region, name))
        return alarm.state if alarm else None

    def transitions(self, account: str, region: str, name: str) -> list[AlarmTransition]:
        """The alarm's state changes, oldest first."""
        return [t for t in self.history if (t.account, t.region, t.alarm) == (account, region, name)]

    # ------------------------------------------------------------------ the API

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "CloudWatch", operation, params, account, region)

    @cites(_PUT_METRIC_DATA)
    def _op_PutMetricData(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        for datum in params["MetricData"]:
            if datum.get("StorageResolution", 60) != 60:
                raise Unmodelled("PutMetricData with StorageResolution 1 (high resolution) is not modelled")
            at = self.clock.seconds
            if datum.get("Timestamp") is not None:
                at = self.clock.since_start(_aware(datum["Timestamp"]))
            dims = {d["Name"]: d["Value"] for d in datum.get("Dimensions", [])}
            unit = datum.get("Unit", "None")
            ns, name = params["Namespace"], datum["MetricName"]
            if "StatisticValues" in datum:
                s = datum["StatisticValues"]
                self.record_stats(account, region, ns, name, dims, at, total=s["Sum"], count=s["SampleCount"],
                                  minimum=s["Minimum"], maximum=s["Maximum"], unit=unit)
            elif "Values" in datum:
                self.record(account, region, ns, name, dims, at, datum["Values"], counts=datum.get("Counts"),
                            unit=unit)
            else:
                self.record(account, region, ns, name, dims, at, [datum["Value"]], unit=unit)
        return {}

    @cites(_STATISTICS_LIMIT, _STATISTICS_AGGREGATE, _STATISTICS_DIMENSIONS, _STATISTICS_EITHER)
    def _op_GetMetricStatistics(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        stats = list(params.get("Statistics", []))
        extended = list(params.get("ExtendedStatistics", []))
        if stats and extended:
            raise AwsError("InvalidParameterCombination", "You must specify either Statistics or ExtendedStatistics, "
                                                          "but not both.")
        if not stats and not extended:
            raise AwsError("MissingParameter", "You must specify either Statistics or ExtendedStatistics.")
        for s in stats:
            if s not in _STATISTICS:
                raise AwsError("InvalidParameterValue", f"Statistics {s!r} must be one of {list(_STATISTICS)}")
        for s in extended:
            if not _PERCENTILE_RE.match(s):
                raise Unmodelled(f"ExtendedStatistics {s!r}: only percentiles pNN are modelled")
        if params.get("Unit") is not None:
            raise Unmodelled("GetMetricStatistics with Unit is not modelled")
        period = int(params["Period"])
        if period < 60 or period % 60:
            raise Unmodelled(f"GetMetricStatistics Period={period}: only multiples of 60 s are modelled (the store "
                             f"keeps minutes)")
        start = math.floor(_aware(params["StartTime"]).timestamp() / 60) * 60  # rounded down to the minute
        end = _aware(params["EndTime"]).timestamp()
        if end <= start:
            raise AwsError("InvalidParameterValue", f"The parameter StartTime must be less than the parameter "
                                                    f"EndTime (StartTime={params['StartTime']}, "
                                                    f"EndTime={params['EndTime']})")
        points = math.ceil((end - start) / period)
        if points > 1440:
            raise AwsError("InvalidParameterCombination", f"You have requested up to {points} datapoints, which "
                                                          f"exceeds the limit of 1,440. You may reduce the "
                                                          f"datapoints requested by increasing Period, or decreasing "
                                                          f"the time range.")
        key = series_key(account, region, params["Namespace"], params["MetricName"],
                         {d["Name"]: d["Value"] for d in params.get("Dimensions", [])})
        now = self._now()
        out = []
        series = self._series.get(key)
        for i in range(points if series is not None else 0):
            lo = start + i * period
            buckets = _visible_in(series, lo, min(lo + period, end), now)  # type: ignore[arg-type]
            if not buckets:
                continue
            point: dict[str, Any] = {"Timestamp": self._dt(lo), "Unit": buckets[0].unit}
            for s in stats:
                v = _statistic(buckets, s)
                if v is not None:
                    point[s] = v
            ext = {s: v for s in extended if (v := _statistic(buckets, s)) is not None}
            if ext:
                point["ExtendedStatistics"] = ext
            out.append(point)
        return {"Label": params["MetricName"], "Datapoints": out}

    # ------------------------------------------------------------------ alarms: create, update, delete

    @cites(_NEW_ALARM, _UPDATED_ALARM, _ALARM_NAME, _EVALUATION_SPAN, _MATH_ALARM, _VALIDATION)
    def _op_PutMetricAlarm(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        self.put_metric_alarm(account, region, params)
        return {}

    def put_metric_alarm(self, account: str, region: str, params: Mapping[str, Any]) -> None:
        """Create or update a metric alarm from PutMetricAlarm's (or ``AWS::CloudWatch::Alarm``'s) fields."""
        name = _alarm_name(params.get("AlarmName"))
        for f in _UNMODELLED_ALARM_FIELDS:
            if params.get(f) not in (None, "", {}):
                raise Unmodelled(f"alarm {name}: {f} is not modelled")
        window = params.get("EvaluationWindow")
        if window and "SlidingWindow" not in window:
            raise Unmodelled(f"alarm {name}: EvaluationWindow {sorted(window)} is not modelled (only SlidingWindow)")
        if params.get("EvaluateLowSampleCountPercentile") not in (None, "", "evaluate"):
            raise Unmodelled(f"alarm {name}: EvaluateLowSampleCountPercentile="
                             f"{params['EvaluateLowSampleCountPercentile']!r} is not modelled")
        n = _int(params.get("EvaluationPeriods"), "EvaluationPeriods", name)
        m = _int(params.get("DatapointsToAlarm", n), "DatapointsToAlarm", name)
        if n < 1 or not 1 <= m <= n:
            raise AwsError("ValidationError", f"alarm {name}: EvaluationPeriods={n} must be at least 1 and "
                                              f"DatapointsToAlarm={m} between 1 and EvaluationPeriods")
        treat = params.get("TreatMissingData") or "missing"
        if treat not in _TREATMENTS_ALLOWED:
            raise AwsError("ValidationError", f"alarm {name}: TreatMissingData={treat!r} must be one of "
                                              f"{list(_TREATMENTS_ALLOWED)}")
        op = params.get("ComparisonOperator")
        if op not in _OPERATORS and op not in _BAND_OPERATORS:
            raise AwsError("ValidationError", f"alarm {name}: ComparisonOperator={op!r} must be one of "
                                              f"{[*_OPERATORS, *_BAND_OPERATORS]}")
        queries, expr, period, band = self._alarm_inputs(account, region, name, params)
        if period < 60 or period % 60:
            raise Unmodelled(f"alarm {name}: Period={period}: high-resolution alarms are not modelled")
        if period >= 3600:
            raise Unmodelled(f"alarm {name}: Period={period}: periods of an hour or more are not modelled")
        if period * n > MAX_ALARM_EVALUATION.total_seconds():
            raise AwsError("ValidationError", f"alarm {name}: Period={period} x EvaluationPeriods={n} is more than "
                                              f"{int(MAX_ALARM_EVALUATION.total_seconds())} seconds")
        if band != (op in _BAND_OPERATORS):
            raise AwsError("ValidationError", f"alarm {name}: ComparisonOperator={op} needs an anomaly detection "
                                              f"band (ThresholdMetricId) and a band needs a band operator")
        threshold = params.get("Threshold")
        if threshold is None and not band:
            raise AwsError("ValidationError", f"alarm {name}: Threshold is required for ComparisonOperator={op}")
        key = (account, region, name)
        now = self._now()
        existing = self._alarms.get(key)
        if existing is not None and not isinstance(existing, _MetricAlarm):
            raise AwsError("ValidationError", f"alarm {name} exists as a composite alarm")
        alarm = _MetricAlarm(account, region, name, existing.seq if existing else next(self._seq), dict(params),
                             period=period, n=n, m=m, threshold=float(threshold or 0.0),
                             compare=_OPERATORS.get(op), treat=treat, queries=queries, expr=expr, band=band,
                             compiled=None if expr is None else compile_expression(expr, [q.id for q in queries]))
        if existing is not None:  # an update keeps the state until the next evaluation
            alarm.state, alarm.reason = existing.state, existing.reason
            alarm.updated_at, alarm.transitioned_at = existing.updated_at, existing.transitioned_at
            self._sleep_off(existing)
            if self._awake.pop(key, None) is not None:
                self._awake_order = None
        else:
            alarm.updated_at = alarm.transitioned_at = now
            if band:
                alarm.reason = ("Unchecked: anomaly detection is not modelled by the simulation; the alarm stays "
                                "INSUFFICIENT_DATA")
        alarm.config_updated_at = now
        self._alarms[key] = alarm
        if not band:
            self._wake(alarm, now + (self.first_evaluation or 0.0))

    def _alarm_inputs(self, account: str, region: str, name: str,
                      params: Mapping[str, Any]) -> tuple[list[_Query], _Expr | None, int, bool]:
        metrics = params.get("Metrics")
        if not metrics:
            stat = params.get("Statistic") or params.get("ExtendedStatistic")
            if bool(params.get("Statistic")) == bool(params.get("ExtendedStatistic")):
                raise AwsError("ValidationError", f"alarm {name}: give exactly one of Statistic and "
                                                  f"ExtendedStatistic")
            if stat not in _STATISTICS and not _PERCENTILE_RE.match(str(stat)):
                raise Unmodelled(f"alarm {name}: statistic {stat!r} is not modelled (Sum, SampleCount, Average, "
                                 f"Minimum, Maximum, pNN)")
            if not params.get("Namespace") or not params.get("MetricName") or params.get("Period") is None:
                raise AwsError("ValidationError", f"alarm {name}: a metric alarm needs Namespace, MetricName and "
                                                  f"Period")
            key = series_key(account, region, params["Namespace"], params["MetricName"],
                             {d["Name"]: d["Value"] for d in params.get("Dimensions") or []})
            return [_Query("m", key, str(stat))], None, _int(params["Period"], "Period", name), False
        if params.get("MetricName") or params.get("Statistic") or params.get("ExtendedStatistic"):
            raise AwsError("ValidationError", f"alarm {name}: Metrics cannot be combined with MetricName, "
                                              f"Statistic or ExtendedStatistic")
        queries: list[_Query] = []
        expressions: list[tuple[str, str]] = []
        returned = [q["Id"] for q in metrics if q.get("ReturnData", True)]
        periods: set[int] = set()
        for q in metrics:
            if q.get("AccountId") not in (None, account):
                raise Unmodelled(f"alarm {name}: cross-account metric {q['Id']} is not modelled")
            if "MetricStat" in q:
                ms = q["MetricStat"]
                if ms.get("Unit"):
                    raise Unmodelled(f"alarm {name}: MetricStat Unit is not modelled")
                met = ms["Metric"]
                stat = str(ms["Stat"])
                if stat not in _STATISTICS and not _PERCENTILE_RE.match(stat):
                    raise Unmodelled(f"alarm {name}: Stat {stat!r} is not modelled")
                periods.add(_int(ms["Period"], "Period", name))
                queries.append(_Query(q["Id"], series_key(account, region, met["Namespace"], met["MetricName"],
                                                          {d["Name"]: d["Value"] for d in met.get("Dimensions", [])}),
                                      stat))
            elif "Expression" in q:
                expressions.append((q["Id"], str(q["Expression"])))
            else:
                raise AwsError("ValidationError", f"alarm {name}: metric {q.get('Id')} has neither MetricStat nor "
                                                  f"Expression")
        if len(periods) > 1:
            raise AwsError("ValidationError", f"alarm {name}: every metric of a math alarm must use the same period "
                                              f"(got {sorted(periods)})")
        period = periods.pop() if periods else _int(params.get("Period"), "Period", name)
        ids = [q.id for q in queries]
        band_id = params.get("ThresholdMetricId")
        if band_id:
            texts = dict(expressions)
            if not re.fullmatch(r"ANOMALY_DETECTION_BAND\(\s*\w+\s*(,\s*[\d.]+\s*)?\)", texts.get(band_id, "")):
                raise Unmodelled(f"alarm {name}: ThresholdMetricId {band_id} is not an ANOMALY_DETECTION_BAND")
            return queries, None, period, True
        if len(returned) != 1:
            raise AwsError("ValidationError", f"alarm {name}: exactly one metric must have ReturnData true "
                                              f"(got {returned})")
        if not expressions:
            if len(queries) != 1:
                raise AwsError("ValidationError", f"alarm {name}: several metrics need an expression")
            return queries, None, period, False
        if len(expressions) != 1 or expressions[0][0] != returned[0]:
            raise Unmodelled(f"alarm {name}: only one expression, the returned one, is modelled "
                             f"(got {[e[0] for e in expressions]})")
        return queries, parse_expression(expressions[0][1], ids), period, False

    @cites(_NEW_ALARM, _COMPOSITE_NEW, _COMPOSITE_LIMITS, _UPDATED_ALARM)
    def _op_PutCompositeAlarm(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        self.put_composite_alarm(account, region, params)
        return {}

    def put_composite_alarm(self, account: str, region: str, params: Mapping[str, Any]) -> None:
        """Create or update a composite alarm from PutCompositeAlarm's (or the resource's) fields."""
        name = _alarm_name(params.get("AlarmName"))
        text = str(params.get("AlarmRule") or "")
        if not 1 <= len(text) <= MAX_COMPOSITE_RULE_CHARS:
            raise AwsError("ValidationError", f"composite alarm {name}: AlarmRule has {len(text)} characters; it "
                                              f"must have 1 to {MAX_COMPOSITE_RULE_CHARS}")
        if params.get("ActionsSuppressor"):
            raise Unmodelled(f"composite alarm {name}: ActionsSuppressor is not modelled")
        rule, named = parse_rule(text)
        children = [self._child_name(account, region, c) for c in named]
        if len(set(children)) > MAX_COMPOSITE_CHILDREN:
            raise AwsError("ValidationError", f"composite alarm {name}: the rule names {len(set(children))} alarms; "
                                              f"a composite alarm can include at most {MAX_COMPOSITE_CHILDREN}")
        for child in children:
            found = self._alarms.get((account, region, child))
            if found is None:
                raise AwsError("ValidationError", f"composite alarm {name}: the rule names alarm {child!r}, which "
                                                  f"does not exist in {region}")
            if isinstance(found, _MetricAlarm) and found.band:
                raise Unmodelled(f"composite alarm {name} names anomaly detection alarm {child}, which the "
                                 f"simulation does not evaluate")
        rule = _rename(rule, dict(zip(named, children, strict=True)))
        key = (account, region, name)
        existing = self._alarms.get(key)
        if existing is not None and not isinstance(existing, _CompositeAlarm):
            raise AwsError("ValidationError", f"alarm {name} exists as a metric alarm")
        now = self._now()
        alarm = _CompositeAlarm(account, region, name, existing.seq if existing else next(self._seq), dict(params),
                                rule=rule, children=children)
        if existing is not None:
            alarm.state, alarm.reason = existing.state, existing.reason
            alarm.updated_at, alarm.transitioned_at = existing.updated_at, existing.transitioned_at
            for child in existing.children:
                self._parents.get((account, region, child), set()).discard(name)
        else:
            alarm.updated_at = alarm.transitioned_at = now
        alarm.config_updated_at = now
        for child in children:
            self._parents.setdefault((account, region, child), set()).add(name)
        self._alarms[key] = alarm
        at = now + (self.first_evaluation or 0.0)
        heapq.heappush(self._pending_composites, (at, alarm.seq, key))
        self._ensure_tick(at)

    def _child_name(self, account: str, region: str, ref: str) -> str:
        if ref.startswith("arn:"):
            parts = ref.split(":", 6)
            if len(parts) != 7 or parts[2] != "cloudwatch" or parts[5] != "alarm":
                raise AwsError("ValidationError", f"{ref!r} is not an alarm ARN")
            if (parts[3], parts[4]) != (region, account):
                raise Unmodelled(f"a composite rule naming an alarm of another account or region ({ref}) is not "
                                 f"modelled")
            return parts[6]
        return ref

    @cites(_DELETE, _DELETE_REFERENCED)
    def _op_DeleteAlarms(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        self.delete_alarms(account, region, list(params["AlarmNames"]))
        return {}

    def delete_alarms(self, account: str, region: str, names: Sequence[str]) -> None:
        """Delete the named alarms as ``DeleteAlarms`` does (missing names are ignored)."""
        if len(names) > 100:
            raise AwsError("ValidationError", f"1 validation error detected: Value at 'alarmNames' failed to satisfy "
                                              f"constraint: Member must have length less than or equal to 100 "
                                              f"(got {len(names)})")
        found = [self._alarms[(account, region, n)] for n in names if (account, region, n) in self._alarms]
        composites = [a.name for a in found if isinstance(a, _CompositeAlarm)]
        if len(composites) > 1:
            raise AwsError("ValidationError", f"DeleteAlarms deletes at most one composite alarm per call; "
                                              f"{composites} are composite")
        going = {a.name for a in found}
        for a in found:
            users = sorted(self._parents.get(a.key, set()) - going)
            if users:
                raise AwsError("ValidationError", f"alarm {a.name} is referenced by composite alarm(s) {users}; "
                                                  f"update or delete them first")
        for a in found:
            del self._alarms[a.key]
            if self._awake.pop(a.key, None) is not None:
                self._awake_order = None
            if isinstance(a, _MetricAlarm):
                self._sleep_off(a)
            elif isinstance(a, _CompositeAlarm):
                for child in a.children:
                    self._parents.get((account, region, child), set()).discard(a.name)
            self._parents.pop(a.key, None)

    # ------------------------------------------------------------------ alarms: read and set

    @cites(_DESCRIBE_NAMES, _DESCRIBE_TYPES, _DESCRIBE_TOKEN)
    def _op_DescribeAlarms(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        for unmodelled in ("ChildrenOfAlarmName", "ParentsOfAlarmName", "ActionPrefix"):
            if params.get(unmodelled):
                raise Unmodelled(f"DescribeAlarms {unmodelled} is not modelled")
        names = params.get("AlarmNames")
        if names is not None and len(names) > MAX_DESCRIBE_ALARM_NAMES:
            raise AwsError("ValidationError", f"1 validation error detected: Value at 'alarmNames' failed to satisfy "
                                              f"constraint: Member must have length less than or equal to "
                                              f"{MAX_DESCRIBE_ALARM_NAMES} (got {len(names)})")
        prefix = params.get("AlarmNamePrefix")
        if names and prefix:
            raise AwsError("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be used together")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        for t in types:
            if t not in ("MetricAlarm", "CompositeAlarm"):
                raise AwsError("ValidationError", f"AlarmTypes {t!r} must be MetricAlarm or CompositeAlarm")
        state = params.get("StateValue")
        if state is not None and state not in STATES:
            raise AwsError("ValidationError", f"StateValue {state!r} must be one of {list(STATES)}")
        limit = int(params.get("MaxRecords", 50))
        if not 1 <= limit <= 100:
            raise AwsError("ValidationError", f"MaxRecords={limit} must be between 1 and 100")
        wanted = set(names) if names is not None else None
        matches = sorted(
            (a for a in self._alarms.values()
             if (a.account, a.region) == (account, region)
             and (wanted is None or a.name in wanted)
             and (not prefix or a.name.startswith(prefix))
             and (state is None or a.state == state)
             and ("CompositeAlarm" if isinstance(a, _CompositeAlarm) else "MetricAlarm") in types),
            key=lambda a: a.name)
        token = params.get("NextToken")
        start = 0
        if token:
            if not token.startswith("sim-") or not token[4:].isdigit():
                raise AwsError("InvalidNextToken", f"The service cannot find the NextToken {token!r}")
            start = int(token[4:])
        page = matches[start:start + limit]
        out: dict[str, Any] = {
            "MetricAlarms": [self._describe(a) for a in page if isinstance(a, _MetricAlarm)],
            "CompositeAlarms": [self._describe(a) for a in page if isinstance(a, _CompositeAlarm)],
        }
        if start + limit < len(matches):
            out["NextToken"] = f"sim-{start + limit}"
        return out

    def _describe(self, a: _Alarm) -> dict[str, Any]:
        c = a.config
        common = {
            "AlarmName": a.name, "AlarmArn": a.arn, "StateValue": a.state, "StateReason": a.reason[:1023],
            "StateUpdatedTimestamp": self._dt(a.updated_at),
            "StateTransitionedTimestamp": self._dt(a.transitioned_at),
            "AlarmConfigurationUpdatedTimestamp": self._dt(a.config_updated_at),
            "ActionsEnabled": bool(c.get("ActionsEnabled", True)),
            "OKActions": list(c.get("OKActions") or []), "AlarmActions": list(c.get("AlarmActions") or []),
            "InsufficientDataActions": list(c.get("InsufficientDataActions") or []),
        }
        if c.get("AlarmDescription"):
            common["AlarmDescription"] = c["AlarmDescription"]
        if isinstance(a, _CompositeAlarm):
            return {**common, "AlarmRule": c["AlarmRule"]}
        assert isinstance(a, _MetricAlarm)
        out = {**common, "EvaluationPeriods": a.n, "DatapointsToAlarm": a.m,
               "ComparisonOperator": c["ComparisonOperator"], "TreatMissingData": a.treat}
        if c.get("Threshold") is not None:
            out["Threshold"] = float(c["Threshold"])
        for k in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "ThresholdMetricId"):
            if c.get(k):
                out[k] = c[k]
        if c.get("Metrics"):
            out["Metrics"] = [_metric_query(q) for q in c["Metrics"]]
        else:
            out["Dimensions"] = [{"Name": d["Name"], "Value": str(d["Value"])} for d in c.get("Dimensions") or []]
            out["Period"] = a.period
        return out

    @cites(_SET_STATE, _COMPOSITE_CHILD)
    def _op_SetAlarmState(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        alarm = self._alarms.get((account, region, params["AlarmName"]))
        if alarm is None:
            raise AwsError("ResourceNotFound", f"alarm {params['AlarmName']} does not exist", 404)
        if params["StateValue"] not in STATES:
            raise AwsError("ValidationError", f"StateValue {params['StateValue']!r} must be one of {list(STATES)}")
        if self._set(alarm, params["StateValue"], str(params["StateReason"])):
            self._propagate([alarm])
        if isinstance(alarm, _MetricAlarm) and not alarm.band:
            self._wake(alarm, self._now() + 1e-3)  # the next evaluation decides
        return {}

    # ------------------------------------------------------------------ evaluation

    def _wake(self, alarm: _MetricAlarm, at: float) -> None:
        """Evaluate `alarm` every tick from the first one at or after `at` (epoch seconds)."""
        self._sleep_off(alarm)
        heapq.heappush(self._wakes, (at, alarm.seq, alarm.key))
        self._ensure_tick(at)

    def _sleep_off(self, alarm: _MetricAlarm) -> None:
        for q in alarm.queries:
            series = self._series.get(q.series)
            if series is not None:
                series.sleepers.pop(alarm.key, None)

    def _ensure_tick(self, at: float) -> None:
        """Schedule an evaluation tick at the first multiple of the interval at or after `at` (epoch seconds)."""
        step = self.evaluation_interval
        tick = math.ceil(max(at, self._now()) / step - 1e-9) * step
        if tick not in self._ticks:
            self._ticks.add(tick)
            self.scheduler.at(tick - self._epoch, functools.partial(self._tick, tick), "cloudwatch alarm evaluation")

    @cites(_EVERY_MINUTE, _SLIDING)
    def _tick(self, tick: float) -> None:
        """Evaluate every awake metric alarm, then the composites whose children changed or that are new."""
        self._ticks.discard(tick)
        self._columns.clear()
        self._tick_number += 1
        now = self._now()
        while self._wakes and self._wakes[0][0] <= now:
            _, _, key = heapq.heappop(self._wakes)
            alarm = self._alarms.get(key)
            if isinstance(alarm, _MetricAlarm) and not alarm.band and self._awake.get(key) is not alarm:
                self._awake[key] = alarm
                self._awake_order = None
        changed: list[_Alarm] = []
        order = self._awake_order
        if order is None:
            order = self._awake_order = sorted(self._awake.values(), key=lambda a: a.seq)
        evaluate = self._evaluate
        for alarm in order:
            if evaluate(alarm, now):
                changed.append(alarm)
        due: list[_CompositeAlarm] = []
        while self._pending_composites and self._pending_composites[0][0] <= now:
            _, _, key = heapq.heappop(self._pending_composites)
            composite = self._alarms.get(key)
            if isinstance(composite, _CompositeAlarm):
                due.append(composite)
        self._propagate(changed, due)
        if self._awake:
            self._ensure_tick(now + self.evaluation_interval)
        if self._wakes:
            self._ensure_tick(self._wakes[0][0])
        if self._pending_composites:
            self._ensure_tick(self._pending_composites[0][0])

    def _datapoints(self, alarm: _MetricAlarm, now: float) -> list[float | None]:
        """The evaluation range at `now`, oldest first: one value (or None, missing) per period -- its metric's
        statistic, or its expression over its metrics' -- from the minutes visible at `now`.

        What a minute or a period of minutes remembers is reused (see :meth:`_column`); the periods' bounds are
        computed once per tick for every alarm of the same period and range.  When the range is the last tick's
        moved on by one period, its values then are kept but for the newest period's, unless a minute they read
        has been written since (see ``_Series.low``) or has become visible.
        """
        size = alarm.n + self.extra_range_periods
        if self._plans_at != now:
            self._last_plans, self._plans = self._plans, {}
            self._plans_at = now
        period = alarm.period
        plan = self._plans.get((period, size))
        if plan is None:
            bounds = []
            for i in range(size):
                hi = now - (size - 1 - i) * period  # the period [hi - period, hi)
                bounds.append((math.ceil((hi - period) / 60), math.ceil(hi / 60)))
            plan = self._plans[(period, size)] = _Plan(bounds, self._last_plans.get((period, size)))
        tick = self._tick_number
        kept = alarm.kept
        if kept is not None and plan.after is kept[1] and kept[0] == tick - 1 and now < kept[3]:
            moved = self._moved_on(alarm, kept, plan, now)
            if moved is not None:
                return moved
        if alarm.expr is None:
            values, soonest = self._column(alarm.queries[0], plan, now)
        else:
            columns = []
            soonest = math.inf
            for q in alarm.queries:
                column, pending = self._column(q, plan, now, True)
                columns.append(column)
                soonest = min(soonest, pending)
            values = list(map(alarm.compiled, *columns))
        alarm.kept = (tick, plan, values, soonest)
        return values

    def _moved_on(self, alarm: _MetricAlarm, kept: tuple[int, _Plan, list[float | None], float], plan: _Plan,
                  now: float) -> list[float | None] | None:
        """The values `kept` from the last tick but the oldest, and the newest period's of `plan` (that range moved
        on by one period); None when a metric's series is new or had a minute of that range written since."""
        tick = self._tick_number
        end = kept[1][-1][1]
        for q in alarm.queries:
            series = q.found
            if series is None or (series.low_tick == tick - 1 and series.low < end):
                return None
        first, last = plan[-1]
        soonest = kept[3]
        point: list[float | None] = []
        for q in alarm.queries:  # the newest period of each metric
            if last - first != 1:
                column, pending = self._column(q, plan[-1:], now)
                point.append(column[0])
                soonest = min(soonest, pending)
            elif (b := q.found.buckets.get(first)) is None:  # type: ignore[union-attr]
                point.append(None)
            elif b.visible_at > now:
                point.append(None)
                soonest = min(soonest, b.visible_at)
            else:
                point.append(_statistic((b,), q.stat))
        values = kept[2][1:]
        values.append(point[0] if alarm.expr is None else alarm.compiled(*point))
        alarm.kept = (tick, plan, values, soonest)
        return values

    @cites(_EVALUATION, _MISSING, _TREATMENTS, _PREMATURE)
    def _evaluate(self, alarm: _MetricAlarm, now: float) -> bool:
        """Evaluate one metric alarm at `now`; True when its state changed.  Sleeps when nothing can change."""
        self.evaluations += 1
        values = self._datapoints(alarm, now)
        state = alarm.state
        last = alarm.judged
        if last is not None and last[1] == state and last[0] == values:
            new, reason = last[2], last[3]
        else:  # judge() decides from the state and which values breach: the same ones decide the same
            breaches, threshold = alarm.compare, alarm.threshold
            marks = tuple([None if v is None else bool(breaches(v, threshold)) for v in values])
            verdict = alarm.verdicts.get((state, marks))
            if verdict is None:
                verdict = alarm.verdicts[(state, marks)] = _judge_marks(marks, n=alarm.n, m=alarm.m,
                                                                        treat=alarm.treat, current=state)
            new, reason = verdict
            alarm.judged = (values, state, new, reason)
        changed = new != state and self._set(alarm, new, f"Threshold Crossed: {reason}")
        if values.count(None) == len(values):  # asleep until data arrives: every later tick would see the same
            self._awake.pop(alarm.key, None)
            self._awake_order = None
            pending = math.inf
            for q in alarm.queries:
                series = self._series.setdefault(q.series, _Series())
                series.sleepers[alarm.key] = alarm
                for minute in range(math.floor((now - self.publication_delay) / 60) - 1, math.floor(now / 60) + 2):
                    b = series.buckets.get(minute)
                    if b is not None and b.visible_at > now:
                        pending = min(pending, b.visible_at)
            if pending < math.inf:  # recorded already, visible later
                self._wake(alarm, pending)
        return changed

    def _set(self, alarm: _Alarm, state: str, reason: str) -> bool:
        if state == alarm.state:
            return False
        now = self._now()
        self.history.append(AlarmTransition(alarm.account, alarm.region, alarm.name, now - self._epoch, alarm.state,
                                            state, reason,
                                            "CompositeAlarm" if isinstance(alarm, _CompositeAlarm) else
                                            "MetricAlarm"))
        alarm.state, alarm.reason = state, reason
        alarm.updated_at = alarm.transitioned_at = now
        return True

    @cites(_COMPOSITE_RULE, _COMPOSITE_CHILD, _COMPOSITE_NEW)
    def _propagate(self, changed: Sequence[_Alarm], due: Sequence[_CompositeAlarm] = ()) -> None:
        """Evaluate the composites that name a changed alarm (and those `due`), parents of changed ones in turn."""
        heap: list[tuple[int, tuple[str, str, str]]] = [(c.seq, c.key) for c in due]
        for a in changed:
            heap.extend((self._alarms[(a.account, a.region, p)].seq, (a.account, a.region, p))
                        for p in self._parents.get(a.key, ()))
        heapq.heapify(heap)
        queued = {key for _, key in heap}
        budget = 10 * len(self._alarms) + 10
        while heap:
            item = heapq.heappop(heap)
            queued.discard(item[1])
            budget -= 1
            if budget < 0:
                raise Unmodelled(f"composite alarms keep changing each other's state ({item[1][2]} among them): a "
                                 f"cycle; CloudWatch stops evaluating cycles, the simulation does not model that")
            composite = self._alarms.get(item[1])
            if not isinstance(composite, _CompositeAlarm):
                continue
            acct, reg = composite.account, composite.region

            def state_of(name: str, acct: str = acct, reg: str = reg) -> str | None:
                child = self._alarms.get((acct, reg, name))
                return child.state if child else None

            new = "ALARM" if composite.rule.holds(state_of) else "OK"
            if self._set(composite, new, f"{'At least one' if new == 'ALARM' else 'No'} alarm rule condition "
                                         f"holds: {composite.config['AlarmRule'][:900]}"):
                for p in sorted(self._parents.get(composite.key, ())):
                    parent = self._alarms[(acct, reg, p)]
                    if parent.key not in queued:
                        queued.add(parent.key)
                        heapq.heappush(heap, (parent.seq, parent.key))


def judge(values: Sequence[float | None], *, n: int, m: int, treat: str, current: str,
          breaches: Any) -> tuple[str, str]:
    """AWS's documented alarm evaluation over an evaluation range (oldest first); return (state, reason).

    With at least N real data points, the N most recent real ones decide
    (M breaching: ALARM).  With fewer, every real one in the range counts and
    the shortfall is filled per TreatMissingData; with ``missing`` or
    ``ignore`` the premature-alarm rule applies unless a real non-breaching
    point was evaluated; an empty range gives INSUFFICIENT_DATA (``missing``),
    the current state (``ignore``), ALARM (``breaching``) or OK
    (``notBreaching``).  These reproduce every row of the two tables in AWS's
    "How alarm state is evaluated when data is missing".
    """
    return _judge_marks(tuple(None if v is None else bool(breaches(v)) for v in values), n=n, m=m, treat=treat,
                        current=current)


def _judge_marks(marks: Sequence[bool | None], *, n: int, m: int, treat: str, current: str) -> tuple[str, str]:
    """:func:`judge` from whether each value breaches (None: missing)."""
    real = [b for b in marks if b is not None]
    if len(real) >= n:
        count = sum(real[-n:])
        return ("ALARM" if count >= m else "OK"), f"{count} of the last {n} data points breaching (need {m})"
    if not real:
        outcome = {"missing": "INSUFFICIENT_DATA", "ignore": current, "breaching": "ALARM", "notBreaching": "OK"}
        return outcome[treat], f"no data points in the evaluation range ({treat})"
    count = sum(real) + (n - len(real) if treat == "breaching" else 0)
    if count >= m:
        return "ALARM", f"{count} breaching data points with {n - len(real)} missing ({treat}) (need {m})"
    if treat in ("missing", "ignore") and not any(b is False for b in real):
        window = marks[-n:]
        oldest = next((i for i, b in enumerate(window) if b), None)
        if oldest is not None and len(window) - oldest >= m:
            if treat == "ignore":
                return current, "a breaching data point followed only by missing ones (ignore keeps the state)"
            return "ALARM", "the oldest breaching data point is at least DatapointsToAlarm old and nothing since"
    return "OK", f"{count} breaching data points with {n - len(real)} missing ({treat}) (need {m})"


# ------------------------------------------------------------------------------------------------ helpers


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _int(value: Any, what: str, alarm: str) -> int:
    if isinstance(value, bool) or value is None:
        raise AwsError("ValidationError", f"alarm {alarm}: {what}={value!r} must be a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AwsError("ValidationError", f"alarm {alarm}: {what}={value!r} must be a whole number") from None


def _alarm_name(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ALARM_NAME:
        raise AwsError("ValidationError", f"1 validation error detected: Value {value!r} at 'alarmName' failed to "
                                          f"satisfy constraint: Member must have length between 1 and "
                                          f"{MAX_ALARM_NAME}")
    if not value.isascii():
        raise AwsError("ValidationError", f"AlarmName {value!r} must contain only ASCII characters")
    return value


def _metric_query(q: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": q["Id"], "ReturnData": bool(q.get("ReturnData", True))}
    if q.get("Label"):
        out["Label"] = q["Label"]
    if "Expression" in q:
        out["Expression"] = q["Expression"]
    if "MetricStat" in q:
        ms = q["MetricStat"]
        met = ms["Metric"]
        out["MetricStat"] = {"Metric": {"Namespace": met["Namespace"], "MetricName": met["MetricName"],
                                        "Dimensions": [{"Name": d["Name"], "Value": str(d["Value"])}
                                                       for d in met.get("Dimensions", [])]},
                             "Period": int(ms["Period"]), "Stat": ms["Stat"]}
    return out


def _rename(rule: _Rule, names: Mapping[str, str]) -> _Rule:
    if isinstance(rule, _StateIs):
        return _StateIs(rule.state, names.get(rule.alarm, rule.alarm))
    if isinstance(rule, _Not):
        return _Not(_rename(rule.inner, names))
    if isinstance(rule, _Both):
        return _Both(rule.op, [_rename(p, names) for p in rule.parts])
    return rule


def _cfn(properties: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's alarm properties as PutMetricAlarm fields (numbers as numbers)."""
    out = dict(properties)
    for k in ("EvaluationPeriods", "DatapointsToAlarm", "Period"):
        if k in out:
            out[k] = int(out[k])
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    return out


class _AlarmProvider:
    """``AWS::CloudWatch::Alarm`` (or, with ``composite=True``, ``AWS::CloudWatch::CompositeAlarm``) for
    :class:`~seawall.sim.cloudformation.FakeCloudFormation`: the alarm's name is its physical ID, a new name
    replaces it, and an update in place keeps its state."""

    def __init__(self, cw: FakeCloudWatch, *, composite: bool = False) -> None:
        self.cw, self.composite = cw, composite

    def _put(self, account: str, region: str, props: dict[str, Any]) -> tuple[str, dict[str, str]]:
        if self.composite:
            self.cw.put_composite_alarm(account, region, props)
        else:
            self.cw.put_metric_alarm(account, region, _cfn(props))
        name = props["AlarmName"]
        return name, {"Arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"}

    @cites(_CFN_ALARM, _COMPOSITE_NEW, _UPDATED_ALARM)
    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        props = dict(properties)
        props.setdefault("AlarmName", f"{stack}-{logical_id}-{next(self.cw._seq):06d}"[:MAX_ALARM_NAME])
        if (account, region, props["AlarmName"]) in self.cw._alarms:
            raise AwsError("AlreadyExists", f"alarm {props['AlarmName']} already exists")
        return self._put(account, region, props)

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        props = dict(properties)
        props.setdefault("AlarmName", physical_id)
        if props["AlarmName"] != physical_id:  # a new name replaces the alarm
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=props)
        return self._put(account, region, props)

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.cw.delete_alarms(account, region, [physical_id])
