"""Seawall's deployment-safety checks: pure functions over templates and the plan.

Each rule returns compliant / non-compliant / not-applicable findings with a
stable ID (``SW001`` ...).  Run them three ways: ``cdk synth`` with
:class:`SeawallChecks` (a CDK policy-validation plugin), ``seawall check
cdk.out``, or :mod:`seawall.testing` from your own tests.  :func:`pipelines_in`,
:func:`template_bytes` and :func:`stack_quota_errors` count a synthesized
template against CodePipeline's and CloudFormation's quotas.  Importing this
package does not import ``aws_cdk`` (only :class:`SeawallChecks` and
:func:`suppress` need it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import Check, Compliance, Finding, StackTemplate, TemplateError
from .pipeline_limits import PipelineShape, pipelines_in, stack_quota_errors, template_bytes
from .registry import CHECKS, RULES, Rule, catalogue_markdown
from .runner import (
    assembly_templates,
    check_plan,
    check_template,
    failures,
    format_json,
    format_text,
    run_checks,
)
from .suppressions import reason_problem

if TYPE_CHECKING:  # pragma: no cover
    from .plugin import SeawallChecks, suppress

__all__ = [
    "CHECKS", "RULES", "Check", "Compliance", "Finding", "PipelineShape", "Rule", "StackTemplate", "SeawallChecks",
    "TemplateError", "assembly_templates", "catalogue_markdown", "check_plan", "check_template", "failures",
    "format_json", "format_text",
    "pipelines_in", "reason_problem", "run_checks", "stack_quota_errors", "suppress", "template_bytes",
]


def __getattr__(name: str) -> Any:
    # The two names that need aws_cdk live in .plugin, imported on first use.
    if name in ("SeawallChecks", "suppress"):
        from . import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module 'seawall.checks' has no attribute {name!r}")
