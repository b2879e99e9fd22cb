"""A small simulated world for the release machines' behaviour tests, built from the simulation's fakes.

One app, synthesized once per test session (:func:`assembly`): the team
runtime (the three release state machines and their real Lambda handlers, the
team settings in their environment), the team monitoring stack (the
aggregate alarm), and two service stacks of ``SafeLambdaDeployment``\\ s --
``payments-api-…-Api`` with one function, ``payments-jobs-…-Jobs`` with two
(each function its own traffic policy).  A :class:`Release` deploys them into a
:class:`seawall.sim.world.World` through the CloudFormation fake: the previous
revision first (version 1, the alias on it), then the new one (version 2
published, the alias left on 1), as a pipeline's deploy action would.  A
hand-written pipeline (a source stage and a stage with ``OnFailure:
ROLLBACK``) gives the executions whose type ``GetPipelineExecution`` reports.

Nothing here answers for AWS: executions of the synthesized machines run in
the Step Functions fake, their tasks are the real handlers in simulated
Lambda execution environments, CodeDeploy moves aliases on its own schedule
and stops on the group's alarms, CloudWatch evaluates the synthesized alarms
from the traffic the world serves each minute.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from seawall.model.contracts import RELEASE_TOKEN_OUTPUT, TEAM_SETTINGS_ENV, TeamSettings
from seawall.model.naming import aggregate_alarm_name, high_severity_alarm_name
from seawall.sim.assembly import Assembly, StackArtifact
from seawall.sim.botocore_bridge import Fault
from seawall.sim.stepfunctions import Execution
from seawall.sim.traffic import Health, Load, TrafficModel
from seawall.sim.world import NEW, PREVIOUS, World, previous_template

ACCOUNT = "123456789012"
REGION = "us-east-1"
TEAM = "payments"
AGGREGATE = aggregate_alarm_name(TEAM, REGION)
PIPELINE = "payments-api-pipeline"
#: The service stacks (the names CDK Pipelines would give them inside a stage).
STACK = f"payments-api-{REGION}-Api"
PAIR_STACK = f"payments-jobs-{REGION}-Jobs"
HOOKED_STACK = f"payments-hooked-{REGION}-Hooked"
SERVICE_STACKS = (STACK, PAIR_STACK, HOOKED_STACK)
#: The services' own high-severity composites, as SafeLambdaDeployment names them outside a stage.
SERVICE_ALARM = high_severity_alarm_name(TEAM, "api", REGION)
PAIR_SERVICE_ALARM = high_severity_alarm_name(TEAM, "jobs", REGION)
#: Monday 2 June 2025, 10:00 UTC (12:00 in Berlin): inside the team's window.
START = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]


# ----------------------------------------------------------------------------- the app (synthesized once)

_APP_SOURCE = '''
from datetime import timedelta

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import SafeLambdaDeployment
from seawall.constructs.hooks import SmokeTestHook
from seawall.constructs.lambda_deployment import drop_redundant_role_dependency
from seawall.constructs.monitoring import TeamMonitoringStack
from seawall.constructs.pipeline_nag import acknowledge_iam
from seawall.model import AlarmPolicy, TimeWindow, TrafficPolicy
from seawall.stacks.team_runtime import TeamRuntimeStack

ACCOUNT, REGION, TEAM = {account!r}, {region!r}, {team!r}
SERVICES = ("api", "jobs", "hooked")
CANARY = TrafficPolicy.canary(interval=timedelta(minutes=5))
LONG_CANARY = TrafficPolicy.canary(interval=timedelta(minutes=15))
LINEAR = TrafficPolicy.linear(percent=10, interval=timedelta(minutes=1))


def service(app, construct_id, stack_name, name, functions, hooks=False):
    stack = cdk.Stack(app, construct_id, stack_name=stack_name, env=env)
    for fid, traffic in functions:
        fn = lambda_.Function(stack, f"{{fid}}Function", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                              code=lambda_.Code.from_inline(f"def handler(event, context):\\n    return {{fid!r}}\\n"))
        acknowledge_iam(fn.role, managed="AWSLambdaBasicExecutionRole only lets the function write its logs")
        drop_redundant_role_dependency(fn)
        hook = None
        if hooks:
            hook = SmokeTestHook(stack, f"{{fid}}Smoke", targets=[fn], payload={{"path": "/health"}}).function
        SafeLambdaDeployment(stack, f"{{fid}}Release", function=fn, team=TEAM, service=name, alarms=AlarmPolicy(),
                             traffic=traffic, pre_traffic_hook=hook, post_traffic_hook=hook)


app = cdk.App(outdir={outdir!r})
env = cdk.Environment(account=ACCOUNT, region=REGION)
TeamRuntimeStack(app, "Runtime", team=TEAM, services=SERVICES, pipeline_accounts=(ACCOUNT,),
                 window=TimeWindow.always(time_zone="Europe/Berlin"), env=env)
service(app, "Api", {stack!r}, "api", [("Api", CANARY)])
service(app, "Jobs", {pair!r}, "jobs", [("Items", LONG_CANARY), ("Orders", LINEAR)])
service(app, "Hooked", {hooked!r}, "hooked", [("Hooked", CANARY)], hooks=True)
TeamMonitoringStack(app, "Monitoring", team=TEAM, services=SERVICES, env=env)
# A first deploy: the aggregate does not list the services yet (they join after their first deploy).
TeamMonitoringStack(app, "MonitoringFirst", team=TEAM, services=(), env=env)
app.synth()
'''

_ASSEMBLY: dict[str, Assembly] = {}


def assembly() -> Assembly:
    """The app's cloud assembly, synthesized once per process (in a subprocess: no CDK state leaks here)."""
    if "a" not in _ASSEMBLY:
        outdir = tempfile.mkdtemp(prefix="seawall-behaviour-")
        code = _APP_SOURCE.format(account=ACCOUNT, region=REGION, team=TEAM, outdir=outdir, stack=STACK,
                                  pair=PAIR_STACK, hooked=HOOKED_STACK)
        env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
        proc = subprocess.run([sys.executable, "-c", code], cwd=_ROOT, env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-4000:]
        _ASSEMBLY["a"] = Assembly(outdir)
    return _ASSEMBLY["a"]


