"""The traffic-and-alarm scenarios that must pass on today's runtime, each rehearsed once on the fixture app."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sim.fixture.synth import fixture_assembly

from seawall.model.rehearsal import Rehearsal
from seawall.sim.rehearse import rehearse


@pytest.fixture(scope="module")
def assembly() -> Path:
    return fixture_assembly()


_RESULTS: dict[str, Rehearsal] = {}


def _rehearsed(assembly: Path, scenario: str) -> Rehearsal:
    if scenario not in _RESULTS:
        _RESULTS[scenario] = rehearse(assembly, scenario=scenario)
    return _RESULTS[scenario]


def _unmet(result: Rehearsal) -> dict[str, object]:
    return {k: v for k, v in {**result.invariants, **result.expectations}.items() if not v.held}


def test_a_slow_burn_after_the_shift_is_caught_by_the_bake_and_reverted(assembly):
    result = _rehearsed(assembly, "slow-burn-bake")
    assert result.ok, _unmet(result)
    assert "after the first shift completed" in result.expectations["turned-bad-after-shift"].detail
    assert "by the bake's revert" in result.expectations["reverted-by-bake"].detail
    reverts = [e for e in result.events if e.kind == "traffic" and e.detail.endswith("(r0) by seawall")]
    assert reverts, [e for e in result.events if e.kind == "traffic"]
