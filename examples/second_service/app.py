#!/usr/bin/env python3
"""The fulfillment service's CDK app: its own pipeline, the team class shared with the storefront."""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "sample_service")]  # the shared team class

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks, WriteNagSuppressionsToCloudFormationAspect  # noqa: E402
from fulfillment_pipeline import FulfillmentPipeline  # noqa: E402
from team import PIPELINE_ACCOUNT, PIPELINE_REGION  # noqa: E402


def build(app: cdk.App) -> cdk.App:
    FulfillmentPipeline(app, "FulfillmentPipeline", env=cdk.Environment(account=PIPELINE_ACCOUNT,
                                                                         region=PIPELINE_REGION))
    return app


if __name__ == "__main__":
    app = cdk.App()
    # cdk-nag 3 runs as a policy-validation plugin: `cdk synth` fails on an unsuppressed finding.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    build(app)
    for stage in app.node.find_all():  # aspects stop at stage boundaries: record suppressions in every stage
        if isinstance(stage, cdk.Stage) and stage is not app:
            cdk.Aspects.of(stage).add(WriteNagSuppressionsToCloudFormationAspect())
    app.synth()
