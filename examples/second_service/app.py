#!/usr/bin/env python3
"""The fulfillment service's CDK app: its own pipeline, the team class shared with the storefront."""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "sample_service")]  # the shared team class

import aws_cdk as cdk  # noqa: E402
from fulfillment_pipeline import FulfillmentPipeline  # noqa: E402
from policy import PLAN  # noqa: E402
from team import PIPELINE_ACCOUNT, PIPELINE_REGION  # noqa: E402

from seawall.stacks import add_validations  # noqa: E402


def build(app: cdk.App) -> cdk.App:
    FulfillmentPipeline(app, "FulfillmentPipeline", env=cdk.Environment(account=PIPELINE_ACCOUNT,
                                                                         region=PIPELINE_REGION))
    return app


if __name__ == "__main__":
    app = build(cdk.App())
    # `cdk synth` fails on an unsuppressed cdk-nag finding or a Seawall safety check, plan checks included.
    add_validations(app, plan=PLAN)
    app.synth()
