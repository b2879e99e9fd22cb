"""One simulated world: every fake on one clock, the assembly deployed, traffic flowing.

A :class:`World` wires the fakes together the way AWS's services reach each
other (CodePipeline deploys with CloudFormation and starts Step Functions
executions; Step Functions runs Lambda tasks; CodeDeploy moves aliases,
invokes hooks and reads alarms; Lambda's invocations feed CloudWatch metrics
and Logs), deploys the assembly's top-level stacks, and drives the
:class:`~seawall.sim.traffic.TrafficModel` once a simulated minute.

Revisions.  The assembly is the *new* revision (``r1``).  The *previous*
revision (``r0``) is the same templates with a different code hash: every
function a ``Custom::SeawallVersion`` publishes gets different code, and the
version resource a different fingerprint (:func:`previous_template`).  Seawall's
own functions (release tasks, hooks, the publisher) are the same in both.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .assembly import Assembly, PipelineArtifact, StackArtifact
from .botocore_bridge import AwsError, FakeAws, Unmodelled
from .citations import Citation, cites
from .clock import START, Clock, Scheduler
from .cloudformation import CloudFormationApi, FakeCloudFormation
from .cloudwatch import FakeCloudWatch, SeriesWriter
from .codedeploy import FakeCodeDeploy
from .codepipeline import FakeCodePipeline
from .lambda_service import FakeLambda
from .lambda_service import FunctionError as LambdaFunctionError
from .logs import FakeLogs, python_unhandled_error
from .stepfunctions import FakeStepFunctions
from .stepfunctions import FunctionError as StatesFunctionError
from .sts import FakeEvents, FakeSts
from .synthetics import FakeHttpApis, FakeSynthetics, Invocation
from .traffic import TrafficModel, VersionMinute

#: What Powertools' logger writes for ``logger.error(...)`` (its JSON keys: level, location, message, timestamp,
#: service; https://docs.powertools.aws.dev/lambda/python/latest/core/logger/ "Standard structured keys").
_HANDLED_ERROR_LINE = ('{"level":"ERROR","location":"handler:12","message":"handled error",'
                       '"timestamp":"2027-03-02 08:00:00,000+0000","service":"simulated"}')

_NONZERO_ONLY = Citation(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/lam-metricscollected.html",
    "Note that AWS Lambda only sends these metrics to CloudWatch if they have a nonzero value.")
_BINARY_ERRORS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html",
    "Invocation metrics are binary indicators of the outcome of an invocation. For example, if the function "
    "returns an error, Lambda sends the Errors metric with a value of 1.")
_EXECUTED_VERSION = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html",
    "By Executed Version (ExecutedVersion) – View metrics for a combination of alias and version. Use the "
    "ExecutedVersion dimension to compare error rates for two versions of a function that are both targets of a "
    "weighted alias.")

#: The revisions a scenario knows: the one live before the change, and the change.
PREVIOUS, NEW = "r0", "r1"
#: A second change, pushed while the first is still in flight (the same templates with other code again).
NEXT = "r2"
#: Every revision whose code the world can deploy: NEW is the assembly itself, the others differ in code only.
REVISIONS = (PREVIOUS, NEW, NEXT)
_VERSION_TYPE = "Custom::SeawallVersion"
#: [requests, crashes, handled errors] of a version no other service sent a request to.
_NO_REQUESTS = (0, 0, 0)


@dataclass(frozen=True)
class Unknowns:
    """What AWS leaves open, as the world's parameters (docs/simulation.md, "Unknowns are parameters")."""

    alarm_poll_seconds: float = 60.0
    stop_seconds: float = 10.0
    publication_delay: float = 60.0
    rollback_variables: str = "target"
    executed_version_unsplit: bool = True
    sfn_poll_seconds: float = 60.0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)


@dataclass
class Released:
    """A function a ``Custom::SeawallVersion`` releases, where it is deployed."""

    account: str
    region: str
    function: str
    alias: str
    target: str
    stack: str
    logical_id: str
    first_served: dict[str, float] = field(default_factory=dict)


