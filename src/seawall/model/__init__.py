"""Seawall's deployment model: plain, validated, frozen data with no AWS imports.

Importing this package never imports ``aws_cdk`` or ``boto3``.
"""

from .bootstrap import (
    ADMINISTRATOR_ACCESS,
    BootstrapChecklist,
    BootstrapEnvironment,
    OptInRegion,
    RequiredAlarm,
    SupportStack,
    bootstrap_checklist,
)
from .limits import MAX_GATE_WAIT
from .plan import Rollout, StepSchedule, format_span, plan_rollout
from .policies import (
    ALL_AT_ONCE_CONFIG,
    ONE_BOX_MAX_PERCENT,
    AlarmPolicy,
    BakePolicy,
    TrafficKind,
    TrafficPolicy,
    require_one_box,
)
from .policy import ReleasePolicy
from .regions import (
    CATALOGUE,
    COMMERCIAL_REGIONS,
    Region,
    RegionCatalogue,
    Service,
    TrafficTier,
    commercial_regions,
)
from .waves import Step, Target, Wave, WavePlan, expand_steps
from .window import ALL_DAYS, MON_FRI, MON_THU, Exclusion, TimeWindow

__all__ = [
    "ALL_AT_ONCE_CONFIG", "ONE_BOX_MAX_PERCENT", "AlarmPolicy", "BakePolicy", "TrafficKind", "TrafficPolicy",
    "require_one_box", "CATALOGUE", "COMMERCIAL_REGIONS", "Region", "RegionCatalogue", "Service", "TrafficTier",
    "commercial_regions", "Step", "Target", "Wave", "WavePlan", "expand_steps",
    "ALL_DAYS", "MON_FRI", "MON_THU", "Exclusion", "TimeWindow",
    "MAX_GATE_WAIT", "Rollout", "StepSchedule", "format_span", "plan_rollout", "ReleasePolicy",
    "ADMINISTRATOR_ACCESS", "BootstrapChecklist", "BootstrapEnvironment", "OptInRegion", "RequiredAlarm",
    "SupportStack", "bootstrap_checklist",
]
