"""The simulation's core: one clock, a deterministic scheduler, calls as an account in a region, faults, instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from tests.sim.conformance import conforms

from seawall.sim import FakeAws, FakeLambda, Unmodelled
from seawall.sim.botocore_bridge import Fault
from seawall.sim.clock import START, Clock, Scheduler
from seawall.sim.instances import FunctionInstance


def test_the_clock_starts_at_the_documented_instant_and_never_moves_back():
    clock = Clock()
    assert clock.now() == START == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    with pytest.raises(ValueError, match="never moves backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="time zone"):
        Clock(datetime(2027, 1, 1))
    with pytest.raises(TypeError, match="datetime"):
        Clock("2027-01-01")  # type: ignore[arg-type]


def test_events_run_by_time_then_in_the_order_they_were_scheduled():
    clock = Clock()
    scheduler = Scheduler(clock)
    ran: list[tuple[float, str]] = []
    for name, at in [("c", 30), ("a", 10), ("b", 10), ("d", 20)]:
        scheduler.at(at, lambda n=name: ran.append((clock.seconds, n)), name)
    cancelled = scheduler.at(15, lambda: ran.append((clock.seconds, "x")), "x")
    cancelled.cancel()
    scheduler.run(until=25)
    assert ran == [(10, "a"), (10, "b"), (20, "d")]
    assert clock.seconds == 25
    scheduler.run(until=100)
    assert ran[-1] == (30, "c")


def test_a_recurring_event_stops_at_its_end_and_a_runaway_scenario_raises():
    clock = Clock()
    scheduler = Scheduler(clock)
    ticks: list[float] = []
    scheduler.every(60, lambda: ticks.append(clock.seconds), "tick", until=300)
    scheduler.run(until=1000)
    assert ticks == [60, 120, 180, 240, 300]
    scheduler.every(1, lambda: None, "forever")
    with pytest.raises(RuntimeError, match="runaway"):
        scheduler.run(until=10_000, max_events=100)


def test_work_inside_an_event_moves_time_and_later_events_run_late_in_order():
    clock = Clock()
    scheduler = Scheduler(clock)
    seen: list[tuple[str, float]] = []
    scheduler.at(10, lambda: clock.advance(50), "slow work")
    scheduler.at(20, lambda: seen.append(("due at 20", clock.seconds)), "late")
    scheduler.run(until=100)
    assert seen == [("due at 20", 60)]


def _world() -> tuple[FakeAws, FakeLambda]:
    aws = FakeAws()
    lam = FakeLambda(clock=aws.clock)
    aws.register("lambda", lam)
    lam.put_function(account="111111111111", region="eu-west-1", name="api", code={"ZipFile": "x"}, config={})
    return aws, lam


def test_a_call_is_made_as_the_account_that_signed_it_in_the_region_of_the_client():
    aws, lam = _world()
    session = aws.session(account="111111111111", region="us-east-1")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        session.client("lambda").get_function_configuration(FunctionName="api")  # the function is in eu-west-1
    found = session.client("lambda", region_name="eu-west-1").get_function_configuration(FunctionName="api")
    assert found["FunctionName"] == "api"
    other = aws.session(account="222222222222", region="eu-west-1")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        other.client("lambda").get_function_configuration(FunctionName="api")
    assert [c[:2] for c in aws.calls] == [("111111111111", "us-east-1"), ("111111111111", "eu-west-1"),
                                          ("222222222222", "eu-west-1")]


def test_faults_fail_the_calls_they_match_and_a_timeout_may_have_taken_effect():
    aws, lam = _world()
    client = aws.session(account="111111111111", region="eu-west-1").client("lambda")
    aws.faults.append(Fault("throttle", "lambda", "PublishVersion", times=1))
    with pytest.raises(ClientError, match="ThrottlingException"):
        client.publish_version(FunctionName="api")
    assert client.publish_version(FunctionName="api")["Version"] == "1"
    aws.faults.append(Fault("timeout", "lambda", "CreateAlias", applied=True))
    with pytest.raises(ReadTimeoutError):
        client.create_alias(FunctionName="api", Name="live", FunctionVersion="1")
    assert lam.alias_version("111111111111", "eu-west-1", "api", "live") == "1"
    with pytest.raises(ValueError, match="kind"):
        Fault("gremlins")


def test_an_invalid_request_fails_in_botocore_before_any_fake_sees_it():
    aws, _ = _world()
    client = aws.session(account="111111111111", region="eu-west-1").client("lambda")
    with pytest.raises(Exception, match="Parameter validation failed"):
        client.update_alias(FunctionName="api", Name=5)  # type: ignore[arg-type]
    assert aws.calls == []


@conforms("seawall.sim.instances.FunctionInstance.invoke", "allowed")
def test_each_instance_has_its_own_module_state_and_environment(tmp_path):
    (tmp_path / "app.py").write_text(
        "import os, boto3\n"
        "CALLS = 0\n"
        "def handler(event, context):\n"
        "    global CALLS\n"
        "    CALLS += 1\n"
        "    region = boto3.client('lambda').meta.region_name\n"
        "    return {'calls': CALLS, 'team': os.environ['TEAM'], 'region': region,\n"
        "            'left': context.get_remaining_time_in_millis()}\n")
    aws = FakeAws()
    a = FunctionInstance(aws, account="111111111111", region="us-east-1", function_name="a", asset=tmp_path,
                         handler="app.handler", environment={"TEAM": "payments"}, timeout=60)
    b = FunctionInstance(aws, account="222222222222", region="eu-west-1", function_name="b", asset=tmp_path,
                         handler="app.handler", environment={"TEAM": "orders"})
    assert a.invoke({}) == {"calls": 1, "team": "payments", "region": "us-east-1", "left": 60_000}
    assert a.invoke({}) == {"calls": 2, "team": "payments", "region": "us-east-1", "left": 60_000}
    assert b.invoke({}) == {"calls": 1, "team": "orders", "region": "eu-west-1", "left": 3_000}
    import os
    import sys
    assert "TEAM" not in os.environ and "app" not in sys.modules


@conforms("seawall.sim.instances.FunctionInstance.invoke", "refused")
def test_a_handler_that_is_not_in_the_asset_is_refused_by_name(tmp_path):
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    with pytest.raises(Unmodelled, match="other is not in its asset"):
        FunctionInstance(FakeAws(), account="111111111111", region="us-east-1", function_name="a", asset=tmp_path,
                         handler="other.handler", environment={})
    with pytest.raises(Unmodelled, match="is not module.function"):
        FunctionInstance(FakeAws(), account="111111111111", region="us-east-1", function_name="a", asset=tmp_path,
                         handler="handler", environment={})
