"""CDK constructs that render Seawall's model into CloudFormation."""

from .alarms import ALARM_KINDS, DEFAULT_BLOCKING, AggregateAlarm, AlarmKind, AlarmScope, alarm_kind
from .hooks import SmokeTestHook
from .lambda_deployment import ERRORS_IN_LOGS_PATTERN, ReleaseOutputs, SafeLambdaDeployment
from .monitoring import MonitoringCanary, TeamMonitoringStack

# release state machines
from .pipeline_steps import BakeStep, FunctionOutputs, GateStep, ShiftStep  # noqa: E402
from .release import ReleaseStateMachines  # noqa: E402

__all__ = [
    "ALARM_KINDS", "DEFAULT_BLOCKING", "AggregateAlarm", "AlarmKind", "AlarmScope", "alarm_kind",
    "SmokeTestHook",
    "ERRORS_IN_LOGS_PATTERN", "ReleaseOutputs", "SafeLambdaDeployment",
    "MonitoringCanary", "TeamMonitoringStack",
    "BakeStep", "FunctionOutputs", "GateStep", "ShiftStep", "ReleaseStateMachines",
]
