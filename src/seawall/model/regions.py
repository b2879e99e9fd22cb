"""The central region catalogue.

Every AWS commercial region with its IANA time zone, whether it is opt-in,
which of the services Seawall relies on are offered there, and a traffic tier
that the standard wave layout uses to pick a quiet first region and a busy
second one.  Pipelines read regions from here, so adding a region to every
team's pipeline is a one-line change in one place (the article's "centralized
list of Regions").

Service availability is the catalogue's best reading of the AWS Regional
Services List; it is data, not an API call, and a team can correct it with
:meth:`RegionCatalogue.with_region` without waiting for a release.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._validate import require_bool, require_items, require_str, require_unique


class TrafficTier(Enum):
    """How busy a region is for the team's service; used to order waves."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, value: TrafficTier | str, *, parameter: str = "traffic") -> TrafficTier:
        if isinstance(value, TrafficTier):
            return value
        if not isinstance(value, str):
            raise TypeError(f"{parameter}={value!r} is a {type(value).__name__}; pass a TrafficTier or one of "
                            f"'low', 'medium', 'high'")
        try:
            return cls[str(value).upper()]
        except KeyError:
            allowed = ", ".join(t.name.lower() for t in cls)
            raise ValueError(f"{parameter}={value!r} is not a traffic tier; expected one of: {allowed}") from None


class Service(Enum):
    """AWS services a Seawall pipeline needs in a region."""

    CODEPIPELINE = "codepipeline"
    CODEDEPLOY = "codedeploy"
    STEP_FUNCTIONS = "states"
    SYNTHETICS = "synthetics"


ALL_SERVICES = frozenset(Service)
_NO_SYNTHETICS = frozenset({Service.CODEPIPELINE, Service.CODEDEPLOY, Service.STEP_FUNCTIONS})
_DEPLOY_ONLY = frozenset({Service.CODEDEPLOY, Service.STEP_FUNCTIONS})

# Services a region must offer to be a deployment target: the shift uses
# CodeDeploy, gate/shift/bake are Step Functions state machines in the region.
TARGET_SERVICES = frozenset({Service.CODEDEPLOY, Service.STEP_FUNCTIONS})


@dataclass(frozen=True, kw_only=True)
class Region:
    """One AWS region as Seawall sees it."""

    code: str
    name: str
    time_zone: str
    opt_in: bool
    traffic: TrafficTier = TrafficTier.MEDIUM
    services: frozenset[Service] = field(default=ALL_SERVICES)

    def __post_init__(self) -> None:
        require_str(self.code, "Region code", "us-east-1")
        if self.code != self.code.strip() or not self.code.isascii():
            raise ValueError(f"Region code={self.code!r} must be a region code such as 'us-east-1'")
        require_str(self.name, f"Region {self.code!r} name", "US East (N. Virginia)")
        require_str(self.time_zone, f"Region {self.code!r} time_zone", "America/New_York")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Region {self.code!r} time_zone={self.time_zone!r} is not a known IANA time zone; "
                             f"use a name such as 'America/New_York'") from None
        require_bool(self.opt_in, f"Region {self.code!r} opt_in")
        if not isinstance(self.traffic, TrafficTier):
            raise TypeError(f"Region {self.code!r} traffic={self.traffic!r} is not a TrafficTier; use e.g. "
                            f"TrafficTier.LOW")
        services = require_items(self.services, f"Region {self.code!r} services", "{Service.CODEDEPLOY}")
        for s in services:
            if not isinstance(s, Service):
                raise TypeError(f"Region {self.code!r} services holds {s!r}, which is not a Service; use e.g. "
                                f"Service.CODEDEPLOY")
        object.__setattr__(self, "services", frozenset(services))

    def offers(self, service: Service) -> bool:
        return service in self.services


def _r(code: str, name: str, tz: str, *, opt_in: bool = False, traffic: TrafficTier = TrafficTier.MEDIUM,
       services: frozenset[Service] = ALL_SERVICES) -> Region:
    return Region(code=code, name=name, time_zone=tz, opt_in=opt_in, traffic=traffic, services=services)


L, M, H = TrafficTier.LOW, TrafficTier.MEDIUM, TrafficTier.HIGH

