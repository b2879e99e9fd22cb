"""Done when (issue 9): every action configuration value fits CodePipeline's 1,000 characters, and the
largest release input is the same whether a target has 1 function or 20."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aws_cdk as cdk
import pytest
from tests.support.actions import assembly_configuration_values

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.wave_pipeline import ServiceStage
from seawall.model import AlarmPolicy, BakePolicy, Target, Wave, WavePlan
from seawall.model.limits import MAX_ACTION_CONFIGURATION_VALUE

from .support import make_pipeline, toy_function

PLAN = WavePlan(
    pre_production=[Wave(name="gamma", targets=[Target(region="eu-west-1", cell="cell-1")],
                         bake=BakePolicy(duration=timedelta(minutes=30)))],
    waves=[Wave(name="wave-1", targets=[Target(region="eu-central-1", cell="cell-1"),
                                        Target(region="eu-central-1", cell="cell-2")],
                bake=BakePolicy(duration=timedelta(hours=1)))],
)


def service_of(functions: int) -> Any:
    def create(stage: ServiceStage, target: object) -> None:
        stack = cdk.Stack(stage, "Api")
        for i in range(functions):
            fn = toy_function(stack, f"Fn{i}")
            # Every default blocking kind: 180 alarms, which the service's high-severity composite nests in parts.
            SafeLambdaDeployment(stack, f"Release{i}", function=fn, team="payments", service=stage.service,
                                 traffic=stage.step.traffic, alarms=AlarmPolicy())
    return create


@pytest.fixture(scope="module")
def sizes(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[tuple[str, str, int]]]:
    """Each app synthesized once: the same pipeline with 1 and with 20 functions per target."""
    out = {}
    for n in (1, 20):
        outdir = str(tmp_path_factory.mktemp(f"functions{n}"))
        app, _stack, wp = make_pipeline(PLAN, outdir=outdir, create_service=service_of(n))
        wp.build()
        app.synth()
        out[n] = assembly_configuration_values(outdir)
    return out


def _release_inputs(values: list[tuple[str, str, int]]) -> dict[str, int]:
    return {action: length for action, key, length in values
            if key == "Input" and action.rsplit("/", 1)[1].split(".")[-1].startswith(("Gate", "Shift", "Bake"))}


@pytest.mark.parametrize("functions", [1, 20])
def test_every_action_configuration_value_fits(sizes: dict[int, list[tuple[str, str, int]]],
                                               functions: int) -> None:
    values = sizes[functions]
    assert _release_inputs(values), "no release action found"
    too_long = [(a, k, n) for a, k, n in values if n > MAX_ACTION_CONFIGURATION_VALUE]
    assert too_long == []


def test_the_largest_release_input_does_not_grow_with_the_functions(sizes: dict[int, list[tuple[str, str, int]]]
                                                                    ) -> None:
    one, twenty = _release_inputs(sizes[1]), _release_inputs(sizes[20])
    assert one == twenty  # action by action, not only the largest
    assert max(one.values()) <= MAX_ACTION_CONFIGURATION_VALUE
    # ... and so does every other configuration value of the pipeline.
    assert json.dumps(sorted(sizes[1])) == json.dumps(sorted(sizes[20]))
