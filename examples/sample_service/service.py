"""The storefront service: an HTTP API with two Lambda functions, each released safely.

Every function sits behind a :class:`~seawall.constructs.SafeLambdaDeployment`
(a published version, an alias that only the shift moves, one-box and
high-severity alarms, a CodeDeploy deployment group); API Gateway invokes the
alias, so the shift decides which version serves traffic.  A monitoring
canary calls the API once a minute and fails the high-severity alarm when it
cannot.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from seawall.constructs import MonitoringCanary, SafeLambdaDeployment, acknowledge
from seawall.model import AlarmPolicy, TrafficPolicy


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogs:
    """JSON access logs of the API stage into a log group."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.json_with_standard_fields(
            caller=False, http_method=True, ip=True, protocol=True, request_time=True, resource_path=True,
            response_length=True, status=True, user=False)


FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")


class StorefrontStack(cdk.Stack):
    """The storefront in one target: ``GET /items`` and ``POST /orders``."""

    def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, alarms: AlarmPolicy,
                 step: str = "", traffic: TrafficPolicy | None = None, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployments: dict[str, SafeLambdaDeployment] = {}
        for name in ("items", "orders"):
            fn = lambda_.Function(
                self, f"{name.title()}Function",
                runtime=lambda_.Runtime.PYTHON_3_14,
                handler="handler.handler",
                code=lambda_.Code.from_asset(os.path.join(FUNCTIONS, name)),
                memory_size=256,
                timeout=cdk.Duration.seconds(10),
                tracing=lambda_.Tracing.ACTIVE,
                environment={"SEAWALL_STEP": step},
            )
            self.deployments[name] = SafeLambdaDeployment(
                self, f"{name.title()}Release", function=fn, team=team, service=service,
                traffic=traffic, alarms=alarms,
            )
        access_logs = logs.LogGroup(self, "ApiAccessLogs", retention=logs.RetentionDays.ONE_MONTH,
                                    removal_policy=cdk.RemovalPolicy.RETAIN)
        self.api = apigw.HttpApi(self, "Api", description=f"{service} storefront API",
                                 create_default_stage=False)
        self.stage = apigw.HttpStage(self, "DefaultStage", http_api=self.api, auto_deploy=True,
                                     throttle=apigw.ThrottleSettings(rate_limit=100, burst_limit=200),
                                     access_log_settings=_AccessLogs(access_logs))
        self.api.add_routes(path="/items", methods=[apigw.HttpMethod.GET],
                            integration=integrations.HttpLambdaIntegration(
                                "Items", self.deployments["items"].alias))
        self.api.add_routes(path="/orders", methods=[apigw.HttpMethod.POST],
                            integration=integrations.HttpLambdaIntegration(
                                "Orders", self.deployments["orders"].alias))
        for route in self.api.node.find_all():
            if isinstance(route, apigw.HttpRoute):
                acknowledge(route, "AwsSolutions-APIG4",
                            "the storefront is a public API: anyone may list items and place an order; "
                            "abuse is limited by the stage's throttling")
        self.api_url_output = cdk.CfnOutput(self, "ApiUrl", value=self.stage.url,
                                            description="Base URL of the storefront API")
        # The stage's URL ends in "/"; the canary receives the deployed value in its environment.
        self.canary = MonitoringCanary(self, "Canary", team=team, service=service, url=f"{self.stage.url}items")
        for fn_release in self.deployments.values():
            role = fn_release.function.role
            acknowledge(role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                              "AWSLambdaBasicExecutionRole]",
                        "AWSLambdaBasicExecutionRole only lets the function write its own logs")
            acknowledge(role, "AwsSolutions-IAM5[Resource::*]",
                        "X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords support no "
                        "resource-level permissions")
