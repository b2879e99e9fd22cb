"""The CloudWatch fake reuses what an earlier evaluation computed; every reuse equals computing afresh.

A minute keeps its statistics, and the last minute of a period of several minutes keeps the period's, until data
is added to one of its minutes; the values an alarm's periods had at the last tick are kept when the range moved
on by one period, unless a minute they read was written or became visible since; the periods' bounds are
computed once per tick for alarms of the same shape; an alarm remembers what :func:`judge` said for each state
and pattern of breaching values; and metric math runs as straight-line code.  Here random writes -- on time,
late, into minutes not yet visible, in bursts -- and ``SetAlarmState`` hit alarms of every period, statistic and
missing-data treatment, and each evaluation's range is checked against one computed with nothing remembered, and
its verdict against :func:`judge`'s."""

from __future__ import annotations

import math
import random

import pytest

from seawall.sim import FakeCloudWatch
from seawall.sim.clock import Clock, Scheduler
from seawall.sim.cloudwatch import _aggregate, _Series, _visible_in, compile_expression, judge, parse_expression

A, R = "111111111111", "us-east-1"


def _afresh(cw: FakeCloudWatch, alarm, now: float) -> list[float | None]:  # type: ignore[no-untyped-def]
    """The evaluation range computed from the minutes themselves, nothing remembered."""
    size = alarm.n + cw.extra_range_periods
    out = []
    for k in range(size - 1, -1, -1):
        hi = now - k * alarm.period
        point = {q.id: _aggregate(_visible_in(cw._series.get(q.series, _Series()), hi - alarm.period, hi, now), q.stat)
                 for q in alarm.queries}
        out.append(point[alarm.queries[0].id] if alarm.expr is None else alarm.expr.at(point))
    return out


def _remembered(cw: FakeCloudWatch, alarm, now: float) -> int:  # type: ignore[no-untyped-def]
    """How many of the alarm's (period, metric) values of several minutes a minute remembers now."""
    count = 0
    for k in range(alarm.n + cw.extra_range_periods):
        hi = now - k * alarm.period
        first, last = math.ceil((hi - alarm.period) / 60), math.ceil(hi / 60)
        for q in alarm.queries:
            series = cw._series.get(q.series)
            b = series.buckets.get(last - 1) if series is not None and last - first > 1 else None
            count += b is not None and b.memo is not None and (q.stat, last - first) in b.memo
    return count


class _Checked(FakeCloudWatch):
    """Each evaluation range also computed with nothing remembered; they must agree."""

    checked = reused = judged = moved = 0

    def _datapoints(self, alarm, now):  # type: ignore[no-untyped-def]
        self.reused += _remembered(self, alarm, now)
        before = alarm.kept
        got = super()._datapoints(alarm, now)
        self.moved += before is not None and alarm.kept[1].after is before[1] and got[:-1] == before[2][1:]
        assert got == _afresh(self, alarm, now), (alarm.name, now)
        self.checked += 1
        self.last = got
        return got

    def _evaluate(self, alarm, now):  # type: ignore[no-untyped-def]
        before, remembered = alarm.state, len(alarm.verdicts)
        changed = super()._evaluate(alarm, now)
        state, _ = judge(self.last, n=alarm.n, m=alarm.m, treat=alarm.treat, current=before,
                         breaches=lambda v: alarm.compare(v, alarm.threshold))
        assert alarm.state == state and changed == (state != before), (alarm.name, now)
        self.judged += len(alarm.verdicts) == remembered  # a remembered verdict was used
        return changed


def _world(seed: int) -> tuple[random.Random, Scheduler, _Checked]:
    rng = random.Random(seed)
    clock = Clock()
    scheduler = Scheduler(clock)
    cw = _Checked(clock=clock, scheduler=scheduler, publication_delay=rng.choice([0, 30, 60, 120, 150]),
                  extra_range_periods=rng.choice([0, 1, 2, 3]), evaluation_interval=rng.choice([60, 60, 30, 120]))
    for i in range(rng.randint(2, 6)):  # the first two: one of one-minute periods, one of two-minute periods
        period = 60 if i == 0 else 120 if i == 1 else rng.choice([60, 120, 180, 300])
        n = rng.randint(3 if i == 1 else 1, 5)  # (three periods or more: an evaluation two minutes later reuses one)
        common = dict(EvaluationPeriods=n, DatapointsToAlarm=rng.randint(1, n),
                      ComparisonOperator="GreaterThanThreshold",
                      TreatMissingData=rng.choice(["missing", "ignore", "breaching", "notBreaching"]))
        dims = [{"Name": "FunctionName", "Value": rng.choice("ab")}]
        if i != 0 and rng.random() < 0.4:
            def stat(metric: str, dims: list[dict[str, str]] = dims, period: int = period) -> dict[str, object]:
                return {"Metric": {"Namespace": "N", "MetricName": metric, "Dimensions": dims}, "Period": period,
                        "Stat": "Sum"}

            cw.put_metric_alarm(A, R, dict(
                AlarmName=f"math-{i}", Threshold=rng.choice([0, 0.05, 1]), **common,
                Metrics=[{"Id": "e", "MetricStat": stat("Errors"), "ReturnData": False},
                         {"Id": "i", "MetricStat": stat("Invocations"), "ReturnData": False},
                         {"Id": "x", "Expression": rng.choice(["IF(i >= 3, e / i, 0)", "e / i"])}]))
        else:
            statistic = rng.choice(["Sum", "Average", "SampleCount", "Maximum", "Minimum", "p99", "p50"])
            cw.put_metric_alarm(A, R, dict(
                AlarmName=f"metric-{i}", Namespace="N", MetricName=rng.choice(["Errors", "Invocations", "Duration"]),
                Dimensions=dims, Period=period, Threshold=rng.choice([0, 1, 50]), **common,
                **{"ExtendedStatistic" if statistic.startswith("p") else "Statistic": statistic}))
    return rng, scheduler, cw


