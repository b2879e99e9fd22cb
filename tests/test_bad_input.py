"""Bad input to the model and to ``seawall plan``: a clear error naming the parameter, the value and what is allowed.

Each case is a row of ``docs/bad-input.md``.  Wrong types are ``TypeError``;
wrong values ``ValueError``; nothing is silently read as something else.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, time, timedelta

import pytest

from seawall.cli import main
from seawall.model import (
    ALL_DAYS,
    AlarmPolicy,
    BakePolicy,
    RegionCatalogue,
    ReleasePolicy,
    Target,
    TimeWindow,
    TrafficKind,
    TrafficPolicy,
    Wave,
    WavePlan,
    bootstrap_checklist,
    plan_rollout,
)
from seawall.model.limits import MAX_BAKE_WAIT
from seawall.model.regions import Region

HOUR = BakePolicy(duration=timedelta(hours=1))
ALWAYS = TimeWindow(time_zone="UTC", days=ALL_DAYS, start=time(0), end=None)


def _wave(**kw: object) -> Wave:
    args: dict[str, object] = {"name": "wave-1", "targets": [Target(region="us-east-1")], "bake": HOUR, **kw}
    return Wave(**args)  # type: ignore[arg-type]


CASES = [
    # A string where a list belongs is not read as its characters.
    ("regions as one string", lambda: WavePlan.standard("us-east-1"), TypeError,
     r"regions='us-east-1' is a str; pass a list such as .*\(one item\? pass \['us-east-1'\]\)"),
    ("cells as one string", lambda: WavePlan.standard(["us-east-1"], cells="abc"), TypeError,
     r"cells='abc' is a str; pass a list such as \['cell-1', 'cell-2'\] or a number"),
    ("pre-production regions as one string",
     lambda: WavePlan.standard(["us-east-1"], pre_production_regions="us-east-1"), TypeError,
     r"pre_production_regions='us-east-1' is a str"),
    ("catalogue select of one string", lambda: RegionCatalogue().select("us-east-1"), TypeError,
     r"regions='us-east-1' is a str"),
    # Duplicates are refused, naming the duplicate.
    ("duplicate region", lambda: WavePlan.standard(["us-east-1", "eu-west-1", "us-east-1"]), ValueError,
     r"regions lists region 'us-east-1' twice; list each region once"),
    ("duplicate gamma region", lambda: WavePlan.standard_pre_production(["us-east-1", "us-east-1"]), ValueError,
     r"regions lists region 'us-east-1' twice"),
    ("duplicate cell", lambda: WavePlan.standard(["us-east-1"], cells=["a", "a"]), ValueError,
     r"cells lists cell 'a' twice"),
    ("duplicate org-wide alarm",
     lambda: bootstrap_checklist(WavePlan.standard(["us-east-1"]), pipeline_account="111111111111",
                                 pipeline_region="us-east-1", blocking_alarms=["org", "org"]), ValueError,
     r"blocking_alarms lists alarm 'org' twice"),
    # A name with a trailing newline does not pass a `$` pattern.
    ("wave name with a newline", lambda: _wave(name="wave-1\n"), ValueError,
     r"wave name='wave-1\\n' is not allowed; use 1-40 letters, digits and hyphens"),
    ("cell with a newline", lambda: Target(region="us-east-1", cell="cell-1\n"), ValueError,
     r"cell='cell-1\\n' is not a valid cell name"),
    ("account with a newline", lambda: Target(region="us-east-1", account="111111111111\n"), ValueError,
     r"Target account='111111111111\\n' is not an AWS account ID; expected 12 digits 0-9"),
    # Only ASCII digits make an account ID.
    ("account of Arabic-Indic digits", lambda: Target(region="us-east-1", account="١" * 12), ValueError,
     r"Target account='١{12}' is not an AWS account ID; expected 12 digits 0-9"),
    ("pipeline account of fullwidth digits",
     lambda: bootstrap_checklist(WavePlan.standard(["us-east-1"]), pipeline_account="１" * 12,
                                 pipeline_region="us-east-1"), ValueError,
     r"pipeline_account='１{12}' is not an AWS account ID"),
    ("account as a number", lambda: Target(region="us-east-1", account=111111111111), TypeError,
     r"Target account=111111111111 is a int; pass a string such as '111111111111'"),
    # TrafficPolicy: the kind and its fields are checked, however it is built.
    ("kind as a string", lambda: TrafficPolicy(kind="canary", percent=10, interval=timedelta(hours=1)), TypeError,
     r"TrafficPolicy kind='canary' is a str, not a TrafficKind; build the policy with TrafficPolicy.canary"),
    ("all at once with an interval",
     lambda: TrafficPolicy(kind=TrafficKind.ALL_AT_ONCE, interval=timedelta(minutes=5)), ValueError,
     r"all_at_once traffic takes no percent or interval \(got percent=100, interval=datetime.timedelta"),
    ("canary percent as a float", lambda: TrafficPolicy.canary(percent=9.5), TypeError,
     r"canary traffic percent=9.5 is a float; pass a whole percentage \(int\) from 1 to 99"),
    ("canary interval as minutes", lambda: TrafficPolicy.canary(interval=30), TypeError,
     r"interval=30 is a int; pass a datetime.timedelta"),
    # Whole numbers are ints, never floats or bools.
    ("evaluation periods as a float", lambda: AlarmPolicy(evaluation_periods=3.5), TypeError,
     r"evaluation_periods=3.5 is a float; pass a whole number \(int\) of 1 or more"),
    ("max throttles as a bool", lambda: AlarmPolicy(max_throttles=True), TypeError,
     r"max_throttles=True is a bool; pass a whole number \(int\)"),
    ("min data points as a float", lambda: BakePolicy(duration=timedelta(hours=1), min_data_points=100.0),
     TypeError, r"min_data_points=100.0 is a float; pass a whole number \(int\)"),
    ("max targets per step as a bool", lambda: WavePlan(waves=[_wave()], max_targets_per_step=True), TypeError,
     r"max_targets_per_step=True is a bool"),
    ("one cell at a time as a string", lambda: _wave(one_cell_at_a_time="no"), TypeError,
     r"wave 'wave-1' one_cell_at_a_time='no' is a str; pass True or False"),
    # NaN, infinity and strings where numbers belong.
    ("fault rate NaN", lambda: AlarmPolicy(max_fault_rate=math.nan), ValueError,
     r"max_fault_rate=nan must be a fraction between 0 and 1"),
    ("fault rate as a string", lambda: AlarmPolicy(max_fault_rate="1%"), TypeError,
     r"max_fault_rate='1%' is a str; pass a number such as 0.01"),
    ("anomaly band infinite", lambda: AlarmPolicy(anomaly_std_devs=math.inf), ValueError,
     r"anomaly_std_devs=inf must be a number above 0 and at most 10"),
    ("latency as seconds", lambda: AlarmPolicy(p99_latency=5), TypeError,
     r"p99_latency=5 is a int; pass a datetime.timedelta"),
    ("alarm period as seconds", lambda: AlarmPolicy(period=60), TypeError, r"period=60 is a int"),
    # Empty and non-string names.
    ("empty metric", lambda: BakePolicy(duration=timedelta(hours=1), metric=""), ValueError,
     r"metric='' is empty; pass a string such as 'Invocations'"),
    ("region code as a number", lambda: Target(region=1), TypeError, r"Target region=1 is a int; pass a string"),
    ("blank region", lambda: Target(region=" "), ValueError, r"Target region=' ' is empty"),
    ("region with an unknown zone",
     lambda: Region(code="zz-test-1", name="Test", time_zone="Mars/Olympus", opt_in=True), ValueError,
     r"Region 'zz-test-1' time_zone='Mars/Olympus' is not a known IANA time zone"),
    ("traffic overrides as a list", lambda: WavePlan.standard(["us-east-1"], traffic_overrides=["us-east-1"]),
     TypeError, r"traffic_overrides=\['us-east-1'\] is a list; pass a dict of region code to tier"),
    ("traffic tier as a number", lambda: WavePlan.standard(["us-east-1"], traffic_overrides={"us-east-1": 1}),
     TypeError, r"traffic_overrides\['us-east-1'\]=1 is a int; pass a TrafficTier"),
    ("release policy without a window", lambda: ReleasePolicy(plan=WavePlan(waves=[_wave()]), window="9-5"),
     TypeError, r"window='9-5' is a str, not a TimeWindow"),
    # Absurd sizes are refused by the limits the pipeline and the machines have.
    ("5,000 cells", lambda: WavePlan.standard(["us-east-1"], cells=5000), ValueError,
     r"cells=5000 is out of range; pass a whole number from 1 to 50 \(each cell of a region is at least one "
     r"pipeline stage\)"),
    ("a plan of more steps than stages",
     lambda: WavePlan(waves=[_wave(targets=[Target(region="us-east-1", cell=f"c{i}") for i in range(60)])]),
     ValueError, r"the plan expands to 60 steps, each a pipeline stage; CodePipeline allows 50 stages"),
    ("a 365-day bake", lambda: BakePolicy(duration=timedelta(days=365)), ValueError,
     r"bake duration=365 days, 0:00:00 is out of range; it must be at least 0:00:00 and at most 1 day, 16:00:00 "
     r"\(the longest one bake state machine execution can watch"),
    ("a 365-day bake in the standard plan", lambda: WavePlan.standard(["us-east-1"], first_wave_bake=timedelta(
        days=365)), ValueError, r"first_wave_bake=365 days, 0:00:00 is out of range; it must be at least 0:00:00 "
                                r"and at most 1 day, 16:00:00"),
    ("a 3-year gate limit", lambda: plan_rollout(WavePlan(waves=[_wave()]), ALWAYS, datetime(2026, 1, 1, tzinfo=UTC),
                                                 gate_max_wait=timedelta(days=1000)), ValueError,
     r"gate_max_wait=1000 days, 0:00:00 is out of range; it must be above 0 and at most 6 days, 18:00:00"),
    # The planner's own arguments.
    ("plan as a string", lambda: plan_rollout("plan", ALWAYS, datetime(2026, 1, 1, tzinfo=UTC)), TypeError,
     r"plan='plan' is a str, not a WavePlan"),
    ("window as a string", lambda: plan_rollout(WavePlan(waves=[_wave()]), "9-5", datetime(2026, 1, 1, tzinfo=UTC)),
     TypeError, r"window='9-5' is a str, not a TimeWindow"),
    ("a start at the end of time",
     lambda: plan_rollout(WavePlan.standard(["us-east-1"]), ALWAYS, datetime(9999, 12, 30, tzinfo=UTC)), ValueError,
     r"start=9999-12-30T00:00:00\+00:00 is too late: the rollout would run past the year 9999"),
]


@pytest.mark.parametrize(("build", "error", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_naming_parameter_value_and_fix(build, error, pattern) -> None:
    with pytest.raises(error, match=pattern):
        build()


def test_the_largest_bake_the_machine_runs_is_accepted() -> None:
    assert BakePolicy(duration=MAX_BAKE_WAIT).duration == MAX_BAKE_WAIT
    with pytest.raises(ValueError, match=r"bake duration=1 day, 16:01:00 is out of range"):
        BakePolicy(duration=MAX_BAKE_WAIT + timedelta(minutes=1))


def test_the_bake_limit_fits_the_bake_machines_history() -> None:
    from seawall.model.contracts import BAKE_EVENTS_PER_TURN, BAKE_POLL
    from seawall.model.policies import HISTORY_BUDGET

    assert MAX_BAKE_WAIT / BAKE_POLL * BAKE_EVENTS_PER_TURN <= HISTORY_BUDGET


def test_a_48_hour_bake_is_refused_at_construction_not_at_build() -> None:
    with pytest.raises(ValueError, match=r"bake duration=2 days, 0:00:00 is out of range; it must be at least "
                                         r"0:00:00 and at most 1 day, 16:00:00"):
        _wave(bake=BakePolicy(duration=timedelta(hours=48)))


@pytest.mark.parametrize(("argv", "message"), [
    (["--start", "9999-12-30T00:00"], r"start=9999-12-30T00:00:00-05:00 is too late: the rollout would run past"),
    (["--deploy-minutes", "99999999999"], r"--deploy-minutes=99999999999 must be from 0 to 4320 \(a CloudFormation"),
    (["--deploy-minutes", "-1"], r"--deploy-minutes=-1 must be from 0 to 4320"),
    (["--gate-max-wait-minutes", "0"], r"--gate-max-wait-minutes=0 must be from 1 to 9720"),
    (["--gate-max-wait-minutes", "20000"], r"--gate-max-wait-minutes=20000 must be from 1 to 9720"),
])
def test_seawall_plan_flags_exit_2_with_one_clear_line(argv: list[str], message: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "--plan", "examples/sample_service/policy.py:TEAM", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert re.search(message, err), err


@pytest.mark.parametrize(("check", "value"), [("check_team", "payments\n"), ("check_service", "api\n"),
                                              ("check_stack_name", "Orders\n")])
def test_names_with_a_trailing_newline_are_refused(check: str, value: str) -> None:
    from seawall.model import naming

    with pytest.raises(ValueError, match=re.escape(repr(value))):
        getattr(naming, check)(value)
