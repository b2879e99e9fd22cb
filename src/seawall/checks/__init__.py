"""Seawall's deployment-safety checks: pure functions over templates and the plan.

Each rule returns compliant / non-compliant / not-applicable findings with a
stable ID (``SW001`` ...).  Run them three ways: ``cdk synth`` with
:class:`SeawallChecks` (a CDK policy-validation plugin), ``seawall check
cdk.out``, or :mod:`seawall.testing` from your own tests.  Importing this
package does not import ``aws_cdk`` (only :class:`SeawallChecks` and
:func:`suppress` need it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .core import CHECKS, Check, Compliance, Finding, StackTemplate
from .runner import (
    assembly_templates,
    check_plan,
    check_template,
    failures,
    format_json,
    format_text,
    load_plan,
    run_checks,
)
from .suppressions import reason_problem, suppress

if TYPE_CHECKING:  # pragma: no cover
    from .plugin import SeawallChecks

__all__ = [
    "CHECKS", "Check", "Compliance", "Finding", "StackTemplate", "SeawallChecks", "assembly_templates",
    "check_plan", "check_template", "failures", "format_json", "format_text", "load_plan", "reason_problem",
    "run_checks", "suppress",
]


def __getattr__(name: str) -> Any:
    if name == "SeawallChecks":
        from .plugin import SeawallChecks

        return SeawallChecks
    raise AttributeError(f"module 'seawall.checks' has no attribute {name!r}")
