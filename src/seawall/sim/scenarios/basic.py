"""The basic named scenarios: a healthy change, a first deploy, a bad version caught by the one-box."""

from __future__ import annotations

from ...model.rehearsal import Expectation
from ..truth import Truth
from ..world import NEW, PREVIOUS
from . import (
    Run,
    Scenario,
    bad_served_then_none,
    final_state,
    first_one_box_stage,
    no_later_stage,
    pipeline_result,
    stage_failed,
)


def _healthy(run: Run, truth: Truth) -> dict[str, Expectation]:
    return {"succeeded": pipeline_result(truth, run, "Succeeded"), "all-on-new": final_state(truth, NEW)}


def _first_deploy(run: Run, truth: Truth) -> dict[str, Expectation]:
    return {"succeeded": pipeline_result(truth, run, "Succeeded"), "all-on-new": final_state(truth, NEW)}


def _bad_one_box_prepare(run: Run) -> None:
    run.health(NEW, error_rate=0.5)


def _bad_one_box(run: Run, truth: Truth) -> dict[str, Expectation]:
    out = {"bad-version-reverted": bad_served_then_none(truth, run, NEW),
           "all-on-previous": final_state(truth, PREVIOUS),
           "failed": pipeline_result(truth, run, "Failed")}
    stage = first_one_box_stage(truth)
    if stage is None:
        out["caught-at-one-box"] = Expectation(False, f"pipeline {run.pipeline.name} has no one-box step (no "
                                                      f"canary shift): the scenario tests nothing")
        return out
    out["caught-at-one-box"] = _caught_at(truth, run, stage)
    out["no-later-stage"] = no_later_stage(truth, run, stage)
    return out


def _caught_at(truth: Truth, run: Run, stage: str) -> Expectation:
    """`stage` (the first with a one-box) failed after its one-box served the new version, and each of its aliases
    that served it is back on the previous revision."""
    failed = stage_failed(truth, run, stage)
    if not failed.held:
        return failed
    steps = [s for s in truth.steps if s.stage == stage]
    released = [rel for step in steps for rel in truth.released_in(step)]
    keys = {(rel.account, rel.region, rel.function) for rel in released}
    served = sum(m.requests for m in truth.world.served if m.revision == NEW and m.minute * 60 >= run.push_at
                 and (m.account, m.region, m.function) in keys)
    if not served:
        return Expectation(False, f"stage {stage} failed, but its one-box never served {NEW}: something else "
                                  f"stopped it ({failed.detail})")
    now = truth.world.clock.seconds
    left = [f"{rel.target} {rel.logical_id}" for rel in released
            if truth.revision(rel, truth.alias_at(rel, now)[0]) != PREVIOUS]
    if left:
        return Expectation(False, f"stage {stage} failed, but not back on {PREVIOUS}: {', '.join(left)}")
    return Expectation(True, f"the one-box of stage {stage} served {NEW} {served} requests; the stage failed and "
                             f"its {len(released)} aliases are back on {PREVIOUS}")


SCENARIOS = [
    Scenario("healthy", "A healthy change rolls out to every target; every step ends when the plan said",
             _healthy),
    Scenario("first-deploy", "The service's first deploy into accounts with only the team's foundation",
             _first_deploy, first_deploy=True),
    Scenario("bad-version-one-box", "The new version fails half its requests: the first stage with a one-box "
                                    "catches it, it is reverted, and no later stage starts", _bad_one_box,
             prepare=_bad_one_box_prepare),
]
