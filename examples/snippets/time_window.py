"""A team's time window: when production steps may start (docs/planning.md)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from seawall.model import Exclusion, TimeWindow

# Monday to Friday 09:00-17:00 Berlin time, no Friday after 12:00, nothing after 16:00,
# closed on German public holidays, Bavarian ones, and US ones (half the on-call rota is in Boston).
window = TimeWindow(
    time_zone="Europe/Berlin",  # the team's zone, not the region's
    days=("mon", "tue", "wed", "thu", "fri"),
    start=time(9),
    end=time(17),
    holidays=("DE-BY", "US"),
    exclusions=(
        Exclusion.after(time(12), days=("fri",), reason="no Friday afternoons"),
        Exclusion.after(time(16), reason="a slow burn must show before people go home"),
    ),
    closed_dates=(date(2026, 12, 24), date(2026, 12, 31)),
)

berlin = ZoneInfo("Europe/Berlin")
print(window.describe())
print(window.is_open(datetime(2026, 11, 26, 10, 0, tzinfo=berlin)))  # False: US Thanksgiving
print(window.next_open(datetime(2026, 11, 26, 10, 0, tzinfo=berlin)))  # 2026-11-27 09:00+01:00, a Friday morning
print(window.next_close(datetime(2026, 11, 27, 10, 0, tzinfo=berlin)))  # 2026-11-27 12:00+01:00

# The gate Lambda receives the window as JSON and rebuilds it.
assert TimeWindow.from_dict(window.to_dict()) == window

# The same thing from the factory: Mon-Fri 09:00-16:00, Fridays until 12:00.
business = TimeWindow.business_hours(time_zone="Europe/Berlin", holidays=("DE-BY", "US"))
print(business.describe())
