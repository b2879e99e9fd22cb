"""Team settings that constructs inside a Seawall ``ServiceStage`` take from the stage by default.

A team sets its alarm thresholds once (``TeamPipelineStack.alarms``); the
pipeline hands them to every ``ServiceStage`` it creates, and a construct in
that stage that is given no policy of its own reads them here.  The stage is
recognised by its attribute, as :func:`~seawall.constructs.lambda_deployment.default_traffic`
recognises it by ``step.traffic``, so this module does not import the pipeline renderer.
"""

from __future__ import annotations

from aws_cdk import Stage
from constructs import Construct

from ..model import AlarmPolicy


def default_alarms(scope: Construct) -> AlarmPolicy:
    """The alarm thresholds a construct in `scope` uses when it is given none.

    Inside a Seawall ``ServiceStage``, the ``alarms`` the pipeline gave the stage (the team's
    ``TeamPipelineStack.alarms``); anywhere else ``AlarmPolicy()`` (1 % faults, p99 5 s, ...).
    """
    policy = getattr(Stage.of(scope), "alarms", None)
    return policy if isinstance(policy, AlarmPolicy) else AlarmPolicy()


__all__ = ["default_alarms"]