# Ordered roughly by launch date; the order is the default order of later waves.
COMMERCIAL_REGIONS: tuple[Region, ...] = (
    _r("us-east-1", "US East (N. Virginia)", "America/New_York", traffic=H),
    _r("us-west-2", "US West (Oregon)", "America/Los_Angeles", traffic=H),
    _r("eu-west-1", "Europe (Ireland)", "Europe/Dublin", traffic=H),
    _r("us-west-1", "US West (N. California)", "America/Los_Angeles", traffic=M),
    _r("ap-southeast-1", "Asia Pacific (Singapore)", "Asia/Singapore", traffic=M),
    _r("ap-northeast-1", "Asia Pacific (Tokyo)", "Asia/Tokyo", traffic=H),
    _r("ap-southeast-2", "Asia Pacific (Sydney)", "Australia/Sydney", traffic=M),
    _r("sa-east-1", "South America (Sao Paulo)", "America/Sao_Paulo", traffic=M),
    _r("eu-central-1", "Europe (Frankfurt)", "Europe/Berlin", traffic=H),
    _r("ap-northeast-2", "Asia Pacific (Seoul)", "Asia/Seoul", traffic=M),
    _r("ap-south-1", "Asia Pacific (Mumbai)", "Asia/Kolkata", traffic=M),
    _r("us-east-2", "US East (Ohio)", "America/New_York", traffic=M),
    _r("ca-central-1", "Canada (Central)", "America/Toronto", traffic=M),
    _r("eu-west-2", "Europe (London)", "Europe/London", traffic=M),
    _r("eu-west-3", "Europe (Paris)", "Europe/Paris", traffic=M),
    _r("ap-northeast-3", "Asia Pacific (Osaka)", "Asia/Tokyo", traffic=L),
    _r("eu-north-1", "Europe (Stockholm)", "Europe/Stockholm", traffic=L),
    _r("ap-east-1", "Asia Pacific (Hong Kong)", "Asia/Hong_Kong", opt_in=True, traffic=L),
    _r("me-south-1", "Middle East (Bahrain)", "Asia/Bahrain", opt_in=True, traffic=L),
    _r("af-south-1", "Africa (Cape Town)", "Africa/Johannesburg", opt_in=True, traffic=L),
    _r("eu-south-1", "Europe (Milan)", "Europe/Rome", opt_in=True, traffic=L),
    _r("ap-southeast-3", "Asia Pacific (Jakarta)", "Asia/Jakarta", opt_in=True, traffic=L),
    _r("me-central-1", "Middle East (UAE)", "Asia/Dubai", opt_in=True, traffic=L),
    _r("eu-central-2", "Europe (Zurich)", "Europe/Zurich", opt_in=True, traffic=L),
    _r("eu-south-2", "Europe (Spain)", "Europe/Madrid", opt_in=True, traffic=L),
    _r("ap-south-2", "Asia Pacific (Hyderabad)", "Asia/Kolkata", opt_in=True, traffic=L),
    _r("ap-southeast-4", "Asia Pacific (Melbourne)", "Australia/Melbourne", opt_in=True, traffic=L),
    _r("il-central-1", "Israel (Tel Aviv)", "Asia/Jerusalem", opt_in=True, traffic=L),
    _r("ca-west-1", "Canada West (Calgary)", "America/Edmonton", opt_in=True, traffic=L),
    _r("ap-southeast-5", "Asia Pacific (Malaysia)", "Asia/Kuala_Lumpur", opt_in=True, traffic=L,
       services=_NO_SYNTHETICS),
    _r("ap-southeast-7", "Asia Pacific (Thailand)", "Asia/Bangkok", opt_in=True, traffic=L,
       services=_NO_SYNTHETICS),
    _r("mx-central-1", "Mexico (Central)", "America/Mexico_City", opt_in=True, traffic=L,
       services=_NO_SYNTHETICS),
    _r("ap-east-2", "Asia Pacific (Taipei)", "Asia/Taipei", opt_in=True, traffic=L, services=_DEPLOY_ONLY),
    _r("ap-southeast-6", "Asia Pacific (New Zealand)", "Pacific/Auckland", opt_in=True, traffic=L,
       services=_DEPLOY_ONLY),
)


