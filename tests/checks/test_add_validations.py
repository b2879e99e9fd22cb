"""`seawall.stacks.add_validations`: one call, and `cdk synth` refuses unsafe or non-compliant apps."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from aws_cdk import App, Stack, Stage
from aws_cdk import aws_lambda as lambda_

from seawall.model import BakePolicy, Target, Wave, WavePlan
from seawall.stacks import add_validations

# Wave 1 spans two regions: SW008.
PLAN = WavePlan(waves=(Wave(name="wave-1", bake=BakePolicy(duration=timedelta(hours=1)),
                            targets=(Target(region="us-east-1"), Target(region="eu-west-1"))),))


@pytest.fixture(scope="module")
def failure(tmp_path_factory) -> str:
    outdir = str(tmp_path_factory.mktemp("cdk-out"))
    app = App(outdir=outdir)
    stage = Stage(app, "Beta")
    stack = Stack(stage, "Service")
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c):\n    return 1\n"))
    # An alias with no deployment group (SW001) that follows each new version (SW002), on a function with
    # cdk-nag findings of its own, inside a stage (aspects and plugins must reach into stages).
    lambda_.CfnAlias(stack, "Alias", function_name=fn.function_name, name="live",
                     function_version=fn.current_version.version)
    add_validations(app, plan=PLAN)
    with pytest.raises(RuntimeError, match="ValidationFailed") as raised:
        app.synth()
    assert os.path.exists(os.path.join(outdir, "validation-report.json"))
    return str(raised.value)


def test_cdk_nag_findings_fail_the_synth(failure):
    assert "(AwsSolutions)" in failure and "AwsSolutions-IAM4" in failure and "Beta/Service/Fn" in failure


def test_seawall_template_checks_fail_the_synth_inside_stages(failure):
    assert "seawall::SW001" in failure and "seawall::SW002" in failure and "Beta/Service/Alias" in failure


def test_seawall_plan_checks_fail_the_synth(failure):
    assert "seawall::SW008" in failure and "wave-1" in failure
