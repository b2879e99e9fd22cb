"""Your own production waves, Seawall's standard pre-production (README "Custom waves"; the tests run this file)."""

from datetime import timedelta

from seawall.model import BakePolicy, Target, Wave, WavePlan, bootstrap_checklist
from seawall.report import render_bootstrap

PIPELINE_ACCOUNT = "111111111111"  # the pipeline stack's env; a Target without an account deploys here
PRE_PRODUCTION = "222222222222"
PRODUCTION = "333333333333"


def bake(hours: float) -> BakePolicy:
    return BakePolicy(duration=timedelta(hours=hours), min_data_points=100)


plan = WavePlan(
    # alpha and beta in eu-north-1, gamma in eu-north-1 and us-east-1: exactly what WavePlan.standard makes
    pre_production=WavePlan.standard_pre_production(["eu-north-1", "us-east-1"], account=PRE_PRODUCTION),
    waves=[
        Wave(name="first", targets=[Target(region="eu-north-1", account=PRODUCTION)], bake=bake(12)),
        Wave(name="busy", bake=bake(4), cell_bake=bake(1), targets=[
            Target(region="us-east-1", cell="cell-1", account=PRODUCTION),
            Target(region="us-east-1", cell="cell-2", account=PRODUCTION),
        ]),
        Wave(name="rest", bake=bake(2), targets=[
            Target(region="eu-west-1", account=PRODUCTION),
            Target(region="eu-south-1", account=PRODUCTION),  # an opt-in region
            Target(region="us-west-2"),  # no account: the pipeline's
        ]),
    ],
)

for step in plan.steps():
    print(f"{step.name:8} {'production' if step.production else 'pre-production':15}",
          ", ".join(f"{t.name}@{t.account or 'pipeline'}" for t in step.targets))

# What to bootstrap and enable before the first `cdk deploy` (`seawall bootstrap` prints the same).
print(render_bootstrap(bootstrap_checklist(plan, pipeline_account=PIPELINE_ACCOUNT, pipeline_region="us-east-1")))
