"""The traffic model: seeded draws, routing by weight, slow burns, and bad input refused by name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.sim.traffic import HEALTHY, Health, Load, TrafficModel


def test_the_same_seed_draws_the_same_minutes():
    draws = [[m.requests(30) for _ in range(50)] for m in (TrafficModel(seed=3), TrafficModel(seed=3))]
    assert draws[0] == draws[1]
    assert draws[0] != [TrafficModel(seed=4).requests(30) for _ in range(50)]


@settings(max_examples=200, deadline=None)
@given(requests=st.integers(0, 5000), weight=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_a_split_keeps_every_request_and_an_unsplit_alias_sends_all_to_its_version(requests, weight, seed):
    model = TrafficModel(seed=seed)
    split = model.split(requests, {"2": weight}, "1")
    assert sum(split.values()) == requests and min(split.values()) >= 0
    assert model.split(requests, {}, "1") == {"1": requests}


def test_a_tenth_of_the_traffic_goes_to_a_version_weighted_at_ten_percent():
    model = TrafficModel(seed=1)
    moved = sum(model.split(1000, {"2": 0.1}, "1")["2"] for _ in range(200))
    assert 19_000 < moved < 21_000


def test_poisson_draws_average_the_mean_even_at_one_request_an_hour():
    model = TrafficModel(seed=2)
    assert sum(model.requests(1 / 60) for _ in range(60_000)) in range(900, 1100)
    assert 0.9 < sum(model.requests(2000) for _ in range(100)) / 200_000 < 1.1


def test_a_slow_burn_is_healthy_until_it_has_served_long_enough():
    bad = Health(error_rate=0.5, after_seconds=3600)
    model = TrafficModel(health={"r1": bad})
    assert model.health_of("r1", 3599) == HEALTHY and model.health_of("r1", 3600) == bad
    assert model.health_of("r0", 10**6) == HEALTHY


def test_diurnal_load_peaks_at_its_hour():
    load = Load(100, diurnal=0.5, peak_utc_hour=15)
    assert load.mean(datetime(2027, 3, 2, 15, tzinfo=UTC)) == pytest.approx(150)
    assert load.mean(datetime(2027, 3, 2, 3, tzinfo=UTC)) == pytest.approx(50)


def test_bad_traffic_input_is_refused_naming_the_parameter():
    with pytest.raises(TypeError, match="per_minute"):
        Load("60")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per_minute"):
        Load(float("nan"))
    with pytest.raises(ValueError, match="diurnal"):
        Load(1, diurnal=2)
    with pytest.raises(ValueError, match="error_rate"):
        Health(error_rate=1.5)
    with pytest.raises(ValueError, match="p50"):
        Health(p50_ms=200, p99_ms=100)
