#!/usr/bin/env python3
"""Synthesis at scale: a team of 3 services over every commercial region x 3 cells.

Runs two variants, each in its own process so peak memory is its own:

* ``seawall``: three ``TeamPipelineStack`` service pipelines (one per service),
  every production target with gate, deploy, shift and bake;
* ``plain``: the same service stacks in the same stage layout (one
  ``pipelines.CodePipeline`` wave per step, the same targets in parallel)
  with CDK Pipelines alone: deploy actions only.

Every target's service stack is the sample storefront (two functions behind
``SafeLambdaDeployment``) plus ``--functions N`` - 2 more released functions, so
both variants deploy the same N functions per target.

Prints, per variant: synth time, peak memory (Python + the jsii node
process), stacks, max resources per stack, max template bytes, the pipeline
stack's template bytes and its share of CloudFormation's 1 MB, the largest
action configuration value, stages, max actions per stage; then the ratio
seawall / plain.  A variant that fails (a quota Seawall checks at build time)
prints its error and the time it took to reach it.

    make bench            # or: .venv/bin/python bench/synth_scale.py [--functions 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "sample_service")
SERVICES = ("storefront", "fulfillment", "inventory")
ACCOUNT = "111111111111"
#: CloudFormation: "Template body size in an Amazon S3 object: 1 MB" (the denominator of the percentage;
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
TEMPLATE_LIMIT_BYTES = 1_000_000


def _peak_kib(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    task_dir = f"/proc/{pid}/task"
    for tid in os.listdir(task_dir) if os.path.isdir(task_dir) else []:
        try:
            with open(f"{task_dir}/{tid}/children", encoding="ascii") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return out


def peak_memory_mib() -> float:
    """Peak resident memory of this process and its children (the jsii node runtime)."""
    own = _peak_kib("self") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = sum(_peak_kib(c) for c in _children(os.getpid()))
    return (own + kids) / 1024


def configuration_chars(value: object) -> int:
    """Characters of one action configuration value: a string's own length; an intrinsic function's
    compact JSON text (the measure of ``seawall check`` SW013 and ``WavePipeline``; repeated here so the
    bench also measures commits that predate them)."""
    return len(value) if isinstance(value, str) else len(json.dumps(value, separators=(",", ":")))


def largest_configuration_value(template: dict[str, Any]) -> tuple[int, str]:
    """(characters, "stage / action / key") of the longest action configuration value of the template's pipelines."""
    best = (0, "")
    for res in template.get("Resources", {}).values():
        if res.get("Type") != "AWS::CodePipeline::Pipeline":
            continue
        for stage in res["Properties"]["Stages"]:
            for action in stage["Actions"]:
                for key, value in (action.get("Configuration") or {}).items():
                    best = max(best, (configuration_chars(value), f"{stage['Name']} / {action['Name']} / {key}"))
    return best


def measure(outdir: str) -> dict[str, object]:
    from seawall.checks import pipelines_in, template_bytes

    stacks = resources = size = stages = per_stage = actions = pipelines = pipeline_size = 0
    largest = (0, "")
    for root, _dirs, files in os.walk(outdir):
        for name in files:
            if not name.endswith(".template.json"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                tpl = json.load(f)
            stacks += 1
            resources = max(resources, len(tpl.get("Resources", {})))
            size = max(size, template_bytes(tpl))
            if pipelines_in(tpl):
                pipeline_size = max(pipeline_size, template_bytes(tpl))
                largest = max(largest, largest_configuration_value(tpl))
            for p in pipelines_in(tpl):
                pipelines += 1
                stages = max(stages, len(p.stages))
                per_stage = max(per_stage, p.max_actions_per_stage)
                actions = max(actions, p.action_count)
    return {"stacks": stacks, "max_resources_per_stack": resources, "max_template_bytes": size,
            "pipeline_template_bytes": pipeline_size,
            "pipeline_template_pct_of_1mb": round(100 * pipeline_size / TEMPLATE_LIMIT_BYTES, 1),
            "max_action_config_chars": largest[0], "max_action_config_at": largest[1],
            "pipelines": pipelines, "max_stages": stages, "max_actions_per_stage": per_stage,
            "max_actions_per_pipeline": actions}


def service_stack_class(functions: int) -> type:
    """The sample storefront stack with `functions` - 2 more released functions (same code as ``items``)."""
    if functions < 2:
        raise SystemExit(f"--functions {functions}: the storefront has two functions; use 2 or more")
    from aws_cdk import aws_lambda as lambda_
    from constructs import Construct
    from service import FUNCTIONS, StorefrontStack

    from seawall.constructs import SafeLambdaDeployment, acknowledge
    from seawall.model import AlarmPolicy, TrafficPolicy

    class BenchServiceStack(StorefrontStack):  # type: ignore[misc, valid-type]
        def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, alarms: AlarmPolicy,
                     step: str = "", traffic: TrafficPolicy | None = None) -> None:
            super().__init__(scope, construct_id, team=team, service=service, alarms=alarms, step=step,
                             traffic=traffic)
            for n in range(3, functions + 1):
                fn = lambda_.Function(self, f"Extra{n}Function", runtime=lambda_.Runtime.PYTHON_3_14,
                                      handler="handler.handler",
                                      code=lambda_.Code.from_asset(os.path.join(FUNCTIONS, "items")),
                                      environment={"SEAWALL_STEP": step})
                self.deployments[f"extra{n}"] = SafeLambdaDeployment(
                    self, f"Extra{n}Release", function=fn, team=team, service=service, traffic=traffic,
                    alarms=alarms)
                assert fn.role is not None
                acknowledge(fn.role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                                     "service-role/AWSLambdaBasicExecutionRole]",
                            "AWSLambdaBasicExecutionRole only lets the function write its own logs")

    return BenchServiceStack


