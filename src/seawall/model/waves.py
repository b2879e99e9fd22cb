"""Targets, waves, the wave plan, and the one step expansion everything reads.

A wave is a sequence of deployment *steps*.  A step deploys one cell of each
of the wave's regions in parallel (or whole regions where there are no
cells).  :func:`expand_steps` is the only place that turns a plan into steps:
the planner, the pipeline renderer and the safety checks all call it, so
``seawall plan`` and the pipeline cannot disagree on what happens when.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ._validate import (
    require_account,
    require_bool,
    require_int,
    require_items,
    require_str,
    require_timedelta,
    require_unique,
)
from .limits import MAX_ACTIONS_PER_PIPELINE, MAX_ACTIONS_PER_STAGE, MAX_BAKE_WAIT, MAX_STAGES_PER_PIPELINE
from .policies import BakePolicy, TrafficPolicy, require_one_box
from .regions import CATALOGUE, RegionCatalogue, TrafficTier

# Matched with fullmatch: a pattern's `$` also matches before a trailing newline.
_CELL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?")
_WAVE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")

#: Five actions per target (gate, deploy, shift, bake and a test) fill CodePipeline's 50 actions per stage.
DEFAULT_MAX_TARGETS_PER_STEP = 10


@dataclass(frozen=True, kw_only=True)
class Target:
    """One deployment target: a region, optionally one cell of it, optionally in its own account."""

    region: str
    cell: str | None = None
    account: str | None = None

    def __post_init__(self) -> None:
        require_str(self.region, "Target region", "us-east-1")
        if self.cell is not None:
            require_str(self.cell, "Target cell", "cell-1")
            if not _CELL.fullmatch(self.cell):
                raise ValueError(
                    f"cell={self.cell!r} is not a valid cell name; use 1-20 lower-case letters, digits and "
                    f"hyphens, starting and ending with a letter or digit (e.g. 'cell-1')"
                )
        if self.account is not None:
            require_account(self.account, "Target account")

    @property
    def name(self) -> str:
        """Stable, human-readable id: ``us-east-1`` or ``us-east-1-cell-1``."""
        return f"{self.region}-{self.cell}" if self.cell else self.region

    def to_dict(self) -> dict[str, str | None]:
        return {"region": self.region, "cell": self.cell, "account": self.account, "name": self.name}


@dataclass(frozen=True, kw_only=True)
class Wave:
    """Targets deployed together; the next wave waits for `bake` with alarms quiet.

    Parameters
    ----------
    name:
        Stable name, used in pipeline stage names (letters, digits, hyphens).
    targets:
        The wave's targets.  All cells of a region belong to one wave.
    bake:
        Bake after the wave's last step.
    cell_bake:
        Bake after each step before the last.  Default: the wave's `bake`.
    traffic:
        How each step's shift moves traffic.  Default: a 10 % one-box canary
        for 60 minutes, then the rest at once.
    one_cell_at_a_time:
        Deploy one cell of each region per step (default), or all targets in one step.
    """

    name: str
    targets: tuple[Target, ...]
    bake: BakePolicy
    cell_bake: BakePolicy | None = None
    traffic: TrafficPolicy = field(default_factory=TrafficPolicy.canary)
    one_cell_at_a_time: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"wave name={self.name!r} is a {type(self.name).__name__}; pass a string such as 'wave-1'")
        if not _WAVE_NAME.fullmatch(self.name):
            raise ValueError(
                f"wave name={self.name!r} is not allowed; use 1-40 letters, digits and hyphens, "
                f"starting with a letter or digit (it becomes a pipeline stage name)"
            )
        if isinstance(self.targets, Target):
            raise TypeError(f"wave {self.name!r} targets={self.targets!r} is one Target; pass a list of Target, "
                            f"e.g. targets=[Target(region='us-east-1')]")
        object.__setattr__(self, "targets", require_items(self.targets, f"wave {self.name!r} targets",
                                                          "[Target(region='us-east-1')]"))
        if not self.targets:
            raise ValueError(f"wave {self.name!r} has no targets; give it at least one Target")
        for t in self.targets:
            if not isinstance(t, Target):
                raise TypeError(f"wave {self.name!r} target {t!r} is not a Target; use Target(region=...)")
        for attr in ("bake", "cell_bake"):
            value = getattr(self, attr)
            if not isinstance(value, BakePolicy) and not (attr == "cell_bake" and value is None):
                raise TypeError(f"wave {self.name!r} {attr}={value!r} is not a BakePolicy; use e.g. "
                                f"BakePolicy(duration=timedelta(hours=2), min_data_points=100)")
        if not isinstance(self.traffic, TrafficPolicy):
            raise TypeError(f"wave {self.name!r} traffic={self.traffic!r} is not a TrafficPolicy; use e.g. "
                            f"TrafficPolicy.canary() or TrafficPolicy.linear(...)")
        seen: set[tuple[str, str | None]] = set()
        for t in self.targets:
            key = (t.region, t.cell)
            if key in seen:
                raise ValueError(f"wave {self.name!r} lists target {t.name!r} twice; list each cell once")
            seen.add(key)
        by_region: dict[str, list[Target]] = {}
        for t in self.targets:
            by_region.setdefault(t.region, []).append(t)
        for region, ts in by_region.items():
            if len(ts) > 1 and any(t.cell is None for t in ts):
                raise ValueError(
                    f"wave {self.name!r} lists region {region!r} both whole and by cell; "
                    f"either give every target of the region a cell or list the region once"
                )
        require_one_box(self.traffic, f"wave {self.name!r} traffic")
        require_bool(self.one_cell_at_a_time, f"wave {self.name!r} one_cell_at_a_time")

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.region for t in self.targets))

    @property
    def between_cells_bake(self) -> BakePolicy:
        return self.cell_bake if self.cell_bake is not None else self.bake


@dataclass(frozen=True, kw_only=True)
class Step:
    """One deployment step: what one pipeline stage deploys.

    For every target, in order: gate (production only), deploy, shift, bake.
    """

    index: int
    wave: str
    number: int
    of: int
    targets: tuple[Target, ...]
    traffic: TrafficPolicy
    bake: BakePolicy
    production: bool

    @property
    def name(self) -> str:
        """Stable step name, used as the pipeline stage name."""
        return self.wave if self.of == 1 else f"{self.wave}-{self.number}"

    @property
    def gated(self) -> bool:
        """Production steps are gated by the time window and the alarm blocker."""
        return self.production

    @property
    def baked(self) -> bool:
        return not self.bake.is_empty

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.region for t in self.targets))

    @property
    def is_wave_end(self) -> bool:
        return self.number == self.of

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index, "name": self.name, "wave": self.wave, "number": self.number, "of": self.of,
            "production": self.production, "targets": [t.to_dict() for t in self.targets],
            "traffic": self.traffic.to_dict(), "bake": self.bake.to_dict(),
        }


@dataclass(frozen=True, kw_only=True)
class WavePlan:
    """Pre-production stages then production waves, validated together.

    Parameters
    ----------
    pre_production:
        Waves before production, typically ``alpha``, ``beta``, ``gamma`` and
        optionally ``zeta``.  Not gated; the same alarms and shift as production.
    waves:
        Production waves in order.  A region may appear in one production wave only.
    max_targets_per_step:
        Most targets one step (one pipeline stage) deploys in parallel; a larger
        group runs as several steps in sequence.  Default 10: five actions per
        target fill CodePipeline's 50 actions per stage.
    catalogue:
        Where region codes are checked.  Default: every commercial region.
    """

    pre_production: tuple[Wave, ...] = ()
    waves: tuple[Wave, ...]
    max_targets_per_step: int = DEFAULT_MAX_TARGETS_PER_STEP
    catalogue: RegionCatalogue = CATALOGUE

    def __post_init__(self) -> None:
        for attr in ("pre_production", "waves"):
            value = getattr(self, attr)
            if isinstance(value, Wave):
                raise TypeError(f"{attr}={value!r} is one Wave; pass a list, e.g. {attr}=[Wave(name=..., ...)]")
            object.__setattr__(self, attr, require_items(value, attr, f"{attr}=[Wave(name=..., ...)]"))
            for w in getattr(self, attr):
                if not isinstance(w, Wave):
                    raise TypeError(f"{attr} holds {w!r}, which is not a Wave; build each with Wave(name=..., "
                                    f"targets=[Target(...)], bake=BakePolicy(...))")
        if not isinstance(self.catalogue, RegionCatalogue):
            raise TypeError(f"catalogue={self.catalogue!r} is not a RegionCatalogue")
        if not self.waves:
            raise ValueError("waves is empty; a plan needs at least one production wave")
        require_int(self.max_targets_per_step, "max_targets_per_step", minimum=1, maximum=MAX_ACTIONS_PER_STAGE,
                    why="CodePipeline's actions per stage")
        names: set[str] = set()
        for w in (*self.pre_production, *self.waves):
            if w.name in names:
                raise ValueError(f"wave name {w.name!r} is used twice; wave and stage names must be unique")
            names.add(w.name)
            for t in w.targets:
                self.catalogue.target(t.region, parameter=f"wave {w.name!r} region")
        owner: dict[str, str] = {}
        for w in self.waves:
            for region in w.regions:
                if region in owner and owner[region] != w.name:
                    raise ValueError(
                        f"wave {w.name!r} lists region {region!r}, already in wave {owner[region]!r}; "
                        f"a region may appear in one production wave only"
                    )
                owner[region] = w.name
        self._check_size()

    def _check_size(self) -> None:
        """Refuse a plan no pipeline can hold: each step is a stage, each target at least one action."""
        steps = expand_steps(self)
        if len(steps) > MAX_STAGES_PER_PIPELINE:
            raise ValueError(
                f"the plan expands to {len(steps)} steps, each a pipeline stage; CodePipeline allows "
                f"{MAX_STAGES_PER_PIPELINE} stages per pipeline. Deploy fewer cells one at a time, raise "
                f"max_targets_per_step (now {self.max_targets_per_step}), or split the regions over two pipelines"
            )
        targets = sum(len(s.targets) for s in steps)
        if targets > MAX_ACTIONS_PER_PIPELINE:
            raise ValueError(
                f"the plan deploys {targets} targets, each at least one pipeline action; CodePipeline allows "
                f"{MAX_ACTIONS_PER_PIPELINE} actions per pipeline. Use fewer cells or regions per pipeline"
            )

    @property
    def all_waves(self) -> tuple[Wave, ...]:
        return (*self.pre_production, *self.waves)

    def steps(self) -> tuple[Step, ...]:
        return expand_steps(self)

    @classmethod
    def standard(
        cls,
        regions: Sequence[str],
        *,
        cells: int | Sequence[str] = 1,
        account: str | None = None,
        pre_production_account: str | None = None,
        pre_production_regions: Sequence[str] | None = None,
        zeta: bool = False,
        traffic_overrides: Mapping[str, TrafficTier | str] | None = None,
        one_box: TrafficPolicy | None = None,
        first_wave_bake: timedelta = timedelta(hours=12),
        second_wave_bake: timedelta = timedelta(hours=4),
        later_wave_bake: timedelta = timedelta(hours=2),
        cell_bake: timedelta = timedelta(hours=1),
        min_data_points: int = 100,
        max_targets_per_step: int = DEFAULT_MAX_TARGETS_PER_STEP,
        catalogue: RegionCatalogue = CATALOGUE,
    ) -> WavePlan:
        """The article's layout over `regions`.

        Wave 1 is one low-traffic region, wave 2 one high-traffic region,
        then 3 regions, then up to 12, then the rest.  Each region goes one
        cell at a time.  Bakes shrink as confidence grows: 12 h after wave 1,
        4 h after wave 2, 2 h after later waves, 1 h after each cell step
        before a wave's last; every bake waits for `min_data_points`
        invocations.  Each shift is a one-box canary: 10 % for 60 minutes.

        Pre-production: alpha and beta (all at once, tests as post steps, no
        bake) in the first region, gamma in the first two production regions
        with the same alarms, a 10 % / 30 minute one-box and a 1 h bake, and
        optionally zeta.
        """
        regions = list(require_items(regions, "regions", "['eu-north-1', 'us-east-1']"))
        if not regions:
            raise ValueError("regions is empty; WavePlan.standard needs at least one region")
        for code in regions:
            require_str(code, "regions item", "us-east-1")
        require_unique(regions, "regions", "region")
        if not isinstance(catalogue, RegionCatalogue):
            raise TypeError(f"catalogue={catalogue!r} is a {type(catalogue).__name__}, not a RegionCatalogue")
        if traffic_overrides is not None and not isinstance(traffic_overrides, Mapping):
            raise TypeError(f"traffic_overrides={traffic_overrides!r} is a {type(traffic_overrides).__name__}; "
                            f"pass a dict of region code to tier, e.g. {{'eu-north-1': 'low'}}")
        cat = catalogue.with_traffic(traffic_overrides or {})
        chosen = list(cat.select(regions))
        cell_names: list[str | None]
        if isinstance(cells, int) and not isinstance(cells, bool):
            require_int(cells, "cells", minimum=1, maximum=MAX_STAGES_PER_PIPELINE,
                        why="each cell of a region is at least one pipeline stage")
            cell_names = [None] if cells == 1 else [f"cell-{i}" for i in range(1, cells + 1)]
        else:
            if isinstance(cells, bool):
                raise TypeError(f"cells={cells!r} is a bool; pass a number of cells (int) or a list of cell names")
            cell_names = list(require_items(cells, "cells", "['cell-1', 'cell-2'] or a number such as 3"))
            if not cell_names:
                raise ValueError("cells is an empty list; give at least one cell name or cells=1")
            for c in cell_names:
                require_str(c, "cells item", "cell-1")
            require_unique(cell_names, "cells", "cell")
            if len(cell_names) > MAX_STAGES_PER_PIPELINE:
                raise ValueError(f"cells lists {len(cell_names)} cells; each cell of a region is at least one "
                                 f"pipeline stage and CodePipeline allows {MAX_STAGES_PER_PIPELINE}")
        for name, value in (("account", account), ("pre_production_account", pre_production_account)):
            if value is not None:
                require_account(value, name)
        require_bool(zeta, "zeta")
        if one_box is not None and not isinstance(one_box, TrafficPolicy):
            raise TypeError(f"one_box={one_box!r} is a {type(one_box).__name__}, not a TrafficPolicy; use e.g. "
                            f"TrafficPolicy.canary()")
        for name, span in (("first_wave_bake", first_wave_bake), ("second_wave_bake", second_wave_bake),
                           ("later_wave_bake", later_wave_bake), ("cell_bake", cell_bake)):
            require_timedelta(span, name, maximum=MAX_BAKE_WAIT,
                              why="the longest one bake state machine execution can watch")
        require_int(min_data_points, "min_data_points", minimum=0)
        one_box = one_box or TrafficPolicy.canary()
        require_one_box(one_box, "one_box")

        # Wave 1: the quietest region (first listed among the lowest tier);
        # wave 2: the busiest remaining; then the rest in the order given.
        low = min(chosen, key=lambda r: (r.traffic.value, regions.index(r.code)))
        rest = [r for r in chosen if r is not low]
        order = [low]
        if rest:
            high = max(rest, key=lambda r: (r.traffic.value, -regions.index(r.code)))
            order.append(high)
            rest = [r for r in rest if r is not high]
        order += rest
        groups: list[list[str]] = [[order[0].code]]
        if len(order) > 1:
            groups.append([order[1].code])
        tail = [r.code for r in order[2:]]
        for size in (3, 12):
            if tail:
                groups.append(tail[:size])
                tail = tail[size:]
        if tail:
            groups.append(tail)

        def targets(codes: Sequence[str], acct: str | None) -> tuple[Target, ...]:
            return tuple(Target(region=c, cell=cell, account=acct) for c in codes for cell in cell_names)

        def bake(d: timedelta) -> BakePolicy:
            return BakePolicy(duration=d, min_data_points=min_data_points)

        wave_bakes = [first_wave_bake, second_wave_bake]
        waves = tuple(
            Wave(
                name=f"wave-{i + 1}",
                targets=targets(codes, account),
                bake=bake(wave_bakes[i] if i < len(wave_bakes) else later_wave_bake),
                cell_bake=bake(cell_bake),
                traffic=one_box,
            )
            for i, codes in enumerate(groups)
        )
        pre_regions = ([g[0] for g in groups[:2]] if pre_production_regions is None else
                       list(require_items(pre_production_regions, "pre_production_regions", "['us-east-1']")))
        pre_account = pre_production_account if pre_production_account is not None else account
        cat.select(pre_regions, parameter="pre_production_regions")
        pre = cls.standard_pre_production(pre_regions, account=pre_account, cell=cell_names[0], zeta=zeta,
                                          one_box=one_box, catalogue=cat)
        return cls(pre_production=pre, waves=waves, max_targets_per_step=max_targets_per_step, catalogue=cat)

    @staticmethod
    def standard_pre_production(
        regions: Sequence[str],
        *,
        account: str | None = None,
        cell: str | None = None,
        zeta: bool = False,
        one_box: TrafficPolicy | None = None,
        catalogue: RegionCatalogue = CATALOGUE,
    ) -> tuple[Wave, ...]:
        """The pre-production stages of :meth:`standard`, for a plan whose production waves are your own.

        ``WavePlan(pre_production=WavePlan.standard_pre_production([...]), waves=[...])``
        keeps alpha, beta, gamma (and zeta) exactly as :meth:`standard` makes
        them while you choose the production waves yourself.

        Parameters
        ----------
        regions:
            Gamma's regions, deployed together; alpha, beta and zeta deploy to
            the first.  Typically the regions of the first two production waves.
        account:
            The pre-production account.  Default: the pipeline's account.
        cell:
            The cell alpha, beta and zeta deploy to in the first region.
            Default: the whole region.
        zeta:
            Add zeta (integration tests of the new code against production
            endpoints) after gamma.  Default ``False``.
        one_box:
            The production one-box, whose percentage gamma's one-box copies
            (over 30 minutes).  Default: ``TrafficPolicy.canary()`` (10 %).
        catalogue:
            Where region codes are checked.  Default: every commercial region.

        Returns
        -------
        tuple[Wave, ...]
            alpha and beta (all at once, no bake: tests run as post steps),
            gamma (every region at once, a 30-minute one-box, a 1 h bake with
            the production alarms) and, with `zeta`, zeta.
        """
        codes = list(require_items(regions, "regions", "['eu-north-1', 'us-east-1']"))
        for code in codes:
            require_str(code, "regions item", "us-east-1")
        require_unique(codes, "regions", "region")
        if not codes:
            raise ValueError("regions is empty; standard_pre_production needs at least one region "
                             "(alpha and beta deploy to the first, gamma to all of them)")
        if not isinstance(catalogue, RegionCatalogue):
            raise TypeError(f"catalogue={catalogue!r} is not a RegionCatalogue")
        catalogue.select(codes, parameter="regions")
        require_bool(zeta, "zeta")
        if one_box is None:
            one_box = TrafficPolicy.canary()
        elif not isinstance(one_box, TrafficPolicy):
            raise TypeError(f"one_box={one_box!r} is not a TrafficPolicy; use e.g. TrafficPolicy.canary()")
        require_one_box(one_box, "one_box")
        home = Target(region=codes[0], cell=cell, account=account)

        def at_once_stage(name: str) -> Wave:
            return Wave(name=name, targets=(home,), bake=BakePolicy.none(), traffic=TrafficPolicy.all_at_once())

        pre = [
            at_once_stage("alpha"),
            at_once_stage("beta"),
            Wave(name="gamma", targets=tuple(Target(region=c, account=account) for c in codes),
                 bake=BakePolicy(duration=timedelta(hours=1), min_data_points=0),
                 traffic=TrafficPolicy.canary(percent=one_box.percent, interval=timedelta(minutes=30)),
                 one_cell_at_a_time=False),
        ]
        if zeta:
            pre.append(at_once_stage("zeta"))
        return tuple(pre)


def _wave_groups(wave: Wave) -> list[tuple[Target, ...]]:
    """The wave's targets grouped into cell steps (before splitting for stage size)."""
    if not wave.one_cell_at_a_time:
        return [wave.targets]
    by_region: dict[str, list[Target]] = {}
    for t in wave.targets:
        by_region.setdefault(t.region, []).append(t)
    depth = max(len(ts) for ts in by_region.values())
    return [tuple(ts[i] for ts in by_region.values() if i < len(ts)) for i in range(depth)]


