"""If I merge now, when is it everywhere? (docs/planning.md)"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from seawall.model import MON_THU, TimeWindow, WavePlan, commercial_regions, format_span, plan_rollout

new_york = ZoneInfo("America/New_York")
window = TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16), holidays=("US",))
plan = WavePlan.standard(commercial_regions(), cells=1)

rollout = plan_rollout(plan, window, datetime(2026, 11, 30, 9, 0, tzinfo=new_york))

for s in rollout.steps:
    print(f"{s.step.name:9} gate {s.gate_opens.astimezone(new_york):%a %H:%M}  "
          f"waited {format_span(s.waited):>10}  done {s.done.astimezone(new_york):%a %H:%M}")
print(f"everywhere {rollout.finished.astimezone(new_york):%a %Y-%m-%d %H:%M}, "
      f"{format_span(rollout.total)} after the merge, {rollout.business_days()} business days")
for warning in rollout.warnings:
    print("warning:", warning)