def previous_template(template: Mapping[str, Any], revision: str = PREVIOUS) -> dict[str, Any]:
    """`template` as another revision (the previous one by default) has it: the released functions' code and
    fingerprints differ."""
    out: dict[str, Any] = copy.deepcopy(dict(template))
    resources = out.get("Resources", {})
    for spec in resources.values():
        if spec.get("Type") != _VERSION_TYPE:
            continue
        props = spec.get("Properties", {})
        props["FunctionFingerprint"] = f"{props.get('FunctionFingerprint', '')}-{revision}"
        ref = props.get("FunctionName")
        lid = ref.get("Ref") if isinstance(ref, Mapping) else None
        fn = resources.get(lid) if isinstance(lid, str) else None
        if fn is None or fn.get("Type") != "AWS::Lambda::Function":
            continue
        code = fn.setdefault("Properties", {}).setdefault("Code", {})
        if "ZipFile" in code:
            code["ZipFile"] = f"{code['ZipFile']}\n# {revision}\n"
        elif "S3Key" in code:
            code["S3Key"] = f"{revision}/{code['S3Key']}"
        else:
            code["ImageUri"] = f"{code.get('ImageUri', '')}-{revision}"
    return out


class _Attributed:
    """CodeDeploy's API as the world sees it: each deployment remembers the release execution that created it."""

    def __init__(self, world: World, codedeploy: FakeCodeDeploy) -> None:
        self.world, self.codedeploy = world, codedeploy

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        out = self.codedeploy.handle(operation, params, account=account, region=region)
        if operation == "CreateDeployment" and self.world.sfn.current is not None:
            self.world.deployment_by[str(out["deploymentId"])] = self.world.sfn.current.arn
        return out


