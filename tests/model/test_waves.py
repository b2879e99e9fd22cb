"""The step expansion: the one function the planner, the pipeline and the checks read."""

from __future__ import annotations

from datetime import timedelta

from seawall.model import (
    BakePolicy,
    Target,
    TrafficPolicy,
    Wave,
    WavePlan,
    commercial_regions,
    expand_steps,
)
from seawall.model.regions import CATALOGUE, TrafficTier

HOUR = timedelta(hours=1)


def test_cells_go_one_at_a_time_across_the_waves_regions():
    w = Wave(
        name="w",
        targets=tuple(Target(region=r, cell=c) for r in ("us-east-1", "eu-west-1") for c in ("a", "b", "c")),
        bake=BakePolicy(duration=2 * HOUR), cell_bake=BakePolicy(duration=HOUR),
    )
    steps = expand_steps(WavePlan(waves=(w,)))
    assert [[t.name for t in s.targets] for s in steps] == [
        ["us-east-1-a", "eu-west-1-a"], ["us-east-1-b", "eu-west-1-b"], ["us-east-1-c", "eu-west-1-c"],
    ]
    assert [s.bake.duration for s in steps] == [HOUR, HOUR, 2 * HOUR]
    assert [s.name for s in steps] == ["w-1", "w-2", "w-3"]


def test_regions_with_fewer_cells_drop_out_of_later_steps():
    w = Wave(name="w", targets=(Target(region="us-east-1", cell="a"), Target(region="us-east-1", cell="b"),
                                Target(region="eu-west-1")), bake=BakePolicy(duration=HOUR))
    assert [[t.name for t in s.targets] for s in expand_steps(WavePlan(waves=(w,)))] == [
        ["us-east-1-a", "eu-west-1"], ["us-east-1-b"],
    ]


def test_all_targets_in_one_step_when_cells_do_not_go_one_at_a_time():
    w = Wave(name="w", targets=(Target(region="us-east-1", cell="a"), Target(region="us-east-1", cell="b")),
             bake=BakePolicy(duration=HOUR), one_cell_at_a_time=False)
    (step,) = expand_steps(WavePlan(waves=(w,)))
    assert step.name == "w" and len(step.targets) == 2


def test_a_group_larger_than_a_stage_splits_into_balanced_sequential_steps():
    regions = commercial_regions()[:12]
    w = Wave(name="big", targets=tuple(Target(region=r) for r in regions), bake=BakePolicy(duration=HOUR))
    steps = expand_steps(WavePlan(waves=(w,), max_targets_per_step=10))
    assert [len(s.targets) for s in steps] == [6, 6]
    assert [t.region for s in steps for t in s.targets] == list(regions)


def test_pre_production_steps_come_first_and_are_not_gated():
    plan = WavePlan.standard(["us-east-1", "eu-west-1", "ap-northeast-3"])
    steps = plan.steps()
    assert [s.wave for s in steps[:3]] == ["alpha", "beta", "gamma"]
    assert not any(s.gated for s in steps[:3])
    assert all(s.gated and s.production for s in steps[3:])
    assert [s.index for s in steps] == list(range(len(steps)))


def test_standard_layout_follows_the_article():
    plan = WavePlan.standard(commercial_regions(), cells=1)
    sizes = [len(w.regions) for w in plan.waves]
    assert sizes[:4] == [1, 1, 3, 12]
    assert sum(sizes) == len(commercial_regions())
    first, second = (CATALOGUE.get(w.regions[0]) for w in plan.waves[:2])
    assert first.traffic is TrafficTier.LOW
    assert second.traffic is TrafficTier.HIGH
    assert [w.bake.duration for w in plan.waves] == [12 * HOUR, 4 * HOUR, 2 * HOUR, 2 * HOUR, 2 * HOUR]
    assert all(w.bake.min_data_points == 100 for w in plan.waves)
    assert all(w.traffic == TrafficPolicy.canary(percent=10, interval=timedelta(minutes=60)) for w in plan.waves)


def test_standard_with_cells_bakes_an_hour_between_cells_and_the_wave_bake_last():
    plan = WavePlan.standard(["ap-northeast-3", "us-east-1"], cells=3)
    wave1 = [s for s in plan.steps() if s.wave == "wave-1"]
    assert [s.bake.duration for s in wave1] == [HOUR, HOUR, 12 * HOUR]
    assert [t.cell for s in wave1 for t in s.targets] == ["cell-1", "cell-2", "cell-3"]


