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


class OrdersTeam(TeamPipelineStack):
    """The "orders" team: eight regions, two cells each, Monday to Thursday in New York."""

    team = TEAM_NAME
    # Services (and canaries) the aggregate alarm covers: add one only after its first deploy everywhere.
    services = ("storefront", "fulfillment")
    canaries = ("storefront",)
    plan = PLAN
    window = WINDOW
    alarms = ALARMS
    source = Source(
        repository="example-org/seawall",
        connection_arn=CONNECTION_ARN,
        app_directory="examples/sample_service",
        install_commands=("pip install -r requirements.txt", "npm ci --prefix ../.."),
    )
