"""Shared test helpers: synthesize once, lint with cfn-lint, check with cdk-nag.

Typical use in a module-scoped fixture::

    app = App()
    stack = MyStack(app, "Svc")
    template = synth(stack)          # synthesizes the whole app once, cdk-nag attached
    assert cfn_lint_findings(template) == []
    assert nag_findings(app) == []
    Template.from_json(template).has_resource_properties(...)

Use ``Template.from_json(synth(stack))`` rather than ``Template.from_stack``:
``from_stack`` forces a second synthesis, which costs seconds and re-runs cdk-nag.
"""

from .lint import assembly_stacks, cfn_lint_findings, nag_findings, suppressions, synth

__all__ = ["assembly_stacks", "cfn_lint_findings", "nag_findings", "suppressions", "synth"]
