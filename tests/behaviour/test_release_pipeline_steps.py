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
from seawall.constructs.pipeline_steps import BakeStep, GateStep, ShiftStep
from seawall.model import BakePolicy, Target
from seawall.model.contracts import RELEASE_TOKEN_OUTPUT

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
        # What SafeLambdaDeployment leaves in its stack (besides one output per function): the release token.
        self.token = cdk.CfnOutput(stack, RELEASE_TOKEN_OUTPUT, value=fn.current_version.version)
        self.stack = stack


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
    gate = GateStep("Gate", target=TARGET, team="payments", role_arn=ROLE)
    shift = ShiftStep("Shift", target=TARGET, team="payments", stacks=[service.stack], role_arn=ROLE)
    bake = BakeStep("Bake", target=TARGET, team="payments", bake=BakePolicy(duration=timedelta(hours=1)),
                    shift=shift, stacks=[service.stack], role_arn=ROLE)
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


def test_shift_consumes_the_release_token_and_bake_reads_its_execution_arn(pipeline_template: dict[str, Any]) -> None:
    actions = _actions(pipeline_template)
    shift, bake = _input(actions["Shift"]), _input(actions["Bake"])
    (stack,) = shift["stacks"]
    assert stack["stackName"] == "EuWest1-Api"
    assert stack["token"].startswith("#{") and stack["token"].endswith(f".{RELEASE_TOKEN_OUTPUT}}}")
    deploy_ns = stack["token"][2:].split(".")[0]
    assert actions["Api.Deploy"].get("Namespace") == deploy_ns  # CDK Pipelines exposes the deploy's outputs
    assert bake["stacks"] == shift["stacks"]
    ns = actions["Shift"]["Namespace"]
    assert bake["shiftExecutionArn"] == f"#{{{ns}.ExecutionArn}}"
    assert actions["Bake"]["RunOrder"] > actions["Shift"]["RunOrder"]
    assert shift["override"] == "#{variables.SeawallEmergencyOverride}"
    assert shift["pipeline"]["name"] == "payments-api" and shift["pipeline"]["region"] == "us-east-1"
    assert shift["pipeline"]["executionId"] == "#{codepipeline.PipelineExecutionId}"


def test_no_input_lists_functions_hooks_or_alarms(pipeline_template: dict[str, Any]) -> None:
    actions = _actions(pipeline_template)
    gate, shift, bake = (_input(actions[n]) for n in ("Gate", "Shift", "Bake"))
    assert set(gate) == {"kind", "schema", "target", "pipeline", "override"}
    assert set(shift) == {"kind", "schema", "target", "pipeline", "override", "stacks"}
    assert set(bake) == {"kind", "schema", "target", "pipeline", "override", "stacks", "bake", "maxWaitSeconds",
                         "shiftExecutionArn"}
    # The only variables: the execution, the override, the deploy's release token, the shift's execution.
    variables = {v.split("}")[0] for a in ("Gate", "Shift", "Bake")
                 for v in json.dumps(_input(actions[a])).split("#{")[1:]}
    assert {v.split(".")[-1] for v in variables} == {"PipelineExecutionId", "SeawallEmergencyOverride",
                                                     RELEASE_TOKEN_OUTPUT, "ExecutionArn"}


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

    def role(target: Target, **kw: Any) -> str:
        step = GateStep("Gate", target=target, team="payments", **kw)
        return step._pipeline_role_arn(stack)

    assert role(Target(region="eu-west-1")) == ""  # no account: the pipeline's own
    assert role(Target(region="eu-west-1", account="111111111111")) == ""
    assert role(TARGET) == "arn:aws-cn:iam::111111111111:role/seawall-payments-pipeline-reader"
    assert role(TARGET, pipeline_role_arn="") == ""
    assert role(TARGET, pipeline_role_arn="arn:aws:iam::111111111111:role/mine") == \
        "arn:aws:iam::111111111111:role/mine"
    agnostic = cdk.Stack(app, "Agnostic")
    step = GateStep("Gate", target=TARGET, team="payments")
    with pytest.raises(ValueError, match="explicit env, or pass pipeline_role_arn="):
        step._pipeline_role_arn(agnostic)


def test_shift_and_bake_steps_require_stacks_with_a_release_token() -> None:
    plain = cdk.Stack(cdk.App(), "Plain")
    with pytest.raises(ValueError, match=f"has no {RELEASE_TOKEN_OUTPUT} output: only a stack with a "
                                         f"SafeLambdaDeployment can be released"):
        ShiftStep("Shift", target=TARGET, team="payments", stacks=[plain])
    with pytest.raises(ValueError, match="stacks must be a non-empty list"):
        ShiftStep("Shift", target=TARGET, team="payments", stacks=[])
    service = Service(cdk.App(), "EuWest1", env=cdk.Environment(account="222222222222", region="eu-west-1"))
    shift = ShiftStep("Shift", target=TARGET, team="payments", stacks=[service.stack])
    assert len(shift.consumed_stack_outputs) == 1
    with pytest.raises(TypeError, match="BakeStep.__init__|shift"):
        BakeStep("Bake", target=TARGET, team="payments",  # type: ignore[call-arg]
                 bake=BakePolicy(duration=timedelta(hours=1)), stacks=[service.stack])
    # A bake the bake machine cannot watch is refused by BakePolicy itself, before any step can carry it.
    with pytest.raises(ValueError, match=r"bake duration=1 day, 17:00:00 is out of range; it must be at least "
                                         r"0:00:00 and at most 1 day, 16:00:00 \(the longest one bake state machine"):
        BakePolicy(duration=timedelta(hours=41))
