"""Gate, shift and bake steps for one target: the single place WavePipeline makes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import pipelines

if TYPE_CHECKING:  # pragma: no cover
    from .wave_pipeline import TargetDeployment, WavePipeline


def release_steps(pipeline: WavePipeline, d: TargetDeployment) -> None:
    """Fill `d.gate`, `d.shift` and `d.bake` (placeholder until the release steps land)."""
    if d.step.gated:
        d.gate = pipelines.ManualApprovalStep("Gate")
    shift = pipelines.ManualApprovalStep("Shift")
    d.shift = [shift]
    if d.step.baked:
        bake = pipelines.ManualApprovalStep("Bake")
        bake.add_step_dependency(shift)
        d.bake = [bake]
