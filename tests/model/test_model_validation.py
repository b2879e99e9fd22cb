"""Every invalid input to the model raises ValueError naming the parameter, the value and the fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from seawall.model import (
    AlarmPolicy,
    BakePolicy,
    RegionCatalogue,
    Target,
    TrafficPolicy,
    Wave,
    WavePlan,
)
from seawall.model.naming import alarm_name, state_machine_name
from seawall.model.regions import COMMERCIAL_REGIONS, Region, Service

BAKE = BakePolicy(duration=timedelta(hours=1))


def wave(name: str = "w1", *regions: str, **kw) -> Wave:
    return Wave(name=name, targets=tuple(Target(region=r) for r in (regions or ("us-east-1",))), bake=BAKE, **kw)


CASES = [
    # (description, callable, pattern the message must contain)
    ("duplicate region across waves",
     lambda: WavePlan(waves=(wave("w1", "us-east-1"), wave("w2", "us-east-1"))),
     r"region 'us-east-1', already in wave 'w1'"),
    ("unknown region", lambda: WavePlan(waves=(wave("w1", "us-nowhere-9"),)),
     r"'us-nowhere-9' is not a known AWS commercial region"),
    ("region without CodeDeploy",
     lambda: WavePlan(waves=(wave("w1", "zz-test-1"),), catalogue=RegionCatalogue().with_region(
         Region(code="zz-test-1", name="Test", time_zone="UTC", opt_in=True,
                services=frozenset({Service.STEP_FUNCTIONS})))),
     r"cannot be a deployment target: codedeploy not available"),
    ("empty wave", lambda: Wave(name="w1", targets=(), bake=BAKE), r"wave 'w1' has no targets"),
    ("no waves", lambda: WavePlan(waves=()), r"waves is empty"),
    ("negative bake", lambda: BakePolicy(duration=timedelta(hours=-1)),
     r"bake duration=-1 day, 23:00:00 is out of range; it must be at least 0:00:00"),
    ("negative data points", lambda: BakePolicy(duration=timedelta(hours=1), min_data_points=-5),
     r"min_data_points=-5"),
    ("override floor of zero removes the bake",
     lambda: BakePolicy(duration=timedelta(hours=1), override_floor=timedelta(0)), r"only shortens"),
    ("override floor above duration",
     lambda: BakePolicy(duration=timedelta(hours=1), override_floor=timedelta(hours=2)), r"override_floor="),
    ("canary percent 0", lambda: TrafficPolicy.canary(percent=0), r"percent=0 .* 1 to 99"),
    ("canary percent 100", lambda: TrafficPolicy.canary(percent=100), r"percent=100 .*all_at_once"),
    ("linear percent 150", lambda: TrafficPolicy.linear(percent=150), r"percent=150"),
    ("non-whole-minute interval", lambda: TrafficPolicy.canary(interval=timedelta(seconds=90)),
     r"interval=0:01:30 is not a positive whole number of minutes"),
    ("zero interval", lambda: TrafficPolicy.linear(interval=timedelta(0)), r"interval=0:00:00"),
    ("one-box above 10 %", lambda: wave("w1", traffic=TrafficPolicy.canary(percent=25)),
     r"canary of 25%, above the one-box limit of 10%"),
    ("duplicate target in a wave",
     lambda: Wave(name="w1", targets=(Target(region="us-east-1"), Target(region="us-east-1")), bake=BAKE),
     r"lists target 'us-east-1' twice"),
    ("region both whole and by cell",
     lambda: Wave(name="w1", targets=(Target(region="us-east-1"), Target(region="us-east-1", cell="c1")),
                  bake=BAKE),
     r"both whole and by cell"),
    ("bad cell name", lambda: Target(region="us-east-1", cell="Cell_1"), r"cell='Cell_1' is not a valid cell"),
    ("bad account", lambda: Target(region="us-east-1", account="1234"), r"account='1234' .* 12 digits"),
    ("bad wave name", lambda: wave("wave one"), r"wave name='wave one' is not allowed"),
    ("duplicate wave name", lambda: WavePlan(pre_production=(wave("w1", "us-east-1"),),
                                             waves=(wave("w1", "us-west-2"),)), r"wave name 'w1' is used twice"),
    ("max targets per step 0", lambda: WavePlan(waves=(wave(),), max_targets_per_step=0),
     r"max_targets_per_step=0"),
    ("fault rate above 1", lambda: AlarmPolicy(max_fault_rate=5),
     r"max_fault_rate=5 must be a fraction between 0 and 1"),
    ("latency decreasing", lambda: AlarmPolicy(p50_latency=timedelta(seconds=3)), r"must not decrease"),
    ("latency beyond Lambda limit", lambda: AlarmPolicy(p99_latency=timedelta(minutes=20)),
     r"p99_latency=0:20:00 is out of range; it must be above 0 and at most 0:15:00 \(Lambda's function timeout\)"),
    ("odd alarm period", lambda: AlarmPolicy(period=timedelta(seconds=45)), r"period=0:00:45"),
    ("datapoints above periods", lambda: AlarmPolicy(evaluation_periods=2, datapoints_to_alarm=3),
     r"datapoints_to_alarm=3"),
    ("negative one-box errors", lambda: AlarmPolicy(one_box_max_errors=-1),
     r"one_box_max_errors=-1 is out of range; pass a whole number of 0 or more"),
    ("unknown traffic tier", lambda: WavePlan.standard(["us-east-1"], traffic_overrides={"us-east-1": "huge"}),
     r"traffic_overrides\['us-east-1'\]='huge' is not a traffic tier"),
    ("standard with no regions", lambda: WavePlan.standard([]), r"regions is empty"),
    ("standard with zero cells", lambda: WavePlan.standard(["us-east-1"], cells=0), r"cells=0"),
    ("standard with too big a one-box",
     lambda: WavePlan.standard(["us-east-1"], one_box=TrafficPolicy.canary(percent=20)), r"one_box is a canary"),
    ("bad team name in alarm names", lambda: alarm_name("Payments Team", "api", "us-east-1", "x"),
     r"team='Payments Team'"),
    ("unknown state machine part", lambda: state_machine_name("orders", "deploy"), r"part='deploy'"),
    ("pipeline home without CodePipeline",
     lambda: RegionCatalogue().pipeline_home("ap-east-2"), r"cannot host the pipeline"),
    ("duplicate region in catalogue",
     lambda: RegionCatalogue((COMMERCIAL_REGIONS[0], COMMERCIAL_REGIONS[0])), r"twice"),
]


@pytest.mark.parametrize("build,pattern", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_is_rejected_with_a_clear_message(build, pattern):
    with pytest.raises(ValueError, match=pattern):
        build()


def test_there_are_at_least_twenty_invalid_input_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("period,periods,window", [
    (timedelta(minutes=1), 3, timedelta(minutes=3)),
    (timedelta(seconds=10), 3, timedelta(seconds=30)),
    (timedelta(seconds=10), 4, timedelta(minutes=1)),      # 40 s is no CloudWatch period: rounded up
    (timedelta(seconds=30), 5, timedelta(minutes=3)),      # 150 s -> 180 s
])
def test_the_one_box_window_is_the_evaluation_window_as_a_cloudwatch_period(period, periods, window):
    policy = AlarmPolicy(period=period, evaluation_periods=periods, datapoints_to_alarm=1)
    assert policy.one_box_window == window


def test_the_one_box_error_count_defaults_to_alarming_on_the_third_error():
    assert AlarmPolicy().one_box_max_errors == 2
    assert AlarmPolicy(one_box_max_errors=0).one_box_max_errors == 0
