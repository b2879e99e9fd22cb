"""Gate, shift and bake steps render Step Functions invoke actions in the target's region and account."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import pipelines
from tests.support.lint import assembly_stacks, cfn_lint_findings, nag_findings, suppressions, synth

from seawall.constructs.lambda_deployment import drop_redundant_role_dependency
from seawall.constructs.pipeline_hygiene import tidy_pipeline
from seawall.constructs.pipeline_nag import acknowledge_generated, acknowledge_iam
from seawall.constructs.pipeline_steps import BakeStep, FunctionOutputs, GateStep, ShiftStep
from seawall.model import BakePolicy, Target, TrafficPolicy
from seawall.model.window import TimeWindow

TARGET = Target(region="eu-west-1", account="222222222222")
ROLE = "arn:aws:iam::222222222222:role/seawall-release-eu-west-1"


class Service(cdk.Stage):
    def __init__(self, scope: Any, id: str, **kw: Any) -> None:
        super().__init__(scope, id, **kw)
        stack = cdk.Stack(self, "Api")

        def function(id: str) -> lambda_.Function:
            fn = lambda_.Function(stack, id, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                                  code=lambda_.Code.from_inline("def handler(e, c): return e"))
            assert fn.role is not None
            acknowledge_iam(fn.role, managed="AWSLambdaBasicExecutionRole only lets the function write its own logs")
            drop_redundant_role_dependency(fn)
            return fn

        fn = function("Fn")
        self.version = cdk.CfnOutput(stack, "Version", value=fn.current_version.version)
        self.name = cdk.CfnOutput(stack, "Name", value=fn.function_name)
        hook = function("Hook")
        self.hook = cdk.CfnOutput(stack, "HookName", value=hook.function_name)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    """The pipeline app, synthesized once with cdk-nag attached, and its pipeline stack's template."""
    app = cdk.App()
    stack = cdk.Stack(app, "Pipeline", env=cdk.Environment(account="111111111111", region="us-east-1"))
    pipe = pipelines.CodePipeline(
        stack, "Pipe", cross_account_keys=True, enable_key_rotation=True, pipeline_name="payments-api",
        synth=pipelines.ShellStep(
        "Synth", input=pipelines.CodePipelineSource.git_hub("acme/payments", "main"), commands=["cdk synth"]))
    service = Service(app, "EuWest1", env=cdk.Environment(account="222222222222", region="eu-west-1"))
    fn = FunctionOutputs(function_name=pipelines.StackOutputReference.from_cfn_output(service.name),
                         target_version=pipelines.StackOutputReference.from_cfn_output(service.version),
                         application="payments-api", deployment_group="payments-api-live",
                         pre_traffic_hook=pipelines.StackOutputReference.from_cfn_output(service.hook),
                         post_traffic_hook="payments-api-smoke")
    gate = GateStep("Gate", target=TARGET, team="payments", alarm_names=["payments-eu-west-1-aggregate"],
                    window=TimeWindow.always(time_zone="Europe/Berlin"), role_arn=ROLE)
    shift = ShiftStep("Shift", target=TARGET, team="payments", functions=[fn],
                      traffic=TrafficPolicy.canary(interval=timedelta(minutes=10)), role_arn=ROLE)
    bake = BakeStep("Bake", target=TARGET, team="payments", bake=BakePolicy(duration=timedelta(hours=1)),
                    alarm_names=["payments-eu-west-1-aggregate"], functions=[fn], shift=shift, role_arn=ROLE,
                    service_alarm_names=["payments-api-eu-west-1-high-severity"])
    pipe.add_stage(service, pre=[gate], post=[shift, bake])
    # As WavePipeline does after building: template hygiene and per-resource acknowledgments of what
    # CDK Pipelines generates, so the templates pass cfn-lint and cdk-nag.
    pipe.build_pipeline()
    tidy_pipeline(pipe.pipeline)
    acknowledge_generated(pipe)
    return {"app": app, "template": synth(stack)}


@pytest.fixture(scope="module")
def pipeline_template(built: dict[str, Any]) -> dict[str, Any]:
    return built["template"]


