"""What the release state machines need that is not their contract.

The contract itself -- every input, the function outputs, the manifest and
the team settings -- lives in :mod:`seawall.model.contracts`; its constants
are re-exported here for the modules that still import them from this one.
This module keeps only the choice of a step's CodeDeploy deployment config.
Pure: no ``aws_cdk``, no ``boto3``.
"""

from __future__ import annotations

from .contracts import (  # re-exported: one home, in contracts
    BAKE_EVENTS_PER_TURN,
    BAKE_KIND,
    BAKE_POLL,
    DEFAULT_DATA_POINT_GRACE,
    DEFAULT_GATE_POLL,
    DEFAULT_GATE_WAIT,
    EXECUTION_ID,
    GATE_EVENTS_PER_TURN,
    GATE_KIND,
    MAX_ACTION_DURATION,
    MAX_BAKE_WAIT,
    MAX_GATE_WAIT,
    MAX_SHIFT_POLL,
    MIN_BAKE_POLL,
    MIN_POLL,
    MIN_SHIFT_POLL,
    OVERRIDE,
    OVERRIDE_VARIABLE,
    SCHEMA_VERSION,
    SHIFT_KIND,
    SHIFT_TIMEOUT,
    parse_override,
)
from .policies import MAX_SHIFT_DURATION
from .policies import SHIFT_POLL as SHIFT_POLL  # re-exported: the shift machine's default poll

__all__ = [
    "BAKE_EVENTS_PER_TURN", "BAKE_KIND", "BAKE_POLL", "DEFAULT_DATA_POINT_GRACE", "DEFAULT_GATE_POLL",
    "DEFAULT_GATE_WAIT", "EXECUTION_ID", "GATE_EVENTS_PER_TURN", "GATE_KIND", "MAX_ACTION_DURATION", "MAX_BAKE_WAIT",
    "MAX_GATE_WAIT", "MAX_SHIFT_DURATION", "MAX_SHIFT_POLL", "MIN_BAKE_POLL", "MIN_POLL", "MIN_SHIFT_POLL",
    "OVERRIDE", "OVERRIDE_VARIABLE", "SCHEMA_VERSION", "SHIFT_KIND", "SHIFT_POLL", "SHIFT_TIMEOUT",
    "parse_override",
]
