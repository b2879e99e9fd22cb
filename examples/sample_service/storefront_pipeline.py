"""The storefront service's pipeline: the team's settings plus the service's stacks."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import pipelines
from service import StorefrontStack
from team import OrdersTeam

from seawall.constructs import ServiceStage
from seawall.model import Target


class StorefrontPipeline(OrdersTeam):
    """One pipeline for the storefront microservice, as in the article."""

    service = "storefront"

    def create_service(self, stage: ServiceStage, target: Target) -> None:
        StorefrontStack(stage, "Service", team=self.team, service=self.service, alarms=self.alarms,
                        step=stage.step.name)

    def pre_production_tests(self, stage: ServiceStage) -> Sequence[pipelines.Step]:
        stack = next(c for c in stage.node.children if isinstance(c, StorefrontStack))
        if stage.step.wave not in ("alpha", "beta", "zeta"):
            return ()
        kind = "integration" if stage.step.wave == "zeta" else "functional"
        return [pipelines.ShellStep(
            f"{kind.title()}Tests",
            env_from_cfn_outputs={"API_URL": stack.api_url_output},
            commands=[
                'curl --fail --silent "$API_URL/items"',
                'curl --fail --silent -X POST -d \'{"item": "anchor"}\' "$API_URL/orders"',
            ],
        )]
