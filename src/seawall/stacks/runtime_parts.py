"""Plug the team-level constructs (aggregate alarm, release state machines) into TeamRuntimeStack."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .team_runtime import TeamRuntimeStack


def add_runtime_parts(stack: TeamRuntimeStack) -> None:
    """Add the aggregate alarm and the release state machines (placeholder until they land)."""
