"""Fakes of CloudWatch Synthetics canaries and of the API Gateway HTTP API routing they call through.

What they model, each rule citing the documentation it rests on:

* **HTTP APIs** (:class:`FakeHttpApis`): ``AWS::ApiGatewayV2::Api`` (HTTP only; ``Ref`` is the API ID, the
  ``ApiEndpoint`` attribute ``https://{api-id}.execute-api.{region}.amazonaws.com``), ``::Stage`` (automatic
  deployment only), ``::Route`` (``METHOD /path``, ``ANY /path`` and ``$default``, no authorizer, target
  ``integrations/{id}``) and ``::Integration`` (``AWS_PROXY`` to a Lambda function, payload format 2.0).  A
  request to ``{endpoint}[/stage]/path`` picks the stage, then the route, then invokes the function its
  integration names through :data:`Invoke` (the world's traffic path); the answer is the HTTP status API
  Gateway returns.  Path variables, authorizers, custom domains, deployments, other integration types and
  quick create are :class:`Unmodelled`.  Throttling, access logs and the ``AWS::Lambda::Permission`` API
  Gateway needs are not modelled (a missing permission goes unnoticed).
* **Canaries** (:class:`FakeSynthetics`): ``AWS::Synthetics::Canary`` with an inline Node.js script of the
  shape :class:`~seawall.constructs.MonitoringCanary` synthesizes -- one ``executeHttpStep`` that GETs the URL
  in one environment variable and passes when the status equals the number in another -- on a
  ``rate(...)`` schedule, started after creation when ``StartCanaryAfterCreation`` is true.  Each run makes
  one request and publishes ``SuccessPercent`` and ``Duration`` (without dimensions, with ``CanaryName``, and
  with ``CanaryName`` and ``StepName``).  Any other script, ``cron()`` schedules, code in S3, retries, VPC
  canaries and visual monitoring are :class:`Unmodelled`; ``2xx``/``4xx``/``5xx``, ``Failed`` and
  ``Failed requests`` are not published.

Ground truth: :attr:`FakeSynthetics.runs`, every run with its time, URL, HTTP status and verdict.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..model.limits import MAX_CANARY_NAME, MAX_CANARY_RATE
from .botocore_bridge import AwsError, Unmodelled
from .citations import Citation, cites
from .clock import Event, Scheduler
from .cloudwatch import FakeCloudWatch, SeriesWriter

_CFN = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide"
_APIGW = "https://docs.aws.amazon.com/apigateway/latest/developerguide"
_CW = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring"
_SYN = "https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference"

_API_REF = Citation(
    f"{_CFN}/aws-resource-apigatewayv2-api.html",
    "When you pass the logical ID of this resource to the intrinsic Ref function, Ref returns the API ID, such as "
    "a1bcdef2gh.")
_API_ENDPOINT = Citation(
    f"{_CFN}/aws-resource-apigatewayv2-api.html",
    "ApiEndpoint: The default endpoint for an API. For example: https://abcdef.execute-api.us-west-2.amazonaws.com "
    "for HTTP type API.")
_DEFAULT_STAGE = Citation(
    f"{_APIGW}/http-api-stages.html",
    "You can create a $default stage that is served from the base of your API's URL—for example, "
    "https://{api_id}.execute-api.{region}.amazonaws.com/.")
_AUTO_DEPLOY = Citation(
    f"{_APIGW}/http-api-stages.html",
    "You must deploy an API for changes to take effect. If you enable automatic deployments, changes to an API are "
    "automatically released for you.")
_STAGE_SELECTION = Citation(
    f"{_APIGW}/http-api-develop-routes.html",
    "If the request explicitly matches a stage, API Gateway sends the request to that stage. If no stage fully "
    "matches the request, API Gateway sends the request to the $default stage. If there's no $default stage, then "
    "the API returns {\"message\":\"Not Found\"}.")
_ROUTE_SELECTION = Citation(
    f"{_APIGW}/http-api-develop-routes.html",
    "API Gateway selects the route with the most-specific match, using the following priorities: 1. Full match for "
    "a route and method. 2. Match for a route and method with a greedy path variable ({proxy+}). 3. The $default "
    "route.")
_ANY = Citation(
    f"{_APIGW}/http-api-develop-routes.html",
    "You can define specific HTTP methods for your route. Or, you can use the ANY method to match all methods that "
    "you haven't defined for a resource.")
_NO_ROUTE = Citation(
    f"{_APIGW}/http-api-develop-routes.html",
    "If no routes match a request, API Gateway returns {\"message\":\"Not Found\"} to the client.")
_LAMBDA_PROXY = Citation(
    f"{_CFN}/aws-resource-apigatewayv2-integration.html",
    "AWS_PROXY: for integrating the route or method request with the Lambda function-invoking action with the "
    "client request passed through as-is. ... IntegrationUri: For a Lambda proxy integration, this is the URI of "
    "the Lambda function.")
_FORMAT_2 = Citation(
    f"{_APIGW}/http-api-develop-integrations-lambda.html",
    "With the 2.0 format version, API Gateway can infer the response format for you. API Gateway makes the "
    "following assumptions if your Lambda function returns valid JSON and doesn't return a statusCode: ... "
    "statusCode is 200.")
_LAMBDA_ERRORS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
    "If the Lambda API rejects the invocation request, API Gateway returns a 500 error code. If the function runs "
    "but returns an error, or returns a response in the wrong format, API Gateway returns a 502.")
_HANDLED = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html",
    "To customize the error response, you must catch errors in your code and format a response in the required "
    "format.")
_CANARY_NAME = Citation(
    f"{_CFN}/aws-resource-synthetics-canary.html",
    "Name: The name for this canary. ... Minimum: 1 Maximum: 21 Pattern: ^[0-9a-z_\\-]+$")
_START_AFTER_CREATION = Citation(
    f"{_CFN}/aws-resource-synthetics-canary.html",
    "StartCanaryAfterCreation: Specify TRUE to have the canary start making runs immediately after it is created.")
_RATE = Citation(
    f"{_SYN}/API_CanaryScheduleOutput.html",
    "For a rate expression, The syntax is rate(number unit). unit can be minute, minutes, or hour. For example, "
    "rate(1 minute) runs the canary once a minute, rate(10 minutes) runs it once every 10 minutes, and rate(1 hour) "
    "runs it once every hour. You can specify a frequency between rate(1 minute) and rate(1 hour).")
_ONCE = Citation(
    f"{_SYN}/API_CanaryScheduleOutput.html",
    "Specifying rate(0 minute) or rate(0 hour) is a special value that causes the canary to run only once when it "
    "is started.")
_DURATION = Citation(
    f"{_SYN}/API_CanaryScheduleInput.html",
    "How long, in seconds, for the canary to continue making regular runs according to the schedule in the "
    "Expression value. If you specify 0, the canary continues making runs until you stop it.")
_HTTP_STEP = Citation(
    f"{_CW}/CloudWatch_Synthetics_Canaries_Library_Nodejs.html",
    "executeHttpStep(stepName, requestOptions, [callback], [stepConfig]): Executes the provided HTTP request as a "
    "step, and publishes SuccessPercent (pass/fail) and Duration metrics.")
_RUN_FAILS = Citation(
    f"{_SYN}/API_CanaryRunStatus.html",
    "If this value is CANARY_FAILURE, either the canary script failed or Synthetics ran into a fatal error when "
    "running the canary.")
_SUCCESS_PERCENT = Citation(
    f"{_CW}/CloudWatch_Synthetics_Canaries_metrics.html",
    "SuccessPercent: The percentage of the runs of this canary that succeed and find no failures. Valid "
    "Dimensions: CanaryName Valid Statistic: Average Units: Percent")
_STEP_METRICS = Citation(
    f"{_CW}/CloudWatch_Synthetics_Canaries_metrics.html",
    "Canaries that use either the executeStep() or executeHttpStep() methods from the Synthetics library also "
    "publish SuccessPercent and Duration metrics with the dimensions CanaryName and StepName for each step.")
_ALWAYS_EMITTED = Citation(
    f"{_CW}/CloudWatch_Synthetics_Canaries_Library_Nodejs.html",
    "The Duration and SuccessPercent metrics are always emitted for each canary, both with and without the "
    "CanaryName metric.")

NAMESPACE = "CloudWatchSynthetics"
#: A Lambda function ARN, optionally qualified: (region, account, name, qualifier).
_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)"
                           r"(?::([A-Za-z0-9$_-]+))?")

#: ``invoke(account, region, function, qualifier)``: one request through Lambda on API Gateway's side (the
#: world's traffic path): which version served it and how it went.
Invoke = Callable[[str, str, str, str], "Invocation"]


@dataclass(frozen=True)
class Invocation:
    """How one request to a function went: ``ok``, ``crash`` (the function's error), ``handled`` (the function
    answered with an error response of its own) or ``rejected`` (Lambda refused the invocation)."""

    outcome: str
    latency_ms: float = 0.0
    version: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in ("ok", "crash", "handled", "rejected"):
            raise ValueError(f"Invocation(outcome={self.outcome!r}) must be ok, crash, handled or rejected")


@dataclass(frozen=True)
class Response:
    """What API Gateway answered one request: the HTTP status (None: no API answered) and what served it."""

    status: int | None
    latency_ms: float = 0.0
    function: str = ""
    version: str = ""


def _short_id(*parts: str) -> str:
    """A stable 10-character lowercase ID (API Gateway's IDs look like ``a1bcdef2gh``)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:10]


# ================================================================================================ API Gateway V2


@dataclass
class _HttpApi:
    account: str
    region: str
    api_id: str
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: route ID -> (route key, integration ID)
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: integration ID -> its properties
    integrations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"https://{self.api_id}.execute-api.{self.region}.amazonaws.com"


#: Properties with no effect on routing a request (kept as given).
_INERT = {
    "AWS::ApiGatewayV2::Api": {"Name", "Description", "ProtocolType", "Tags", "Version", "CorsConfiguration",
                               "DisableSchemaValidation", "FailOnWarnings", "IpAddressType"},
    "AWS::ApiGatewayV2::Stage": {"ApiId", "StageName", "AutoDeploy", "Description", "AccessLogSettings",
                                 "DefaultRouteSettings", "RouteSettings", "Tags", "StageVariables"},
    "AWS::ApiGatewayV2::Route": {"ApiId", "RouteKey", "Target", "AuthorizationType", "OperationName",
                                 "RequestParameters", "RequestModels", "ModelSelectionExpression"},
    "AWS::ApiGatewayV2::Integration": {"ApiId", "IntegrationType", "IntegrationUri", "PayloadFormatVersion",
                                       "Description", "TimeoutInMillis", "IntegrationMethod", "ConnectionType"},
}


def _check_properties(rtype: str, logical_id: str, props: Mapping[str, Any]) -> None:
    extra = sorted(set(props) - _INERT[rtype])
    if extra:
        raise Unmodelled(f"{rtype} {logical_id}: the simulation does not model {', '.join(extra)}")


class FakeHttpApis:
    """API Gateway HTTP APIs of a simulated world: enough to route a request to the Lambda function it reaches."""

    def __init__(self) -> None:
        self._apis: dict[tuple[str, str], _HttpApi] = {}
        self._seq = 0
        #: What each (method, URL) reaches: the function and qualifier, or API Gateway's answer without one;
        #: forgotten whenever an API, stage, route or integration changes (:meth:`_changed`).
        self._reaches: dict[tuple[str, str], tuple[tuple[str, str, str], str] | Response] = {}

    def _changed(self) -> None:
        """An API, stage, route or integration was created, updated or deleted: requests route afresh."""
        self._reaches.clear()

    def providers(self) -> dict[str, Any]:
        """Resource providers for :class:`~seawall.sim.cloudformation.FakeCloudFormation`, by resource type."""
        return {"AWS::ApiGatewayV2::Api": _ApiProvider(self), "AWS::ApiGatewayV2::Stage": _StageProvider(self),
                "AWS::ApiGatewayV2::Route": _RouteProvider(self),
                "AWS::ApiGatewayV2::Integration": _IntegrationProvider(self)}

    def _next_id(self, *parts: str) -> str:
        self._seq += 1
        return _short_id(*parts, str(self._seq))

    def api(self, region: str, api_id: str) -> _HttpApi:
        found = self._apis.get((region, str(api_id)))
        if found is None:
            raise AwsError("NotFoundException", f"Invalid API identifier specified {api_id}", 404)
        return found

    @cites(_API_REF, _API_ENDPOINT)
    def create_api(self, account: str, region: str, stack: str, logical_id: str,
                   props: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """An HTTP API: its ID (``Ref``) and its default endpoint (``ApiEndpoint``)."""
        _check_properties("AWS::ApiGatewayV2::Api", logical_id, props)
        if props.get("ProtocolType") != "HTTP":
            raise Unmodelled(f"AWS::ApiGatewayV2::Api {logical_id}: ProtocolType={props.get('ProtocolType')!r}; the "
                             f"simulation models HTTP APIs only")
        api = _HttpApi(account, region, self._next_id(account, region, stack, logical_id))
        self._apis[(region, api.api_id)] = api
        self._changed()
        return api.api_id, {"ApiId": api.api_id, "ApiEndpoint": api.endpoint}

    # ------------------------------------------------------------------ requests

    def request(self, method: str, url: str, invoke: Invoke, *, handled_error_status: int) -> Response:
        """Send one request: the stage, the route, the integration, the function; API Gateway's answer."""
        reaches = self._reaches.get((method, url))
        if reaches is None:
            reaches = self._reaches[(method, url)] = self._reach(method, url)
        if isinstance(reaches, Response):
            return reaches
        function, qualifier = reaches
        result = invoke(function[0], function[1], function[2], qualifier)
        return Response(self._status(result.outcome, handled_error_status), result.latency_ms, function[2],
                        result.version)

    def _reach(self, method: str, url: str) -> tuple[tuple[str, str, str], str] | Response:
        """What a request reaches: ((account, region, function name), qualifier), or API Gateway's answer when it
        reaches no function."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        match = re.fullmatch(r"([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", host)
        if parts.scheme != "https" or match is None:
            raise Unmodelled(f"a request to {url}: the simulation models requests to an HTTP API's default "
                             f"endpoint (https://{{api-id}}.execute-api.{{region}}.amazonaws.com) only")
        api = self._apis.get((match.group(2), match.group(1)))
        if api is None:
            return Response(None)  # no such API: the name does not resolve, nothing answers
        path = parts.path or "/"
        stage = self._stage_for(api, path)
        if stage is None:
            return Response(404)
        name, rest = stage
        integration_id = self._route_for(api, name, method, rest)
        if integration_id is None:
            return Response(404)
        return self._integration_target(api, integration_id)

    @cites(_DEFAULT_STAGE, _AUTO_DEPLOY, _STAGE_SELECTION)
    def _stage_for(self, api: _HttpApi, path: str) -> tuple[str, str] | None:
        """(stage name, path within the stage) for a request path, or None: no stage takes it."""
        first, _, rest = path.lstrip("/").partition("/")
        if first and first in api.stages and first != "$default":
            return first, "/" + rest
        if "$default" in api.stages:
            return "$default", path
        return None

    @cites(_ROUTE_SELECTION, _ANY, _NO_ROUTE)
    def _route_for(self, api: _HttpApi, stage: str, method: str, path: str) -> str | None:
        """The integration ID of the route a request selects, or None (no route matches)."""
        keys = {key: target for key, target in api.routes.values()}
        for key in (f"{method} {path}", f"ANY {path}"):
            if key in keys:
                return keys[key]
        variables = sorted(k for k in keys if "{" in k)
        if variables:
            raise Unmodelled(f"API {api.api_id}: {method} {path} matches no route exactly, and the simulation does "
                             f"not model route selection with path variables ({', '.join(variables)})")
        return keys.get("$default")

    @cites(_LAMBDA_PROXY)
    def _integration_target(self, api: _HttpApi, integration_id: str) -> tuple[tuple[str, str, str], str]:
        """((account, region, function name), qualifier) of the Lambda function an integration invokes."""
        props = api.integrations.get(integration_id)
        if props is None:
            raise Unmodelled(f"API {api.api_id}: a route targets integration {integration_id}, which does not exist "
                             f"(what API Gateway answers then is not modelled)")
        uri = str(props.get("IntegrationUri", ""))
        inner = re.fullmatch(r"arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations",
                             uri)
        arn = inner.group(1) if inner else uri
        m = _FUNCTION_ARN.fullmatch(arn)
        if m is None:
            raise Unmodelled(f"API {api.api_id}: IntegrationUri {uri!r} is not a Lambda function ARN")
        return (m.group(2), m.group(1), m.group(3)), m.group(4) or "$LATEST"

    @cites(_FORMAT_2, _LAMBDA_ERRORS, _HANDLED)
    def _status(self, outcome: str, handled_error_status: int) -> int:
        """API Gateway's status for a Lambda proxy invocation's outcome."""
        return {"ok": 200, "crash": 502, "rejected": 500, "handled": handled_error_status}[outcome]


def _api_of(apis: FakeHttpApis, region: str, props: Mapping[str, Any]) -> _HttpApi:
    return apis.api(region, str(props.get("ApiId", "")))


class _ApiProvider:
    def __init__(self, apis: FakeHttpApis) -> None:
        self.apis = apis

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        return self.apis.create_api(account, region, stack, logical_id, properties)

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        _check_properties("AWS::ApiGatewayV2::Api", logical_id, properties)
        if properties.get("ProtocolType") != old_properties.get("ProtocolType"):  # "Update requires: Replacement"
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        api = self.apis.api(region, physical_id)
        return physical_id, {"ApiId": physical_id, "ApiEndpoint": api.endpoint}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.apis._apis.pop((region, physical_id), None)
        self.apis._changed()


class _ChildProvider:
    """A resource that belongs to one HTTP API (a stage, a route, an integration), kept in the API's `collection`;
    a change of one of the `replacing` properties replaces it ("Update requires: Replacement": for ``ApiId``, e.g.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage.html "ApiId: The
    API identifier. Required: Yes Type: String Update requires: Replacement")."""

    rtype = ""
    collection = ""
    id_attribute = ""
    replacing: tuple[str, ...] = ("ApiId",)

    def __init__(self, apis: FakeHttpApis) -> None:
        self.apis = apis

    def _value(self, logical_id: str, props: Mapping[str, Any]) -> Any:
        _check_properties(self.rtype, logical_id, props)
        return dict(props)

    def _new_id(self, api: _HttpApi, value: Any, account: str, region: str, stack: str, logical_id: str) -> str:
        return self.apis._next_id(account, region, stack, logical_id)[:7]

    def _attributes(self, physical_id: str) -> dict[str, str]:
        return {self.id_attribute: physical_id} if self.id_attribute else {}

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        value = self._value(logical_id, properties)
        api = _api_of(self.apis, region, properties)
        physical_id = self._new_id(api, value, account, region, stack, logical_id)
        getattr(api, self.collection)[physical_id] = value
        self.apis._changed()
        return physical_id, self._attributes(physical_id)

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        if any(properties.get(k) != old_properties.get(k) for k in self.replacing):
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        getattr(_api_of(self.apis, region, properties), self.collection)[physical_id] = \
            self._value(logical_id, properties)
        self.apis._changed()
        return physical_id, self._attributes(physical_id)

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        api = self.apis._apis.get((region, str(properties.get("ApiId", ""))))
        if api is not None:
            getattr(api, self.collection).pop(physical_id, None)
            self.apis._changed()


class _StageProvider(_ChildProvider):
    rtype, collection, replacing = "AWS::ApiGatewayV2::Stage", "stages", ("ApiId", "StageName")

    def _value(self, logical_id: str, props: Mapping[str, Any]) -> Any:
        if props.get("AutoDeploy") not in (True, "true", "True"):
            raise Unmodelled(f"AWS::ApiGatewayV2::Stage {logical_id}: AutoDeploy is not true; the simulation does "
                             f"not model deployments (AWS::ApiGatewayV2::Deployment), only stages that deploy "
                             f"every change automatically")
        return super()._value(logical_id, props)

    def _new_id(self, api: _HttpApi, value: Any, account: str, region: str, stack: str, logical_id: str) -> str:
        name = str(value.get("StageName", ""))
        if name in api.stages:
            raise AwsError("ConflictException", f"Stage already exists: {name}", 409)
        return name  # Ref returns the stage name


class _RouteProvider(_ChildProvider):
    rtype, collection, id_attribute = "AWS::ApiGatewayV2::Route", "routes", "RouteId"

    def _value(self, logical_id: str, props: Mapping[str, Any]) -> Any:
        _check_properties(self.rtype, logical_id, props)
        if props.get("AuthorizationType", "NONE") != "NONE":
            raise Unmodelled(f"AWS::ApiGatewayV2::Route {logical_id}: AuthorizationType="
                             f"{props.get('AuthorizationType')!r}; the simulation models routes without "
                             f"authorization only")
        key, target = str(props.get("RouteKey", "")), str(props.get("Target", ""))
        if not target.startswith("integrations/"):
            raise Unmodelled(f"AWS::ApiGatewayV2::Route {logical_id} ({key}): Target={target!r}; the simulation "
                             f"models routes that target an integration (integrations/{{id}}) only")
        return key, target.removeprefix("integrations/")

    def _new_id(self, api: _HttpApi, value: Any, account: str, region: str, stack: str, logical_id: str) -> str:
        if any(key == value[0] for key, _ in api.routes.values()):
            raise AwsError("ConflictException", f"Route with key {value[0]} already exists for this API", 409)
        return super()._new_id(api, value, account, region, stack, logical_id)


class _IntegrationProvider(_ChildProvider):
    rtype, collection, id_attribute = "AWS::ApiGatewayV2::Integration", "integrations", "IntegrationId"

    def _value(self, logical_id: str, props: Mapping[str, Any]) -> Any:
        if props.get("IntegrationType") != "AWS_PROXY":
            raise Unmodelled(f"AWS::ApiGatewayV2::Integration {logical_id}: IntegrationType="
                             f"{props.get('IntegrationType')!r}; the simulation models Lambda proxy (AWS_PROXY) "
                             f"integrations only")
        if str(props.get("PayloadFormatVersion")) != "2.0":
            raise Unmodelled(f"AWS::ApiGatewayV2::Integration {logical_id}: PayloadFormatVersion="
                             f"{props.get('PayloadFormatVersion')!r}; the simulation models format 2.0 only")
        return super()._value(logical_id, props)


# ================================================================================================ Synthetics


@dataclass(frozen=True)
class HttpStepScript:
    """The canary script the fake models: one HTTP step (``step``) that sends `method` to the URL in the
    environment variable `url_variable` and passes when the status equals the number in `status_variable`."""

    step: str
    method: str
    url_variable: str
    status_variable: str


#: The library calls a modelled script may make.
_MODELLED_CALLS = {"executeHttpStep", "getCanaryUserAgentString"}


def http_step_script(script: str) -> HttpStepScript:
    """What a Node.js canary script does, if it is the shape this fake models; otherwise :class:`Unmodelled`,
    naming what it does not model."""
    calls = re.findall(r"synthetics\.(\w+)\(", script)
    other = sorted(set(calls) - _MODELLED_CALLS)
    if other:
        raise Unmodelled(f"the canary script calls synthetics.{', synthetics.'.join(other)}; the simulation models "
                         f"one executeHttpStep with a status check only")
    steps = re.findall(r"synthetics\.executeHttpStep\(\s*'([^']+)'\s*,\s*\w+\s*,\s*\w+\s*\)", script)
    methods = re.findall(r"method:\s*'([A-Z]+)'", script)
    url = re.findall(r"new URL\(process\.env\.([A-Za-z][A-Za-z0-9_]*)\)", script)
    status = re.findall(r"parseInt\(process\.env\.([A-Za-z][A-Za-z0-9_]*)\s*,\s*10\)", script)
    compares = "res.statusCode !== expected" in script
    if calls.count("executeHttpStep") != 1 or len(steps) != 1 or len(methods) != 1 or len(url) != 1 \
            or len(status) != 1 or not compares:
        raise Unmodelled("the canary script is not one executeHttpStep('<name>', request, validate) that sends "
                         "method '<METHOD>' to new URL(process.env.<VAR>) and rejects when res.statusCode !== "
                         "parseInt(process.env.<VAR>, 10); the simulation models that shape only")
    return HttpStepScript(steps[0], methods[0], url[0], status[0])


@dataclass(frozen=True)
class CanaryRun:
    """One run of a canary (ground truth): when, what it called, what came back, and whether it passed."""

    account: str
    region: str
    canary: str
    at: float
    url: str
    status: int | None
    passed: bool
    function: str = ""
    version: str = ""


@dataclass
class _Canary:
    account: str
    region: str
    name: str
    props: dict[str, Any]
    script: HttpStepScript
    interval: float
    duration: float
    created_at: float
    state: str = "READY"
    started_at: float | None = None
    next_run: Event | None = None
    #: (URL, expected status) from the run configuration's environment, once a run has read them.
    request: tuple[str, int] | None = None
    #: Writers of the metrics each run publishes (SuccessPercent, Duration) per dimension set.
    series: tuple[tuple[SeriesWriter, SeriesWriter], ...] = ()


_CANARY_PROPERTIES = {"Name", "Code", "ArtifactS3Location", "ExecutionRoleArn", "RuntimeVersion", "Schedule",
                      "StartCanaryAfterCreation", "RunConfig", "FailureRetentionPeriod", "SuccessRetentionPeriod",
                      "Tags", "ArtifactConfig", "ProvisionedResourceCleanup", "DeleteLambdaResourcesOnCanaryDeletion"}


class FakeSynthetics:
    """CloudWatch Synthetics canaries of a simulated world, running on its scheduler.

    Parameters (what AWS leaves open):

    first_run_seconds:
        From a canary's creation (``StartCanaryAfterCreation``) to its first run.  AWS: "immediately".
        Default 0.
    handled_error_status:
        The HTTP status a function's own error response carries (the traffic model's handled errors): the
        service's code chooses it.  Default 500.
    idle_poll_seconds:
        While `paused` (a world skipping idle days without traffic), a canary skips its runs and looks again
        after this long, on its schedule's grid.  Default 600.
    """

    def __init__(self, *, scheduler: Scheduler, cloudwatch: FakeCloudWatch, apis: FakeHttpApis, invoke: Invoke,
                 paused: Callable[[], bool] = lambda: False, first_run_seconds: float = 0.0,
                 handled_error_status: int = 500, idle_poll_seconds: float = 600.0) -> None:
        if first_run_seconds < 0 or idle_poll_seconds <= 0:
            raise ValueError(f"first_run_seconds={first_run_seconds} must not be negative and idle_poll_seconds="
                             f"{idle_poll_seconds} must be positive")
        if isinstance(handled_error_status, bool) or not isinstance(handled_error_status, int):
            raise TypeError(f"handled_error_status={handled_error_status!r} must be an HTTP status code (int)")
        if not 100 <= handled_error_status <= 599:
            raise ValueError(f"handled_error_status={handled_error_status} must be an HTTP status, 100 to 599")
        self.scheduler, self.cloudwatch, self.apis, self.invoke = scheduler, cloudwatch, apis, invoke
        self.paused = paused
        self.first_run_seconds = first_run_seconds
        self.handled_error_status = handled_error_status
        self.idle_poll_seconds = idle_poll_seconds
        self._canaries: dict[tuple[str, str, str], _Canary] = {}
        #: Every run of every canary, in order (ground truth).
        self.runs: list[CanaryRun] = []

    def providers(self) -> dict[str, Any]:
        """Resource providers for :class:`~seawall.sim.cloudformation.FakeCloudFormation`, by resource type."""
        return {"AWS::Synthetics::Canary": _CanaryProvider(self)}

    def canary(self, account: str, region: str, name: str) -> _Canary | None:
        return self._canaries.get((account, region, name))

    # ------------------------------------------------------------------ resources

    @cites(_CANARY_NAME)
    def _check_name(self, name: Any) -> str:
        if not isinstance(name, str) or not re.fullmatch(rf"[0-9a-z_\-]{{1,{MAX_CANARY_NAME}}}", name):
            raise AwsError("ValidationException", f"Name {name!r}: a canary name is 1 to {MAX_CANARY_NAME} "
                                                  f"characters of 0-9, a-z, _ and -", 400)
        return name

    @cites(_RATE, _ONCE)
    def _interval(self, expression: Any) -> float:
        """Seconds between runs of a ``rate(...)`` schedule; 0 for a canary that runs once."""
        text = str(expression)
        if text.startswith("cron("):
            raise Unmodelled(f"Schedule Expression {text!r}: the simulation models rate() schedules only")
        m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour)\)", text)
        if m is None:
            raise AwsError("ValidationException", f"Schedule Expression {text!r} is not rate(number unit) with "
                                                  f"unit minute, minutes or hour", 400)
        seconds = int(m.group(1)) * (3600 if m.group(2) == "hour" else 60)
        if seconds > MAX_CANARY_RATE.total_seconds():
            raise AwsError("ValidationException", f"Schedule Expression {text!r}: the frequency must be between "
                                                  f"rate(1 minute) and rate(1 hour)", 400)
        return float(seconds)

    def _define(self, account: str, region: str, logical_id: str, props: Mapping[str, Any]) -> _Canary:
        extra = sorted(set(props) - _CANARY_PROPERTIES)
        if extra:
            raise Unmodelled(f"AWS::Synthetics::Canary {logical_id}: the simulation does not model {', '.join(extra)}")
        name = self._check_name(props.get("Name"))
        runtime = str(props.get("RuntimeVersion", ""))
        if not runtime.startswith("syn-nodejs-"):
            raise Unmodelled(f"canary {name}: RuntimeVersion={runtime!r}; the simulation models Node.js canaries only")
        code = props.get("Code") or {}
        if not isinstance(code.get("Script"), str) or set(code) - {"Script", "Handler"}:
            raise Unmodelled(f"canary {name}: Code with {sorted(code)}; the simulation models an inline Script only "
                             f"(it cannot read code from S3)")
        run_config = props.get("RunConfig") or {}
        unmodelled = sorted(set(run_config) - {"EnvironmentVariables", "TimeoutInSeconds", "MemoryInMB"})
        if unmodelled:
            raise Unmodelled(f"canary {name}: RunConfig {', '.join(unmodelled)} is not modelled")
        schedule = props.get("Schedule") or {}
        if set(schedule) - {"Expression", "DurationInSeconds"}:
            raise Unmodelled(f"canary {name}: Schedule {sorted(set(schedule) - {'Expression', 'DurationInSeconds'})} "
                             f"is not modelled")
        return _Canary(account, region, name, dict(props), http_step_script(code["Script"]),
                       self._interval(schedule.get("Expression")), float(schedule.get("DurationInSeconds") or 0),
                       self.scheduler.clock.seconds)

    @cites(_START_AFTER_CREATION)
    def create(self, account: str, region: str, logical_id: str, props: Mapping[str, Any]) -> _Canary:
        """Create a canary; with ``StartCanaryAfterCreation`` true it starts making runs."""
        canary = self._define(account, region, logical_id, props)
        key = (account, region, canary.name)
        if key in self._canaries:
            raise AwsError("ConflictException", f"A canary named {canary.name} already exists", 409)
        self._canaries[key] = canary
        if props.get("StartCanaryAfterCreation") in (True, "true", "True"):
            self._start(canary, self.scheduler.clock.seconds + self.first_run_seconds)
        return canary

    def update(self, account: str, region: str, logical_id: str, props: Mapping[str, Any]) -> _Canary:
        """Update a canary in place: the next run uses the new script, environment and schedule."""
        new = self._define(account, region, logical_id, props)
        old = self._canaries[(account, region, new.name)]
        new.state, new.created_at, new.started_at = old.state, old.created_at, old.started_at
        self._canaries[(account, region, new.name)] = new
        if old.next_run is not None:
            old.next_run.cancel()
            if (new.interval, new.duration) == (old.interval, old.duration):
                self._schedule(new, old.next_run.at)
            else:
                self._start(new, self.scheduler.clock.seconds + (new.interval or 0))
        return new

    def delete(self, account: str, region: str, name: str) -> None:
        canary = self._canaries.pop((account, region, name), None)
        if canary is not None and canary.next_run is not None:
            canary.next_run.cancel()

    def _start(self, canary: _Canary, first: float) -> None:
        canary.state, canary.started_at = "RUNNING", first
        self._schedule(canary, first)

    def _schedule(self, canary: _Canary, at: float | None) -> None:
        """Make `canary`'s next run at `at` (none: None)."""
        if at is None:
            canary.next_run = None
            return
        canary.next_run = self.scheduler.at(at, functools.partial(self._run, canary), f"canary {canary.name}")

    # ------------------------------------------------------------------ runs

    @cites(_DURATION)
    def _next_run(self, canary: _Canary, after: float) -> float | None:
        """The first run of `canary`'s schedule after `after`, or None when its runs have ended."""
        start = canary.started_at if canary.started_at is not None else after
        if not canary.interval:
            return None  # rate(0 ...): one run
        k = int((after - start) // canary.interval) + 1
        nxt = start + k * canary.interval
        if canary.duration and nxt > canary.created_at + canary.duration:
            canary.state = "STOPPED"
            return None
        return nxt

    def _run(self, canary: _Canary) -> None:
        now = self.scheduler.clock.seconds
        if self.paused():  # no request while the world skips idle time; look again later, on the grid
            nxt = self._next_run(canary, now + self.idle_poll_seconds - canary.interval) if canary.interval \
                else now + self.idle_poll_seconds
        else:
            self.run_once(canary)
            nxt = self._next_run(canary, now)
        self._schedule(canary, nxt)

    @cites(_HTTP_STEP, _RUN_FAILS)
    def run_once(self, canary: _Canary) -> CanaryRun:
        """One run: the script's one HTTP step; the run passes when the step does."""
        script = canary.script
        if canary.request is None:  # the properties are the canary's own copy: they change only by replacing it
            env = (canary.props.get("RunConfig") or {}).get("EnvironmentVariables") or {}
            for var in (script.url_variable, script.status_variable):
                if var not in env:
                    raise Unmodelled(f"canary {canary.name}: the script reads process.env.{var}, which RunConfig "
                                     f"does not set (the script's failure then is not modelled)")
            canary.request = str(env[script.url_variable]), int(str(env[script.status_variable]))
        url, expected = canary.request
        response = self.apis.request(script.method, url, self.invoke,
                                     handled_error_status=self.handled_error_status)
        passed = response.status == expected
        run = CanaryRun(canary.account, canary.region, canary.name, self.scheduler.clock.seconds, url,
                        response.status, passed, response.function, response.version)
        self.runs.append(run)
        self._publish(canary, run, response.latency_ms)
        return run

    @cites(_SUCCESS_PERCENT, _STEP_METRICS, _ALWAYS_EMITTED)
    def _publish(self, canary: _Canary, run: CanaryRun, duration_ms: float) -> None:
        """``SuccessPercent`` (100 or 0) and ``Duration`` of one run: without dimensions, per canary, per step."""
        if not canary.series:
            writer, account, region = self.cloudwatch.writer, canary.account, canary.region
            canary.series = tuple((writer(account, region, NAMESPACE, "SuccessPercent", dims),
                                   writer(account, region, NAMESPACE, "Duration", dims))
                                  for dims in ({}, {"CanaryName": canary.name},
                                               {"CanaryName": canary.name, "StepName": canary.script.step}))
        at, success, duration = run.at, [100.0 if run.passed else 0.0], [duration_ms]
        for success_series, duration_series in canary.series:
            success_series.values(at, success, unit="Percent")
            duration_series.values(at, duration, unit="Milliseconds")


class _CanaryProvider:
    """``AWS::Synthetics::Canary`` for :class:`~seawall.sim.cloudformation.FakeCloudFormation` (``Ref`` is the
    name; a new name replaces the canary)."""

    def __init__(self, synthetics: FakeSynthetics) -> None:
        self.synthetics = synthetics

    @staticmethod
    def _attributes(canary: _Canary) -> dict[str, str]:
        return {"Id": _short_id(canary.account, canary.region, canary.name), "State": canary.state}

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        canary = self.synthetics.create(account, region, logical_id, properties)
        return canary.name, self._attributes(canary)

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        # https://docs.aws.amazon.com/AmazonSynthetics/latest/APIReference/API_UpdateCanary.html: "You cannot change
        # the name of a canary that has already been created." (CloudFormation replaces it)
        if properties.get("Name") != physical_id:
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        canary = self.synthetics.update(account, region, logical_id, properties)
        return canary.name, self._attributes(canary)

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.synthetics.delete(account, region, physical_id)
