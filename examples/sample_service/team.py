"""The sample team's pipeline base class: settings once, shared by every service of the team.

Each microservice subclasses :class:`OrdersTeam` and adds only its stacks
(see ``storefront_pipeline.py`` here and ``examples/second_service``).
"""

from __future__ import annotations

import os

from policy import ALARMS, PLAN, TEAM_NAME, WINDOW

from seawall.stacks import Source, TeamPipelineStack

#: Placeholder accounts: a pipeline needs explicit accounts to synthesize.  Set your own with
#: SEAWALL_PIPELINE_ACCOUNT (or replace them here) before `cdk deploy`.
PIPELINE_ACCOUNT = os.environ.get("SEAWALL_PIPELINE_ACCOUNT", "111111111111")
PIPELINE_REGION = os.environ.get("SEAWALL_PIPELINE_REGION", "us-east-1")
#: A CodeConnections connection to the repository (placeholder; create one in the console and paste its ARN).
CONNECTION_ARN = os.environ.get(
    "SEAWALL_CONNECTION_ARN",
    f"arn:aws:codeconnections:{PIPELINE_REGION}:{PIPELINE_ACCOUNT}:connection/00000000-0000-0000-0000-000000000000",
)


#: Services of the team that have deployed to **every** region of the plan. The team's aggregate alarm
#: names each one's high-severity alarm, and CloudWatch rejects a composite alarm that names an alarm
#: which does not exist yet, so the order is: a brand-new team deploys the foundation with nothing
#: here (the aggregate names no alarm and stays OK), then each service's pipeline; once a service has
#: deployed everywhere, add it here and push: the foundation pipeline updates the aggregates itself.
#: Until then the bake also watches the service's own high-severity alarm, so a service not yet in the
#: aggregate is still watched during its bakes. For this sample, once both pipelines have run:
#: DEPLOYED_SERVICES = ("storefront", "fulfillment")
DEPLOYED_SERVICES: tuple[str, ...] = ()
#: Services whose stacks carry a MonitoringCanary; its alarm joins the aggregate on the same rule.
CANARY_SERVICES: tuple[str, ...] = ("storefront",)


class OrdersTeam(TeamPipelineStack):
    """The "orders" team: eight regions, two cells each, Monday to Thursday in New York."""

    team = TEAM_NAME
    # What the aggregate alarm covers: only what already exists in every region (see DEPLOYED_SERVICES).
    services = DEPLOYED_SERVICES
    canaries = tuple(s for s in CANARY_SERVICES if s in DEPLOYED_SERVICES)
    plan = PLAN
    window = WINDOW
    alarms = ALARMS
    source = Source(
        repository="example-org/seawall",
        connection_arn=CONNECTION_ARN,
        app_directory="examples/sample_service",
        install_commands=("pip install -r requirements.txt", "npm ci --prefix ../.."),
    )
