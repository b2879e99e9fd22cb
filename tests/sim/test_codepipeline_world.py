"""A small world for the CodePipeline fake's tests: recorded deploys, scripted state machines, alarms by name."""

from __future__ import annotations

from typing import Any

from seawall.sim import FakeAws
from seawall.sim.clock import Clock, Scheduler
from seawall.sim.codepipeline import FakeCodePipeline

ACCOUNT, REGION = "111111111111", "us-east-1"
TARGET_ACCOUNT = "222222222222"


class World:
    """A scheduler, the fake through real boto3, and the world's side of every action as plain records."""

    def __init__(self, **params: Any) -> None:
        self.clock = Clock()
        self.scheduler = Scheduler(self.clock)
        self.aws = FakeAws(self.clock)
        #: (time, account, region, stack, template, revision)
        self.deploys: list[tuple[float, str, str, str, str, str]] = []
        self.deploy_errors: dict[str, Exception] = {}
        #: state machine name -> (seconds it runs, final status), or a list of them used one per start (the last
        #: one repeats); default 300 s, SUCCEEDED
        self.machines: dict[str, Any] = {}
        self.started: dict[str, dict[str, Any]] = {}
        self.start_errors: dict[str, Exception] = {}
        self.alarms: dict[str, str] = {}
        self.updates: list[str] = []
        self.on_update: Any = None
        params.setdefault("start_on_create", False)
        self.cp = FakeCodePipeline(self.scheduler, deploy_stack=self.deploy, start_execution=self.start,
                                   describe_execution=self.describe,
                                   alarm_state=lambda account, region, name: self.alarms.get(name, "OK"),
                                   update_pipeline=self.update, **params)
        self.aws.register("codepipeline", self.cp)
        self.client = self.aws.session(account=ACCOUNT, region=REGION).client("codepipeline")

    # the world's side of the actions
    def deploy(self, account: str, region: str, stack: str, template: str, revision: str) -> dict[str, str]:
        self.deploys.append((self.clock.seconds, account, region, stack, template, revision))
        if stack in self.deploy_errors:
            raise self.deploy_errors[stack]
        return {"Token": f"{stack}@{revision}#{len(self.deploys)}"}

    def start(self, account: str, region: str, machine_arn: str, name: str, payload: str) -> str:
        machine = machine_arn.rsplit(":", 1)[1]
        if machine in self.start_errors:
            raise self.start_errors[machine]
        arn = f"arn:aws:states:{region}:{account}:execution:{machine}:{name}"
        plan = self.machines.get(machine, (300.0, "SUCCEEDED"))
        seconds, status = (plan.pop(0) if len(plan) > 1 else plan[0]) if isinstance(plan, list) else plan
        self.started[arn] = {"machine": machine, "name": name, "input": payload, "at": self.clock.seconds,
                             "ends": self.clock.seconds + seconds, "status": status}
        return arn

    def describe(self, account: str, region: str, execution_arn: str) -> str:
        e = self.started[execution_arn]
        return str(e["status"]) if self.clock.seconds >= e["ends"] else "RUNNING"

    def update(self, revision: str) -> None:
        self.updates.append(revision)
        if self.on_update is not None:
            self.on_update(revision)

    # helpers
    def create(self, props: dict[str, Any]) -> str:
        name, _ = self.cp.create(account=ACCOUNT, region=REGION, stack="pipeline-stack", logical_id="Pipeline",
                                 properties=props)
        return name

    def redefine(self, props: dict[str, Any]) -> None:
        self.cp.update(account=ACCOUNT, region=REGION, stack="pipeline-stack", logical_id="Pipeline",
                       physical_id=props["Name"], properties=props, old_properties={})

    def start_run(self, name: str = "demo", **kw: Any) -> str:
        return str(self.client.start_pipeline_execution(name=name, **kw)["pipelineExecutionId"])

    def run(self, until: float) -> None:
        self.scheduler.run(until=until)

    def execution(self, execution_id: str, name: str = "demo") -> dict[str, Any]:
        return dict(self.client.get_pipeline_execution(pipelineName=name,
                                                       pipelineExecutionId=execution_id)["pipelineExecution"])

    def runs(self, stage: str, execution_id: str | None = None) -> list[Any]:
        return [r for r in self.cp.stage_runs if r.stage == stage
                and (execution_id is None or r.execution_id == execution_id)]

    def actions(self, action: str, execution_id: str | None = None) -> list[Any]:
        return [a for a in self.cp.action_runs if a.action == action
                and (execution_id is None or a.execution_id == execution_id)]

    def inputs(self, machine: str) -> list[str]:
        return [str(e["input"]) for e in self.started.values() if e["machine"] == machine]


