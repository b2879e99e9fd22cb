"""The CloudWatch fake: metric store, GetMetricStatistics, metric and composite alarms, through real boto3 clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from tests.sim.conformance import conforms

from seawall.model.limits import MAX_ALARM_NAME, MAX_COMPOSITE_CHILDREN, MAX_DESCRIBE_ALARM_NAMES
from seawall.sim import CITATIONS, FakeAws, FakeCloudWatch, Unmodelled
from seawall.sim.clock import Scheduler
from seawall.sim.cloudwatch import judge, parse_expression, parse_rule

A, R = "111111111111", "us-east-1"
FN = {"FunctionName": "api"}
DIMS = [{"Name": "FunctionName", "Value": "api"}]


class World:
    def __init__(self, **params: float) -> None:
        self.aws = FakeAws()
        self.scheduler = Scheduler(self.aws.clock)
        self.cw = FakeCloudWatch(clock=self.aws.clock, scheduler=self.scheduler, **params)  # type: ignore[arg-type]
        self.aws.register("cloudwatch", self.cw)
        self.client = self.aws.session(account=A, region=R).client("cloudwatch")

    def errors(self, minute: int, value: float = 1.0) -> None:
        self.cw.record(A, R, "AWS/Lambda", "Errors", FN, minute * 60, [value])

    def alarm(self, name: str = "errors", *, n: int = 3, m: int = 3, treat: str = "notBreaching", **extra: object):
        params: dict[str, object] = dict(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors",
                                         Dimensions=DIMS, Statistic="Sum", Period=60, EvaluationPeriods=n,
                                         DatapointsToAlarm=m, Threshold=0, ComparisonOperator="GreaterThanThreshold",
                                         TreatMissingData=treat)
        params.update(extra)
        self.client.put_metric_alarm(**params)

    def state(self, name: str) -> str | None:
        return self.cw.state(A, R, name)

    def run(self, minutes: float) -> None:
        self.scheduler.run(until=minutes * 60)


def _code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return str(e.value.response["Error"]["Code"])


# ---------------------------------------------------------------- the metric store and GetMetricStatistics


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_GetMetricStatistics", "allowed")
def test_statistics_aggregate_visible_minutes_of_the_exact_dimensions():
    w = World(publication_delay=120)
    for minute in range(10):
        w.cw.record(A, R, "AWS/Lambda", "Invocations", {**FN, "Resource": "api:live"}, minute * 60, [3])
        w.cw.record(A, R, "AWS/Lambda", "Invocations", FN, minute * 60, [3])
    w.run(10)  # minutes 0-8 visible (each 120 s after its start), 9 not yet
    out = w.client.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations",
        Dimensions=[{"Name": "Resource", "Value": "api:live"}, {"Name": "FunctionName", "Value": "api"}],
        StartTime=w.aws.clock.at(30), EndTime=w.aws.clock.at(600), Period=300, Statistics=["Sum", "SampleCount"])
    points = sorted(out["Datapoints"], key=lambda p: p["Timestamp"])
    assert [(p["Timestamp"], p["Sum"]) for p in points] == [(w.aws.clock.at(0), 15.0), (w.aws.clock.at(300), 12.0)]
    only_name = w.client.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations",
                                               Dimensions=[{"Name": "FunctionName", "Value": "other"}],
                                               StartTime=w.aws.clock.at(0), EndTime=w.aws.clock.at(600),
                                               Period=60, Statistics=["Sum"])
    assert only_name["Datapoints"] == []


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_GetMetricStatistics", "refused")
def test_statistics_refuse_more_than_1440_points_and_both_kinds_of_statistic():
    w = World()
    common = dict(Namespace="AWS/Lambda", MetricName="Errors", Dimensions=DIMS, StartTime=w.aws.clock.at(0))
    ok = w.client.get_metric_statistics(**common, EndTime=w.aws.clock.at(1440 * 60), Period=60, Statistics=["Sum"])
    assert ok["Datapoints"] == []
    with pytest.raises(ClientError) as e:
        w.client.get_metric_statistics(**common, EndTime=w.aws.clock.at(1441 * 60), Period=60, Statistics=["Sum"])
    assert _code(e) == "InvalidParameterCombination" and "1,440" in str(e.value)
    with pytest.raises(ClientError) as e:
        w.client.get_metric_statistics(**common, EndTime=w.aws.clock.at(60), Period=60, Statistics=["Sum"],
                                       ExtendedStatistics=["p99"])
    assert _code(e) == "InvalidParameterCombination"


@conforms("seawall.sim.cloudwatch._percentile", "allowed")
def test_percentiles_come_from_the_samples_of_the_period():
    w = World()
    w.cw.record(A, R, "AWS/Lambda", "Duration", FN, 0, list(range(1, 101)))
    w.cw.record_stats(A, R, "AWS/Lambda", "Duration", FN, 60, total=5000, count=10, minimum=500, maximum=500)
    w.run(3)
    out = w.client.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Duration", Dimensions=DIMS,
                                         StartTime=w.aws.clock.at(0), EndTime=w.aws.clock.at(120), Period=60,
                                         ExtendedStatistics=["p99", "p50"])
    by_time = {p["Timestamp"]: p["ExtendedStatistics"] for p in out["Datapoints"]}
    assert by_time[w.aws.clock.at(0)] == {"p99": 99.0, "p50": 50.0}
    assert by_time[w.aws.clock.at(60)] == {"p99": 500.0, "p50": 500.0}  # min == max: a percentile exists


@conforms("seawall.sim.cloudwatch._percentile", "refused")
def test_no_percentile_from_a_statistic_set_with_spread():
    w = World()
    w.cw.record_stats(A, R, "AWS/Lambda", "Duration", FN, 0, total=300, count=3, minimum=50, maximum=150)
    w.run(2)
    out = w.client.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Duration", Dimensions=DIMS,
                                         StartTime=w.aws.clock.at(0), EndTime=w.aws.clock.at(60), Period=60,
                                         ExtendedStatistics=["p99"])
    assert [p.get("ExtendedStatistics") for p in out["Datapoints"]] == [None]


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutMetricData", "allowed")
def test_put_metric_data_lands_in_the_store():
    w = World()
    w.client.put_metric_data(Namespace="Team/Canary", MetricData=[
        {"MetricName": "Failures", "Dimensions": DIMS, "Values": [1, 2], "Counts": [3, 1],
         "Timestamp": w.aws.clock.at(0)}])
    w.run(2)
    out = w.client.get_metric_statistics(Namespace="Team/Canary", MetricName="Failures", Dimensions=DIMS,
                                         StartTime=w.aws.clock.at(0), EndTime=w.aws.clock.at(60), Period=60,
                                         Statistics=["Sum", "SampleCount", "Maximum"])
    assert [(p["Sum"], p["SampleCount"], p["Maximum"]) for p in out["Datapoints"]] == [(5.0, 4.0, 2.0)]


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutMetricData", "refused")
def test_high_resolution_metric_data_is_unmodelled():
    w = World()
    with pytest.raises(Unmodelled, match="StorageResolution"):
        w.client.put_metric_data(Namespace="X", MetricData=[{"MetricName": "m", "Value": 1, "StorageResolution": 1}])


# ---------------------------------------------------------------- M of N and missing data


# AWS's two tables in "How alarm state is evaluated when data is missing" (evaluation range 5, N = 3).
_TABLE = [
    # data points, M, MISSING, IGNORE, BREACHING, NOT BREACHING
    ("0-X-X", 3, "OK", "OK", "OK", "OK"),
    ("0----", 3, "OK", "OK", "OK", "OK"),
    ("-----", 3, "INSUFFICIENT_DATA", "keep", "ALARM", "OK"),
    ("0XX-X", 3, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("--X--", 3, "ALARM", "keep", "ALARM", "OK"),
    ("0-X-X", 2, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("00X0X", 2, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("0-X--", 2, "OK", "OK", "ALARM", "OK"),
    ("----0", 2, "OK", "OK", "ALARM", "OK"),
    ("---X-", 2, "ALARM", "keep", "ALARM", "OK"),
]


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._evaluate", "allowed")
@conforms("seawall.sim.cloudwatch.FakeCloudWatch._evaluate", "refused")
@pytest.mark.parametrize(("points", "m", "missing", "ignore", "breaching", "not_breaching"), _TABLE)
def test_every_row_of_aws_missing_data_tables(points, m, missing, ignore, breaching, not_breaching):
    values = [None if c == "-" else (1.0 if c == "X" else 0.0) for c in points]
    for treat, want in [("missing", missing), ("ignore", ignore), ("breaching", breaching),
                        ("notBreaching", not_breaching)]:
        got, _ = judge(values, n=3, m=m, treat=treat, current="CURRENT", breaches=lambda v: v > 0)
        assert got == ("CURRENT" if want == "keep" else want), (points, m, treat)


def test_alarm_goes_to_alarm_on_m_breaching_minutes_and_back_when_they_leave_the_range():
    w = World()
    w.alarm()
    for minute in range(3):
        w.errors(minute)
    w.run(20)
    moves = [(t.at, t.old, t.new) for t in w.cw.transitions(A, R, "errors")]
    # created at 0 (first evaluation at 0: nothing yet, notBreaching -> OK); minutes 0-2 visible at 180; the
    # evaluation range (5 periods) still holds 3 real breaching points at 240 and 300 ("alarms might repeatedly
    # re-evaluate the last set of data points ... after the metric has stopped flowing"), 2 at 360
    assert moves == [(0.0, "INSUFFICIENT_DATA", "OK"), (180.0, "OK", "ALARM"), (360.0, "ALARM", "OK")]


def test_a_quiet_alarm_sleeps_and_costs_nothing_until_data_arrives():
    w = World()
    for i in range(200):
        w.alarm(f"quiet-{i}")
    w.run(600)
    assert w.cw.evaluations == 200  # one evaluation each, then asleep
    w.errors(600)
    w.run(620)
    assert w.state("quiet-0") == "OK" and w.cw.evaluations > 200


# ---------------------------------------------------------------- alarm lifecycle


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutMetricAlarm", "allowed")
def test_a_new_alarm_is_insufficient_data_and_an_updated_one_keeps_its_state():
    w = World(first_evaluation=30)
    w.alarm(n=1, m=1)
    assert w.client.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    w.errors(0)
    w.run(2)
    assert w.state("errors") == "ALARM"
    # re-pointed at another function with no errors: still ALARM until the next evaluation
    w.alarm(n=1, m=1, Dimensions=[{"Name": "FunctionName", "Value": "fixed"}])
    assert w.state("errors") == "ALARM"
    w.run(3)
    assert w.state("errors") == "OK"


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutMetricAlarm", "refused")
def test_put_metric_alarm_refuses_what_aws_refuses():
    w = World()
    with pytest.raises(ClientError) as e:
        w.alarm("x" * (MAX_ALARM_NAME + 1))
    assert _code(e) == "ValidationError"
    with pytest.raises(ClientError, match="DatapointsToAlarm"):
        w.alarm(n=2, m=3)
    with pytest.raises(ClientError, match="86400"):
        w.alarm(n=1441)
    with pytest.raises(ClientError, match="TreatMissingData"):
        w.alarm(treat="sometimes")
    with pytest.raises(Unmodelled, match="high-resolution"):
        w.alarm(Period=30)


@conforms("seawall.sim.cloudwatch.parse_expression", "allowed")
def test_seawall_fault_rate_expressions_follow_metric_math_missing_value_rules():
    fault_rate = parse_expression("IF(invocations >= 10, errors / invocations, 0)", ["errors", "invocations"])
    assert fault_rate.at({"errors": 2, "invocations": 20}) == 0.1
    assert fault_rate.at({"errors": None, "invocations": 20}) == 0.0  # missing errors count as 0
    assert fault_rate.at({"errors": 5, "invocations": 5}) == 0.0  # below the minimum: 0
    assert fault_rate.at({"errors": 3, "invocations": None}) is None  # no condition point: no output point
    failing = parse_expression("IF(errors / invocations > 0.01, errors, 0)", ["errors", "invocations"])
    assert failing.at({"errors": 1, "invocations": 1}) == 1.0
    assert failing.at({"errors": 1, "invocations": None}) is None  # 1 / 0 drops the point
    assert failing.at({"errors": None, "invocations": None}) is None


@conforms("seawall.sim.cloudwatch.parse_expression", "refused")
def test_metric_math_beyond_seawalls_subset_is_unmodelled():
    for text, name in [("FILL(errors, 0)", "FILL"), ("errors + invocations", "'\\+'"), ("RATE(errors)", "RATE"),
                       ("nothing / errors", "nothing")]:
        with pytest.raises(Unmodelled, match=name):
            parse_expression(text, ["errors", "invocations"])


def test_a_metric_math_alarm_evaluates_its_expression():
    w = World()
    metrics = [
        {"Id": "expr_1", "Expression": "IF(invocations >= 10, errors / invocations, 0)", "ReturnData": True},
        *({"Id": i, "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": m, "Dimensions": DIMS},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False}
          for i, m in [("errors", "Errors"), ("invocations", "Invocations")]),
    ]
    w.client.put_metric_alarm(AlarmName="rate", Metrics=metrics, EvaluationPeriods=1, DatapointsToAlarm=1,
                              Threshold=0.01, ComparisonOperator="GreaterThanThreshold",
                              TreatMissingData="notBreaching")
    w.cw.record(A, R, "AWS/Lambda", "Invocations", FN, 0, [20])
    w.errors(0, 5)
    w.run(1)
    assert w.state("rate") == "ALARM"


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_SetAlarmState", "allowed")
def test_set_alarm_state_lasts_until_the_next_evaluation():
    w = World()
    w.alarm()
    w.run(1)
    w.client.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="test")
    assert w.state("errors") == "ALARM"
    w.run(2)
    assert w.state("errors") == "OK"
    assert [(t.at, t.new) for t in w.cw.transitions(A, R, "errors")][-2:] == [(60.0, "ALARM"), (120.0, "OK")]


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_SetAlarmState", "refused")
def test_set_alarm_state_of_a_missing_alarm_is_refused():
    w = World()
    with pytest.raises(ClientError) as e:
        w.client.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="test")
    assert _code(e) == "ResourceNotFound"


# ---------------------------------------------------------------- composites


@conforms("seawall.sim.cloudwatch.parse_rule", "allowed")
def test_the_rule_language():
    rule, named = parse_rule('(ALARM("a") OR OK(b)) AND NOT INSUFFICIENT_DATA("c d") OR FALSE')
    assert named == ["a", "b", "c d"]
    states = {"a": "ALARM", "b": "ALARM", "c d": "OK"}
    assert rule.holds(states.get)
    assert not rule.holds({**states, "c d": "INSUFFICIENT_DATA"}.get)
    assert parse_rule("TRUE")[0].holds(states.get)


@conforms("seawall.sim.cloudwatch.parse_rule", "refused")
def test_a_malformed_rule_is_a_validation_error():
    for text in ["ALARM(a", "ALARM()", "ALARM(a) XOR ALARM(b)", ""]:
        with pytest.raises(Exception, match="ValidationError"):
            parse_rule(text)


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._propagate", "allowed")
@conforms("seawall.sim.cloudwatch.FakeCloudWatch._tick", "allowed")
def test_composites_of_composites_follow_their_children_and_never_return_to_insufficient_data():
    w = World()
    w.alarm(n=1, m=1)
    w.client.put_composite_alarm(AlarmName="service", AlarmRule='ALARM("errors")')
    w.client.put_composite_alarm(AlarmName="team", AlarmRule="ALARM(service) OR FALSE")
    assert w.state("team") == "INSUFFICIENT_DATA"
    w.run(0)
    assert (w.state("errors"), w.state("service"), w.state("team")) == ("OK", "OK", "OK")
    w.errors(1)
    w.run(2)
    assert (w.state("service"), w.state("team")) == ("ALARM", "ALARM")
    w.run(6)  # the breaching minute leaves the 3-period evaluation range at 300
    assert w.state("team") == "OK"
    assert "INSUFFICIENT_DATA" not in {t.new for t in w.cw.transitions(A, R, "team")}


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._propagate", "refused")
@conforms("seawall.sim.cloudwatch.FakeCloudWatch._tick", "refused")
def test_alarm_of_an_insufficient_data_child_is_false():
    w = World()
    w.alarm(n=1, m=1, treat="missing")  # stays INSUFFICIENT_DATA without data
    w.client.put_composite_alarm(AlarmName="any", AlarmRule='ALARM("errors")')
    w.run(5)
    assert (w.state("errors"), w.state("any")) == ("INSUFFICIENT_DATA", "OK")


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutCompositeAlarm", "allowed")
def test_a_composite_may_name_100_children():
    w = World()
    for i in range(MAX_COMPOSITE_CHILDREN):
        w.alarm(f"a{i}")
    w.client.put_composite_alarm(AlarmName="all", AlarmRule=" OR ".join(f"ALARM(a{i})" for i in range(100)))
    assert w.state("all") == "INSUFFICIENT_DATA"


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_PutCompositeAlarm", "refused")
def test_a_composite_refuses_101_children_a_missing_child_and_a_long_rule():
    w = World()
    for i in range(MAX_COMPOSITE_CHILDREN + 1):
        w.alarm(f"a{i}")
    with pytest.raises(ClientError, match="at most 100"):
        w.client.put_composite_alarm(AlarmName="all", AlarmRule=" OR ".join(f"ALARM(a{i})" for i in range(101)))
    with pytest.raises(ClientError, match="does not exist"):
        w.client.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(ghost)")
    with pytest.raises(ClientError, match="10240"):
        w.client.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(a0) OR " * 900 + "ALARM(a0)")


# ---------------------------------------------------------------- DescribeAlarms, DeleteAlarms


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_DescribeAlarms", "allowed")
def test_describe_alarms_pages_and_returns_composites_only_when_asked():
    w = World()
    for i in range(3):
        w.alarm(f"m{i}")
    w.client.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(m0)")
    plain = w.client.describe_alarms(AlarmNames=["m0", "c"])
    assert [a["AlarmName"] for a in plain["MetricAlarms"]] == ["m0"] and plain["CompositeAlarms"] == []
    seen, token = [], None
    while True:
        page = w.client.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"], MaxRecords=2,
                                        **({"NextToken": token} if token else {}))
        seen += [a["AlarmName"] for a in page["MetricAlarms"] + page["CompositeAlarms"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == ["c", "m0", "m1", "m2"]


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_DescribeAlarms", "refused")
def test_describe_alarms_refuses_more_than_100_names():
    w = World()
    w.client.describe_alarms(AlarmNames=[f"a{i}" for i in range(MAX_DESCRIBE_ALARM_NAMES)])
    with pytest.raises(ClientError) as e:
        w.client.describe_alarms(AlarmNames=[f"a{i}" for i in range(MAX_DESCRIBE_ALARM_NAMES + 1)])
    assert _code(e) == "ValidationError"
    with pytest.raises(Unmodelled, match="ChildrenOfAlarmName"):
        w.client.describe_alarms(ChildrenOfAlarmName="c")


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_DeleteAlarms", "allowed")
def test_delete_alarms_ignores_unknown_names():
    w = World()
    w.alarm("a")
    w.client.delete_alarms(AlarmNames=["a", "ghost"])
    assert w.state("a") is None


@conforms("seawall.sim.cloudwatch.FakeCloudWatch._op_DeleteAlarms", "refused")
def test_delete_alarms_refuses_two_composites_and_a_referenced_child():
    w = World()
    w.alarm("a")
    w.client.put_composite_alarm(AlarmName="c1", AlarmRule="ALARM(a)")
    w.client.put_composite_alarm(AlarmName="c2", AlarmRule="ALARM(a)")
    with pytest.raises(ClientError, match="at most one composite"):
        w.client.delete_alarms(AlarmNames=["c1", "c2"])
    with pytest.raises(ClientError, match="referenced"):
        w.client.delete_alarms(AlarmNames=["a"])
    assert w.state("a") is not None


def test_every_rule_of_the_cloudwatch_fake_is_cited():
    import inspect

    rules = [n for n, _ in inspect.getmembers(FakeCloudWatch, inspect.isfunction)
             if n.startswith("_op_") or n in {"_evaluate", "_propagate", "_tick"}]
    assert len(rules) >= 10
    assert [n for n in rules if f"seawall.sim.cloudwatch.FakeCloudWatch.{n}" not in CITATIONS] == []


def test_timestamps_are_simulated():
    w = World()
    w.alarm()
    w.run(1)
    alarm = w.client.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]
    assert alarm["StateUpdatedTimestamp"] == w.aws.clock.start + timedelta(seconds=0)
