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
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from seawall.constructs import MonitoringCanary, SafeLambdaDeployment
from seawall.model import AlarmPolicy, TrafficPolicy

FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")


class StorefrontStack(cdk.Stack):
    """The storefront in one target: ``GET /items`` and ``POST /orders``."""

    def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, alarms: AlarmPolicy,
                 step: str = "", traffic: TrafficPolicy | None = None, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        traffic = traffic or TrafficPolicy.canary()
        self.deployments: dict[str, SafeLambdaDeployment] = {}
        for name in ("items", "orders"):
            fn = lambda_.Function(
                self, f"{name.title()}Function",
                runtime=lambda_.Runtime.PYTHON_3_12,
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
                                     access_log_settings=apigw.AccessLogSettings(
                                         destination=apigw.LogGroupLogDestination(access_logs)))
        self.api.add_routes(path="/items", methods=[apigw.HttpMethod.GET],
                            integration=integrations.HttpLambdaIntegration(
                                "Items", self.deployments["items"].alias))
        self.api.add_routes(path="/orders", methods=[apigw.HttpMethod.POST],
                            integration=integrations.HttpLambdaIntegration(
                                "Orders", self.deployments["orders"].alias))
        self.api_url_output = cdk.CfnOutput(self, "ApiUrl", value=self.stage.url,
                                            description="Base URL of the storefront API")
        # The $default stage's URL, spelled out so it reads as an https URL before deployment.
        base = f"https://{self.api.api_id}.execute-api.{self.region}.{cdk.Aws.URL_SUFFIX}"
        self.canary = MonitoringCanary(self, "Canary", team=team, service=service, url=f"{base}/items")
