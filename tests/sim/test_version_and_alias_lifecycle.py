"""Stack operations on SafeLambdaDeployment's templates, through CloudFormation and Lambda fakes with AWS's semantics.

The fakes publish versions the way Lambda does (nothing new when code and
configuration are unchanged) and fail a ``AWS::Lambda::Version`` that
publishes nothing, as CloudFormation does; the custom resource runs the real
handler from the synthesized asset through real boto3 clients.  The sequence
is the life of a function: first deploy, adopting an existing function, a code
change, a new logical ID with no change Lambda sees (a CDK upgrade), re-applying
the previous template (a stage rollback), deleting the stack.  CloudFormation
must never move the alias, and nothing may fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from tests.sim.conformance import conforms

from seawall.constructs import SafeLambdaDeployment
from seawall.sim import FakeAws, FakeCloudFormation, FakeLambda, StackOperationFailed
from seawall.sim.cloudformation import assembly_assets, rename_logical_id

ACCOUNT, REGION = "111111111111", "us-east-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
STACK = "payments-api"


def _function(stack: cdk.Stack, code: str) -> lambda_.Function:
    return lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline(code))


def _seawall(outdir: Path, code: str) -> dict:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=ENV)
    SafeLambdaDeployment(stack, "Api", function=_function(stack, code), team="payments", service="api")
    return app.synth().get_stack_by_name(STACK).template


def _plain_cdk_with_alias(outdir: Path, code: str, *, retain: bool) -> dict:
    """What a team deploys before Seawall: CDK's currentVersion and an alias on it."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=ENV)
    fn = _function(stack, code)
    alias = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
    if retain:
        alias.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        fn.current_version.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    return app.synth().get_stack_by_name(STACK).template


