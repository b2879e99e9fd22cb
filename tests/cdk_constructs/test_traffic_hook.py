"""The traffic hook reports to CodeDeploy on every path and never imports aws_cdk.

moto has no PutLifecycleEventHookExecutionStatus, so the CodeDeploy and
Lambda clients are replaced by small fakes that record the calls.  The hook
running from its asset against the simulation's CodeDeploy is in
``tests/sim/test_codedeploy_hook.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from tests.support import synth

from seawall.constructs import SafeLambdaDeployment, SmokeTestHook

HOOKS = Path(__file__).resolve().parents[2] / "src" / "seawall" / "lambdas" / "hooks"
sys.path.insert(0, str(HOOKS))
import traffic_hook  # noqa: E402

EVENT = {"DeploymentId": "d-123", "LifecycleEventHookExecutionId": "hook-1"}


class FakeCodeDeploy:
    """GetDeployment as AWS documents it (the revision's content is always null, only its sha256 is given),
    GetApplicationRevision answering the content by that hash, and the reports the hook makes."""

    def __init__(self, appspec: object, fail_get: bool = False, *, info: dict | None = None,
                 revision_content: str | None = None) -> None:
        self.appspec, self.fail_get, self.reports, self.revision_calls = appspec, fail_get, [], []
        self.content = appspec if isinstance(appspec, str) else json.dumps(appspec)
        self.sha = hashlib.sha256(self.content.encode()).hexdigest()
        self.info = info
        self.revision_content = self.content if revision_content is None else revision_content

    def get_deployment(self, deploymentId):  # noqa: N803
        if self.fail_get:
            raise RuntimeError("AccessDenied")
        if self.info is not None:
            return {"deploymentInfo": {"deploymentId": deploymentId, **self.info}}
        revision = {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": self.sha}}
        return {"deploymentInfo": {"deploymentId": deploymentId, "applicationName": "orders-app",
                                   "revision": revision}}

    def get_application_revision(self, *, applicationName, revision):  # noqa: N803
        self.revision_calls.append({"applicationName": applicationName, "revision": revision})
        if revision["appSpecContent"]["sha256"] != self.sha:
            raise RuntimeError("RevisionDoesNotExistException")
        return {"applicationName": applicationName, "revision": {
            "revisionType": "AppSpecContent",
            "appSpecContent": {"content": self.revision_content, "sha256": self.sha}}}

    def put_lifecycle_event_hook_execution_status(self, **kwargs):
        self.reports.append(kwargs)


class FakeLambda:
    def __init__(self, error: str | None = None) -> None:
        self.error, self.calls = error, []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        out = {"StatusCode": 200, "Payload": io.BytesIO(b'{"ok": true}')}
        if self.error:
            out["FunctionError"] = self.error
        return out


def appspec(name: str = "orders-fn") -> dict:
    return {"version": 0.0, "Resources": [{"orders": {"Type": "AWS::Lambda::Function", "Properties": {
        "Name": name, "Alias": "live", "CurrentVersion": "3", "TargetVersion": "4"}}}]}


@pytest.fixture
def fakes(monkeypatch):
    def install(codedeploy, lam=None):
        monkeypatch.setattr(traffic_hook, "_codedeploy", lambda: codedeploy)
        monkeypatch.setattr(traffic_hook, "_lambda", lambda: lam or FakeLambda())
        return codedeploy
    monkeypatch.setenv("SEAWALL_TARGET_FUNCTIONS", "orders-fn")
    monkeypatch.setenv("SEAWALL_SMOKE_PAYLOAD", '{"ping": true}')
    return install


def _run():
    return traffic_hook.run(traffic_hook.CodeDeployLifecycleHookEvent(EVENT))


def test_a_passing_smoke_test_reports_succeeded(fakes):
    lam = FakeLambda()
    cd = fakes(FakeCodeDeploy(appspec()), lam)
    assert _run()["status"] == "Succeeded"
    assert cd.reports == [{"deploymentId": "d-123", "lifecycleEventHookExecutionId": "hook-1", "status": "Succeeded"}]
    assert lam.calls[0]["FunctionName"] == "orders-fn" and lam.calls[0]["Qualifier"] == "4"


def test_the_appspec_is_read_with_get_application_revision_by_the_hash_get_deployment_gives(fakes):
    """API_GetDeployment: the content "is always null. Use GetApplicationRevision and the sha256 property"."""
    cd = fakes(FakeCodeDeploy(appspec()))
    assert _run()["status"] == "Succeeded"
    assert cd.revision_calls == [{"applicationName": "orders-app", "revision": {
        "revisionType": "AppSpecContent", "appSpecContent": {"sha256": cd.sha}}}]


def _deployment(**revision) -> dict:
    return {"applicationName": "orders-app", "revision": {"revisionType": "AppSpecContent", **revision}}


SHA = hashlib.sha256(json.dumps(appspec()).encode()).hexdigest()


@pytest.mark.parametrize(("info", "reason"), [
    ({"revision": {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": SHA}}}, "names no applicationName"),
    ({"applicationName": "orders-app"}, "carries no revision"),
    (_deployment(), "gives no revision.appSpecContent.sha256"),
    (_deployment(appSpecContent={"sha256": ""}), "gives no revision.appSpecContent.sha256"),
    (_deployment(appSpecContent={"content": json.dumps(appspec())}), "gives no revision.appSpecContent.sha256"),
    ({"applicationName": "orders-app", "revision": {"revisionType": "S3", "s3Location": {}}},
     "has revisionType 'S3'"),
    (_deployment(appSpecContent={"sha256": SHA, "content": json.dumps(appspec("billing-fn"))}),
     "carries AppSpec content that is not the revision 'orders-app' holds"),
])
def test_a_deployment_whose_appspec_cannot_be_read_reports_failed_and_invokes_nothing(fakes, info, reason):
    lam = FakeLambda()
    cd = fakes(FakeCodeDeploy(appspec(), info=info), lam)
    out = _run()
    assert out["status"] == "Failed" and reason in out["detail"]
    assert [r["status"] for r in cd.reports] == ["Failed"] and lam.calls == []


def test_content_that_get_deployment_carries_and_that_matches_the_revision_is_accepted(fakes):
    cd = fakes(FakeCodeDeploy(appspec(), info=_deployment(appSpecContent={"sha256": SHA,
                                                                           "content": json.dumps(appspec())})))
    assert _run()["status"] == "Succeeded" and len(cd.revision_calls) == 1


def test_a_revision_without_content_reports_failed(fakes):
    lam = FakeLambda()
    cd = fakes(FakeCodeDeploy(appspec(), revision_content=""), lam)
    out = _run()
    assert out["status"] == "Failed" and "GetApplicationRevision returned no AppSpec content" in out["detail"]
    assert [r["status"] for r in cd.reports] == ["Failed"] and lam.calls == []


@pytest.mark.parametrize("case", ["function error", "api error", "not json", "json list", "other function",
                                  "no targets", "no payload"])
def test_every_failure_still_reports_failed(fakes, monkeypatch, case):
    lam = FakeLambda(error="Unhandled" if case == "function error" else None)
    spec = {"not json": "version: 0.0", "json list": "[]"}.get(case) or appspec(
        "billing-fn" if case == "other function" else "orders-fn")
    cd = FakeCodeDeploy(spec, fail_get=case == "api error")
    fakes(cd, lam)
    if case == "no targets":
        monkeypatch.setenv("SEAWALL_TARGET_FUNCTIONS", "")
    if case == "no payload":
        monkeypatch.delenv("SEAWALL_SMOKE_PAYLOAD")
    out = _run()
    assert out["status"] == "Failed"
    assert [r["status"] for r in cd.reports] == ["Failed"]
    if case == "no payload":  # nothing was invoked, so nothing passed
        assert lam.calls == [] and "SEAWALL_SMOKE_PAYLOAD is not set" in out["detail"]


def test_importing_the_hook_does_not_import_aws_cdk():
    code = f"import sys; sys.path.insert(0, {str(HOOKS)!r}); import traffic_hook; print('aws_cdk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def hook_policy() -> tuple[list[dict], dict]:
    """The statements of the hook role's policy in a stack where the hook guards one SafeLambdaDeployment,
    and the reference to that deployment's CodeDeploy application."""
    stack = Stack(App(), "Orders", env=Environment(account="111111111111", region="us-east-1"))
    fn = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"))
    hook = SmokeTestHook(stack, "Smoke", targets=[fn], payload={"ping": True})
    deployment = SafeLambdaDeployment(stack, "Api", function=fn, team="payments", service="orders",
                                      pre_traffic_hook=hook.function)
    template = synth(stack)
    role = stack.resolve(hook.role.node.default_child.logical_id)
    (policy,) = [r["Properties"]["PolicyDocument"]["Statement"] for r in template["Resources"].values()
                 if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]]
    return policy, stack.resolve(deployment.application.application_name)


def test_the_hook_may_read_revisions_of_its_own_application_only(hook_policy):
    """GetApplicationRevision takes the resource type application* (Service Authorization Reference,
    list_awscodedeploy.html): the grant names this function's CodeDeploy application, not "*"."""
    policy, application = hook_policy
    (statement,) = [s for s in policy if "codedeploy:GetApplicationRevision" in str(s["Action"])]
    assert statement["Action"] == "codedeploy:GetApplicationRevision"
    assert statement["Resource"] == {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":codedeploy:us-east-1:111111111111:application:", application]]}


def test_no_statement_of_the_hook_grants_every_resource(hook_policy):
    policy, _ = hook_policy
    assert [s["Action"] for s in policy if "*" in (s["Resource"] if isinstance(s["Resource"], list)
                                                  else [s["Resource"]])] == []
