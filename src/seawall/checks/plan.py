"""Rules over the plan, read through the one step expansion (:func:`seawall.model.expand_steps`)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model.policies import ONE_BOX_MAX_PERCENT, TrafficKind
from ..model.waves import WavePlan
from .core import Compliance, Finding


def _f(check_id: str, status: Compliance, resource: str, message: str) -> Finding:
    return Finding(check_id=check_id, status=status, message=message, resource=resource)


def check_production_steps_baked(plan: WavePlan) -> Iterator[Finding]:
    """SW014: every production step has a bake (gates run before every production step)."""
    for step in plan.steps():
        res = f"step {step.name}"
        if not step.production:
            yield _f("SW014", Compliance.NOT_APPLICABLE, res, f"step {step.name} is pre-production")
        elif not step.baked:
            yield _f("SW014", Compliance.NON_COMPLIANT, res,
                     f"production step {step.name} (wave {step.wave!r}) has no bake, so the next step starts "
                     f"without watching this one; give wave {step.wave!r} a BakePolicy with a duration "
                     f"(and cell_bake for the steps before its last)")
        else:
            yield _f("SW014", Compliance.COMPLIANT, res,
                     f"production step {step.name} is gated and bakes {step.bake.describe()}")


def check_first_wave_one_region(plan: WavePlan) -> Iterator[Finding]:
    """SW008: the first production wave deploys to one region."""
    wave = plan.waves[0]
    res = f"wave {wave.name}"
    if len(wave.regions) > 1:
        yield _f("SW008", Compliance.NON_COMPLIANT, res,
                 f"first production wave {wave.name!r} spans {len(wave.regions)} regions "
                 f"({', '.join(wave.regions)}); put one low-traffic region in it and move the others to later waves")
    else:
        yield _f("SW008", Compliance.COMPLIANT, res,
                 f"first production wave {wave.name!r} deploys to one region ({wave.regions[0]})")


def check_one_box_share(plan: WavePlan) -> Iterator[Finding]:
    """SW009: the first traffic move of every production step is at most 10 %.

    A canary moves its percent first, a linear shift its increment, and
    all-at-once moves 100 %: no one-box at all.
    """
    for step in plan.steps():
        res = f"step {step.name}"
        if not step.production:
            yield _f("SW009", Compliance.NOT_APPLICABLE, res, f"step {step.name} is pre-production")
            continue
        first = step.traffic.percent
        if first > ONE_BOX_MAX_PERCENT:
            how = ("moves all traffic at once, with no one-box"
                   if step.traffic.kind is TrafficKind.ALL_AT_ONCE else
                   f"first moves {first}% of traffic ({step.traffic.describe()})")
            yield _f("SW009", Compliance.NON_COMPLIANT, res,
                     f"production step {step.name} {how}, above the one-box limit of {ONE_BOX_MAX_PERCENT}%; "
                     f"give wave {step.wave!r} traffic=TrafficPolicy.canary(percent<={ONE_BOX_MAX_PERCENT}) "
                     f"or TrafficPolicy.linear(percent<={ONE_BOX_MAX_PERCENT})")
        else:
            yield _f("SW009", Compliance.COMPLIANT, res,
                     f"production step {step.name} one-box takes {first}% ({step.traffic.describe()})")

