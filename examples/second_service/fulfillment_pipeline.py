"""The fulfillment service: a second microservice of the same team, sharing OrdersTeam's settings.

Only `service` and `create_service` differ from the storefront's pipeline:
regions, waves, cells, bakes, time window and alarm thresholds come from the
team class in ``examples/sample_service/team.py`` (in a real organisation, a
small internal package both services depend on).
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from team import OrdersTeam

from seawall.constructs import SafeLambdaDeployment, ServiceStage, acknowledge
from seawall.model import AlarmPolicy, Target, TrafficPolicy

FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functions")


class FulfillmentStack(cdk.Stack):
    """A scheduled function; EventBridge invokes the alias, so the shift decides which version runs."""

    def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, alarms: AlarmPolicy,
                 traffic: TrafficPolicy | None = None, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        fn = lambda_.Function(self, "FulfilFunction", runtime=lambda_.Runtime.PYTHON_3_14,
                              handler="handler.handler",
                              code=lambda_.Code.from_asset(os.path.join(FUNCTIONS, "fulfil")),
                              memory_size=256, timeout=cdk.Duration.seconds(30), tracing=lambda_.Tracing.ACTIVE)
        self.release = SafeLambdaDeployment(self, "FulfilRelease", function=fn, team=team, service=service,
                                            traffic=traffic, alarms=alarms)
        acknowledge(fn.role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                             "AWSLambdaBasicExecutionRole]",
                    "AWSLambdaBasicExecutionRole only lets the function write its own logs")
        acknowledge(fn.role, "AwsSolutions-IAM5[Resource::*]",
                    "X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords support no "
                    "resource-level permissions")
        events.Rule(self, "EveryMinute", schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
                    targets=[targets.LambdaFunction(self.release.alias)])


class FulfillmentPipeline(OrdersTeam):
    service = "fulfillment"

    def create_service(self, stage: ServiceStage, target: Target) -> None:
        # No traffic=: inside the pipeline's stage the function shifts with the step's policy.
        FulfillmentStack(stage, "Service", team=self.team, service=self.service, alarms=self.alarms)
