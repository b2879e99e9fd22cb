"""The traffic model: requests per minute to each function of each target, and how each revision behaves.

Per target (region, cell) and function, a :class:`Load` gives the mean
requests per minute (constant, or diurnal around a peak hour); per revision, a
:class:`Health` gives its error rates -- crashes (counted in Lambda's
``Errors`` metric, and the runtime's text line in the log) and handled errors
(a Powertools JSON ``ERROR`` line, no ``Errors``) -- and its latency, optionally
turning bad only after it has served for a while (a slow burn).

Each simulated minute, :meth:`TrafficModel.minute` draws the minute's
requests for one function (Poisson around the mean), splits them over the
versions its alias routes to (binomially by weight, as Lambda's "simple
probabilistic model" does, see :mod:`seawall.sim.lambda_service`) and draws
each version's errors.  All draws come from one seeded generator, so the same
seed gives the same minutes.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Load:
    """Mean requests per minute, constant or diurnal (``diurnal`` = relative amplitude around ``peak_utc_hour``)."""

    per_minute: float
    diurnal: float = 0.0
    peak_utc_hour: float = 15.0

    def __post_init__(self) -> None:
        if isinstance(self.per_minute, bool) or not isinstance(self.per_minute, int | float):
            raise TypeError(f"Load(per_minute={self.per_minute!r}) must be a number of requests per minute")
        if not (math.isfinite(self.per_minute) and self.per_minute >= 0):
            raise ValueError(f"Load(per_minute={self.per_minute}) must be a finite number >= 0 (1/60 is one an hour)")
        if not 0 <= self.diurnal <= 1:
            raise ValueError(f"Load(diurnal={self.diurnal}) must be between 0 (constant) and 1")
        if not 0 <= self.peak_utc_hour < 24:
            raise ValueError(f"Load(peak_utc_hour={self.peak_utc_hour}) must be in [0, 24)")

    def mean(self, at: datetime) -> float:
        """Mean requests in the minute starting at `at`."""
        if not self.diurnal:
            return self.per_minute
        hour = at.hour + at.minute / 60
        return self.per_minute * (1 + self.diurnal * math.cos(2 * math.pi * (hour - self.peak_utc_hour) / 24))


@dataclass(frozen=True)
class Health:
    """How one revision's code behaves: error rates (0-1) and latency, bad only after `after_seconds` of serving."""

    error_rate: float = 0.0
    handled_error_rate: float = 0.0
    p50_ms: float = 20.0
    p99_ms: float = 120.0
    after_seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("error_rate", "handled_error_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"Health({name}={value}) must be a fraction between 0 and 1")
        if not 0 < self.p50_ms <= self.p99_ms:
            raise ValueError(f"Health(p50_ms={self.p50_ms}, p99_ms={self.p99_ms}) needs 0 < p50 <= p99")
        if self.after_seconds < 0:
            raise ValueError(f"Health(after_seconds={self.after_seconds}) must not be negative")


HEALTHY = Health()


@dataclass(frozen=True)
class VersionMinute:
    """What one version of one function served in one minute through one alias (the simulation's ground truth)."""

    minute: int
    account: str
    region: str
    function: str
    alias: str
    version: str
    revision: str
    requests: int
    errors: int
    handled_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def duration_sum_ms(self) -> float:
        """Total duration, for ``Duration`` Sum/Average (a lognormal's mean from its median and p99)."""
        if not self.requests:
            return 0.0
        return self.requests * self.p50_ms * _mean_over_median(self.p50_ms, self.p99_ms)


@functools.lru_cache(maxsize=1024)
def _mean_over_median(p50_ms: float, p99_ms: float) -> float:
    """A lognormal's mean over its median, from its median and p99 (a revision's few latencies: remembered)."""
    sigma = math.log(p99_ms / p50_ms) / 2.326 if p99_ms > p50_ms else 0.0
    return math.exp(sigma * sigma / 2)


@dataclass
class TrafficModel:
    """Loads per (target, function), health per revision, and the seeded draws of each minute."""

    #: Mean load of every function of every target unless :attr:`loads` says otherwise.
    default: Load = field(default_factory=lambda: Load(60.0))
    #: Load per (target name as ``seawall plan`` prints it, function logical name); missing keys use `default`.
    loads: Mapping[tuple[str, str], Load] = field(default_factory=dict)
    #: Health per revision (``r0`` the previous, ``r1`` the new); missing revisions are healthy.
    health: Mapping[str, Health] = field(default_factory=dict)
    #: Health of a revision on one target only, by (target, revision): overrides :attr:`health` there (an incident
    #: in one region).
    target_health: Mapping[tuple[str, str], Health] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def load(self, target: str, function: str) -> Load:
        return self.loads.get((target, function), self.default)

    def health_of(self, revision: str, served_seconds: float, target: str = "") -> Health:
        """The health of `revision` (on `target`, when given) after it has served for `served_seconds` (healthy
        before a slow burn starts)."""
        found = (self.target_health.get((target, revision)) if self.target_health else None) \
            or self.health.get(revision, HEALTHY)
        return found if served_seconds >= found.after_seconds else HEALTHY

    def requests(self, mean: float) -> int:
        """Requests in one minute with this mean (Poisson)."""
        return _poisson(self.rng, mean)

    def split(self, requests: int, routing: Mapping[str, float], primary: str) -> dict[str, int]:
        """Requests per version for an alias on `primary` with `routing` (``AdditionalVersionWeights``)."""
        out = {primary: requests}
        if not routing:
            return out
        for version, weight in sorted(routing.items()):
            moved = _binomial(self.rng, out[primary], weight)
            out[primary] -= moved
            out[version] = out.get(version, 0) + moved
        return out

    def errors(self, requests: int, rate: float) -> int:
        return _binomial(self.rng, requests, rate)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation; exact enough for counts this large
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n < 60:
        return sum(1 for _ in range(n) if rng.random() < p)
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    return min(n, max(0, round(rng.gauss(mean, sd))))
