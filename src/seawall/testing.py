"""Seawall's safety checks from your own tests.

::

    from seawall.testing import assert_safe

    def test_service_is_deployed_safely():
        app = App()
        stack = ServiceStack(app, "Svc")
        assert_safe(stack)                   # or assert_safe(app, plan=PLAN)

`subject` may be a ``Stack``, a ``Stage`` or ``App`` (synthesized, nested
stages included), a synthesized ``CloudAssembly``, a template ``dict``, a
:class:`~seawall.checks.StackTemplate`, or the path of a ``cdk.out`` folder
or a template file.  Pass ``plan`` to also run the plan checks and compare
the pipelines with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .checks import (
    Compliance,
    Finding,
    StackTemplate,
    assembly_templates,
    check_template,
    failures,
    format_text,
    run_checks,
)
from .model import WavePlan

__all__ = [
    "Compliance", "Finding", "assert_safe", "check", "check_template", "failures", "non_compliant", "statuses",
    "templates_of",
]


def templates_of(subject: Any) -> list[StackTemplate]:
    """The CloudFormation templates `subject` stands for (see the module docstring)."""
    if subject is None:
        return []
    if isinstance(subject, StackTemplate):
        return [subject]
    if isinstance(subject, Mapping):
        return [StackTemplate("template", subject)]
    if isinstance(subject, (str, os.PathLike)):
        return assembly_templates(subject)
    if isinstance(subject, Sequence):
        return [t for s in subject for t in templates_of(s)]
    import aws_cdk as cdk  # noqa: PLC0415
    from aws_cdk import cx_api  # noqa: PLC0415

    if isinstance(subject, cdk.Stack):
        # The stage's assembly (cached after its first synthesis), not Template.from_stack: no second synth.
        stage = cdk.Stage.of(subject)
        if stage is None:
            raise ValueError(f"stack {subject.node.path!r} is not inside an App; add it to one before checking")
        artifact = stage.synth().get_stack_artifact(subject.artifact_id)
        return [StackTemplate(artifact.template_file, artifact.template)]
    if isinstance(subject, cdk.Stage):
        return assembly_templates(subject.synth().directory)
    if isinstance(subject, cx_api.CloudAssembly):
        return assembly_templates(subject.directory)
    raise TypeError(
        f"cannot check {type(subject).__name__}; pass a Stack, Stage, App, CloudAssembly, template dict, "
        f"StackTemplate, or the path of cdk.out or a template file"
    )


def check(subject: Any = None, *, plan: WavePlan | None = None,
          plan_suppressions: Mapping[str, str] | None = None) -> list[Finding]:
    """Every finding (compliant, non-compliant, not applicable) for `subject` and `plan`."""
    if subject is None and plan is None:
        raise ValueError("check() needs a subject (stack, app, template, cdk.out path) or plan=, or both")
    return run_checks(templates_of(subject), plan=plan, plan_suppressions=plan_suppressions)


def assert_safe(subject: Any = None, *, plan: WavePlan | None = None,
                plan_suppressions: Mapping[str, str] | None = None,
                ignore: Sequence[str] = ()) -> list[Finding]:
    """Fail the test when any check finds an unsuppressed problem.

    Parameters
    ----------
    ignore:
        Check IDs to leave out of this assertion (for a test that looks at
        one part only).  Default: none.  In the app, suppress with a reason
        instead (:func:`seawall.checks.suppress`).

    Returns
    -------
    list[Finding]
        All findings, for further assertions.
    """
    findings = check(subject, plan=plan, plan_suppressions=plan_suppressions)
    bad = [f for f in failures(findings) if f.check_id not in set(ignore)]
    if bad:
        raise AssertionError("Seawall found deployment-safety problems:\n" + format_text(bad))
    return findings


def non_compliant(findings: Sequence[Finding], check_id: str | None = None) -> list[Finding]:
    """The unsuppressed non-compliant findings, optionally of one check."""
    return [f for f in failures(findings) if check_id is None or f.check_id == check_id]


def statuses(findings: Sequence[Finding], check_id: str) -> set[Compliance]:
    """The outcomes one check reached (handy in tests: ``{Compliance.COMPLIANT}``)."""
    return {f.status for f in findings if f.check_id == check_id}
