"""Seawall's deployment model: plain, validated, frozen data with no AWS imports.

Importing this package never imports ``aws_cdk`` or ``boto3``.
"""

from .policies import (
    ALL_AT_ONCE_CONFIG,
    ONE_BOX_MAX_PERCENT,
    AlarmPolicy,
    BakePolicy,
    TrafficKind,
    TrafficPolicy,
    require_one_box,
)
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

__all__ = [
    "ALL_AT_ONCE_CONFIG", "ONE_BOX_MAX_PERCENT", "AlarmPolicy", "BakePolicy", "TrafficKind", "TrafficPolicy",
    "require_one_box", "CATALOGUE", "COMMERCIAL_REGIONS", "Region", "RegionCatalogue", "Service", "TrafficTier",
    "commercial_regions", "Step", "Target", "Wave", "WavePlan", "expand_steps",
]
