#!/usr/bin/env python3
"""The sample CDK app: the team's foundation pipeline and the storefront service's pipeline.

`cdk synth` here (cdk.json runs this file with the repository's virtualenv).
The accounts are placeholders (111111111111); see team.py.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aws_cdk as cdk  # noqa: E402
from policy import PLAN  # noqa: E402
from storefront_pipeline import StorefrontPipeline  # noqa: E402
from team import PIPELINE_ACCOUNT, PIPELINE_REGION, OrdersTeam  # noqa: E402

from seawall.stacks import add_validations  # noqa: E402


def build(app: cdk.App) -> cdk.App:
    env = cdk.Environment(account=PIPELINE_ACCOUNT, region=PIPELINE_REGION)
    OrdersTeam.foundation(app, "OrdersFoundation", env=env)
    StorefrontPipeline(app, "StorefrontPipeline", env=env)
    return app


if __name__ == "__main__":
    app = build(cdk.App())
    # `cdk synth` fails on an unsuppressed cdk-nag finding or a Seawall safety check, plan checks included.
    add_validations(app, plan=PLAN)
    app.synth()
