"""A service stack with one function deployed by Seawall, and the team's monitoring stack.

Run ``python examples/snippets/safe_lambda.py`` to synthesize it into ``cdk.out``.
"""

from __future__ import annotations

from datetime import timedelta

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from seawall.constructs import SafeLambdaDeployment, SmokeTestHook, TeamMonitoringStack, acknowledge
from seawall.model import AlarmPolicy, TrafficPolicy

TEAM = "payments"
ENV = Environment(account="111111111111", region="eu-west-1")


class ApiStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        handler = lambda_.Function(
            self, "Handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n"),
        )
        # The function is the service's own: it answers for its own cdk-nag findings.
        acknowledge(handler.role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                  "AWSLambdaBasicExecutionRole]",
                    "the AWS managed basic execution role only allows writing the function's logs")
        acknowledge(handler.node.default_child, "AwsSolutions-L1",
                    "the sample pins Python 3.13, the runtime its code is tested on")

        smoke = SmokeTestHook(self, "SmokeTest", targets=[handler], payload={"path": "/health"})
        self.deployment = SafeLambdaDeployment(
            self, "Api",
            function=handler,
            team=TEAM,
            service="api",
            traffic=TrafficPolicy.canary(percent=10, interval=timedelta(minutes=10)),
            alarms=AlarmPolicy(max_fault_rate=0.005, p99_latency=timedelta(seconds=3)),
            pre_traffic_hook=smoke.function,
        )


def build(app: App) -> tuple[TeamMonitoringStack, ApiStack]:
    # Deployed by the team's pipeline before any wave; lists services already deployed here.
    monitoring = TeamMonitoringStack(app, "PaymentsMonitoring", team=TEAM, services=["api"], env=ENV,
                                     canaries={"api": "https://api.example.com/health"})
    api = ApiStack(app, "PaymentsApi", env=ENV)
    return monitoring, api


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
