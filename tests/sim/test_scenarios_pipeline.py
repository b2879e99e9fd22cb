"""The pipeline theme's scenarios that pass on today's runtime, and the invariant checkers they needed."""

from __future__ import annotations

from types import SimpleNamespace

from tests.sim.fixture.synth import fixture_assembly

from seawall.sim.invariants import _first_run, _order
from seawall.sim.rehearse import rehearse


def test_rollback_execution_own_variables():
    """A rollback that resolves #{codepipeline.PipelineExecutionId} to its own ID is told it is a rollback: its gates
    and bakes pass through and its shift moves the aliases back at once (finding 8's exposing rule swapped)."""
    result = rehearse(fixture_assembly(), scenario="rollback-execution", params={"rollback_variables": "own"})
    unmet = [f"{k}: {x.detail}" for v in result.variants for k, x in {**v.invariants, **v.expectations}.items()
             if not x.held]
    assert result.ok, unmet
    assert all(v.expectations["rollback-succeeded"].held for v in result.variants)


def _action(execution: str, stage: str, action: str, started: float) -> SimpleNamespace:
    return SimpleNamespace(pipeline="p", execution_id=execution, stage=stage, action=action, started=started)


def test_first_run_of_an_action_is_the_first_attempt_of_this_stage_execution():
    """I2 judges a retried stage from the alias its shift found the first time, not after the retry re-ran it."""
    runs = [_action("e1", "gamma", "Shift", 10.0),  # an earlier stage execution of the same execution (a retry)
            _action("e2", "gamma", "Shift", 100.0), _action("e2", "one", "Shift", 150.0),
            _action("e2", "gamma", "Shift", 900.0)]
    truth = SimpleNamespace(world=SimpleNamespace(codepipeline=SimpleNamespace(action_runs=runs)))
    run = SimpleNamespace(pipeline="p", execution_id="e2", stage="gamma", started=90.0)
    assert _first_run(truth, run, "Shift").started == 100.0  # type: ignore[arg-type]


def test_revisions_are_ordered_as_pushed_so_a_move_from_r2_to_r1_is_a_revert():
    """I5 with a second change in flight: r1 is older than r2 (a move to it is a revert, judged for being baked),
    r2 newer than r1 (a move forward, not judged); unknown code sorts first."""
    assert _order("r0") < _order("r1") < _order("r2") < _order("r10")
    assert _order("?") < _order("r0")
