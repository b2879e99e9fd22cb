"""A world for the CodeDeploy fake's tests: Lambda and CodeDeploy in one account and region, on one scheduler.

One function ``api`` with versions 1 and 2, its alias ``live`` on 1, a Lambda
application and a deployment group watching one alarm, with automatic
rollback on failure, on alarm and on request -- the shape Seawall's
``SafeLambdaDeployment`` synthesizes.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from seawall.sim import FakeAws, FakeCodeDeploy, FakeLambda
from seawall.sim.clock import Scheduler

ACCOUNT, REGION = "111111111111", "eu-west-1"
APP, GROUP, FN, ALIAS, ALARM = "payments-api-handler", "payments-api-handler", "api", "live", "api-one-box"
ROLLBACK_ALL = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"]


def group_props(*, config: str = "CodeDeployDefault.LambdaAllAtOnce", alarms: list[str] | None = None,
                 enabled: bool = True, ignore: bool = False, events: list[str] | None = None) -> dict[str, Any]:
    names = [ALARM] if alarms is None else alarms
    return {"ApplicationName": APP, "DeploymentGroupName": GROUP, "DeploymentConfigName": config,
            "ServiceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/seawall-payments-codedeploy",
            "DeploymentStyle": {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
            "AlarmConfiguration": {"Enabled": enabled, "IgnorePollAlarmFailure": ignore,
                                   "Alarms": [{"Name": n} for n in names]},
            "AutoRollbackConfiguration": {"Enabled": True, "Events": ROLLBACK_ALL if events is None else events}}


def config_props(kind: str = "TimeBasedCanary", percent: int = 10, minutes: int = 5) -> dict[str, Any]:
    block = {"TimeBasedCanary": {"CanaryPercentage": percent, "CanaryInterval": minutes},
             "TimeBasedLinear": {"LinearPercentage": percent, "LinearInterval": minutes}}.get(kind)
    routing: dict[str, Any] = {"Type": kind}
    if block is not None:
        routing[kind] = block
    return {"ComputePlatform": "Lambda", "TrafficRoutingConfig": routing}


def app_spec(current: str = "1", target: str = "2", *, hooks: list[dict[str, str]] | None = None) -> str:
    """An AppSpec as Seawall's shift writes it (JSON)."""
    spec: dict[str, Any] = {"version": 0.0, "Resources": [{FN: {"Type": "AWS::Lambda::Function", "Properties": {
        "Name": FN, "Alias": ALIAS, "CurrentVersion": current, "TargetVersion": target}}}]}
    if hooks:
        spec["Hooks"] = hooks
    return json.dumps(spec)


class World:
    """Lambda and CodeDeploy in one account and region, on one scheduler."""

    def __init__(self, *, group: dict[str, Any] | None = None, configs: dict[str, dict[str, Any]] | None = None,
                 hook_answer: str | None = "Succeeded", **params: Any) -> None:
        self.aws = FakeAws()
        self.scheduler = Scheduler(self.aws.clock)
        self.lam = FakeLambda(clock=self.aws.clock)
        self.alarms: dict[str, str] = {ALARM: "OK"}
        self.hook_answer = hook_answer
        self.invocations: list[tuple[float, str, dict[str, str]]] = []
        self.cd = FakeCodeDeploy(scheduler=self.scheduler, lambda_=self.lam, invoke_async=self._invoke,
                                 alarm_state=lambda account, region, name: self.alarms.get(name), **params)
        self.aws.register("lambda", self.lam)
        self.aws.register("codedeploy", self.cd)
        for code in ("v1", "v2"):
            self.lam.put_function(account=ACCOUNT, region=REGION, name=FN, code={"ZipFile": code}, config={})
            self.lam.publish(ACCOUNT, REGION, FN)
        self.lam.handle("CreateAlias", {"FunctionName": FN, "Name": ALIAS, "FunctionVersion": "1"},
                        account=ACCOUNT, region=REGION)
        self.cd.create_application(account=ACCOUNT, region=REGION, name=APP, compute_platform="Lambda")
        for name, props in (configs or {}).items():
            self.cd.create_deployment_config(account=ACCOUNT, region=REGION, name=name, properties=props)
        self.cd.put_deployment_group(account=ACCOUNT, region=REGION, properties=group or group_props(), name=GROUP)

    @functools.cached_property
    def client(self) -> Any:
        """A real boto3 CodeDeploy client as the account (made on first use: making a client is the slow part)."""
        return self.aws.session(account=ACCOUNT, region=REGION).client("codedeploy")

    def _invoke(self, account: str, region: str, function: str, payload: Any) -> None:
        self.invocations.append((self.scheduler.clock.seconds, function, dict(payload)))
        if self.hook_answer is not None:
            answer = self.hook_answer
            self.scheduler.after(30, lambda: self.client.put_lifecycle_event_hook_execution_status(
                deploymentId=payload["DeploymentId"],
                lifecycleEventHookExecutionId=payload["LifecycleEventHookExecutionId"], status=answer), "hook")

    def deploy(self, content: str | None = None, **kwargs: Any) -> str:
        out = self.client.create_deployment(
            applicationName=APP, deploymentGroupName=GROUP,
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": content or app_spec()}},
            **kwargs)
        return str(out["deploymentId"])

    def run(self, until: float) -> None:
        self.scheduler.run(until=until)

    def status(self, deployment_id: str) -> str:
        return str(self.client.get_deployment(deploymentId=deployment_id)["deploymentInfo"]["status"])

    def alias(self) -> tuple[str | None, dict[str, float]]:
        fn = self.lam.function(ACCOUNT, REGION, FN)
        assert fn is not None
        entry = fn.aliases[ALIAS]
        return entry["FunctionVersion"], dict(entry["Routing"])

    def alias_history(self) -> list[tuple[str | None, dict[str, float]]]:
        return [(e.version, dict(e.routing)) for e in self.lam.alias_events if e.operation == "UpdateAlias"]
