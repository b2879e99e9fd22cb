"""Seawall's real traffic hook (``lambdas/hooks/traffic_hook.py``, from its built asset) under the CodeDeploy fake.

CodeDeploy invokes the hook asynchronously with the deployment ID and the
hook execution ID; the hook reads the deployment (``GetDeployment``) and must
report ``PutLifecycleEventHookExecutionStatus`` on every path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.sim.codedeploy_world import ACCOUNT, FN, REGION, World, app_spec

from seawall.constructs._assets import HOOK_HANDLER, hook_asset_dir
from seawall.sim.instances import FunctionInstance

HOOK = "payments-api-pre-traffic"


def _world_with_real_hook() -> tuple[World, FunctionInstance]:
    world = World(hook_answer=None)
    hook = FunctionInstance(world.aws, account=ACCOUNT, region=REGION, function_name=HOOK,
                            asset=Path(hook_asset_dir()), handler=HOOK_HANDLER,
                            environment={"SEAWALL_TARGET_FUNCTIONS": FN, "SEAWALL_SMOKE_PAYLOAD": "{}"},
                            timeout=300)
    results: list[Any] = []

    def invoke_async(account: str, region: str, function: str, payload: Any) -> None:
        assert (account, region, function) == (ACCOUNT, REGION, HOOK)
        world.scheduler.after(1, lambda: results.append(hook.invoke(dict(payload))), "invoke hook")

    world.cd.invoke_async = invoke_async
    hook.results = results  # type: ignore[attr-defined]
    return world, hook


def test_the_real_traffic_hook_always_reports_and_cannot_read_the_appspec_from_get_deployment():
    """GetDeployment never returns the AppSpec content (API_GetDeployment: "The content property of the
    appSpecContent object in the returned revision is always null"), so the hook, which reads the functions
    to test from it, reports Failed on every deployment: CodeDeploy fails the deployment and rolls back before
    any traffic moves.  Reported as a finding; the test pins what the runtime does today."""
    world, hook = _world_with_real_hook()
    d = world.deploy(app_spec(hooks=[{"BeforeAllowTraffic": HOOK}]))
    world.run(until=120)
    assert hook.invocations == 1
    assert hook.results == [{"status": "Failed",  # type: ignore[attr-defined]
                             "detail": f"deployment {d} carries no AppSpec content"}]
    info = world.client.get_deployment(deploymentId=d)["deploymentInfo"]
    assert (info["status"], info["errorInformation"]["code"]) == ("Failed", "HOOK_EXECUTION_FAILURE")
    assert [r.status for r in world.cd.deployment(d).hook_runs] == ["Failed"]
    assert world.alias() == ("1", {}) and all(v == "1" and not r for v, r in world.alias_history())