def test_traffic_overrides_change_which_region_goes_first():
    plan = WavePlan.standard(["us-east-1", "eu-west-1", "us-west-2"], traffic_overrides={"eu-west-1": "low"})
    assert plan.waves[0].regions == ("eu-west-1",)


def test_every_commercial_region_with_three_cells_fits_the_pipeline_stage_limit():
    steps = WavePlan.standard(commercial_regions(), cells=3).steps()
    assert max(len(s.targets) for s in steps) <= 10
    assert len(steps) < 50
    targets = [t.name for s in steps if s.production for t in s.targets]
    assert len(targets) == len(set(targets)) == 3 * len(commercial_regions())


def test_traffic_policy_maps_onto_codedeploy_configs():
    assert TrafficPolicy.canary(percent=10, interval=timedelta(minutes=5)).predefined_config_name == \
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert TrafficPolicy.linear(percent=10, interval=timedelta(minutes=1)).predefined_config_name == \
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    assert TrafficPolicy.all_at_once().predefined_config_name == "CodeDeployDefault.LambdaAllAtOnce"
    assert TrafficPolicy.canary().predefined_config_name is None  # 60 minutes needs a custom config


def test_shift_durations():
    assert TrafficPolicy.canary(interval=timedelta(minutes=60)).duration() == HOUR
    assert TrafficPolicy.linear(percent=10, interval=timedelta(minutes=2)).duration() == timedelta(minutes=18)
    assert TrafficPolicy.linear(percent=33, interval=timedelta(minutes=5)).duration() == timedelta(minutes=15)
    assert TrafficPolicy.all_at_once().duration() == timedelta(0)


def test_emergency_override_shortens_but_never_removes_a_bake():
    assert BakePolicy(duration=12 * HOUR).emergency_duration == timedelta(hours=1, minutes=12)
    assert BakePolicy(duration=timedelta(minutes=30)).emergency_duration == timedelta(minutes=5)
    assert BakePolicy(duration=timedelta(minutes=3)).emergency_duration == timedelta(minutes=3)
    assert BakePolicy.none().emergency_duration == timedelta(0)
    assert BakePolicy(duration=HOUR, override_floor=timedelta(minutes=20)).emergency_duration == \
        timedelta(minutes=20)


def test_every_commercial_region_is_a_target_and_has_a_real_time_zone():
    from zoneinfo import ZoneInfo

    for r in CATALOGUE:
        ZoneInfo(r.time_zone)
    assert len(commercial_regions()) == len(CATALOGUE)
    assert "us-east-1" in commercial_regions(include_opt_in=False)
    assert "af-south-1" not in commercial_regions(include_opt_in=False)


def test_a_shift_longer_than_its_state_machine_can_follow_is_rejected() -> None:
    import re

    import pytest

    from seawall.model.policies import MAX_SHIFT_DURATION, SHIFT_EVENTS_PER_TURN, SHIFT_POLL

    # The limit comes from the shift's poll and the 25,000-event history, with margin.
    assert MAX_SHIFT_DURATION == timedelta(hours=20)
    assert (MAX_SHIFT_DURATION / SHIFT_POLL) * SHIFT_EVENTS_PER_TURN < 25_000
    with pytest.raises(ValueError, match=re.escape("percent=1 every interval=1:00:00")) as e:
        TrafficPolicy.linear(percent=1, interval=timedelta(minutes=60))  # 99 hours
    assert "MAX_SHIFT_DURATION=20:00:00" in str(e.value) and "raise percent or shorten interval" in str(e.value)
    with pytest.raises(ValueError, match="MAX_SHIFT_DURATION"):
        TrafficPolicy.canary(percent=10, interval=timedelta(hours=21))
    # At the limit is fine: 10 % every 2 h 13 min is 9 moves, just under 20 h.
    assert TrafficPolicy.linear(percent=10, interval=timedelta(minutes=133)).duration() <= MAX_SHIFT_DURATION
    assert TrafficPolicy.canary(percent=10, interval=timedelta(hours=20)).duration() == MAX_SHIFT_DURATION
