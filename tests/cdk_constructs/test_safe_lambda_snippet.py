"""The README's Lambda snippet synthesizes, passes cfn-lint and has no unacknowledged cdk-nag findings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from aws_cdk import App
from tests.support import cfn_lint_findings, nag_findings, synth

SNIPPET = Path(__file__).resolve().parents[2] / "examples" / "snippets" / "safe_lambda.py"


@pytest.fixture(scope="module")
def built():
    spec = importlib.util.spec_from_file_location("safe_lambda_snippet", SNIPPET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = App()
    stacks = module.build(app)
    return app, [synth(s) for s in stacks]


def test_the_snippet_synthesizes_a_deployment_group_and_the_aggregate(built):
    _, templates = built
    types = {r["Type"] for t in templates for r in t["Resources"].values()}
    assert {"AWS::CodeDeploy::DeploymentGroup", "Custom::SeawallVersion", "AWS::Synthetics::Canary",
            "AWS::CloudWatch::CompositeAlarm"} <= types


def test_the_snippet_passes_cfn_lint_and_cdk_nag(built):
    app, templates = built
    assert [cfn_lint_findings(t, regions=["eu-west-1"]) for t in templates] == [[], []]
    assert nag_findings(app) == []
