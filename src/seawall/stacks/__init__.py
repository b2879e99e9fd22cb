"""Base classes users extend: the team pipeline stack, the team runtime and its foundation pipeline.

Physical names (roles, stacks, pipelines) are in :mod:`seawall.model.naming`.
"""

from .team_pipeline import Source, TeamPipelineStack
from .team_runtime import TeamFoundationStack, TeamRuntimeStack, foundation_plan
from .validation import add_validations

__all__ = ["Source", "TeamFoundationStack", "TeamPipelineStack", "TeamRuntimeStack", "add_validations",
           "foundation_plan"]
