"""The smallest working Seawall app: a team class once, a service pipeline per microservice.

``python examples/snippets/quickstart.py`` synthesizes it into ``cdk.out``; the
tests synthesize it too and run ``seawall check`` over the result.
"""

from __future__ import annotations

from datetime import time

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from seawall.constructs import SafeLambdaDeployment, ServiceStage
from seawall.model import MON_THU, AlarmPolicy, Target, TimeWindow, WavePlan
from seawall.stacks import Source, TeamPipelineStack

PIPELINE = cdk.Environment(account="111111111111", region="us-east-1")


class PaymentsTeam(TeamPipelineStack):
    """Written once per team: regions and waves, bake times, time window, alarm thresholds."""

    team = "payments"
    # Services in the team aggregate alarm: a new team starts empty and lists each service once it has
    # deployed everywhere (until then its bakes watch its own high-severity alarm). See docs/pipeline.md.
    services = ()
    plan = WavePlan.standard(["us-east-1", "eu-west-1", "ap-northeast-3", "us-west-2"], cells=2)
    window = TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16),
                        holidays=("US",))
    alarms = AlarmPolicy(max_fault_rate=0.01)
    source = Source(repository="example-org/payments",
                    connection_arn="arn:aws:codeconnections:us-east-1:111111111111:connection/example")


class ApiStack(cdk.Stack):
    def __init__(self, scope: ServiceStage, construct_id: str, *, team: str, alarms: AlarmPolicy) -> None:
        super().__init__(scope, construct_id)
        handler = lambda_.Function(
            self, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n"),
        )
        # Traffic shifts as the pipeline step says: a one-box canary in production, all at once in alpha.
        SafeLambdaDeployment(self, "Api", function=handler, team=team, service="api", alarms=alarms)


class ApiPipeline(PaymentsTeam):
    """One pipeline per microservice: only its stacks."""

    service = "api"

    def create_service(self, stage: ServiceStage, target: Target) -> None:
        ApiStack(stage, "Api", team=self.team, alarms=self.alarms)


def build(app: cdk.App) -> cdk.App:
    PaymentsTeam.foundation(app, "PaymentsFoundation", env=PIPELINE)  # aggregate alarms + state machines
    ApiPipeline(app, "ApiPipeline", env=PIPELINE)
    return app


if __name__ == "__main__":
    build(cdk.App()).synth()
