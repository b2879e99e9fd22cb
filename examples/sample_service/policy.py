"""The sample team's release policy: pure model, no aws_cdk import.

The team "orders" runs its services in eight regions, two cells each, and
deploys to production only Monday to Thursday, 09:00-16:00 New York time,
never on a US public holiday.  `seawall plan --plan examples/sample_service/policy.py:TEAM`
shows when a change merged now reaches every region; the CDK app in this
folder builds the pipeline from the same objects.
"""

from __future__ import annotations

from datetime import time

from seawall.model import MON_THU, AlarmPolicy, ReleasePolicy, TimeWindow, WavePlan

TEAM_NAME = "orders"

#: Where the team runs, in no particular order; WavePlan.standard picks the quiet first region.
REGIONS = (
    "us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
    "ap-northeast-1", "ap-southeast-2", "ca-central-1", "eu-north-1",
)

PLAN = WavePlan.standard(REGIONS, cells=2)

WINDOW = TimeWindow(
    time_zone="America/New_York",
    days=MON_THU,  # no Friday: nobody wants a page on Friday night
    start=time(9),
    end=time(16),  # nothing after 16:00: a slow burn still shows up before people go home
    holidays=("US",),
)

ALARMS = AlarmPolicy()

TEAM = ReleasePolicy(plan=PLAN, window=WINDOW, alarms=ALARMS)
