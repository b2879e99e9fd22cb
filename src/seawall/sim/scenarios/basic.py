"""The basic named scenarios: a healthy change, a first deploy, a bad version caught by the one-box."""

from __future__ import annotations

from ...model.rehearsal import Expectation
from ..truth import Truth
from ..world import NEW, PREVIOUS
from . import Run, Scenario, bad_served_then_none, final_state, first_release_stage, no_later_stage, pipeline_result


def _healthy(run: Run, truth: Truth) -> dict[str, Expectation]:
    return {"succeeded": pipeline_result(truth, run, "Succeeded"), "all-on-new": final_state(truth, NEW)}


def _first_deploy(run: Run, truth: Truth) -> dict[str, Expectation]:
    return {"succeeded": pipeline_result(truth, run, "Succeeded"), "all-on-new": final_state(truth, NEW)}


def _bad_one_box_prepare(run: Run) -> None:
    run.health(NEW, error_rate=0.5)


def _bad_one_box(run: Run, truth: Truth) -> dict[str, Expectation]:
    first = first_release_stage(run)
    return {"bad-version-reverted": bad_served_then_none(truth, run, NEW),
            "no-later-stage": no_later_stage(truth, run, first),
            "all-on-previous": final_state(truth, PREVIOUS),
            "failed": pipeline_result(truth, run, "Failed")}


SCENARIOS = [
    Scenario("healthy", "A healthy change rolls out to every target; every step ends when the plan said",
             _healthy),
    Scenario("first-deploy", "The service's first deploy into accounts with only the team's foundation",
             _first_deploy, first_deploy=True),
    Scenario("bad-version-one-box", "The new version fails half its requests: the one-box catches it, it is "
                                    "reverted, and no later stage starts", _bad_one_box,
             prepare=_bad_one_box_prepare),
]
