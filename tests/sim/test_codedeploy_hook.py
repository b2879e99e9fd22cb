"""Seawall's real traffic hook (``lambdas/hooks/traffic_hook.py``, from its built asset) under the CodeDeploy fake.

CodeDeploy invokes the hook asynchronously with the deployment ID and the
hook execution ID; the hook reads the deployment (``GetDeployment``), reads
the AppSpec by the hash GetDeployment gives (``GetApplicationRevision``:
GetDeployment's content "is always null", API_GetDeployment), invokes the
target version with its payload and must report
``PutLifecycleEventHookExecutionStatus`` on every path.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.sim.codedeploy_world import ACCOUNT, APP, FN, REGION, World, app_spec

from seawall.constructs._assets import HOOK_HANDLER, hook_asset_dir
from seawall.sim.instances import FunctionInstance

HOOK = "payments-api-pre-traffic"
HOOK_CALLS = ("GetDeployment", "GetApplicationRevision", "Invoke", "PutLifecycleEventHookExecutionStatus")


def _world_with_real_hook(*, failing_version: str | None = None) -> tuple[World, FunctionInstance, list[Any]]:
    world = World(hook_answer=None)
    # The traffic model's ground truth: every request to `failing_version` of the service's function fails.
    world.lam.outcome = lambda account, region, function, version: (
        "Error" if (function, version) == (FN, failing_version) else None)
    hook = FunctionInstance(world.aws, account=ACCOUNT, region=REGION, function_name=HOOK,
                            asset=Path(hook_asset_dir()), handler=HOOK_HANDLER,
                            environment={"SEAWALL_TARGET_FUNCTIONS": FN, "SEAWALL_SMOKE_PAYLOAD": "{}"},
                            timeout=300)
    results: list[Any] = []

    def invoke_async(account: str, region: str, function: str, payload: Any) -> None:
        assert (account, region, function) == (ACCOUNT, REGION, HOOK)
        world.scheduler.after(1, lambda: results.append(hook.invoke(dict(payload))), "invoke hook")

    world.cd.invoke_async = invoke_async
    return world, hook, results


def _hook_calls(world: World) -> list[tuple[str, dict[str, Any]]]:
    """The calls the hook made (the test's own client makes CreateDeployment and later GetDeployments)."""
    calls = [(op, params) for _, _, _, op, params in world.aws.calls if op in HOOK_CALLS]
    start = next(i for i, (op, _) in enumerate(calls) if op == "GetDeployment")
    end = next(i for i, (op, _) in enumerate(calls) if op == "PutLifecycleEventHookExecutionStatus")
    return calls[start:end + 1]


def test_the_real_traffic_hook_reads_the_appspec_with_get_application_revision_and_passes_a_good_version():
    world, hook, results = _world_with_real_hook()
    content = app_spec(hooks=[{"BeforeAllowTraffic": HOOK}])
    d = world.deploy(content)
    world.run(until=120)
    assert hook.invocations == 1
    assert results == [{"status": "Succeeded", "detail": f"checked {FN}:2"}]
    calls = _hook_calls(world)
    assert [op for op, _ in calls] == list(HOOK_CALLS)
    assert calls[1][1] == {"applicationName": APP, "revision": {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"sha256": hashlib.sha256(content.encode()).hexdigest()}}}
    assert (calls[2][1]["FunctionName"], calls[2][1]["Qualifier"]) == (FN, "2")
    assert world.status(d) == "Succeeded"
    assert [r.status for r in world.cd.deployment(d).hook_runs] == ["Succeeded"]
    assert world.alias() == ("2", {})


def test_the_real_traffic_hook_fails_a_version_whose_smoke_test_fails_before_traffic_moves():
    world, hook, results = _world_with_real_hook(failing_version="2")
    d = world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": HOOK}]))
    world.run(until=120)
    assert hook.invocations == 1
    assert [r["status"] for r in results] == ["Failed"]
    assert results[0]["detail"].startswith(f"{FN}:2 failed the smoke test (Unhandled)")
    assert [op for op, _ in _hook_calls(world)] == list(HOOK_CALLS)
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert [r.status for r in world.cd.deployment(d).hook_runs] == ["Failed"]
    assert world.alias() == ("1", {}) and all(v == "1" and not r for v, r in world.alias_history())

