"""The second half of the main generated-scenario run (see tests/sim/test_generated.py), in its own module so that
``--dist loadfile`` runs the halves on both workers."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sim.fixture.synth import fixture_assembly
from tests.sim.generated_support import run_part


@pytest.fixture(scope="module")
def assembly() -> Path:
    return fixture_assembly()


def test_generated_part_3(assembly):
    """Seeds 2, 6, 10, ... of the main selection."""
    run_part(assembly, 2)


def test_generated_part_4(assembly):
    """Seeds 3, 7, 11, ... of the main selection."""
    run_part(assembly, 3)
