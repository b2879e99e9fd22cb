"""Findings about traffic and alarms, reproduced on the fixture app: each a strict xfail until the runtime is fixed.

Finding 2 (``sibling-traffic``, I1) and finding 7 (``quiet-region``, I12 and I11) are the runtime's arithmetic and
alarm thresholds meeting the traffic model's per-function minutes; no fake rule stands between them and an old
stub's behaviour (the old behavioural world had one function per target and set alarm states by hand), so neither
has a rule-swap test: the per-function traffic and the alarm evaluation are what expose them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sim.fixture.synth import fixture_assembly

from seawall.model.rehearsal import Rehearsal
from seawall.sim.rehearse import rehearse


@pytest.fixture(scope="module")
def assembly() -> Path:
    return fixture_assembly()


def _unmet(result: Rehearsal) -> list[str]:
    return [f"{v.parameters} {k}: {x.detail}" for v in result.variants
            for k, x in {**v.invariants, **v.expectations}.items() if not x.held]


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="finding 2: the bake sums data points over every function of the target, so a busy "
                          "sibling meets an idle function's minimum; violates I1")
def test_sibling_traffic(assembly):
    result = rehearse(assembly, scenario="sibling-traffic")
    assert result.ok, _unmet(result)


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="finding 7: at 1 request a minute no alarm sees a version failing every request "
                          "(fault rate needs 10 a minute, errors-in-logs more than 5 a minute); violates I12; at 3 "
                          "an hour the bake ends hours after the plan said; violates I11")
def test_quiet_region(assembly):
    result = rehearse(assembly, scenario="quiet-region")
    assert result.ok, _unmet(result)