def _pipeline_template() -> dict[str, Any]:
    """A pipeline whose executions the release machines read: a source stage, a stage that rolls back."""
    source = {"Name": "Source", "Actions": [{
        "Name": "Src", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection",
                                        "Version": "1"},
        "OutputArtifacts": [{"Name": "src"}], "RunOrder": 1,
        "Configuration": {"ConnectionArn": f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/x",
                          "FullRepositoryId": "example-org/payments", "BranchName": "main"}}]}
    release = {"Name": "Release", "OnFailure": {"Result": "ROLLBACK"}, "Actions": [{
        "Name": "Build", "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
        "InputArtifacts": [{"Name": "src"}], "RunOrder": 1, "Configuration": {"ProjectName": "release"}}]}
    return {"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {
        "Name": PIPELINE, "PipelineType": "V2", "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pipeline",
        "Stages": [source, release]}}}}


# ----------------------------------------------------------------------------- the world


class Release:
    """The world of one test: the fakes, the deployed stacks, and what a test reads back.

    Parameters
    ----------
    start:
        The instant the world starts at (the stacks deploy then, the traffic starts a minute later).
    load:
        Requests per minute to every service function (constant mean; Poisson draws, see
        :mod:`seawall.sim.traffic`).
    first_deploy:
        The aggregate lists no service yet (the services' first deploy in the region).
    revision:
        ``NEW``: the new revision deployed after the previous one (version 2 published, the alias on 1);
        ``PREVIOUS``: only the previous revision (the alias on version 1, which the stacks hold).
    services:
        False: only the team runtime and the pipeline (a region no service deployed to yet, no monitoring).
    """

    def __init__(self, *, start: datetime = START, load: float = 0.0, first_deploy: bool = False,
                 revision: str = NEW, services: bool = True) -> None:
        self.assembly = assembly()
        self.world = World(self.assembly, start=start, traffic=TrafficModel(default=Load(load)))
        self.aws = self.world.aws
        self.clock = self.world.clock
        self.stacks = {s.stack_name: s for s in self.assembly.top_level()}
        self.session = self.aws.session(account=ACCOUNT, region=REGION)
        self.sfn = self.session.client("stepfunctions")
        self.lam = self.session.client("lambda")
        self.cw = self.session.client("cloudwatch")
        self.cd = self.session.client("codedeploy")
        self.cp = self.session.client("codepipeline")
        self.runtime = next(s for s in self.stacks.values() if s.artifact_id == "Runtime")
        self._runtime_template = copy.deepcopy(self.runtime.template)
        self.world.deploy(self.runtime, PREVIOUS)
        self.cfn = self.world.cfn(ACCOUNT, REGION)
        # The documented order: the aggregate before any service (listing none), the services, then the
        # aggregate listing them (CloudWatch refuses a composite naming an alarm that does not exist).
        #: Each service stack's release token after each deploy, in order (what each deploy action output).
        self.tokens: dict[str, list[str]] = {}
        if services:
            self.monitoring(first_deploy=True)
            for name in SERVICE_STACKS:
                self.deploy(name, PREVIOUS)
            if not first_deploy:
                self.monitoring()
            if revision == NEW:
                for name in SERVICE_STACKS:
                    self.deploy(name, NEW)
        self.cfn.deploy(f"{PIPELINE}-stack", _pipeline_template())
        self.executions = 0
        #: The STANDARD pipeline execution that created the pipeline (its stage ran and succeeded).
        self.standard = self._until_done(self._latest_pipeline_execution())
        #: A second STANDARD execution.
        self.second = self._until_done(str(self.cp.start_pipeline_execution(name=PIPELINE)["pipelineExecutionId"]))
        #: A ROLLBACK execution: an operator's RollbackStage of the stage to the first execution.
        out = self.cp.rollback_stage(pipelineName=PIPELINE, stageName="Release",
                                     targetPipelineExecutionId=self.standard)
        self.rollback = self._until_done(str(out["pipelineExecutionId"]))
        got = self.cp.get_pipeline_execution(pipelineName=PIPELINE, pipelineExecutionId=self.rollback)
        assert got["pipelineExecution"]["executionType"] == "ROLLBACK", got

    # --- stacks
    def stack(self, name: str) -> StackArtifact:
        return self.stacks[name]

    def deploy(self, name: str, revision: str = NEW) -> dict[str, str]:
        """Deploy the service stack `name` at `revision` (``PREVIOUS`` or ``NEW``); returns its outputs."""
        out = self.world.deploy(self.stack(name), revision)
        self.tokens.setdefault(name, []).append(out[RELEASE_TOKEN_OUTPUT])
        return out

    def deploy_code(self, name: str, code: str) -> dict[str, str]:
        """Deploy the service stack `name` with every released function's code changed to `code` (a third
        revision, made as the world makes the previous one)."""
        self.cfn.deploy(name, previous_template(self.stack(name).template, code))
        out = self.cfn.outputs(name)
        self.tokens.setdefault(name, []).append(out[RELEASE_TOKEN_OUTPUT])
        return out

    def monitoring(self, *, first_deploy: bool = False) -> None:
        """Deploy the team's monitoring (the aggregate); with `first_deploy` the aggregate lists no service yet."""
        artifact = next(s for s in self.stacks.values() if s.artifact_id == "Monitoring")
        source = next(s for s in self.stacks.values()
                      if s.artifact_id == ("MonitoringFirst" if first_deploy else "Monitoring"))
        self.cfn.deploy(artifact.stack_name, copy.deepcopy(source.template))

    def token(self, stack: str) -> str:
        return self.cfn.outputs(stack)[RELEASE_TOKEN_OUTPUT]

    def team(self, **settings: Any) -> None:
        """Redeploy the team runtime with other team settings (TeamSettings.of keywords)."""
        value = TeamSettings.of(team=TEAM, **settings).to_env()
        template = copy.deepcopy(self._runtime_template)
        for spec in template["Resources"].values():
            variables = (spec.get("Properties", {}).get("Environment") or {}).get("Variables") or {}
            if spec["Type"] == "AWS::Lambda::Function" and TEAM_SETTINGS_ENV in variables:
                variables[TEAM_SETTINGS_ENV] = value
        self.cfn.deploy(self.runtime.stack_name, template)

    # --- functions
    def function_names(self, stack: str) -> list[str]:
        """The physical names of the service functions of `stack`, in logical-ID order."""
        return [rel.function for rel in sorted(self.world.released.values(), key=lambda r: r.logical_id)
                if rel.stack == stack]

    def alias(self, name: str) -> tuple[str, dict[str, float]]:
        got = self.lam.get_alias(FunctionName=name, Name="live")
        return str(got["FunctionVersion"]), dict((got.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
                                                 or {})

    def alias_version(self, name: str) -> str:
        return self.alias(name)[0]

    def alias_updates(self, since: float = 0.0) -> list[tuple[str, str, str]]:
        """(function, alias, version) of every UpdateAlias a release execution made (CodeDeploy's are not these)."""
        return [(e.function, e.alias, str(e.version)) for e in self.world.lambda_.alias_events
                if e.operation == "UpdateAlias" and e.by.startswith("arn:aws:states:") and e.at >= since]

    def deployments(self, since: float = 0.0) -> list[Any]:
        """The CodeDeploy deployments users created (not CodeDeploy's own rollbacks), in order."""
        return [d for d in self.world.codedeploy.deployments if d.creator == "user" and d.created_at >= since]

    def stops(self) -> list[tuple[str, bool]]:
        """(deployment ID, automatic rollback) of every StopDeployment request."""
        return [(d.id, s.auto_rollback) for d in self.world.codedeploy.deployments for s in d.stops
                if s.cause == "request"]

    # --- traffic and alarms
    def load(self, per_minute: float, stack: str | None = None, function: str = "") -> None:
        """From now on, `per_minute` requests a minute to every function (of `stack`, when given; only to those
        whose logical ID starts with `function`, when given)."""
        if stack is None:
            self.world.traffic.default = Load(per_minute)
            return
        loads = dict(self.world.traffic.loads)
        for rel in self.world.released.values():
            if rel.stack == stack and rel.logical_id.startswith(function):
                loads[(rel.target, rel.logical_id)] = Load(per_minute)
        self.world.traffic.loads = loads

    def health(self, revision: str, health: Health) -> None:
        """How `revision`'s code behaves from now on (``PREVIOUS`` or ``NEW``)."""
        self.world.traffic.health = {**self.world.traffic.health, revision: health}

    def served(self, function: str, since: float, until: float, version: str | None = None) -> int:
        """Requests the alias of `function` served in whole minutes starting in [since, until) (ground truth)."""
        return sum(r.requests for r in self.world.served if r.function == function and since <= r.minute * 60 < until
                   and (version is None or r.version == version))

    def set_alarm(self, name: str, state: str, reason: str = "set by the test") -> None:
        self.cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    def alarm_state(self, name: str) -> str | None:
        return self.world.cloudwatch.state(ACCOUNT, REGION, name)

    def alarm_history(self, name: str) -> list[tuple[float, str]]:
        return [(t.at, t.new) for t in self.world.cloudwatch.history if t.alarm == name]

    def at(self, seconds: float, action: Callable[[], None], label: str = "test action") -> None:
        """Run `action` `seconds` from now (simulated)."""
        self.world.scheduler.after(seconds, action, label)

    def fault(self, **kw: Any) -> Fault:
        """Make calls fail as AWS would answer them (:class:`seawall.sim.botocore_bridge.Fault`)."""
        f = Fault(**kw)
        self.aws.faults.append(f)
        return f

    # --- the pipeline
    def run_for(self, seconds: float) -> None:
        self.world.scheduler.run(until=self.clock.seconds + seconds)

    def _latest_pipeline_execution(self) -> str:
        runs = [e for e in self.world.codepipeline.executions if e.pipeline == PIPELINE]
        assert runs, "the pipeline never ran"
        return runs[-1].id

    def _until_done(self, execution_id: str) -> str:
        """Run the world until the pipeline execution ends; it must have succeeded."""
        ex = next(e for e in self.world.codepipeline.executions if e.id == execution_id)
        self.world.scheduler.run(until=self.clock.seconds + 3600, stop=lambda: not ex.active)
        assert ex.status == "Succeeded", ex.summary
        return execution_id

    # --- executions
    def machine(self, part: str) -> str:
        return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:seawall-{TEAM}-{part}"

    def start(self, part: str, payload: Mapping[str, Any]) -> str:
        self.executions += 1
        return str(self.sfn.start_execution(stateMachineArn=self.machine(part), name=f"{part}-{self.executions}",
                                            input=json.dumps(payload))["executionArn"])

    def run(self, part: str, payload: Mapping[str, Any], *, limit: timedelta = timedelta(days=3)) -> dict[str, Any]:
        """Run one execution of the `part` machine to its end (simulated time passes); DescribeExecution of it,
        with its history events under ``"history"``."""
        arn = self.start(part, payload)
        ex = self.world.sfn.execution(arn)
        self.world.scheduler.run(until=self.clock.seconds + limit.total_seconds(), stop=lambda: ex.status != "RUNNING")
        assert ex.status != "RUNNING", f"{part} execution still RUNNING after {limit}"
        d = dict(self.sfn.describe_execution(executionArn=arn))
        events: list[dict[str, Any]] = []
        token = None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.sfn.get_execution_history(executionArn=arn, maxResults=1000, **kw)
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                break
        d["history"] = events
        return d

    def execution(self, arn: str) -> Execution:
        return self.world.sfn.execution(arn)


def entered(d: Mapping[str, Any]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in d["history"] if "stateEnteredEventDetails" in e]


def task_outputs(d: Mapping[str, Any], state: str) -> list[dict[str, Any]]:
    return [json.loads(e["stateExitedEventDetails"]["output"]) for e in d["history"]
            if "stateExitedEventDetails" in e and e["stateExitedEventDetails"]["name"] == state]


def waits(d: Mapping[str, Any]) -> list[float]:
    """Seconds each Wait state of the execution lasted (from its history's timestamps)."""
    out, entered_at = [], None
    for e in d["history"]:
        if e["type"] == "WaitStateEntered":
            entered_at = e["timestamp"]
        elif e["type"] == "WaitStateExited" and entered_at is not None:
            out.append((e["timestamp"] - entered_at).total_seconds())
    return out


__all__ = ["ACCOUNT", "AGGREGATE", "HOOKED_STACK", "NEW", "PAIR_SERVICE_ALARM", "PAIR_STACK", "PIPELINE", "PREVIOUS",
           "REGION", "SERVICE_ALARM", "SERVICE_STACKS", "STACK", "START", "TEAM", "Health", "Release", "entered",
           "task_outputs", "waits"]
