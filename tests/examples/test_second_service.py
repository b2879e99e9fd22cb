"""A second microservice of the same team: same team class, its own pipeline, synthesized with the CLI."""

from __future__ import annotations

import os
import sys

import pytest
from tests.support.lint import assembly_stacks, cfn_lint_findings

from seawall.checks.pipeline_limits import pipelines_in
from seawall.model import expand_steps

from .conftest import cli_synth
from .test_sample_app import ROOT

SECOND = os.path.join(ROOT, "examples", "second_service")
sys.path[:0] = [SECOND, os.path.join(ROOT, "examples", "sample_service")]


@pytest.fixture(scope="module")
def assembly(tmp_path_factory):
    outdir = str(tmp_path_factory.mktemp("second") / "cdk.out")
    cli_synth(SECOND, outdir)
    return assembly_stacks(outdir)


def test_both_services_inherit_one_team_class():
    from fulfillment_pipeline import FulfillmentPipeline
    from storefront_pipeline import StorefrontPipeline
    from team import OrdersTeam

    for cls in (FulfillmentPipeline, StorefrontPipeline):
        assert issubclass(cls, OrdersTeam)
        assert "plan" not in vars(cls) and "window" not in vars(cls) and "alarms" not in vars(cls)
    assert FulfillmentPipeline.plan is StorefrontPipeline.plan
    assert FulfillmentPipeline.service != StorefrontPipeline.service


def test_the_second_pipeline_renders_the_team_plan_and_passes_cfn_lint(assembly):
    from policy import PLAN

    (tpl,) = [t for p, _r, t in assembly if p.endswith("FulfillmentPipeline.template.json")]
    (shape,) = pipelines_in(tpl)
    steps = expand_steps(PLAN)
    assert shape.stage_names[-len(steps):] == tuple(s.name for s in steps)
    # The whole sample assembly is linted in test_sample_app; here the pipeline and one service stack.
    picked = [a for a in assembly if a[0].endswith("FulfillmentPipeline.template.json")]
    picked += [a for a in assembly if "fulfillment-alpha" in a[0]][:1]
    assert len(picked) == 2
    findings = {path: cfn_lint_findings(t, regions=[region]) for path, region, t in picked}
    assert {p: f for p, f in findings.items() if f} == {}