def build_app(variant: str, functions: int, outdir: str) -> object:
    """The cloud assembly's app: three service pipelines of `variant`, constructed but not synthesized."""
    import aws_cdk as cdk
    from aws_cdk import aws_codepipeline as codepipeline
    from aws_cdk import pipelines
    from policy import ALARMS, WINDOW
    from team import OrdersTeam

    from seawall.model import WavePlan, commercial_regions, expand_steps

    service_stack = service_stack_class(functions)
    plan = WavePlan.standard(commercial_regions(), cells=3)
    env = cdk.Environment(account=ACCOUNT, region="us-east-1")
    app = cdk.App(outdir=outdir)
    if variant == "seawall":
        for svc in SERVICES:
            cls = type(f"{svc.title()}Pipeline", (OrdersTeam,), {
                "service": svc, "services": SERVICES, "plan": plan, "window": WINDOW,
                "create_service": lambda self, stage, target: service_stack(
                    stage, "Service", team=self.team, service=self.service, alarms=self.alarms,
                    step=stage.step.name, traffic=stage.step.traffic),
            })
            cls(app, f"{svc.title()}Pipeline", env=env)
    else:
        for svc in SERVICES:
            stack = cdk.Stack(app, f"{svc.title()}Pipeline", env=env)
            pipe = pipelines.CodePipeline(stack, "Pipeline", synth=OrdersTeam.source.synth_step(),
                                          pipeline_type=codepipeline.PipelineType.V2, use_change_sets=False)
            for step in expand_steps(plan):
                wave = pipe.add_wave(step.name)
                for target in step.targets:
                    base = target.name if step.production else f"{step.wave}-{target.name}"
                    stage = cdk.Stage(stack, f"{svc}-{base}", env=cdk.Environment(account=ACCOUNT,
                                                                                   region=target.region))
                    service_stack(stage, "Service", team=OrdersTeam.team, service=svc, alarms=ALARMS,
                                  step=step.name, traffic=step.traffic)
                    wave.add_stage(stage)
    return app


def run_variant(variant: str, functions: int = 2) -> dict[str, object]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, SAMPLE)
    t0 = time.perf_counter()
    import aws_cdk  # noqa: F401 - the import is part of the synth time

    t_import = time.perf_counter() - t0
    outdir = tempfile.mkdtemp(prefix=f"seawall-bench-{variant}-")
    result: dict[str, object] = {"variant": variant, "functions": functions}
    try:
        app = build_app(variant, functions, outdir)
        t_build = time.perf_counter()
        app.synth()  # type: ignore[attr-defined]
    except (ValueError, RuntimeError) as e:  # a quota Seawall checks at build time
        shutil.rmtree(outdir, ignore_errors=True)
        result.update(synth_seconds=round(time.perf_counter() - t0, 1), error=str(e))
        return result
    t_end = time.perf_counter()
    result.update(synth_seconds=round(t_end - t0, 1), construct_seconds=round(t_build - t0 - t_import, 1),
                  peak_memory_mib=round(peak_memory_mib()))
    result.update(measure(outdir))
    shutil.rmtree(outdir, ignore_errors=True)
    return result


KEYS = ("synth_seconds", "peak_memory_mib", "stacks", "max_resources_per_stack", "max_template_bytes",
        "pipeline_template_bytes", "pipeline_template_pct_of_1mb", "max_action_config_chars", "pipelines",
        "max_stages", "max_actions_per_stage", "max_actions_per_pipeline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", choices=("seawall", "plain"), help="run one variant and print JSON")
    parser.add_argument("--functions", type=int, default=2, metavar="N",
                        help="released functions per target (default 2, the storefront's own; at least 2)")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.functions)))
        return 0
    results = {}
    for variant in ("seawall", "plain"):
        proc = subprocess.run([sys.executable, __file__, "--variant", variant, "--functions", str(args.functions)],
                              capture_output=True, text=True,
                              env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        results[variant] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"team of {len(SERVICES)} services, every commercial region x 3 cells, {args.functions} functions per "
          f"target; {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'metric':30} {'seawall':>12} {'plain':>12} {'ratio':>7}")
    for k in KEYS:
        a, b = results["seawall"].get(k, "-"), results["plain"].get(k, "-")
        ratio = f"{a / b:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"
        print(f"{k:30} {a:>12} {b:>12} {ratio:>7}")
    for variant, r in results.items():
        if "max_action_config_at" in r:
            print(f"{variant}: largest action configuration value at {r['max_action_config_at']}")
        if "error" in r:
            print(f"{variant} FAILED after {r['synth_seconds']} s: {r['error']}")
    return 0 if not any("error" in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
