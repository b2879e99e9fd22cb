"""CDK constructs that render Seawall's model into CloudFormation.

What a service uses: :class:`SafeLambdaDeployment` around each function,
:class:`MonitoringCanary` and :class:`SmokeTestHook`, :class:`ServiceStage`
(what a pipeline's ``create_service`` receives), :class:`WavePipeline` and
:class:`EntryAlarm`, the team's :class:`TeamMonitoringStack` /
:class:`AggregateAlarm` and :class:`ReleaseStateMachines`, and
:func:`acknowledge` for cdk-nag findings on your own resources.  Modules
below this package (``seawall.constructs.wave_pipeline`` ...) are internal.
"""

from ._nag import acknowledge
from .alarms import ALARM_KINDS, DEFAULT_BLOCKING, AggregateAlarm, AlarmKind, alarm_kind
from .hooks import SmokeTestHook
from .lambda_deployment import ERRORS_IN_LOGS_PATTERN, ReleaseOutputs, SafeLambdaDeployment
from .monitoring import MonitoringCanary, TeamMonitoringStack
from .release import ReleaseStateMachines
from .wave_pipeline import EntryAlarm, ServiceStage, WavePipeline

__all__ = [
    "ALARM_KINDS",
    "DEFAULT_BLOCKING",
    "ERRORS_IN_LOGS_PATTERN",
    "AggregateAlarm",
    "AlarmKind",
    "EntryAlarm",
    "MonitoringCanary",
    "ReleaseOutputs",
    "ReleaseStateMachines",
    "SafeLambdaDeployment",
    "ServiceStage",
    "SmokeTestHook",
    "TeamMonitoringStack",
    "WavePipeline",
    "acknowledge",
    "alarm_kind",
]