def _two_versions(outdir: Path, code: str) -> dict:
    """The shape Seawall used to synthesize: currentVersion plus a second 'initial' Version for the alias."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=ENV)
    fn = _function(stack, code)
    fn.current_version.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    initial = lambda_.Version(stack, "InitialVersion", lambda_=fn, removal_policy=cdk.RemovalPolicy.RETAIN)
    lambda_.Alias(stack, "Alias", alias_name="live", version=initial)
    return app.synth().get_stack_by_name(STACK).template


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("assemblies")
    out = {
        "v1": _seawall(root / "v1", "def handler(e, c):\n    return 1\n"),
        "v2": _seawall(root / "v2", "def handler(e, c):\n    return 2\n"),
        "plain": _plain_cdk_with_alias(root / "plain", "def handler(e, c):\n    return 0\n", retain=True),
        "plain-not-retained": _plain_cdk_with_alias(root / "plain2", "def handler(e, c):\n    return 0\n",
                                                    retain=False),
        "two-versions": _two_versions(root / "old", "def handler(e, c):\n    return 1\n"),
    }
    out["assets"] = {**assembly_assets(root / "v1"), **assembly_assets(root / "v2")}
    return out


def _world(assets: dict) -> tuple[FakeCloudFormation, FakeLambda]:
    aws, lam = FakeAws(), FakeLambda()
    aws.register("lambda", lam)
    return FakeCloudFormation(aws, lam, account=ACCOUNT, region=REGION, assets=assets), lam


def _function_name(cfn: FakeCloudFormation) -> str:
    (fn,) = [r for r in cfn.stacks[STACK].resources.values()
             if r.type == "AWS::Lambda::Function" and r.logical_id.startswith("Handler")]
    return fn.physical_id


def _version_resource_id(template: dict) -> str:
    (lid,) = [k for k, v in template["Resources"].items() if v["Type"] == "Custom::SeawallVersion"]
    return lid


def _published(cfn: FakeCloudFormation) -> str:
    return cfn.stacks[STACK].resources[_version_resource_id(cfn.stacks[STACK].template)].attributes["Version"]


def test_the_templates_have_no_lambda_version_and_no_cloudformation_alias(templates):
    for key in ("v1", "v2"):
        types = [r["Type"] for r in templates[key]["Resources"].values()]
        assert "AWS::Lambda::Version" not in types and "AWS::Lambda::Alias" not in types
        assert types.count("Custom::SeawallVersion") == 1


@conforms("seawall.sim.cloudformation.FakeCloudFormation._apply", "allowed")
@conforms("seawall.sim.cloudformation.FakeCloudFormation._create_custom", "allowed")
@conforms("seawall.sim.cloudformation.FakeCloudFormation._custom_replaced", "refused")
@conforms("seawall.sim.cloudformation._ResponseCatcher.__call__", "allowed")
def test_a_function_lives_its_whole_life_without_cloudformation_moving_its_alias(templates):
    cfn, lam = _world(templates["assets"])

    # first deploy of a new function: version 1 published, the alias created on it
    cfn.deploy(STACK, templates["v1"])
    name = _function_name(cfn)
    assert (_published(cfn), lam.alias_version(ACCOUNT, REGION, name, "live")) == ("1", "1")

    # a code change publishes version 2; the alias stays where it was (Seawall's shift moves it, not CloudFormation)
    cfn.deploy(STACK, templates["v2"])
    assert _published(cfn) == "2" and lam.alias_version(ACCOUNT, REGION, name, "live") == "1"

    # a CDK upgrade gives the version resource a new logical ID while Lambda sees no change
    old_id = _version_resource_id(templates["v2"])
    cfn.deploy(STACK, rename_logical_id(templates["v2"], old_id, old_id + "Renamed"))
    assert _published(cfn) == "2" and lam.versions(ACCOUNT, REGION, name) == ["1", "2"]

    # a stage rollback re-applies the previous template: the old code is published again under a new number
    cfn.deploy(STACK, templates["v1"])
    assert _published(cfn) == "3" and lam.alias_version(ACCOUNT, REGION, name, "live") == "1"

    # nothing ever moved or recreated the alias: one CreateAlias, no UpdateAlias, no DeleteAlias
    assert [e.operation for e in lam.alias_events] == ["CreateAlias"]

    # deleting the stack deletes the function with its versions and alias
    cfn.delete(STACK)
    assert lam.function(ACCOUNT, REGION, name) is None


@conforms("seawall.sim.cloudformation.FakeCloudFormation._create_version", "allowed")
@conforms("seawall.sim.cloudformation.FakeCloudFormation._delete", "refused")
def test_adopting_a_function_that_has_versions_and_a_live_alias_leaves_the_alias_where_it_is(templates):
    cfn, lam = _world(templates["assets"])
    cfn.deploy(STACK, templates["plain"])
    name = _function_name(cfn)
    before = lam.alias_version(ACCOUNT, REGION, name, "live")
    cfn.deploy(STACK, templates["v1"])  # new code: version 2 is published, the alias is adopted on version 1
    assert before == "1" and _published(cfn) == "2"
    assert lam.alias_version(ACCOUNT, REGION, name, "live") == "1"
    assert [e.operation for e in lam.alias_events] == ["CreateAlias"]  # CloudFormation's, before Seawall


@conforms("seawall.sim.cloudformation.FakeCloudFormation._delete", "allowed")
def test_an_alias_cloudformation_manages_without_retain_is_deleted_when_it_leaves_the_template(templates):
    """Why docs/lambda-deployment.md says to retain a CloudFormation-managed alias before adopting it."""
    cfn, lam = _world(templates["assets"])
    cfn.deploy(STACK, templates["plain-not-retained"])
    name = _function_name(cfn)
    cfn.deploy(STACK, templates["v1"])
    assert lam.alias_version(ACCOUNT, REGION, name, "live") is None
    assert [e.operation for e in lam.alias_events] == ["CreateAlias", "DeleteAlias"]


@conforms("seawall.sim.cloudformation.FakeCloudFormation._apply", "refused")
@conforms("seawall.sim.cloudformation.FakeCloudFormation._create_version", "refused")
def test_two_version_resources_on_one_function_fail_the_first_deploy(templates):
    """The old construct's shape: CloudFormation's second Version publishes nothing and fails the stack."""
    cfn, _ = _world(templates["assets"])
    with pytest.raises(StackOperationFailed, match=r"A version for this Lambda function exists \( 1 \)"):
        cfn.deploy(STACK, templates["two-versions"])
    assert STACK not in cfn.stacks  # the create was rolled back


def test_a_cdk_current_version_whose_logical_id_changes_without_a_lambda_change_fails(templates):
    """What aws-cdk#18797 / #28252 report for CDK's currentVersion, and what Seawall's resource survives."""
    cfn, _ = _world(templates["assets"])
    plain = templates["plain"]
    cfn.deploy(STACK, plain)
    (version_id,) = [k for k, v in plain["Resources"].items() if v["Type"] == "AWS::Lambda::Version"]
    with pytest.raises(StackOperationFailed, match="A version for this Lambda function exists"):
        cfn.deploy(STACK, rename_logical_id(plain, version_id, version_id + "Upgraded"))
    assert cfn.stacks[STACK].status == "UPDATE_ROLLBACK_COMPLETE"


