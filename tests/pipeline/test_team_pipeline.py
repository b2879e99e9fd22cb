"""TeamPipelineStack: settings once per team, stacks per service, guarded mutation; the foundation plan."""

from __future__ import annotations

from datetime import timedelta

import aws_cdk as cdk
import pytest
from tests.support.lint import assembly_stacks, cfn_lint_findings, nag_findings, suppressions, synth

from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.stacks import Source, TeamPipelineStack, foundation_plan

from .support import CONNECTION, PIPELINE_ENV, WINDOW, toy_service

PLAN = WavePlan.standard(["us-east-1", "eu-west-1", "ap-northeast-1"], cells=2, account="333333333333",
                         pre_production_account="222222222222")


class Team(TeamPipelineStack):
    team = "payments"
    services = ("orders",)
    plan = PLAN
    window = WINDOW
    source = Source(repository="example-org/payments", connection_arn=CONNECTION)


class Orders(Team):
    service = "orders"

    def create_service(self, stage, target):
        toy_service(stage, target)


@pytest.fixture(scope="module")
def team_app(tmp_path_factory):
    """A service pipeline of the team (cross-account, three regions, two cells): one synthesis, cdk-nag attached."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("team")))
    stack = Orders(app, "OrdersPipeline", env=PIPELINE_ENV)
    synth(stack)
    return app


def test_every_template_of_the_team_pipeline_passes_cfn_lint(team_app):
    """Pipeline stack, cross-region support stacks and every target's stacks, each in its own region."""
    stacks = assembly_stacks(team_app.outdir)
    assert {r for _p, r, _t in stacks} == {"us-east-1", "eu-west-1", "ap-northeast-1"}
    findings = {path: cfn_lint_findings(tpl, regions=[region]) for path, region, tpl in stacks}
    assert {p: f for p, f in findings.items() if f} == {}


def test_the_team_pipeline_has_no_unacknowledged_cdk_nag_findings(team_app):
    assert nag_findings(team_app) == []
    for path, _region, tpl in assembly_stacks(team_app.outdir):
        assert "cdk_nag" not in tpl.get("Metadata", {}), f"{path}: stack-wide cdk-nag suppression"
        assert all(len(reason.strip()) >= 20 for _id, _rule, reason in suppressions(tpl)), path


def test_a_service_class_without_create_service_is_refused():
    class Orders(Team):
        service = "orders"

    with pytest.raises(TypeError, match="does not override create_service"):
        Orders(cdk.App(), "Orders", env=PIPELINE_ENV)


def test_a_class_without_the_team_settings_is_refused():
    class Bare(TeamPipelineStack):
        service = "orders"

        def create_service(self, stage, target):
            toy_service(stage, target)

    with pytest.raises(TypeError, match="does not set team, plan, window, source"):
        Bare(cdk.App(), "Bare", env=PIPELINE_ENV)


def test_configure_may_add_a_wave_before_the_build_but_not_after():
    extra = Wave(name="wave-late", targets=(Target(region="sa-east-1"),),
                 bake=BakePolicy(duration=timedelta(hours=1)))

    class Orders(Team):
        service = "orders"

        def create_service(self, stage, target):
            toy_service(stage, target)

        def configure(self, pipeline):
            self.add_wave(extra)

    stack = Orders(cdk.App(), "Orders", env=PIPELINE_ENV)
    assert stack.pipeline.plan.waves[-1] == extra
    assert stack.pipeline.built
    with pytest.raises(RuntimeError, match="cannot add waves after the pipeline was built"):
        stack.add_wave(extra)


def test_the_foundation_deploys_each_region_and_account_once_where_the_plan_first_reaches_it():
    plan = foundation_plan(PLAN)
    seen = [(t.region, t.account) for w in plan.all_waves for t in w.targets]
    assert len(seen) == len(set(seen))
    expected = {(t.region, t.account) for w in PLAN.all_waves for t in w.targets}
    assert set(seen) == expected
    assert all(t.cell is None for w in plan.all_waves for t in w.targets)
    assert all(w.name.startswith("runtime-") for w in plan.all_waves)
    # Pre-production regions first, in the pre-production account.
    assert plan.pre_production[0].targets[0].account == "222222222222"


def test_source_names_its_repository_and_connection():
    with pytest.raises(ValueError, match="owner/name"):
        Source(repository="payments", connection_arn=CONNECTION)
    with pytest.raises(ValueError, match="connection_arn"):
        Source(repository="example-org/payments", connection_arn="not-an-arn")
