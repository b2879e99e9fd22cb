"""SW016 (SW007 before the split) over the whole assembly: with a plan, some pipeline must render it.  No synthesis.

A pipeline the plan-vs-pipeline rules do not recognise (no stage named after a
plan step) must not pass in silence; the team's foundation pipeline (stages
``runtime-*``), which deploys no plan step, is not mistaken for one.
"""

from __future__ import annotations

import copy

import pytest
import sw_shapes as shapes

from seawall.checks import Compliance, run_checks
from seawall.checks.pipeline import FOUNDATION_STAGE_PREFIX
from seawall.testing import assert_safe, non_compliant


def _renamed(template: dict, prefix: str) -> dict:
    """`template`'s pipeline with every step stage renamed `{prefix}{name}` (a pipeline not from the plan)."""
    t = copy.deepcopy(template)
    for stage in t["Resources"]["Pipeline"]["Properties"]["Stages"]:
        if stage["Name"] not in ("Source", "UpdatePipeline"):
            stage["Name"] = f"{prefix}{stage['Name']}"
    return t


def _sw016(findings):
    """SW016's non-compliant findings on pipelines."""
    return [f for f in findings if f.check_id == "SW016" and f.template is not None
            and f.status is not Compliance.COMPLIANT and f.resource == "Pipeline"]


@pytest.fixture(scope="module")
def plan():
    return shapes.plan()


@pytest.fixture(scope="module")
def service_pipeline(plan):
    return shapes.pipeline_for(plan)


@pytest.fixture(scope="module")
def foundation_pipeline(service_pipeline):
    return _renamed(service_pipeline, FOUNDATION_STAGE_PREFIX)


def test_sw016_trips_when_no_pipeline_renders_a_plan_step(plan, service_pipeline):
    hand_written = _renamed(service_pipeline, "deploy-")  # gates and all, but stages the plan does not know
    findings = run_checks([shapes.safe_service(), hand_written], plan=plan)
    (finding,) = [f for f in non_compliant(findings) if f.check_id == "SW016"]
    assert finding.resource == "Pipeline" and finding.template == "template-1"
    assert "no pipeline renders plan step 'wave-1-1'" in finding.message
    assert "render it with WavePipeline" in finding.message
    with pytest.raises(AssertionError, match="no pipeline renders plan step"):
        assert_safe([shapes.safe_service(), hand_written], plan=plan)


def test_a_pipeline_with_no_stages_at_all_is_non_compliant_too(plan):
    empty = {"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "PipelineType": "V2", "RoleArn": "arn:aws:iam::111111111111:role/p", "Stages": []}}}}
    (finding,) = [f for f in non_compliant(run_checks([empty], plan=plan)) if f.check_id == "SW016"]
    assert "has stages (none)" in finding.message


def test_sw016_passes_the_service_pipeline_and_ignores_the_foundation_beside_it(plan, service_pipeline,
                                                                        foundation_pipeline):
    findings = run_checks([shapes.safe_service(), foundation_pipeline, service_pipeline], plan=plan)
    assert non_compliant(findings) == []
    assert not _sw016(findings)
    assert any(f.check_id == "SW007" and f.status is Compliance.COMPLIANT for f in findings)  # the rendered one
    assert [(f.status, f.template) for f in findings if f.check_id == "SW016"] == [
        (Compliance.COMPLIANT, "template-2")]


def test_the_foundation_pipeline_alone_is_not_taken_for_the_service_pipeline(plan, foundation_pipeline):
    findings = run_checks([foundation_pipeline], plan=plan)
    assert non_compliant(findings) == []
    (na,) = [f for f in findings if f.check_id == "SW016" and f.resource == "plan"]
    assert na.status is Compliance.NOT_APPLICABLE and "no pipeline among the templates" in na.message


def test_without_any_pipeline_the_rule_does_not_apply(plan):
    findings = run_checks([shapes.safe_service()], plan=plan)
    assert non_compliant(findings) == []
    assert [f.status for f in findings if f.check_id == "SW016" and f.resource == "plan"] == [
        Compliance.NOT_APPLICABLE]


def test_an_unrelated_pipeline_beside_the_service_pipeline_is_left_alone(plan, service_pipeline):
    other = _renamed(service_pipeline, "docs-")
    assert non_compliant(run_checks([service_pipeline, other], plan=plan)) == []


def test_without_a_plan_nothing_is_compared(service_pipeline):
    other = _renamed(service_pipeline, "docs-")
    assert [f for f in run_checks([other]) if f.check_id == "SW016" and f.resource == "plan"] == []


def test_the_finding_can_be_suppressed_on_the_pipeline_with_a_reason(plan, service_pipeline):
    other = _renamed(service_pipeline, "docs-")
    other["Resources"]["Pipeline"]["Metadata"] = {"seawall": {"suppressions": [
        {"id": "SW016", "reason": "This pipeline publishes the documentation site, not the service"}]}}
    findings = run_checks([other], plan=plan)
    assert non_compliant(findings) == []
    (finding,) = _sw016(findings)
    assert finding.suppressed_by.startswith("This pipeline publishes")


def test_the_prefix_is_the_foundation_pipelines_own():
    from seawall.stacks.team_runtime import FOUNDATION

    assert FOUNDATION_STAGE_PREFIX == f"{FOUNDATION}-"