def _actions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (pipe,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    return {a["Name"]: a for s in pipe["Properties"]["Stages"] for a in s["Actions"]}


def _input(action: dict[str, Any]) -> dict[str, Any]:
    raw = action["Configuration"]["Input"]
    return json.loads(raw if isinstance(raw, str) else json.dumps(raw))


def test_steps_render_step_functions_actions_in_target_region(pipeline_template: dict[str, Any]) -> None:
    actions = _actions(pipeline_template)
    for name, part in (("Gate", "gate"), ("Shift", "shift"), ("Bake", "bake")):
        a = actions[name]
        assert a["ActionTypeId"]["Provider"] == "StepFunctions"
        assert a["Region"] == "eu-west-1"
        arn = a["Configuration"]["StateMachineArn"]
        # tidy_pipeline writes CDK's empty-delimiter Fn::Join as the equivalent Fn::Sub.
        assert arn == {"Fn::Sub": "arn:${AWS::Partition}"
                       f":states:eu-west-1:222222222222:stateMachine:seawall-payments-{part}"}
        assert a["RoleArn"] == ROLE
    # The gate runs before the stage's stack is deployed (CDK Pipelines names that action "<stack>.Deploy",
    # after "<stack>.Prepare" creates the change set), and the shift only after it.
    deploy = actions["Api.Deploy"]
    assert deploy["ActionTypeId"]["Provider"] == "CloudFormation" and deploy["Region"] == "eu-west-1"
    assert actions["Gate"]["RunOrder"] < actions["Api.Prepare"]["RunOrder"] < deploy["RunOrder"] \
        < actions["Shift"]["RunOrder"]


def test_every_template_passes_cfn_lint(built: dict[str, Any]) -> None:
    """The pipeline stack, its cross-region support stack and the service stage's stack, each in its region."""
    stacks = assembly_stacks(built["app"].outdir)
    assert {region for _path, region, _tpl in stacks} == {"us-east-1", "eu-west-1"} and len(stacks) == 3
    findings = {path: cfn_lint_findings(tpl, regions=[region]) for path, region, tpl in stacks}
    assert {p: f for p, f in findings.items() if f} == {}


def test_the_app_has_no_unacknowledged_cdk_nag_findings(built: dict[str, Any]) -> None:
    assert nag_findings(built["app"]) == []
    for path, _region, tpl in assembly_stacks(built["app"].outdir):
        assert "cdk_nag" not in tpl.get("Metadata", {}), f"{path}: stack-wide cdk-nag suppression"
        assert all(len(reason.strip()) >= 20 for _id, _rule, reason in suppressions(tpl)), path


def test_shift_consumes_stack_outputs_and_bake_reads_its_execution_arn(pipeline_template: dict[str, Any]) -> None:
    actions = _actions(pipeline_template)
    shift, bake = _input(actions["Shift"]), _input(actions["Bake"])
    fn = shift["functions"][0]
    assert fn["targetVersion"].startswith("#{") and fn["functionName"].startswith("#{")
    deploy_ns = fn["targetVersion"][2:].split(".")[0]
    assert any(a.get("Namespace") == deploy_ns for a in actions.values())  # CDK Pipelines exposes the outputs
    ns = actions["Shift"]["Namespace"]
    assert bake["shiftExecutionArn"] == f"#{{{ns}.ExecutionArn}}"
    assert actions["Bake"]["RunOrder"] > actions["Shift"]["RunOrder"]
    assert shift["deploymentConfig"] == "CodeDeployDefault.LambdaCanary10Percent10Minutes"
    assert shift["override"] == "#{variables.SeawallEmergencyOverride}"
    assert shift["pipeline"]["name"] == "payments-api" and shift["pipeline"]["region"] == "us-east-1"
    assert shift["pipeline"]["executionId"] == "#{codepipeline.PipelineExecutionId}"


def test_shift_carries_the_traffic_hooks_and_the_bake_does_not(pipeline_template: dict[str, Any]) -> None:
    actions = _actions(pipeline_template)
    shift, bake = _input(actions["Shift"])["functions"][0], _input(actions["Bake"])["functions"][0]
    assert shift["preTrafficHook"].startswith("#{") and shift["preTrafficHook"].endswith(".HookName}")
    assert shift["postTrafficHook"] == "payments-api-smoke"
    assert "preTrafficHook" not in bake and "postTrafficHook" not in bake


def test_a_target_in_another_account_reads_the_pipeline_through_the_reader_role(
        pipeline_template: dict[str, Any]) -> None:
    # The pipeline is in 111111111111, the target in 222222222222.
    actions = _actions(pipeline_template)
    for name in ("Gate", "Shift", "Bake"):
        pipe = _input(actions[name])["pipeline"]
        assert pipe["roleArn"] == "arn:aws:iam::111111111111:role/seawall-payments-pipeline-reader"
        assert pipe["region"] == "us-east-1"


def test_pipeline_role_only_across_accounts_and_overridable() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "P", env=cdk.Environment(account="111111111111", region="cn-north-1"))
    window = TimeWindow.always(time_zone="Europe/Berlin")

    def role(target: Target, **kw: Any) -> str:
        step = GateStep("Gate", target=target, team="payments", alarm_names=["a"], window=window, **kw)
        return step._pipeline_role_arn(stack)

    assert role(Target(region="eu-west-1")) == ""  # no account: the pipeline's own
    assert role(Target(region="eu-west-1", account="111111111111")) == ""
    assert role(TARGET) == "arn:aws-cn:iam::111111111111:role/seawall-payments-pipeline-reader"
    assert role(TARGET, pipeline_role_arn="") == ""
    assert role(TARGET, pipeline_role_arn="arn:aws:iam::111111111111:role/mine") == \
        "arn:aws:iam::111111111111:role/mine"
    agnostic = cdk.Stack(app, "Agnostic")
    step = GateStep("Gate", target=TARGET, team="payments", alarm_names=["a"], window=window)
    with pytest.raises(ValueError, match="explicit env, or pass pipeline_role_arn="):
        step._pipeline_role_arn(agnostic)


def test_bake_step_requires_a_service_alarm() -> None:
    fn = FunctionOutputs(function_name="fn", target_version="2", application="a", deployment_group="g")
    shift = ShiftStep("Shift", target=TARGET, team="payments", functions=[fn], traffic=TrafficPolicy.all_at_once())
    with pytest.raises(ValueError, match=r"Bake: service_alarm_names=\[\] must name the high-severity alarm"):
        BakeStep("Bake", target=TARGET, team="payments", bake=BakePolicy(duration=timedelta(hours=1)),
                 alarm_names=["payments-eu-west-1-aggregate"], functions=[fn], shift=shift, service_alarm_names=[])
    with pytest.raises(TypeError, match="service_alarm_names"):
        BakeStep("Bake", target=TARGET, team="payments",  # type: ignore[call-arg]
                 bake=BakePolicy(duration=timedelta(hours=1)), alarm_names=["agg"], functions=[fn], shift=shift)
