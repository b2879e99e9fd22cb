"""Conformance of the Lambda metrics the world publishes for each version's minute of traffic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.sim.conformance import conforms
from tests.sim.fixture.synth import fixture_assembly

from seawall.sim.assembly import Assembly
from seawall.sim.traffic import VersionMinute
from seawall.sim.world import Unknowns, World

ACCOUNT, REGION, FN = "111111111111", "eu-west-1", "api"


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    return Assembly(fixture_assembly())


def _sums(world: World, dims: dict[str, str], metric: str) -> float | None:
    cw = world.aws.session(account=ACCOUNT, region=REGION).client("cloudwatch")
    world.scheduler.run(until=world.clock.seconds + 300)
    out = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName=metric,
                                   Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
                                   StartTime=world.clock.start, EndTime=world.clock.now() + timedelta(minutes=1),
                                   Period=60, Statistics=["Sum"])
    points = out["Datapoints"]
    return sum(p["Sum"] for p in points) if points else None


def _minute(requests: int, errors: int) -> VersionMinute:
    return VersionMinute(0, ACCOUNT, REGION, FN, "live", "2", "r1", requests, errors, 0, 20.0, 120.0)


@conforms("seawall.sim.world.World._emit", "allowed")
def test_a_minute_with_requests_publishes_invocations_and_errors_per_dimension_set(assembly):
    world = World(assembly, unknowns=Unknowns(executed_version_unsplit=False))
    world._emit(_minute(50, 5), routed=True, at=0.0)
    for dims in ({"FunctionName": FN}, {"FunctionName": FN, "Resource": f"{FN}:live"},
                 {"FunctionName": FN, "Resource": f"{FN}:live", "ExecutedVersion": "2"}):
        assert _sums(world, dims, "Invocations") == 50
        assert _sums(world, dims, "Errors") == 5


@conforms("seawall.sim.world.World._emit", "refused")
def test_no_requests_publish_nothing_and_an_unsplit_alias_publishes_no_executed_version_when_aws_does_not(assembly):
    world = World(assembly, unknowns=Unknowns(executed_version_unsplit=False))
    world._emit(_minute(0, 0), routed=False, at=0.0)
    assert _sums(world, {"FunctionName": FN}, "Invocations") is None
    world._emit(_minute(10, 0), routed=False, at=60.0)
    assert _sums(world, {"FunctionName": FN}, "Invocations") == 10
    assert _sums(world, {"FunctionName": FN, "Resource": f"{FN}:live", "ExecutedVersion": "2"}, "Invocations") is None


def test_a_versions_revision_is_its_codes_also_once_the_function_is_deleted_and_created_again(assembly):
    world = World(assembly)
    lam = world.lambda_

    def put(code: str, revision: str | None) -> str:
        fn = lam.put_function(account=ACCOUNT, region=REGION, name="other", code={"ZipFile": code}, config={})
        if revision is not None:
            world.revision_of_code.setdefault(fn.code_sha, revision)
        lam.advance(lam.update_seconds)
        return lam.publish(ACCOUNT, REGION, "other")[0]

    assert world.revision_of(ACCOUNT, REGION, "other", "1") == "?"  # no such function yet
    assert put("a", "r0") == "1"
    assert world.revision_of(ACCOUNT, REGION, "other", "1") == "r0"
    assert put("b", None) == "2"
    assert world.revision_of(ACCOUNT, REGION, "other", "2") == "?"  # code no revision holds (yet)
    world.revision_of_code.setdefault(lam.function(ACCOUNT, REGION, "other").code_sha, "r2")
    assert world.revision_of(ACCOUNT, REGION, "other", "2") == "r2"
    lam.delete_function(account=ACCOUNT, region=REGION, name="other")
    assert world.revision_of(ACCOUNT, REGION, "other", "1") == "?"
    assert put("c", "r1") == "1"  # numbered afresh
    assert world.revision_of(ACCOUNT, REGION, "other", "1") == "r1"
    assert world.revision_of(ACCOUNT, REGION, "other", "$LATEST") == "r1"