# ------------------------------------------------------------------------------------------- hand-written pipelines

def source() -> dict[str, Any]:
    return {"Name": "Source", "Actions": [{
        "Name": "Src", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection",
                                        "Version": "1"},
        "OutputArtifacts": [{"Name": "src"}], "RunOrder": 1,
        "Configuration": {"ConnectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/x",
                          "FullRepositoryId": "org/app", "BranchName": "main"}}]}


def build(name: str = "Synth", stage: str = "Build") -> dict[str, Any]:
    return {"Name": stage, "Actions": [{
        "Name": name, "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
        "InputArtifacts": [{"Name": "src"}], "RunOrder": 1, "Configuration": {"ProjectName": "synth"}}]}


def deploy(name: str, stack: str, *, run_order: int = 1, namespace: str | None = None, region: str | None = None,
           account: str = ACCOUNT, mode: str = "CREATE_UPDATE") -> dict[str, Any]:
    config: dict[str, Any] = {"StackName": stack, "ActionMode": mode,
                              "RoleArn": f"arn:aws:iam::{account}:role/cfn-exec",
                              "TemplatePath": f"src::{stack}.template.json"}
    if mode.startswith("CHANGE_SET"):
        config["ChangeSetName"] = "PipelineChange"
    if mode == "CHANGE_SET_EXECUTE":
        del config["TemplatePath"]
    action: dict[str, Any] = {"Name": name, "ActionTypeId": {"Category": "Deploy", "Owner": "AWS",
                                                             "Provider": "CloudFormation", "Version": "1"},
                              "InputArtifacts": [{"Name": "src"}], "RunOrder": run_order, "Configuration": config}
    if namespace:
        action["Namespace"] = namespace
    if region:
        action["Region"] = region
    return action


def invoke(name: str, machine: str, *, run_order: int = 1, payload: str | None = None,
           namespace: str | None = None, prefix: str | None = None, region: str = REGION) -> dict[str, Any]:
    config: dict[str, Any] = {"StateMachineArn": f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{machine}",
                              "InputType": "Literal"}
    if payload is not None:
        config["Input"] = payload
    if prefix is not None:
        config["ExecutionNamePrefix"] = prefix
    action: dict[str, Any] = {"Name": name, "ActionTypeId": {"Category": "Invoke", "Owner": "AWS",
                                                             "Provider": "StepFunctions", "Version": "1"},
                              "RunOrder": run_order, "Configuration": config}
    if namespace:
        action["Namespace"] = namespace
    return action


def stage(name: str, *actions: dict[str, Any], rollback: bool = True,
          entry_alarms: tuple[str, ...] = (), wait_minutes: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Actions": list(actions)}
    if rollback:
        out["OnFailure"] = {"Result": "ROLLBACK"}
    if entry_alarms:
        rules = []
        for i, alarm in enumerate(entry_alarms):
            config: dict[str, Any] = {"AlarmName": alarm}
            if wait_minutes is not None:
                config["WaitTime"] = str(wait_minutes)
            rules.append({"Name": f"Entry{i}", "RuleTypeId": {"Category": "Rule", "Owner": "AWS",
                                                              "Provider": "CloudWatchAlarm", "Version": "1"},
                          "Configuration": config, "Region": REGION})
        out["BeforeEntry"] = {"Conditions": [{"Result": "FAIL", "Rules": rules}]}
    return out


def pipeline(*stages: dict[str, Any], name: str = "demo", restart: bool = True,
             **extra: Any) -> dict[str, Any]:
    return {"Name": name, "PipelineType": "V2", "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pipeline",
            "RestartExecutionOnUpdate": restart,
            "Variables": [{"Name": "Override", "DefaultValue": "false"}],
            "Stages": [source(), *stages], **extra}


def one_target(name: str = "Prod", *, bake: str = "bake", rollback: bool = True) -> dict[str, Any]:
    """Deploy (namespace Deploy), then shift, then bake reading the deploy's token and the shift's ARN."""
    return stage(name,
                 deploy("Deploy", f"{name.lower()}-api", namespace=f"{name}Deploy"),
                 invoke("Shift", "shift", run_order=2, namespace=f"{name}Shift",
                        payload='{"exec":"#{codepipeline.PipelineExecutionId}",'
                                f'"token":"#{{{name}Deploy.Token}}","override":"#{{variables.Override}}"}}'),
                 invoke("Bake", bake, run_order=3,
                        payload='{"exec":"#{codepipeline.PipelineExecutionId}",'
                                f'"token":"#{{{name}Deploy.Token}}","shift":"#{{{name}Shift.ExecutionArn}}"}}'),
                 rollback=rollback)
