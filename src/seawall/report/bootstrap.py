"""The bootstrap checklist as plain text, for ``seawall bootstrap``."""

from __future__ import annotations

from ..model.bootstrap import BootstrapChecklist

__all__ = ["render_bootstrap"]


def render_bootstrap(checklist: BootstrapChecklist) -> str:
    """Printable steps, in the order to do them: enable regions, bootstrap, then check the alarms.

    Every command is on its own line and runs as printed (with credentials for
    the account it names).
    """
    c = checklist
    out = [f"Bootstrap checklist for a pipeline in aws://{c.pipeline_account}/{c.pipeline_region}", ""]
    out.append("1. Enable opt-in regions (disabled by default in every account; enabling can take a while).")
    if c.opt_in_regions:
        out.append("   From the organization's management account (or, in the account itself, without --account-id):")
        for o in c.opt_in_regions:
            out.append(f"   # for: {', '.join(o.needed_for)}")
            out.append(f"   {o.command}")
    else:
        out.append("   None: the plan uses no opt-in region.")
    out.append("")
    out.append(f"2. Bootstrap {len(c.environments)} environment(s), each with credentials for its account:")
    for e in c.environments:
        out.append(f"   # used by: {', '.join(e.used_by)}")
        out.append(f"   npx cdk bootstrap aws://{e.account}/{e.region} \\")
        if e.trust:
            out.append(f"       --trust {','.join(e.trust)} \\")
        out.append(f"       --cloudformation-execution-policies {','.join(e.execution_policies)}")
    out.append("")
    out.append("3. Cross-region support stacks: `cdk deploy` of the pipeline stack creates them in the pipeline")
    out.append("   account (a replication bucket per region); they reuse the pipeline region's bootstrap roles and")
    out.append("   need no bootstrap of their own.")
    if c.support_stacks:
        for s in c.support_stacks:
            out.append(f"   {s.stack_id}" + ("  (opt-in region: enable it, step 1)" if s.opt_in else ""))
    else:
        out.append("   None: every target is in the pipeline's region.")
    if c.required_alarms:
        out.append("")
        out.append("4. Organisation-wide alarms (blocking_alarms) every gate and bake reads, by exact name; a missing")
        out.append("   one fails the step, and only OK lets a gate open or a bake pass (INSUFFICIENT_DATA holds them):")
        for a in c.required_alarms:
            out.append(f"   {a.name}  in aws://{a.account}/{a.region}")
    return "\n".join(out) + "\n"