@pytest.mark.parametrize("seed", range(40))
def test_a_reused_evaluation_range_equals_one_computed_afresh(seed):
    rng, scheduler, cw = _world(seed)
    quiet = rng.random() / 2

    def minute() -> None:
        now = scheduler.clock.seconds
        for fn in "ab":
            if rng.random() < quiet:
                continue
            when = now - 60 if rng.random() < 0.85 else max(0.0, now - rng.choice([0, 30, 120, 240, 600]))
            dims = {"FunctionName": fn}
            requests = rng.randint(1, 20)
            cw.record_stats(A, R, "N", "Invocations", dims, when, total=requests, count=requests, minimum=1, maximum=1)
            cw.record(A, R, "N", "Errors", dims, when, [1.0] * rng.choice([0, 0, 0, 1, 3]) + [0.0])
            cw.record(A, R, "N", "Duration", dims, when, [rng.choice([10.0, 20.0, 200.0]) for _ in range(3)])
        if rng.random() < 0.05:  # a burst: more writes to one series than it remembers between two evaluations
            for _ in range(70):
                cw.record(A, R, "N", rng.choice(["Errors", "Duration"]), {"FunctionName": rng.choice("ab")},
                          max(0.0, now - rng.choice([0, 60, 120, 300])), [rng.choice([0.0, 1.0, 15.0])])
        if rng.random() < 0.03:
            name = rng.choice(sorted(key[2] for key in cw._alarms))
            cw._op_SetAlarmState({"AlarmName": name, "StateValue": rng.choice(["OK", "ALARM"]), "StateReason": "test"},
                                 A, R)

    scheduler.every(rng.choice([60, 45, 90]), minute, "traffic", first=rng.choice([0.0, 30.0, 60.0]),
                    until=rng.randint(30, 150) * 60)
    scheduler.run(until=180 * 60)
    assert cw.checked > 50
    assert cw.reused > 0 and cw.judged > 0 and cw.moved > 0  # remembered periods, verdicts, the last tick's values


def _tree(rng: random.Random, depth: int) -> str:
    """A random expression of the metric math the fake models, over the ids a, b, c."""
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(["a", "b", "c", "0", "3", "0.5"])
    kind = rng.choice(["/", "cmp", "if", "if3", "()"])
    if kind == "/":
        return f"{_tree(rng, depth - 1)} / {_tree(rng, depth - 1)}"
    if kind == "cmp":
        return f"({_tree(rng, depth - 1)} {rng.choice(['>', '>=', '<', '<=', '==', '!='])} {_tree(rng, depth - 1)})"
    if kind == "()":
        return f"({_tree(rng, depth - 1)})"
    args = [_tree(rng, depth - 1) for _ in range(3 if kind == "if3" else 2)]
    return f"IF({', '.join(args)})"


@pytest.mark.parametrize("seed", range(20))
def test_compiled_metric_math_computes_what_the_parsed_tree_does(seed):
    rng = random.Random(seed)
    values = [None, None, 0.0, -0.0, 1.0, 2.5, -3.0, 3.0, 1e308, math.inf, math.nan]
    for _ in range(50):
        text = _tree(rng, 4)
        tree = parse_expression(text, ["a", "b", "c"])
        compiled = compile_expression(tree, ["a", "b", "c"])
        for _ in range(20):
            point = [rng.choice(values) for _ in range(3)]
            want, got = tree.at(dict(zip("abc", point, strict=True))), compiled(*point)
            assert got is want or got == want or (got != got and want != want), (text, point, got, want)
            assert type(got) is type(want), (text, point, got, want)