def expand_steps(plan: WavePlan) -> tuple[Step, ...]:
    """Expand a plan into its ordered deployment steps.

    Pre-production waves come first, then production waves.  Within a wave,
    step *k* deploys the *k*-th cell of every region in parallel (or all
    targets at once when ``one_cell_at_a_time`` is off); a group larger than
    ``plan.max_targets_per_step`` becomes several steps in sequence.  The
    wave's ``bake`` follows its last step, ``cell_bake`` every step before.
    """
    steps: list[Step] = []
    for production, waves in ((False, plan.pre_production), (True, plan.waves)):
        for wave in waves:
            chunks: list[tuple[Target, ...]] = []
            for group in _wave_groups(wave):
                # Balanced split: 12 targets at 10 per step become 6 + 6, not 10 + 2.
                parts = -(-len(group) // plan.max_targets_per_step)
                size = -(-len(group) // parts)
                chunks += [group[i:i + size] for i in range(0, len(group), size)]
            for n, chunk in enumerate(chunks, start=1):
                last = n == len(chunks)
                steps.append(Step(
                    index=len(steps), wave=wave.name, number=n, of=len(chunks), targets=chunk,
                    traffic=wave.traffic, bake=wave.bake if last else wave.between_cells_bake,
                    production=production,
                ))
    return tuple(steps)

