"""The traffic hook reports to CodeDeploy on every path and never imports aws_cdk.

Every path runs the real hook from its asset (``FunctionInstance``) under the simulation's CodeDeploy and
Lambda (:mod:`tests.sim.codedeploy_world`): CodeDeploy invokes it as the deployment's ``BeforeAllowTraffic``
hook, the hook reads the deployment and its AppSpec, invokes the target version (whose requests the traffic
model fails or serves) and reports; what the deployment and the alias did afterwards is read from the fakes.
API errors are faults the bridge injects on the hook's own calls.  Answers AWS documents as possible but the
fake never gives (an AppSpec revision without its ``content``: "Required: No", API_AppSpecContent.html) are
made by editing that one answer on the hook's session.  What only parses (a malformed ``deploymentInfo`` or
AppSpec) is checked on plain values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from tests.sim.codedeploy_world import ACCOUNT, ALIAS, FN, REGION, World, app_spec
from tests.support import synth

from seawall.constructs import SafeLambdaDeployment, SmokeTestHook
from seawall.constructs._assets import HOOK_HANDLER, hook_asset_dir
from seawall.sim.botocore_bridge import Fault
from seawall.sim.instances import FunctionInstance

HOOKS = Path(__file__).resolve().parents[2] / "src" / "seawall" / "lambdas" / "hooks"
sys.path.insert(0, str(HOOKS))
import traffic_hook  # noqa: E402

HOOK = "payments-api-pre-traffic"
HOOK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/payments-api-pre-traffic"
#: The hook's settings as SmokeTestHook sets them for a hook guarding FN.
SETTINGS = {"SEAWALL_TARGET_FUNCTIONS": FN, "SEAWALL_SMOKE_PAYLOAD": '{"ping": true}'}


@dataclass
class Run:
    """One deployment of FN (1 -> 2) whose BeforeAllowTraffic hook is the real traffic hook."""

    world: World
    deployment: str
    #: What each invocation of the hook returned, or the exception it raised.
    results: list[Any] = field(default_factory=list)

    @property
    def result(self) -> dict[str, Any]:
        (only,) = self.results
        assert isinstance(only, dict), only
        return only

    @property
    def info(self) -> dict[str, Any]:
        return dict(self.world.client.get_deployment(deploymentId=self.deployment)["deploymentInfo"])

    def reports(self) -> list[str]:
        """The status of every PutLifecycleEventHookExecutionStatus the fake accepted."""
        return [r.status for r in self.world.cd.deployment(self.deployment).hook_runs if r.reported_at is not None]

    def invoked(self) -> list[str]:
        """The versions of FN the hook's smoke test ran (the Lambda fake's ground truth)."""
        return [s.version for s in self.world.lam.served if s.function == FN for _ in range(s.requests)]


def rehearse(*, settings: Mapping[str, str] = SETTINGS, failing_version: str | None = None,
             faults: tuple[Fault, ...] = (), edit: Mapping[str, Callable[[dict[str, Any]], None]] | None = None,
             until: float = 120) -> Run:
    """Deploy FN 1 -> 2 with the hook, run the world to `until` seconds and return what happened.

    `faults` fail the hook's own calls; `edit` maps an operation (``GetDeployment``) to a change of its
    parsed answer, made on the hook's session before the hook sees it.
    """
    world = World(hook_answer=None)
    world.lam.outcome = lambda account, region, function, version: (
        "Error" if (function, version) == (FN, failing_version) else None)
    world.aws.faults.extend(faults)
    hook = FunctionInstance(world.aws, account=ACCOUNT, region=REGION, function_name=HOOK,
                            asset=Path(hook_asset_dir()), handler=HOOK_HANDLER, environment=dict(settings),
                            role_arn=HOOK_ROLE, timeout=300)
    for operation, change in (edit or {}).items():
        hook.session.events.register(f"after-call.codedeploy.{operation}",
                                     lambda parsed, change=change, **_: change(parsed))
    results: list[Any] = []

    def invoke(payload: Mapping[str, Any]) -> None:
        try:
            results.append(hook.invoke(dict(payload)))
        except Exception as e:  # noqa: BLE001 - what Lambda would see: the invocation failed
            results.append(e)

    def invoke_async(account: str, region: str, function: str, payload: Any) -> None:
        assert (account, region, function) == (ACCOUNT, REGION, HOOK)
        world.scheduler.after(1, lambda: invoke(payload), "invoke hook")

    world.cd.invoke_async = invoke_async
    run = Run(world, world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": HOOK}])), results)
    world.run(until=until)
    return run


def _never_moved(run: Run) -> bool:
    return run.world.alias() == ("1", {}) and all(v == "1" and not r for v, r in run.world.alias_history())


def test_a_passing_smoke_test_reports_succeeded_and_codedeploy_shifts() -> None:
    run = rehearse()
    assert run.result == {"status": "Succeeded", "detail": f"checked {FN}:2"}
    assert run.reports() == ["Succeeded"] and run.invoked() == ["2"]
    assert run.info["status"] == "Succeeded" and run.world.alias() == ("2", {})


def _denied(operation: str, service: str = "codedeploy") -> Fault:
    return Fault("access-denied", service=service, operation=operation, times=10, callers=(HOOK_ROLE,))


def _without_content(parsed: dict[str, Any]) -> None:
    parsed["revision"]["appSpecContent"].pop("content")


def _carrying(content: str) -> Callable[[dict[str, Any]], None]:
    def change(parsed: dict[str, Any]) -> None:
        parsed["deploymentInfo"]["revision"]["appSpecContent"]["content"] = content
    return change


OTHER = app_spec().replace(f'"Name": "{FN}"', '"Name": "billing-fn"')

#: (case, rehearse() keywords, what the reported detail says, the versions the smoke test ran)
FAILURES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    ("smoke test fails", {"failing_version": "2"}, f"{FN}:2 failed the smoke test (Unhandled)", ["2"]),
    ("function not a target", {"settings": {**SETTINGS, "SEAWALL_TARGET_FUNCTIONS": "billing-fn"}},
     f"function '{FN}' is not one this hook tests (['billing-fn'])", []),
    ("no targets", {"settings": {**SETTINGS, "SEAWALL_TARGET_FUNCTIONS": " , "}},
     "SEAWALL_TARGET_FUNCTIONS is empty", []),
    ("no payload", {"settings": {"SEAWALL_TARGET_FUNCTIONS": FN}}, "SEAWALL_SMOKE_PAYLOAD is not set", []),
    ("payload not JSON", {"settings": {**SETTINGS, "SEAWALL_SMOKE_PAYLOAD": "{ping"}},
     "SEAWALL_SMOKE_PAYLOAD is not JSON", []),
    ("GetDeployment denied", {"faults": (_denied("GetDeployment"),)}, "AccessDeniedException", []),
    ("AppSpec unreadable: GetApplicationRevision denied", {"faults": (_denied("GetApplicationRevision"),)},
     "AccessDeniedException", []),
    ("AppSpec unreadable: the revision without its content", {"edit": {"GetApplicationRevision": _without_content}},
     "GetApplicationRevision returned no AppSpec content", []),
    ("GetDeployment carries another AppSpec", {"edit": {"GetDeployment": _carrying(OTHER)}},
     "carries AppSpec content that is not the revision", []),
    ("Invoke denied", {"faults": (_denied("Invoke", "lambda"),)}, "AccessDeniedException", []),
]


@pytest.mark.parametrize(("case", "kw", "detail", "invoked"), FAILURES, ids=[f[0] for f in FAILURES])
def test_every_failure_reports_failed_and_codedeploy_never_moves_the_alias(case: str, kw: dict[str, Any],
                                                                            detail: str, invoked: list[str]) -> None:
    run = rehearse(**kw)
    assert run.result["status"] == "Failed" and detail in run.result["detail"], run.result
    assert run.reports() == ["Failed"] and run.invoked() == invoked
    info = run.info
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert _never_moved(run)


def test_content_get_deployment_carries_that_matches_the_revision_is_accepted() -> None:
    run = rehearse(edit={"GetDeployment": _carrying(app_spec(hooks=[{"BeforeAllowTraffic": HOOK}]))})
    assert run.result["status"] == "Succeeded" and run.invoked() == ["2"] and run.world.alias() == ("2", {})


def test_a_hook_that_cannot_report_raises_and_codedeploy_fails_it_at_its_timeout() -> None:
    """Only a failure to report raises (Lambda then retries the asynchronous invocation); unanswered,
    CodeDeploy fails the hook when its time is up and the alias never moves."""
    report = Fault("5xx", service="codedeploy", operation="PutLifecycleEventHookExecutionStatus", times=10,
                   callers=(HOOK_ROLE,))
    run = rehearse(faults=(report,), until=2 * 3600)
    (error,) = run.results
    assert isinstance(error, Exception) and "PutLifecycleEventHookExecutionStatus" in str(error), error
    assert run.invoked() == ["2"] and run.reports() == []
    info = run.info
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert "did not report a status" in info["errorInformation"]["message"]
    assert _never_moved(run)


# ----------------------------------------------------------------------------- parsing alone (plain values)

SHA = "0" * 64


def _deployment(**revision: Any) -> dict[str, Any]:
    return {"deploymentId": "d-1", "applicationName": "orders-app",
            "revision": {"revisionType": "AppSpecContent", **revision}}


@pytest.mark.parametrize(("info", "reason"), [
    ({"deploymentId": "d-1", "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": SHA}}},
     "names no applicationName"),
    ({"deploymentId": "d-1", "applicationName": "orders-app"}, "carries no revision"),
    (_deployment(), "gives no revision.appSpecContent.sha256"),
    (_deployment(appSpecContent={"sha256": ""}), "gives no revision.appSpecContent.sha256"),
    (_deployment(appSpecContent={"content": app_spec()}), "gives no revision.appSpecContent.sha256"),
    ({"deploymentId": "d-1", "applicationName": "orders-app", "revision": {"revisionType": "S3", "s3Location": {}}},
     "has revisionType 'S3'"),
])
def test_a_deployment_whose_appspec_cannot_be_found_fails_before_any_call(info: dict[str, Any], reason: str) -> None:
    with pytest.raises(traffic_hook.HookCheckFailed, match=reason):
        traffic_hook.appspec_content(info)


@pytest.mark.parametrize(("content", "reason"), [
    ("version: 0.0", "the AppSpec is not JSON"),
    ("[]", "the AppSpec is a JSON list"),
    (json.dumps({"version": 0.0, "Resources": [{"q": {"Type": "AWS::SQS::Queue"}}]}),
     "names no AWS::Lambda::Function resource"),
])
def test_an_appspec_that_names_no_function_fails(content: str, reason: str) -> None:
    with pytest.raises(traffic_hook.HookCheckFailed, match=reason):
        traffic_hook.appspec_functions(content)
    assert traffic_hook.appspec_functions(app_spec()) == [  # the control
        {"Name": FN, "Alias": ALIAS, "CurrentVersion": "1", "TargetVersion": "2"}]


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
