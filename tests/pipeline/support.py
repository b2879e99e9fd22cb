"""Build small and large WavePipelines for the tests: a toy service stack per target."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import pipelines

from seawall.constructs.lambda_deployment import drop_redundant_role_dependency
from seawall.constructs.pipeline_nag import acknowledge_iam
from seawall.constructs.wave_pipeline import ServiceStage, WavePipeline
from seawall.model import AlarmPolicy, TimeWindow, WavePlan

PIPELINE_ACCOUNT = "111111111111"
PIPELINE_ENV = cdk.Environment(account=PIPELINE_ACCOUNT, region="us-east-1")
WINDOW = TimeWindow.business_hours(time_zone="Europe/Berlin")
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-0000-0000-000000000000"


def synth_step() -> pipelines.ShellStep:
    src = pipelines.CodePipelineSource.connection("example-org/app", "main", connection_arn=CONNECTION)
    return pipelines.ShellStep("Synth", input=src, commands=["npm ci", "npx cdk synth"])


LOGS_ONLY = "AWSLambdaBasicExecutionRole only lets the function write its own logs"


def toy_function(stack: cdk.Stack, id: str, **kwargs: object) -> lambda_.Function:
    """A function as a service team writes one: latest runtime, code inline (no assets to publish).

    Its execution role's AWS managed policy (logs only) is acknowledged on the role, as the sample does,
    and its DependsOn on the role, which the ``Role`` GetAtt already implies, is left out (cfn-lint W3005).
    """
    fn = lambda_.Function(stack, id, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context):\n    return 'ok'\n"),
                          **kwargs)  # type: ignore[arg-type]
    assert fn.role is not None
    acknowledge_iam(fn.role, managed=LOGS_ONLY)
    drop_redundant_role_dependency(fn)
    return fn


def toy_service(stage: ServiceStage, target: object) -> None:
    """One stack with one safely released function."""
    stack = cdk.Stack(stage, "Api")
    fn = toy_function(stack, "Fn")
    from seawall.constructs import SafeLambdaDeployment

    SafeLambdaDeployment(stack, "Release", function=fn, team="payments", service=stage.service,
                         traffic=stage.step.traffic, alarms=AlarmPolicy())


def make_pipeline(plan: WavePlan, *, outdir: str | None = None, service: str = "orders",
                  tests: bool = False, **kwargs: object) -> tuple[cdk.App, cdk.Stack, WavePipeline]:
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    stack = cdk.Stack(app, "PipelineStack", env=PIPELINE_ENV)

    def test_steps(stage: ServiceStage) -> Sequence[pipelines.Step]:
        return [pipelines.ShellStep("Tests", commands=["echo tests"])] if tests else []

    wp = WavePipeline(stack, "Waves", plan=plan, team="payments", service=service, synth=synth_step(),
                      create_service=kwargs.pop("create_service", toy_service), window=WINDOW,
                      tests=test_steps, **kwargs)  # type: ignore[arg-type]
    return app, stack, wp


def templates(assembly_dir: str) -> dict[str, dict]:
    """Every template in a cloud assembly, nested stage assemblies included, by relative path."""
    found = {}
    for root, _dirs, files in os.walk(assembly_dir):
        for f in files:
            if f.endswith(".template.json"):
                with open(os.path.join(root, f), encoding="utf-8") as fh:
                    found[os.path.relpath(os.path.join(root, f), assembly_dir)] = json.load(fh)
    return found


def classify(action_name: str) -> str:
    """gate, deploy, shift, bake or test, from the action's name."""
    last = action_name.split(".")[-1]
    if last in ("Deploy", "Prepare"):
        return "deploy"
    for kind in ("Gate", "Shift", "Bake"):
        if last.startswith(kind):
            return kind.lower()
    return "test"