@dataclass(frozen=True)
class RegionCatalogue:
    """An immutable, ordered set of regions looked up by code."""

    regions: tuple[Region, ...] = COMMERCIAL_REGIONS

    def __post_init__(self) -> None:
        if isinstance(self.regions, Region):
            raise TypeError(f"regions={self.regions!r} is one Region; pass a tuple of Region")
        object.__setattr__(self, "regions", require_items(self.regions, "regions", "(Region(...), ...)"))
        seen: set[str] = set()
        for r in self.regions:
            if not isinstance(r, Region):
                raise TypeError(f"regions holds {r!r}, which is not a Region")
            if r.code in seen:
                raise ValueError(f"regions lists region {r.code!r} twice; each region code may appear once")
            seen.add(r.code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def __len__(self) -> int:
        return len(self.regions)

    def __contains__(self, code: object) -> bool:
        return any(r.code == code for r in self.regions)

    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions)

    def get(self, code: str, *, parameter: str = "region") -> Region:
        """The region with this code, or a ValueError that names close matches."""
        for r in self.regions:
            if r.code == code:
                return r
        close = [c for c in self.codes() if c.split("-")[0] == str(code).split("-")[0]]
        hint = f" (did you mean one of {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"{parameter}={code!r} is not a known AWS commercial region{hint}; "
            f"add it with RegionCatalogue.with_region() if AWS launched it after this release"
        )

    def target(self, code: str, *, parameter: str = "region") -> Region:
        """The region, checked to offer what a deployment target needs."""
        r = self.get(code, parameter=parameter)
        missing = sorted(s.value for s in TARGET_SERVICES - r.services)
        if missing:
            raise ValueError(
                f"{parameter}={code!r} cannot be a deployment target: {', '.join(missing)} "
                f"not available there (Seawall shifts traffic with CodeDeploy and gates with Step Functions)"
            )
        return r

    def pipeline_home(self, code: str, *, parameter: str = "pipeline_region") -> Region:
        """The region, checked to host a CodePipeline pipeline."""
        r = self.get(code, parameter=parameter)
        if not r.offers(Service.CODEPIPELINE):
            homes = ", ".join(x.code for x in self.regions if x.offers(Service.CODEPIPELINE) and not x.opt_in)
            raise ValueError(
                f"{parameter}={code!r} cannot host the pipeline: CodePipeline is not available there; "
                f"choose one of {homes}"
            )
        return r

    def with_region(self, region: Region) -> RegionCatalogue:
        """A catalogue with `region` added, or replacing the region of the same code."""
        if not isinstance(region, Region):
            raise TypeError(f"region={region!r} is a {type(region).__name__}, not a Region")
        if region.code in self:
            return RegionCatalogue(tuple(region if r.code == region.code else r for r in self.regions))
        return RegionCatalogue((*self.regions, region))

    def with_traffic(self, tiers: Mapping[str, TrafficTier | str]) -> RegionCatalogue:
        """A catalogue with traffic tiers overridden per region code."""
        if not isinstance(tiers, Mapping):
            raise TypeError(f"traffic_overrides={tiers!r} is a {type(tiers).__name__}; pass a dict of region code "
                            f"to tier, e.g. {{'eu-north-1': 'low'}}")
        out = self
        for code, tier in tiers.items():
            r = out.get(code, parameter="traffic_overrides")
            out = out.with_region(replace(r, traffic=TrafficTier.parse(tier, parameter=f"traffic_overrides[{code!r}]")))
        return out

    def without_opt_in(self) -> RegionCatalogue:
        return RegionCatalogue(tuple(r for r in self.regions if not r.opt_in))

    def select(self, codes: Iterable[str], *, parameter: str = "regions") -> tuple[Region, ...]:
        """The deployment-target regions of `codes`, in order; a str, a non-str code or a duplicate is refused."""
        items = require_items(codes, parameter, "['eu-north-1', 'us-east-1']")
        for c in items:
            require_str(c, f"{parameter} item", "us-east-1")
        require_unique(items, parameter, "region")
        return tuple(self.target(c, parameter=parameter) for c in items)


CATALOGUE = RegionCatalogue()


def commercial_regions(*, include_opt_in: bool = True) -> tuple[str, ...]:
    """Codes of every commercial region in the catalogue that can be a deployment target."""
    return tuple(
        r.code for r in CATALOGUE
        if (include_opt_in or not r.opt_in) and TARGET_SERVICES <= r.services
    )
