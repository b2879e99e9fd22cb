"""The Synthetics canary and HTTP API fakes: stages, routes, Lambda proxy integrations, schedules, runs and metrics.

Hand-written templates go through the CloudFormation fake with these providers; the last tests deploy a
synthesized stack (a function alias behind an HTTP API and Seawall's MonitoringCanary) into a world, where each
canary run is a request served with the minute's traffic.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from tests.sim.conformance import conforms

from seawall.constructs import MonitoringCanary
from seawall.constructs.monitoring import _CANARY_SCRIPT
from seawall.model.limits import MAX_CANARY_NAME
from seawall.sim import FakeAws, FakeCloudFormation, FakeCloudWatch, FakeLambda, StackOperationFailed, Unmodelled
from seawall.sim.clock import Scheduler
from seawall.sim.synthetics import FakeHttpApis, FakeSynthetics, Invocation, http_step_script
from seawall.sim.traffic import Health, Load, TrafficModel
from seawall.sim.world import NEW, World

A, R = "111111111111", "us-east-1"
NAME = "storefront-items"


def _url(path: str = "/items", api: Any = None) -> dict[str, Any]:
    return {"Fn::Join": ["", ["https://", api or {"Ref": "Api"}, f".execute-api.{R}.amazonaws.com{path}"]]}


def template(*, schedule: str = "rate(1 minute)", duration: int = 0, start: bool = True, name: str = NAME,
             routes: tuple[str, ...] = ("GET /items",), stage: str = "$default", path: str = "/items",
             uri: Any = None, integration: dict[str, Any] | None = None, script: str = _CANARY_SCRIPT,
             api: dict[str, Any] | None = None) -> dict[str, Any]:
    """A function with two versions and an alias behind an HTTP API, a canary calling it, and its alarm."""
    resources: dict[str, Any] = {
        "Fn": {"Type": "AWS::Lambda::Function",
               "Properties": {"FunctionName": "items", "Code": {"ZipFile": "def handler(e, c): return {}"},
                              "Handler": "index.handler", "Runtime": "python3.13",
                              "Role": f"arn:aws:iam::{A}:role/items"}},
        "V1": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Live": {"Type": "AWS::Lambda::Alias",
                 "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live",
                                "FunctionVersion": {"Fn::GetAtt": ["V1", "Version"]}}},
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": api or {"Name": "Api", "ProtocolType": "HTTP"}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage",
                  "Properties": {"ApiId": {"Ref": "Api"}, "StageName": stage, "AutoDeploy": True}},
        "Integration": {"Type": "AWS::ApiGatewayV2::Integration",
                        "Properties": integration or {"ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY",
                                                      "IntegrationUri": uri or {"Ref": "Live"},
                                                      "PayloadFormatVersion": "2.0"}},
        "Canary": {"Type": "AWS::Synthetics::Canary",
                   "Properties": {"Name": name, "Code": {"Handler": "index.handler", "Script": script},
                                  "ArtifactS3Location": "s3://artifacts", "RuntimeVersion": "syn-nodejs-puppeteer-9.1",
                                  "ExecutionRoleArn": f"arn:aws:iam::{A}:role/canary",
                                  "Schedule": {"Expression": schedule, "DurationInSeconds": str(duration)},
                                  "StartCanaryAfterCreation": start,
                                  "RunConfig": {"EnvironmentVariables": {"SEAWALL_URL": _url(path),
                                                                         "SEAWALL_EXPECTED_STATUS": "200"}}}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm",
                  "Properties": {"AlarmName": "canary", "Namespace": "CloudWatchSynthetics",
                                 "MetricName": "SuccessPercent", "Statistic": "Average", "Period": 60,
                                 "Dimensions": [{"Name": "CanaryName", "Value": {"Ref": "Canary"}}],
                                 "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "Threshold": 100,
                                 "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching"}},
    }
    for i, key in enumerate(routes):
        resources[f"Route{i}"] = {"Type": "AWS::ApiGatewayV2::Route",
                                  "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": key,
                                                 "Target": {"Fn::Join": ["", ["integrations/",
                                                                              {"Ref": "Integration"}]]}}}
    return {"Resources": resources}


class Harness:
    """CloudFormation with the API, canary and alarm providers; requests answered as `outcomes` says per version."""

    def __init__(self, **params: Any) -> None:
        self.aws = FakeAws()
        self.scheduler = Scheduler(self.aws.clock)
        self.lambda_ = FakeLambda(clock=self.aws.clock)
        self.cw = FakeCloudWatch(clock=self.aws.clock, scheduler=self.scheduler)
        self.aws.register("cloudwatch", self.cw)
        self.aws.register("lambda", self.lambda_)
        self.apis = FakeHttpApis()
        #: version -> outcome ("ok" by default)
        self.outcomes: dict[str, str] = {}
        self.synthetics = FakeSynthetics(scheduler=self.scheduler, cloudwatch=self.cw, apis=self.apis,
                                         invoke=self.invoke, **params)
        self.cfn = FakeCloudFormation(self.aws, self.lambda_, account=A, region=R,
                                      providers={**self.apis.providers(), **self.synthetics.providers(),
                                                 "AWS::CloudWatch::Alarm": self.cw.alarm_provider})
        self.cloudwatch = self.aws.session(account=A, region=R).client("cloudwatch")

    def invoke(self, account: str, region: str, function: str, qualifier: str) -> Invocation:
        fn = self.lambda_.function(account, region, function)
        if fn is None or (qualifier not in fn.aliases and qualifier != "$LATEST"):
            return Invocation("rejected")
        _, version = self.lambda_.route(fn, qualifier)
        return Invocation(self.outcomes.get(version, "ok"), 25.0, version)

    def deploy(self, tpl: dict[str, Any]) -> None:
        self.cfn.deploy("storefront", tpl)

    def minutes(self, n: float) -> None:
        self.scheduler.run(until=self.aws.clock.seconds + n * 60)

    def api_id(self) -> str:
        return self.cfn.stacks["storefront"].resources["Api"].physical_id

    def get(self, path: str, method: str = "GET") -> int | None:
        return self.apis.request(method, f"https://{self.api_id()}.execute-api.{R}.amazonaws.com{path}",
                                 self.invoke, handled_error_status=500).status

    def statuses(self) -> list[int | None]:
        return [r.status for r in self.synthetics.runs]

    def stat(self, metric: str, dims: dict[str, str], minutes: int = 10) -> list[float]:
        out = self.cloudwatch.get_metric_statistics(
            Namespace="CloudWatchSynthetics", MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            StartTime=self.aws.clock.at(0), EndTime=self.aws.clock.at(minutes * 60), Period=60, Statistics=["Average"])
        return [p["Average"] for p in sorted(out["Datapoints"], key=lambda p: p["Timestamp"])]


# ------------------------------------------------------------------------------------------------ HTTP APIs


@conforms("seawall.sim.synthetics.FakeHttpApis.create_api", "allowed")
def test_an_http_api_is_its_id_and_its_default_endpoint():
    h = Harness()
    h.deploy(template())
    api = h.cfn.stacks["storefront"].resources["Api"]
    assert len(api.physical_id) == 10 and api.physical_id.isalnum() and api.physical_id.islower()
    assert api.attributes["ApiEndpoint"] == f"https://{api.physical_id}.execute-api.{R}.amazonaws.com"


@conforms("seawall.sim.synthetics.FakeHttpApis.create_api", "refused")
def test_a_websocket_api_or_a_quick_create_is_not_modelled():
    for api in ({"Name": "Api", "ProtocolType": "WEBSOCKET"},
                {"Name": "Api", "ProtocolType": "HTTP", "Target": f"arn:aws:lambda:{R}:{A}:function:items"}):
        with pytest.raises(Unmodelled, match="ProtocolType|does not model Target"):
            Harness().deploy(template(api=api))


@conforms("seawall.sim.synthetics.FakeHttpApis._stage_for", "allowed")
def test_the_default_stage_serves_the_base_url_and_a_named_stage_its_own_prefix():
    h = Harness()
    h.deploy(template())
    assert h.get("/items") == 200
    named = Harness()
    named.deploy(template(stage="prod"))
    assert named.get("/prod/items") == 200


@conforms("seawall.sim.synthetics.FakeHttpApis._stage_for", "refused")
def test_a_path_outside_every_stage_is_not_found_without_a_default_stage():
    h = Harness()
    h.deploy(template(stage="prod"))
    assert h.get("/items") == 404
    assert h.get("/beta/items") == 404


def test_a_stage_that_does_not_deploy_automatically_is_not_modelled():
    tpl = template()
    tpl["Resources"]["Stage"]["Properties"]["AutoDeploy"] = False
    with pytest.raises(Unmodelled, match="AutoDeploy"):
        Harness().deploy(tpl)


@conforms("seawall.sim.synthetics.FakeHttpApis._route_for", "allowed")
def test_a_request_takes_the_full_match_then_any_then_the_default_route():
    h = Harness()
    h.deploy(template(routes=("GET /items", "ANY /orders", "$default")))
    assert (h.get("/items"), h.get("/orders", "DELETE"), h.get("/anything", "PUT")) == (200, 200, 200)
    assert h.apis._route_for(h.apis.api(R, h.api_id()), "$default", "GET", "/nowhere") is not None


@conforms("seawall.sim.synthetics.FakeHttpApis._route_for", "refused")
def test_a_request_no_route_matches_is_not_found_and_path_variables_are_not_modelled():
    h = Harness()
    h.deploy(template(routes=("GET /items",)))
    assert (h.get("/items", "POST"), h.get("/item")) == (404, 404)
    greedy = Harness()
    greedy.deploy(template(routes=("GET /items", "GET /orders/{proxy+}")))
    assert greedy.get("/items") == 200  # a full match never needs the greedy route
    with pytest.raises(Unmodelled, match="path variables"):
        greedy.get("/orders/1")


@conforms("seawall.sim.synthetics.FakeHttpApis._integration_target", "allowed")
def test_a_lambda_proxy_integration_invokes_the_alias_its_uri_names_in_either_form():
    for uri in ({"Ref": "Live"},
                {"Fn::Join": ["", [f"arn:aws:apigateway:{R}:lambda:path/2015-03-31/functions/", {"Ref": "Live"},
                                   "/invocations"]]}):
        h = Harness()
        h.deploy(template(uri=uri))
        h.outcomes["1"] = "crash"
        assert h.get("/items") == 502  # it reached version 1 through the alias


@conforms("seawall.sim.synthetics.FakeHttpApis._integration_target", "refused")
def test_an_integration_that_is_not_a_lambda_proxy_is_not_modelled():
    http = {"ApiId": {"Ref": "Api"}, "IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com",
            "IntegrationMethod": "GET", "PayloadFormatVersion": "1.0"}
    with pytest.raises(Unmodelled, match="AWS_PROXY"):
        Harness().deploy(template(integration=http))
    h = Harness()
    h.deploy(template(uri="arn:aws:sqs:us-east-1:111111111111:queue"))
    with pytest.raises(Unmodelled, match="not a Lambda function ARN"):
        h.get("/items")


@conforms("seawall.sim.synthetics.FakeHttpApis._status", "allowed")
def test_a_function_that_answers_without_a_status_gives_200():
    h = Harness()
    h.deploy(template())
    assert h.get("/items") == 200


@conforms("seawall.sim.synthetics.FakeHttpApis._status", "refused")
def test_a_crash_is_502_a_rejected_invocation_500_and_a_handled_error_the_status_the_code_chose():
    h = Harness()
    h.deploy(template())
    h.outcomes["1"] = "crash"
    assert h.get("/items") == 502
    h.outcomes["1"] = "handled"
    assert h.get("/items") == 500
    assert h.apis._status("handled", 503) == 503
    h.lambda_.handle("DeleteAlias", {"FunctionName": "items", "Name": "live"}, account=A, region=R)
    assert h.get("/items") == 500


def test_a_request_to_an_api_that_does_not_exist_gets_no_answer_and_other_hosts_are_not_modelled():
    h = Harness()
    h.deploy(template())
    assert h.apis.request("GET", f"https://abcdefghij.execute-api.{R}.amazonaws.com/items", h.invoke,
                          handled_error_status=500).status is None
    with pytest.raises(Unmodelled, match="default endpoint"):
        h.apis.request("GET", "https://api.example.com/items", h.invoke, handled_error_status=500)


def test_a_request_is_routed_afresh_once_its_api_stage_route_or_integration_changes():
    h = Harness()
    h.deploy(template(routes=("GET /items",)))
    url = f"https://{h.api_id()}.execute-api.{R}.amazonaws.com/prod/items"
    assert (h.get("/items"), h.get("/orders"), h.get("/prod/items")) == (200, 404, 404)
    h.deploy(template(routes=("GET /items", "GET /orders")))  # a route added
    assert (h.get("/items"), h.get("/orders")) == (200, 200)
    h.deploy(template(routes=("GET /items",)))  # and removed
    assert h.get("/orders") == 404
    h.deploy(template(stage="prod"))  # the stage replaced
    assert (h.get("/items"), h.get("/prod/items")) == (404, 200)
    h.outcomes["$LATEST"] = "crash"
    h.deploy(template(stage="prod", uri={"Fn::GetAtt": ["Fn", "Arn"]}))  # the integration updated
    assert h.get("/prod/items") == 502
    h.cfn.delete("storefront")  # the API deleted
    assert h.apis.request("GET", url, h.invoke, handled_error_status=500).status is None


# ------------------------------------------------------------------------------------------------ canaries


@conforms("seawall.sim.synthetics.FakeSynthetics._check_name", "allowed")
def test_a_canary_name_of_21_lowercase_characters_is_its_physical_id():
    h = Harness()
    name = "a-b_c" + "x" * (MAX_CANARY_NAME - 5)
    h.deploy(template(name=name))
    assert h.cfn.stacks["storefront"].resources["Canary"].physical_id == name


@conforms("seawall.sim.synthetics.FakeSynthetics._check_name", "refused")
def test_a_canary_name_too_long_or_with_capitals_fails_the_stack():
    for name in ("x" * (MAX_CANARY_NAME + 1), "Storefront", ""):
        with pytest.raises(StackOperationFailed, match="canary name"):
            Harness().deploy(template(name=name))


@conforms("seawall.sim.synthetics.FakeSynthetics._interval", "allowed")
def test_rate_schedules_from_a_minute_to_an_hour_and_the_run_once_schedule():
    for schedule, runs in (("rate(1 minute)", 10), ("rate(5 minutes)", 2), ("rate(1 hour)", 1), ("rate(0 minute)", 1)):
        h = Harness()
        h.deploy(template(schedule=schedule))
        h.minutes(9.5)
        assert len(h.synthetics.runs) == runs, schedule
    h.minutes(120)
    assert len(h.synthetics.runs) == 1  # rate(0 minute) never runs again


@conforms("seawall.sim.synthetics.FakeSynthetics._interval", "refused")
def test_a_rate_slower_than_an_hour_fails_the_stack_and_cron_is_not_modelled():
    for schedule in ("rate(2 hours)", "rate(61 minutes)", "rate(1 day)", "every minute"):
        with pytest.raises(StackOperationFailed, match="Schedule Expression"):
            Harness().deploy(template(schedule=schedule))
    with pytest.raises(Unmodelled, match="cron"):
        Harness().deploy(template(schedule="cron(0/5 * * * ? *)"))


@conforms("seawall.sim.synthetics.FakeSynthetics.create", "allowed")
def test_a_canary_started_after_creation_runs_at_once_then_on_its_schedule():
    h = Harness()
    h.deploy(template())
    h.minutes(2.5)
    assert [r.at for r in h.synthetics.runs] == [0.0, 60.0, 120.0]
    assert h.cfn.stacks["storefront"].resources["Canary"].attributes["State"] == "RUNNING"


@conforms("seawall.sim.synthetics.FakeSynthetics.create", "refused")
def test_a_canary_not_started_after_creation_makes_no_run():
    h = Harness()
    h.deploy(template(start=False))
    h.minutes(10)
    assert h.synthetics.runs == []
    assert h.cfn.stacks["storefront"].resources["Canary"].attributes["State"] == "READY"


@conforms("seawall.sim.synthetics.FakeSynthetics._next_run", "allowed")
def test_a_canary_with_duration_zero_runs_until_it_is_stopped():
    h = Harness()
    h.deploy(template(duration=0))
    h.minutes(30.5)
    assert len(h.synthetics.runs) == 31
    h.cfn.delete("storefront")
    h.minutes(10)
    assert len(h.synthetics.runs) == 31


@conforms("seawall.sim.synthetics.FakeSynthetics._next_run", "refused")
def test_a_canary_stops_running_once_its_duration_since_creation_has_passed():
    h = Harness()
    h.deploy(template(duration=180))
    h.minutes(10)
    assert [r.at for r in h.synthetics.runs] == [0.0, 60.0, 120.0, 180.0]
    assert h.synthetics.canary(A, R, NAME).state == "STOPPED"  # type: ignore[union-attr]


@conforms("seawall.sim.synthetics.FakeSynthetics.run_once", "allowed")
def test_a_run_passes_when_its_http_step_gets_the_expected_status():
    h = Harness()
    h.deploy(template())
    h.minutes(0.5)
    run = h.synthetics.runs[0]
    assert (run.status, run.passed, run.function, run.version) == (200, True, "items", "1")
    assert run.url == f"https://{h.api_id()}.execute-api.{R}.amazonaws.com/items"


@conforms("seawall.sim.synthetics.FakeSynthetics.run_once", "refused")
def test_a_run_fails_when_its_step_gets_another_status_or_no_answer():
    h = Harness()
    h.deploy(template(path="/missing"))
    h.minutes(0.5)
    other = Harness()
    other.deploy(template())
    other.outcomes["1"] = "crash"
    other.minutes(0.5)
    assert [(r.status, r.passed) for r in h.synthetics.runs + other.synthetics.runs] == [(404, False), (502, False)]


@conforms("seawall.sim.synthetics.FakeSynthetics._publish", "allowed")
def test_each_run_publishes_success_percent_and_duration_with_and_without_the_canary_and_step():
    h = Harness()
    h.deploy(template())
    h.minutes(5)
    for dims in ({"CanaryName": NAME}, {"CanaryName": NAME, "StepName": "call endpoint"}, {}):
        assert h.stat("SuccessPercent", dims) == [100.0] * 5, dims  # the run at 5:00 is not visible yet
        assert h.stat("Duration", dims) == [25.0] * 5, dims


@conforms("seawall.sim.synthetics.FakeSynthetics._publish", "refused")
def test_a_failing_run_publishes_zero_and_the_success_alarm_goes_to_alarm():
    h = Harness()
    h.deploy(template())
    h.minutes(3)
    assert h.cw.state(A, R, "canary") == "OK"
    h.outcomes["1"] = "crash"
    h.minutes(5)
    assert h.stat("SuccessPercent", {"CanaryName": NAME})[-3:] == [0.0, 0.0, 0.0]
    assert h.cw.state(A, R, "canary") == "ALARM"


def test_monitoring_canarys_script_is_the_modelled_shape_and_other_scripts_are_not():
    assert http_step_script(_CANARY_SCRIPT) == http_step_script(_CANARY_SCRIPT.replace("'call endpoint'", "'x'")) \
        .__class__("call endpoint", "GET", "SEAWALL_URL", "SEAWALL_EXPECTED_STATUS")
    ui = "const synthetics = require('Synthetics');\nexports.handler = async () => {\n" \
         "  const page = await synthetics.getPage();\n  await page.goto(process.env.URL);\n};\n"
    two = _CANARY_SCRIPT.replace("await synthetics.executeHttpStep('call endpoint', request, validate);",
                                 "await synthetics.executeHttpStep('a', request, validate);\n"
                                 "  await synthetics.executeHttpStep('b', request, validate);")
    for script in (ui, two, _CANARY_SCRIPT.replace("res.statusCode !== expected", "res.statusCode >= 500")):
        with pytest.raises(Unmodelled):
            http_step_script(script)


def test_a_canary_in_s3_in_python_or_in_a_vpc_is_not_modelled():
    for change in ({"Code": {"Handler": "index.handler", "S3Bucket": "b", "S3Key": "k"}},
                   {"RuntimeVersion": "syn-python-selenium-5.1"},
                   {"VPCConfig": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}}):
        tpl = template()
        tpl["Resources"]["Canary"]["Properties"].update(change)
        with pytest.raises(Unmodelled):
            Harness().deploy(tpl)


def test_an_update_changes_what_the_next_run_calls_and_keeps_the_schedule():
    h = Harness()
    tpl = template(routes=("GET /items", "GET /health"))
    h.deploy(tpl)
    h.minutes(1.5)
    changed = copy.deepcopy(tpl)
    changed["Resources"]["Canary"]["Properties"]["RunConfig"]["EnvironmentVariables"]["SEAWALL_URL"] = \
        _url("/health")
    h.deploy(changed)
    h.minutes(1)
    assert [(r.at, r.url.rsplit("/", 1)[1]) for r in h.synthetics.runs] == [(0.0, "items"), (60.0, "items"),
                                                                           (120.0, "health")]


def test_bad_parameters_are_refused_naming_them():
    h = Harness()
    with pytest.raises(ValueError, match="first_run_seconds"):
        FakeSynthetics(scheduler=h.scheduler, cloudwatch=h.cw, apis=h.apis, invoke=h.invoke, first_run_seconds=-1)
    with pytest.raises(TypeError, match="handled_error_status"):
        FakeSynthetics(scheduler=h.scheduler, cloudwatch=h.cw, apis=h.apis, invoke=h.invoke,
                       handled_error_status="500")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outcome"):
        Invocation("fine")


# ------------------------------------------------------------------------------------------------ in a world


@pytest.fixture(scope="module")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A synthesized stack: a function's alias behind an HTTP API (as the sample app builds it) and
    Seawall's MonitoringCanary on ``GET /items``."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk")))
    stack = cdk.Stack(app, "storefront", env=cdk.Environment(account=A, region=R))
    fn = lambda_.Function(stack, "Items", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"))
    alias = lambda_.Alias(stack, "Live", alias_name="live", version=fn.current_version)
    api = apigw.HttpApi(stack, "Api", create_default_stage=False)
    stage = apigw.HttpStage(stack, "DefaultStage", http_api=api, auto_deploy=True)
    api.add_routes(path="/items", methods=[apigw.HttpMethod.GET],
                   integration=integrations.HttpLambdaIntegration("Items", alias))
    MonitoringCanary(stack, "Canary", team="orders", service="storefront", url=f"{stage.url}items")
    return dict(app.synth().get_stack_by_name("storefront").template)


def _world(template_: dict[str, Any], *, health: Health | None = None) -> World:
    assembly = SimpleNamespace(assets={}, pipelines=[], service_pipelines=lambda: [])
    traffic = TrafficModel(default=Load(0), health={NEW: health} if health else {})
    world = World(assembly, traffic=traffic)  # type: ignore[arg-type]
    world.deploy(SimpleNamespace(account=A, region=R, stack_name="storefront", template=template_),  # type: ignore[arg-type]
                 NEW)
    return world


def test_each_canary_run_is_a_request_served_by_the_version_the_alias_routes_it_to(storefront):
    world = _world(storefront)
    fn = next(name for (_, _, name) in world.lambda_._functions if "Items" in name)
    world.scheduler.run(until=world.clock.seconds + 9.5 * 60)
    runs = world.synthetics.runs
    assert len(runs) == 10 and all(r.passed and r.status == 200 and r.function == fn for r in runs)
    served = [(m.function, m.alias, m.version, m.requests, m.revision) for m in world.served]
    assert served == [(fn, "live", "1", 1, NEW)] * 9  # the tenth minute is not over yet
    invocations = world.cloudwatch._series  # Lambda's metrics count the canary's requests
    assert any(k[2:4] == ("AWS/Lambda", "Invocations") for k in invocations)
    # weighted routing: an alias splitting 50/50 sends the canary's requests to both versions
    current = world.lambda_.function(A, R, fn)
    assert current is not None
    world.lambda_.put_function(account=A, region=R, name=fn, code={"ZipFile": "v2"}, config=current.config)
    lam = world.aws.session(account=A, region=R).client("lambda")
    lam.publish_version(FunctionName=fn)
    lam.update_alias(FunctionName=fn, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    world.scheduler.run(until=world.clock.seconds + 60 * 60)
    versions = {r.version for r in world.synthetics.runs[10:]}
    assert versions == {"1", "2"}
    assert {m.version for m in world.served[9:]} == {"1", "2"}


def test_a_canary_calling_a_failing_version_fails_its_runs_and_its_alarm_and_counts_the_errors(storefront):
    world = _world(storefront, health=Health(error_rate=1.0))
    world.scheduler.run(until=world.clock.seconds + 5.5 * 60)
    assert [r.status for r in world.synthetics.runs] == [502] * 6
    assert all(m.errors == m.requests == 1 for m in world.served)
    alarm = next(t for t in world.cloudwatch.history if t.alarm.endswith("-canary"))
    assert alarm.new == "ALARM"


def test_a_paused_world_skips_canary_runs_and_resumes_them_on_the_schedule(storefront):
    world = _world(storefront)
    world.traffic_paused = True
    world.scheduler.run(until=world.clock.seconds + timedelta(days=1).total_seconds())
    assert world.synthetics.runs == [] and world.served == []
    world.traffic_paused = False
    world.scheduler.run(until=world.clock.seconds + 20 * 60)
    assert 10 <= len(world.synthetics.runs) <= 20
    assert world.scheduler.ran < 24 * 60 * 2  # the paused day cost far fewer events than a run a minute
