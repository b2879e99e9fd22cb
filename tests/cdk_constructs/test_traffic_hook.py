"""The traffic hook reports to CodeDeploy on every path and never imports aws_cdk.

moto has no PutLifecycleEventHookExecutionStatus, so the CodeDeploy and
Lambda clients are replaced by small fakes that record the calls.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "src" / "seawall" / "lambdas" / "hooks"
sys.path.insert(0, str(HOOKS))
import traffic_hook  # noqa: E402

EVENT = {"DeploymentId": "d-123", "LifecycleEventHookExecutionId": "hook-1"}


class FakeCodeDeploy:
    def __init__(self, appspec: object, fail_get: bool = False) -> None:
        self.appspec, self.fail_get, self.reports = appspec, fail_get, []

    def get_deployment(self, deploymentId):  # noqa: N803
        if self.fail_get:
            raise RuntimeError("AccessDenied")
        content = self.appspec if isinstance(self.appspec, str) else json.dumps(self.appspec)
        revision = {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}}
        return {"deploymentInfo": {"deploymentId": deploymentId, "revision": revision}}

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


@pytest.mark.parametrize("case", ["function error", "api error", "not json", "other function", "no targets",
                                  "no payload"])
def test_every_failure_still_reports_failed(fakes, monkeypatch, case):
    lam = FakeLambda(error="Unhandled" if case == "function error" else None)
    cd = FakeCodeDeploy("version: 0.0" if case == "not json" else appspec(
        "billing-fn" if case == "other function" else "orders-fn"), fail_get=case == "api error")
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
