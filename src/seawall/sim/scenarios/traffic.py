"""Named scenarios about traffic and alarms: a slow burn, quiet regions, a busy sibling, another service's alarms,
and a fix pushed while a re-pointed one-box alarm still holds its old state.

Each scenario's expectations are judged from the ground truth (:class:`~seawall.sim.truth.Truth`): the requests
each version served, every alias's history, alarm transitions, stage runs and the Step Functions executions'
recorded results.
"""

from __future__ import annotations

from ...model.rehearsal import Expectation
from ..truth import Truth
from ..world import NEW, PREVIOUS
from . import Run, Scenario, bad_served_then_none, final_state, first_release_stage, pipeline_result

# ------------------------------------------------------------------------------------------------ helpers


def _shift_completed(truth: Truth, run: Run, revision: str) -> dict[str, float]:
    """When each released function's alias first reached `revision` alone (no routing) after the push, by name."""
    out: dict[str, float] = {}
    for _, rel in sorted(truth.world.released.items()):
        for change in truth.alias_history(rel):
            if change.at >= run.push_at and not change.routing and truth.revision(rel, change.version) == revision:
                out.setdefault(rel.function, change.at)
                break
    return out


def _first_failure(truth: Truth, run: Run, revision: str) -> tuple[float, str] | None:
    """The start of the first minute in which `revision` failed a request after the push, and where."""
    found = [(m.minute * 60.0, f"{m.region} {m.function}") for m in truth.world.served
             if m.revision == revision and m.minute * 60 >= run.push_at and (m.errors or m.handled_errors)]
    return min(found) if found else None


def _reverted_by_seawall(truth: Truth, run: Run, revision: str) -> Expectation:
    """Every alias that left `revision` after the push was moved back by a release execution (the bake's revert)."""
    moves = []
    for _, rel in sorted(truth.world.released.items()):
        history = truth.alias_history(rel)
        for before, after in zip(history, history[1:], strict=False):
            if after.at < run.push_at or truth.revision(rel, before.version) != revision or before.routing:
                continue
            if truth.revision(rel, after.version) != revision:
                moves.append((after.at, rel, after.by))
    if not moves:
        return Expectation(False, f"no alias on {revision} alone was moved back: the bake reverted nothing")
    wrong = [f"{rel.target} {rel.logical_id} by {by or '?'}" for _, rel, by in moves
             if not by.startswith("arn:aws:states:")]
    return Expectation(not wrong, f"moved back by something other than a release execution: {wrong}" if wrong else
                       f"{len(moves)} alias(es) on {revision} alone moved back by the bake's revert, the first at "
                       f"+{int(min(t for t, _, _ in moves) - truth.origin)}s")


# ------------------------------------------------------------------------------------------------ slow-burn-bake

#: The slow burn starts this long after the new version first served (the 10 % canary lasts 5 minutes; the bake
#: starts when the shift completes): well inside the bake.
_SLOW_BURN_AFTER = 900.0


def _slow_burn_prepare(run: Run) -> None:
    run.health(NEW, error_rate=0.5, after_seconds=_SLOW_BURN_AFTER)


def _slow_burn(run: Run, truth: Truth) -> dict[str, Expectation]:
    completed = _shift_completed(truth, run, NEW)
    failure = _first_failure(truth, run, NEW)
    if failure is None:
        burned = Expectation(False, f"{NEW} never failed a request: the slow burn never started")
    elif not completed or failure[0] < min(completed.values()):
        burned = Expectation(False, f"{NEW} first failed at +{int(failure[0] - truth.origin)}s ({failure[1]}), before "
                                    f"any shift completed: the one-box, not the bake, was tested")
    else:
        burned = Expectation(True, f"{NEW} first failed at +{int(failure[0] - truth.origin)}s ({failure[1]}), after "
                                   f"the first shift completed at +{int(min(completed.values()) - truth.origin)}s")
    return {"turned-bad-after-shift": burned,
            "bad-version-reverted": bad_served_then_none(truth, run, NEW),
            "reverted-by-bake": _reverted_by_seawall(truth, run, NEW),
            "all-on-previous": final_state(truth, PREVIOUS),
            "step-failed": _stage_failed(truth, run, first_release_stage(run)),
            "failed": pipeline_result(truth, run, "Failed")}


def _stage_failed(truth: Truth, run: Run, stage: str) -> Expectation:
    runs = [r for r in truth.stage_runs(stage) if r.started >= run.push_at
            and truth.execution(r.execution_id).type == "STANDARD"]
    if not runs:
        return Expectation(False, f"stage {stage} never ran after the push")
    last = runs[-1]
    return Expectation(last.status == "Failed", f"stage {stage} ended {last.status}"
                                                f"{': ' + last.summary[:200] if last.summary else ''}")


SCENARIOS = [
    Scenario("slow-burn-bake", "The new version fails half its requests only after serving 15 minutes, after the "
                               "one-box shift completed: the bake catches it, reverts every alias and the step fails",
             _slow_burn, prepare=_slow_burn_prepare),
]
