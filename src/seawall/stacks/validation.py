"""One call that makes ``cdk synth`` refuse an unsafe or non-compliant app."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, WriteNagSuppressionsToCloudFormationAspect

from ..checks.plugin import SeawallChecks
from ..model import WavePlan


def add_validations(app: cdk.App, *, plan: WavePlan | None = None) -> None:
    """Attach cdk-nag's AwsSolutions pack and Seawall's safety checks to `app`.

    Call it after the app's stacks and stages exist, before ``app.synth()``:
    ``cdk synth`` then fails on an unsuppressed cdk-nag finding or a Seawall
    check (with `plan`, the plan checks too). Acknowledgments are written into
    every stage's templates as well (CDK aspects stop at stage boundaries),
    so ``seawall check cdk.out`` and reviewers see them.
    """
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
        SeawallChecks(plan=plan),
    )
    for stage in app.node.find_all():
        if isinstance(stage, cdk.Stage) and stage is not app:
            cdk.Aspects.of(stage).add(WriteNagSuppressionsToCloudFormationAspect())