def test_the_custom_resource_asks_lambda_only_what_botocore_accepts(templates):
    cfn, lam = _world(templates["assets"])
    cfn.deploy(STACK, templates["v1"])
    operations = [call[3] for call in cfn.aws.calls]
    assert operations[:2] == ["GetFunctionConfiguration", "PublishVersion"]
    assert "CreateAlias" in operations and "UpdateAlias" not in operations
    # every recorded request is plain data that round-trips through JSON
    assert json.loads(json.dumps(cfn.aws.calls)) == [list(c) for c in cfn.aws.calls]


# ------------------------------------------------------------------ what a slower, stricter world does


def _env_only(outdir: Path, flag: str) -> dict:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=ENV)
    fn = _function(stack, "def handler(e, c):\n    return 1\n")
    fn.add_environment("FLAG", flag)
    SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="api")
    return app.synth().get_stack_by_name(STACK).template


@pytest.fixture(scope="module")
def flags(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("flags")
    return {"off": _env_only(root / "off", "off"), "on": _env_only(root / "on", "on"),
            "assets": {**assembly_assets(root / "off"), **assembly_assets(root / "on")}}


def test_a_change_of_configuration_alone_publishes_a_version(flags):
    cfn, lam = _world(flags["assets"])
    cfn.deploy(STACK, flags["off"])
    cfn.deploy(STACK, flags["on"])
    name = _function_name(cfn)
    assert _published(cfn) == "2" and lam.versions(ACCOUNT, REGION, name) == ["1", "2"]
    assert lam.function(ACCOUNT, REGION, name).versions[-1].config["Environment"]["Variables"]["FLAG"] == "on"


def test_the_publisher_waits_out_updates_snapshots_and_a_grant_still_propagating(templates):
    aws, lam = FakeAws(), FakeLambda(update_seconds=90, publish_seconds=40, deny_until=25)
    aws.register("lambda", lam)
    cfn = FakeCloudFormation(aws, lam, account=ACCOUNT, region=REGION, assets=templates["assets"])
    cfn.deploy(STACK, templates["v1"])
    cfn.deploy(STACK, templates["v2"])
    name = _function_name(cfn)
    assert _published(cfn) == "2" and lam.alias_version(ACCOUNT, REGION, name, "live") == "1"
    polls = [c for c in aws.calls if c[3] == "GetFunctionConfiguration"]
    assert len(polls) > 2 * (90 + 40) // 5 - 10  # it polled every 5 s through both updates and snapshots
    assert [c[3] for c in aws.calls].count("PublishVersion") == 2  # once per deploy, never while updating
    assert lam.now >= 2 * (90 + 40)  # the handler waited on the simulated clock, not the wall clock


@conforms("seawall.sim.cloudformation.FakeCloudFormation._create_custom", "refused")
def test_a_publisher_that_cannot_succeed_answers_failed_in_time_and_the_rollback_deletes_it(templates):
    aws, lam = FakeAws(), FakeLambda(deny_until=float("inf"))
    aws.register("lambda", lam)
    cfn = FakeCloudFormation(aws, lam, account=ACCOUNT, region=REGION, assets=templates["assets"])
    with pytest.raises(StackOperationFailed, match="gave up waiting: GetFunctionConfiguration .* "
                                                   "AccessDeniedException"):
        cfn.deploy(STACK, templates["v1"])
    version_id = _version_resource_id(templates["v1"])
    assert (STACK, version_id, "Delete") in cfn.events and STACK not in cfn.stacks
    assert lam.now < 600  # answered before its budget ran out


def test_a_failure_reason_never_makes_the_response_too_long():
    from seawall.lambdas.publisher import handler

    sent: list[bytes] = []

    class _Open:
        def __call__(self, request, timeout=None):
            sent.append(request.data)
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def read(self):
            return b""

    event = {"ResponseURL": "https://example.invalid/r", "StackId": "s" * 200, "RequestId": "r",
             "LogicalResourceId": "L"}
    original = handler.OPEN
    handler.OPEN = _Open()
    try:
        handler._respond(event, "FAILED", "p", {}, 'a "quoted" reason \u00e9' * 1000)
    finally:
        handler.OPEN = original
    (body,) = sent
    assert len(body) <= 4096 and json.loads(body)["Reason"].startswith('a "quoted" reason')
