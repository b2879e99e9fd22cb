#!/usr/bin/env python3
"""Synthesis at scale: a team of 3 services over every commercial region x 3 cells.

Runs two variants, each in its own process so peak memory is its own:

* ``seawall``: three ``TeamPipelineStack`` service pipelines (one per service),
  every production target with gate, deploy, shift and bake;
* ``plain``: the same service stacks in the same stage layout (one
  ``pipelines.CodePipeline`` wave per step, the same targets in parallel)
  with CDK Pipelines alone: deploy actions only.

Prints, per variant: synth time, peak memory (Python + the jsii node
process), stacks, max resources per stack, max template bytes, stages,
max actions per stage; then the ratio seawall / plain.

    make bench            # or: .venv/bin/python bench/synth_scale.py
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "sample_service")
SERVICES = ("storefront", "fulfillment", "inventory")
ACCOUNT = "111111111111"


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


def measure(outdir: str) -> dict[str, object]:
    from seawall.checks import pipelines_in, template_bytes

    stacks = resources = size = stages = per_stage = actions = pipelines = 0
    for root, _dirs, files in os.walk(outdir):
        for name in files:
            if not name.endswith(".template.json"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                tpl = json.load(f)
            stacks += 1
            resources = max(resources, len(tpl.get("Resources", {})))
            size = max(size, template_bytes(tpl))
            for p in pipelines_in(tpl):
                pipelines += 1
                stages = max(stages, len(p.stages))
                per_stage = max(per_stage, p.max_actions_per_stage)
                actions = max(actions, p.action_count)
    return {"stacks": stacks, "max_resources_per_stack": resources, "max_template_bytes": size,
            "pipelines": pipelines, "max_stages": stages, "max_actions_per_stage": per_stage,
            "max_actions_per_pipeline": actions}


def run_variant(variant: str) -> dict[str, object]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, SAMPLE)
    t0 = time.perf_counter()
    import aws_cdk as cdk
    from aws_cdk import aws_codepipeline as codepipeline
    from aws_cdk import pipelines
    from policy import ALARMS, WINDOW
    from service import StorefrontStack
    from team import OrdersTeam

    from seawall.model import WavePlan, commercial_regions, expand_steps

    plan = WavePlan.standard(commercial_regions(), cells=3)
    env = cdk.Environment(account=ACCOUNT, region="us-east-1")
    outdir = tempfile.mkdtemp(prefix=f"seawall-bench-{variant}-")
    app = cdk.App(outdir=outdir)
    t_import = time.perf_counter() - t0

    if variant == "seawall":
        for svc in SERVICES:
            cls = type(f"{svc.title()}Pipeline", (OrdersTeam,), {
                "service": svc, "services": SERVICES, "plan": plan, "window": WINDOW,
                "create_service": lambda self, stage, target: StorefrontStack(
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
                    StorefrontStack(stage, "Service", team=OrdersTeam.team, service=svc, alarms=ALARMS,
                                    step=step.name, traffic=step.traffic)
                    wave.add_stage(stage)
    t_build = time.perf_counter()
    app.synth()
    t_end = time.perf_counter()
    result = {"variant": variant, "synth_seconds": round(t_end - t0, 1),
              "construct_seconds": round(t_build - t0 - t_import, 1), "peak_memory_mib": round(peak_memory_mib())}
    result.update(measure(outdir))
    shutil.rmtree(outdir, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", choices=("seawall", "plain"), help="run one variant and print JSON")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant)))
        return 0
    results = {}
    for variant in ("seawall", "plain"):
        proc = subprocess.run([sys.executable, __file__, "--variant", variant], capture_output=True, text=True,
                              env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        results[variant] = json.loads(proc.stdout.strip().splitlines()[-1])
    keys = ["synth_seconds", "peak_memory_mib", "stacks", "max_resources_per_stack", "max_template_bytes",
            "pipelines", "max_stages", "max_actions_per_stage", "max_actions_per_pipeline"]
    print(f"team of {len(SERVICES)} services, every commercial region x 3 cells; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'metric':28} {'seawall':>12} {'plain':>12} {'ratio':>7}")
    for k in keys:
        a, b = results["seawall"][k], results["plain"][k]
        ratio = f"{a / b:.2f}" if isinstance(a, (int, float)) and b else "-"
        print(f"{k:28} {a:>12} {b:>12} {ratio:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
