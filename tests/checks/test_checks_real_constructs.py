"""Seawall's own constructs pass Seawall's own checks: zero findings over their synthesized output.

One app, synthesized once: a WavePipeline over a two-wave plan (each target
a service stack with SafeLambdaDeployment) and the SafeLambdaDeployment
snippet with the team monitoring stack.  The plan-vs-pipeline checks run
with the plan the pipeline was rendered from.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest

from seawall.checks import Compliance
from seawall.model import BakePolicy, Target, TrafficPolicy, Wave, WavePlan
from seawall.testing import check, non_compliant, statuses

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for extra in (ROOT, os.path.join(ROOT, "examples", "snippets")):
    if extra not in sys.path:
        sys.path.insert(0, extra)

#: A predefined CodeDeploy config (CodeDeployDefault.LambdaCanary10Percent10Minutes) for every shift.
CANARY = TrafficPolicy.canary(percent=10, interval=timedelta(minutes=10))
PLAN = WavePlan(
    pre_production=(Wave(name="gamma", targets=(Target(region="us-east-1"),),
                         bake=BakePolicy(duration=timedelta(hours=1), min_data_points=0), traffic=CANARY),),
    waves=(
        Wave(name="wave-1", targets=(Target(region="ca-central-1", cell="cell-1"),
                                     Target(region="ca-central-1", cell="cell-2")),
             bake=BakePolicy(duration=timedelta(hours=12)), cell_bake=BakePolicy(duration=timedelta(hours=1)),
             traffic=CANARY),
        Wave(name="wave-2", targets=(Target(region="us-west-2"), Target(region="eu-west-1")),
             bake=BakePolicy(duration=timedelta(hours=4)), traffic=CANARY),
    ),
)


@pytest.fixture(scope="module")
def findings():
    import safe_lambda  # examples/snippets, on sys.path above: a missing snippet is an error, never a skip
    from tests.pipeline.support import make_pipeline

    app, _stack, wp = make_pipeline(PLAN)
    wp.build()
    safe_lambda.build(app)
    app.synth()
    return check(app, plan=PLAN)


def test_zero_findings_over_seawall_output(findings):
    bad = non_compliant(findings)
    assert [f.describe() for f in bad] == []


def test_every_check_found_something_to_look_at(findings):
    for check_id in ("SW001", "SW002", "SW003", "SW004", "SW005", "SW006", "SW007", "SW008", "SW009", "SW011",
                     "SW012", "SW013", "SW014", "SW015", "SW016", "SW020"):
        assert Compliance.COMPLIANT in statuses(findings, check_id), check_id


def test_bakes_were_compared_with_the_plan(findings):
    assert Compliance.COMPLIANT in statuses(findings, "SW010")