class World:
    """Every fake of one scenario run, wired as AWS wires its services."""

    def __init__(self, assembly: Assembly, *, seed: int = 0, start: datetime = START, setup_lead: float = 0.0,
                 unknowns: Unknowns | None = None, traffic: TrafficModel | None = None) -> None:
        self.assembly, self.seed = assembly, seed
        self.unknowns = unknowns or Unknowns()
        #: The scenario's start instant; the world may be set up from `setup_lead` seconds before it.
        self.start = start
        self.clock = Clock(start if not setup_lead else datetime.fromtimestamp(start.timestamp() - setup_lead,
                                                                                 tz=start.tzinfo))
        self.setup_lead = setup_lead
        self.scheduler = Scheduler(self.clock)
        self.aws = FakeAws(self.clock)
        self._actor = ""
        self.traffic = traffic or TrafficModel(seed=seed)
        assets = dict(assembly.assets)
        for other in (r for r in REVISIONS if r != NEW):
            assets.update({f"{other}/{k}": v for k, v in assembly.assets.items()})
        self.lambda_ = FakeLambda(clock=self.clock, aws=self.aws, assets=assets, seed=seed)
        self.cloudwatch = FakeCloudWatch(clock=self.clock, scheduler=self.scheduler,
                                         publication_delay=self.unknowns.publication_delay)
        self.logs = FakeLogs(cloudwatch=self.cloudwatch)
        self.apis = FakeHttpApis()
        #: Monitoring canaries: each run is one request through API Gateway, served with the minute's traffic.
        self.synthetics = FakeSynthetics(scheduler=self.scheduler, cloudwatch=self.cloudwatch, apis=self.apis,
                                         invoke=self._serve_one, paused=lambda: self.traffic_paused)
        self.codedeploy = FakeCodeDeploy(scheduler=self.scheduler, lambda_=self.lambda_,
                                         invoke_async=self._invoke_async, alarm_state=self.cloudwatch.state,
                                         update_alias=self._codedeploy_moves,
                                         alarm_poll_seconds=self.unknowns.alarm_poll_seconds,
                                         stop_seconds=self.unknowns.stop_seconds)
        self.sfn = FakeStepFunctions(self.scheduler, invoke=self._invoke_task)
        self.codepipeline = FakeCodePipeline(
            self.scheduler, deploy_stack=self._deploy_stack, start_execution=self._start_execution,
            describe_execution=self._describe_execution, update_pipeline=None, alarm_state=self._alarm_state,
            sfn_poll_seconds=self.unknowns.sfn_poll_seconds,
            rollback_variables=self.unknowns.rollback_variables,  # type: ignore[arg-type]
            initial_revision=PREVIOUS)
        self.lambda_.attribution = self._acting
        self.sts = FakeSts(self.aws, role_exists=self._role_exists)
        self.events = FakeEvents(self.aws)
        self._cfn: dict[tuple[str, str], FakeCloudFormation] = {}
        self.providers: dict[str, Any] = {
            "AWS::CloudWatch::Alarm": self.cloudwatch.alarm_provider,
            "AWS::CloudWatch::CompositeAlarm": self.cloudwatch.composite_provider,
            "AWS::Logs::LogGroup": self.logs.log_group_provider,
            "AWS::Logs::MetricFilter": self.logs.metric_filter_provider,
            "AWS::StepFunctions::StateMachine": self.sfn,
            "AWS::CodePipeline::Pipeline": self.codepipeline,
            **self.codedeploy.providers(),
            **self.apis.providers(),
            **self.synthetics.providers(),
        }
        for name, service in (("lambda", self.lambda_), ("cloudwatch", self.cloudwatch), ("logs", self.logs),
                              ("codedeploy", _Attributed(self, self.codedeploy)), ("stepfunctions", self.sfn),
                              ("codepipeline", self.codepipeline), ("sts", self.sts), ("events", self.events),
                              ("cloudformation", CloudFormationApi(self._cfn_if_any))):
            self.aws.register(name, service)
        #: Which release execution (ARN) created each CodeDeploy deployment (CodeDeploy's rollbacks: the original's).
        self.deployment_by: dict[str, str] = {}
        #: Functions released through a Custom::SeawallVersion, by (account, region, function name).
        self.released: dict[tuple[str, str, str], Released] = {}
        #: Which revision's code each published code hash holds.
        self.revision_of_code: dict[str, str] = {}
        #: The revision of each (account, region, function, version) found so far, with the function it was found
        #: on (a function deleted and created again numbers its versions afresh).
        self._revision_of_version: dict[tuple[str, str, str, str], tuple[Any, str]] = {}
        #: The keys of :attr:`released` in order, as sorted when it had that many (it only grows).
        self._released_order: list[tuple[str, str, str]] = []
        #: Writers of Lambda's metrics (Invocations, Errors, Duration) per dimension set, by (account, region,
        #: function, alias, version, with ExecutedVersion).
        self._lambda_series: dict[tuple[str, str, str, str, str, bool], tuple[tuple[SeriesWriter, ...], ...]] = {}
        #: Every minute of traffic per version (ground truth).
        self.served: list[VersionMinute] = []
        #: Requests other services made this minute (the canaries'), by minute, then (account, region, function,
        #: alias), then version: [requests, crashes, handled errors]; served with that minute's traffic.
        self._other_requests: dict[int, dict[tuple[str, str, str, str], dict[str, list[int]]]] = {}
        #: When each version of a function no Custom::SeawallVersion releases first served (its slow burn's start).
        self._first_served_other: dict[tuple[str, str, str, str], dict[str, float]] = {}
        self._stack_targets = self._targets_of_stacks()
        #: While True no request is served (the world's setup skips the idle days before the scenario's start).
        self.traffic_paused = False
        self.scheduler.every(60, self._traffic_minute, "traffic", first=60.0)

    def apply(self, unknowns: Unknowns, seed: int) -> None:
        """Run from now on under `unknowns` and `seed` (a world set up once serves every variant of a scenario)."""
        self.unknowns = unknowns
        self.codedeploy.alarm_poll_seconds = unknowns.alarm_poll_seconds
        self.codedeploy.stop_seconds = unknowns.stop_seconds
        self.cloudwatch.publication_delay = unknowns.publication_delay
        self.codepipeline.rollback_variables = unknowns.rollback_variables  # type: ignore[assignment]
        self.codepipeline.sfn_poll_seconds = unknowns.sfn_poll_seconds
        self.seed = seed
        self.traffic.rng = random.Random(seed)
        self.lambda_.rng = random.Random(seed)

    # ------------------------------------------------------------------ time

    def seconds_since_start(self) -> float:
        """Seconds since the scenario's start (negative while the world is being set up)."""
        return self.clock.seconds - self.setup_lead

    # ------------------------------------------------------------------ CloudFormation

    def cfn(self, account: str, region: str) -> FakeCloudFormation:
        key = (account, region)
        if key not in self._cfn:
            self._cfn[key] = FakeCloudFormation(self.aws, self.lambda_, account=account, region=region,
                                                assets=self.lambda_.assets, providers=self.providers)
        return self._cfn[key]

    def _cfn_if_any(self, account: str, region: str) -> FakeCloudFormation | None:
        return self._cfn.get((account, region))

    def template(self, stack: StackArtifact, revision: str) -> dict[str, Any]:
        if revision not in REVISIONS:
            raise ValueError(f"revision={revision!r} is not one the world can deploy; use one of {REVISIONS}")
        return copy.deepcopy(stack.template) if revision == NEW else previous_template(stack.template, revision)

    def deploy(self, stack: StackArtifact, revision: str) -> dict[str, str]:
        """Create or update `stack` at `revision`; return its outputs."""
        cfn = self.cfn(stack.account, stack.region)
        cfn.deploy(stack.stack_name, self.template(stack, revision))
        self._note_released(cfn, stack, revision)
        return cfn.outputs(stack.stack_name)

    def _deploy_stack(self, account: str, region: str, stack_name: str, template_ref: str,
                      revision: str) -> Mapping[str, str]:
        stack = self.assembly.stack_at(template_ref)
        if (stack.account, stack.region, stack.stack_name) != (account, region, stack_name):
            raise ValueError(f"the action deploys {stack_name} in {account}/{region}, but {template_ref} is "
                             f"{stack.stack_name} in {stack.account}/{stack.region}")
        return self.deploy(stack, revision)

    def _note_released(self, cfn: FakeCloudFormation, stack: StackArtifact, revision: str) -> None:
        live = cfn.stacks.get(stack.stack_name)
        if live is None:
            return
        for lid, resource in sorted(live.resources.items()):
            if resource.type == "AWS::Lambda::Function":
                fn = self.lambda_.function(stack.account, stack.region, resource.physical_id)
                if fn is not None:
                    self.revision_of_code.setdefault(fn.code_sha, revision)
            if resource.type != _VERSION_TYPE:
                continue
            name, alias = str(resource.properties.get("FunctionName")), str(resource.properties.get("AliasName"))
            key = (stack.account, stack.region, name)
            if key not in self.released:
                target = self._stack_targets.get(stack.stack_name, f"{stack.region}")
                function_id = next((fid for fid, r in sorted(live.resources.items())
                                    if r.type == "AWS::Lambda::Function" and r.physical_id == name), lid)
                self.released[key] = Released(stack.account, stack.region, name, alias, target, stack.stack_name,
                                              function_id)

    def _role_exists(self, arn: str) -> bool:
        parts = arn.split(":")
        account, name = parts[4], parts[5].split("/")[-1]
        for (acct, _), cfn in self._cfn.items():
            if acct != account:
                continue
            for stack in cfn.stacks.values():
                if any(r.type == "AWS::IAM::Role" and r.physical_id == name for r in stack.resources.values()):
                    return True
        return False

    def _targets_of_stacks(self) -> dict[str, str]:
        """Stack name -> its target id: ``<step>/<target>``, the step (stage) and target names ``seawall plan --json``
        prints (a pre-production and a production target in one region share a target name, not a step)."""
        out: dict[str, str] = {}
        for pipeline in self.assembly.service_pipelines():
            for stage in pipeline.definition.get("Stages", []):
                for action in stage.get("Actions", []):
                    text = action.get("Configuration", {}).get("Input")
                    if action.get("ActionTypeId", {}).get("Provider") != "StepFunctions" or not isinstance(text, str):
                        continue
                    data = json.loads(text)
                    for s in data.get("stacks", []):
                        out[str(s.get("stackName"))] = f"{stage['Name']}/{data.get('target', {}).get('name', '')}"
        return out

    # ------------------------------------------------------------------ the other services' calls

    def _start_execution(self, account: str, region: str, arn: str, name: str, input_text: str) -> str:
        out = self.sfn.handle("StartExecution", {"stateMachineArn": arn, "name": name, "input": input_text},
                              account=account, region=region)
        return str(out["executionArn"])

    def _describe_execution(self, account: str, region: str, arn: str) -> str:
        out = self.sfn.handle("DescribeExecution", {"executionArn": arn}, account=account, region=region)
        return str(out["status"])

    def _invoke_task(self, account: str, region: str, function_arn: str, payload: Any) -> Any:
        try:
            return self.lambda_.invoke_function(account, region, function_arn, payload)
        except LambdaFunctionError as e:
            raise StatesFunctionError(e.error_type, e.message) from e

    def _invoke_async(self, account: str, region: str, function_name: str, payload: Any) -> None:
        def run() -> None:
            try:
                self.lambda_.invoke_function(account, region, function_name, payload)
            except LambdaFunctionError:
                pass  # an asynchronous invocation's error goes nowhere the caller sees

        self.scheduler.after(1, run, f"lambda async {function_name}")

    def _acting(self) -> str:
        """Who changes an alias now: the release execution whose task runs, else CodeDeploy or the caller."""
        if self.sfn.current is not None:
            return self.sfn.current.arn
        return self._actor

    def _codedeploy_moves(self, account: str, region: str, function: str, alias: str, version: str,
                          routing: Mapping[str, float]) -> None:
        moving = [d for d in self.codedeploy.deployments if (d.account, d.region, d.function, d.alias)
                  == (account, region, function, alias) and d.active]
        self._actor = f"codedeploy:{moving[-1].id}" if moving else "codedeploy"
        try:
            self.codedeploy._lambda_update_alias(account, region, function, alias, version, routing)
        finally:
            self._actor = ""

    def actor_execution(self, by: str) -> str:
        """The release execution (ARN) behind an alias change's actor, or "" (a deployment's rollback counts as the
        execution that created the deployment)."""
        if by.startswith("arn:aws:states:"):
            return by
        if by.startswith("codedeploy:"):
            d = next((x for x in self.codedeploy.deployments if x.id == by.split(":", 1)[1]), None)
            while d is not None and d.rollback_of:
                d = next((x for x in self.codedeploy.deployments if x.id == d.rollback_of), None)  # type: ignore[union-attr]
            return self.deployment_by.get(d.id, "") if d is not None else ""
        return ""

    def _alarm_state(self, account: str, region: str, name: str) -> str:
        return self.cloudwatch.state(account, region, name) or "INSUFFICIENT_DATA"

    # ------------------------------------------------------------------ setup

    def deploy_top_level(self, *, kinds: tuple[str, ...] = ("support", "foundation")) -> None:
        """Deploy the stacks the CDK CLI deploys: "support" (cross-region buckets), "foundation" pipelines' stacks,
        "service" pipelines' stacks."""
        pipeline_stacks = {p.stack.path: p.kind for p in self.assembly.pipelines}
        for stack in self.assembly.top_level():
            kind = pipeline_stacks.get(stack.path, "support")
            if kind in kinds:
                self.deploy(stack, PREVIOUS)

    def pipeline(self, name: str) -> PipelineArtifact:
        found = [p for p in self.assembly.pipelines if p.name == name]
        if not found:
            raise KeyError(f"no pipeline {name!r} in the assembly; it has {[p.name for p in self.assembly.pipelines]}")
        return found[0]

    def run_until_idle(self, pipeline: PipelineArtifact, *, limit: float, settle: float = 0.0) -> None:
        """Run until `pipeline` has no active execution (then `settle` more seconds), or `limit` seconds pass."""
        deadline = self.clock.seconds + limit

        def idle() -> bool:
            return not any(e.active for e in self.codepipeline.executions if e.pipeline == pipeline.name)

        self.scheduler.run(until=deadline, stop=idle)
        if settle:
            self.scheduler.run(until=min(deadline, self.clock.seconds + settle))

    # ------------------------------------------------------------------ traffic

    def revision_of(self, account: str, region: str, function: str, version: str) -> str:
        fn = self.lambda_.function(account, region, function)
        return "?" if fn is None else self._revision(account, region, fn, version)

    def _revision(self, account: str, region: str, fn: Any, version: str) -> str:
        """:meth:`revision_of` a version of `fn`, the function found."""
        if version == "$LATEST":
            return self.revision_of_code.get(fn.code_sha, "?")
        key = (account, region, fn.name, version)
        known = self._revision_of_version.get(key)
        if known is not None and known[0] is fn:
            return known[1]
        found = next((v for v in fn.versions if v.number == version), None)
        revision = self.revision_of_code.get(found.code_sha, "?") if found else "?"
        if revision != "?":  # a published version's code never changes, nor does the revision of a code hash
            self._revision_of_version[key] = (fn, revision)
        return revision

    def _serve_one(self, account: str, region: str, function: str, qualifier: str) -> Invocation:
        """One request another service sends through a function alias (API Gateway, for a monitoring canary):
        served by the version the alias routes it to (Lambda's weighted routing), failing as the traffic model says
        for that version's revision, and counted with the minute's traffic (ground truth, metrics, log lines)."""
        fn = self.lambda_.function(account, region, function)
        if fn is None:
            return Invocation("rejected")
        try:
            alias, version = self.lambda_.route(fn, qualifier)
        except AwsError:
            return Invocation("rejected")
        if not alias:
            raise Unmodelled(f"a request to {function}:{qualifier}: the simulation serves other services' requests "
                             f"through a function alias only")
        minute = int(self.clock.seconds // 60)
        rel = self.released.get((account, region, fn.name))
        first_served = rel.first_served if rel is not None and rel.alias == alias else \
            self._first_served_other.setdefault((account, region, fn.name, alias), {})
        first = first_served.setdefault(version, minute * 60.0)
        health = self.traffic.health_of(self._revision(account, region, fn, version), minute * 60.0 - first)
        crash = self.traffic.errors(1, health.error_rate)
        handled = 0 if crash else self.traffic.errors(1, health.handled_error_rate)
        counts = self._other_requests.setdefault(minute, {}).setdefault((account, region, fn.name, alias), {}) \
            .setdefault(version, [0, 0, 0])
        counts[0], counts[1], counts[2] = counts[0] + 1, counts[1] + crash, counts[2] + handled
        return Invocation("crash" if crash else "handled" if handled else "ok", health.p50_ms, version)

    def _released_keys(self) -> list[tuple[str, str, str]]:
        """The keys of :attr:`released`, sorted (again only when a function was added)."""
        if len(self._released_order) != len(self.released):
            self._released_order = sorted(self.released)
        return self._released_order

    def _traffic_minute(self) -> None:
        minute_start = self.clock.seconds - 60
        minute = int(minute_start // 60)
        others = self._other_requests.pop(minute, {})
        if self.traffic_paused:
            return
        at = self.clock.at(minute_start)
        traffic, function, released = self.traffic, self.lambda_.function, self.released
        for key in self._released_keys():
            rel = released[key]
            fn = function(rel.account, rel.region, rel.function)
            entry = fn.aliases.get(rel.alias) if fn is not None else None
            if entry is None:
                continue
            requests = traffic.requests(traffic.load(rel.target, rel.logical_id).mean(at))
            routing = entry["Routing"]
            split = traffic.split(requests, routing, entry["FunctionVersion"])
            other = others.pop((rel.account, rel.region, rel.function, rel.alias), None) if others else None
            for version in sorted(split.keys() | other.keys() if other else split):
                count = split.get(version, 0)
                extra = other.get(version, _NO_REQUESTS) if other else _NO_REQUESTS
                revision = self._revision(rel.account, rel.region, fn, version)
                first = rel.first_served.setdefault(version, minute_start) if count + extra[0] else \
                    rel.first_served.get(version, minute_start)
                health = traffic.health_of(revision, minute_start - first, rel.target)
                record = VersionMinute(minute, rel.account, rel.region, rel.function, rel.alias, version, revision,
                                       count + extra[0], traffic.errors(count, health.error_rate) + extra[1],
                                       traffic.errors(count, health.handled_error_rate) + extra[2],
                                       health.p50_ms, health.p99_ms)
                self.served.append(record)
                self._emit(record, routed=bool(routing), at=minute_start)
        for (account, region, function_name, alias), versions_served in sorted(others.items()):  # unreleased
            fn = function(account, region, function_name)
            routed = bool(fn is not None and alias in fn.aliases and fn.aliases[alias]["Routing"])
            for version, (n, crashes, handled) in sorted(versions_served.items()):
                revision = self.revision_of(account, region, function_name, version)
                health = traffic.health_of(revision, 0.0)
                record = VersionMinute(minute, account, region, function_name, alias, version, revision, n, crashes,
                                       handled, health.p50_ms, health.p99_ms)
                self.served.append(record)
                self._emit(record, routed=routed, at=minute_start)

    def _lambda_writers(self, r: VersionMinute, executed: bool) -> tuple[tuple[SeriesWriter, ...], ...]:
        """Lambda's ``Invocations``, ``Errors`` and ``Duration`` of `r`'s version through its alias, per dimension
        set (by function, by alias, and by version when `executed`): the series each minute of it adds to."""
        key = (r.account, r.region, r.function, r.alias, r.version, executed)
        found = self._lambda_series.get(key)
        if found is None:
            resource = f"{r.function}:{r.alias}"
            dimension_sets: list[dict[str, str]] = [{"FunctionName": r.function},
                                                    {"FunctionName": r.function, "Resource": resource}]
            if executed:
                dimension_sets.append({"FunctionName": r.function, "Resource": resource, "ExecutedVersion": r.version})
            writer = self.cloudwatch.writer
            found = self._lambda_series[key] = tuple(
                tuple(writer(r.account, r.region, "AWS/Lambda", metric, dims)
                      for metric in ("Invocations", "Errors", "Duration")) for dims in dimension_sets)
        return found

    @cites(_NONZERO_ONLY, _BINARY_ERRORS, _EXECUTED_VERSION)
    def _emit(self, r: VersionMinute, *, routed: bool, at: float) -> None:
        """Lambda's metrics and log lines for one version's minute (``ExecutedVersion`` for an unsplit alias: the
        unknown ``executed_version_unsplit``)."""
        requests = r.requests
        if not requests:
            return
        n_errors = r.errors
        ok = requests - n_errors
        errors = {1.0: float(n_errors)} if n_errors else {}
        if ok:
            errors[0.0] = float(ok)
        p50, p99 = r.p50_ms, r.p99_ms
        p99_count = max(1.0, requests / 100)
        durations = {p50: requests - p99_count, p99: p99_count} if requests > p99_count else {p99: float(requests)}
        duration_sum = r.duration_sum_ms
        errors_min, errors_max = 0 if ok else 1, 1 if n_errors else 0
        for invocations, errors_series, duration in self._lambda_writers(
                r, routed or self.unknowns.executed_version_unsplit):
            invocations.stats(at, total=requests, count=requests, minimum=1, maximum=1, unit="Count")
            errors_series.stats(at, total=n_errors, count=requests, minimum=errors_min, maximum=errors_max,
                                distribution=errors, unit="Count")
            duration.stats(at, total=duration_sum, count=requests, minimum=p50, maximum=p99, distribution=durations,
                           unit="Milliseconds")
        if not (r.handled_errors or n_errors):
            return
        # Powertools' JSON line for a handled error; the Python runtime's text event for a crash
        lines = [_HANDLED_ERROR_LINE] * r.handled_errors
        lines += [python_unhandled_error("RuntimeError", "simulated crash")] * n_errors
        fn = self.lambda_.function(r.account, r.region, r.function)
        logging = (fn.config.get("LoggingConfig") or {}) if fn is not None else {}
        group = str(logging.get("LogGroup") or f"/aws/lambda/{r.function}")
        try:
            self.logs.put_log_lines(r.account, r.region, group, at, lines)
        except AwsError:
            pass  # no log group: Lambda cannot write the lines (nothing reads them either)

    # ------------------------------------------------------------------ hooks for scenarios

    def call_later(self, seconds_from_start: float, action: Callable[[], None], label: str) -> None:
        """Run `action` at `seconds_from_start` (seconds since the scenario's start)."""
        self.scheduler.at(self.setup_lead + seconds_from_start, action, label)
