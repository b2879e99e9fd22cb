"""The fixture rehearsals shared by the findings' and scenarios' test modules: each scenario variant rehearsed once
per process (a strict xfail and the test that its scenario exercised what it is about share one rehearsal)."""

from __future__ import annotations

import functools
from pathlib import Path

from tests.sim.fixture.synth import fixture_assembly

from seawall.model.rehearsal import Rehearsal
from seawall.sim.rehearse import rehearse


@functools.cache
def assembly() -> Path:
    """The fixture app's cloud assembly."""
    return fixture_assembly()


@functools.cache
def rehearsed(scenario: str, **params: str) -> Rehearsal:
    """`scenario` (with `params` fixed) rehearsed on the fixture app, once per process."""
    return rehearse(assembly(), scenario=scenario, params=params)
