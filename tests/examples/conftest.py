"""jsii under Node 20 prints an end-of-life banner unless told the major version (the Makefile sets it too).

``tests.support`` is importable through pyproject's ``pythonpath = ["."]``.
"""

import os

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


CDK = os.path.join(_ROOT, "node_modules", ".bin", "cdk")


def cli_synth(app_dir: str, outdir: str):
    """`cdk synth` of the app in `app_dir` with the pinned CLI and its cdk.json, as users run it."""
    import subprocess

    assert os.path.exists(CDK), "the pinned CDK CLI is not installed: run `npm ci` (make install does)"
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    proc = subprocess.run([CDK, "synth", "--quiet", "--output", outdir], cwd=app_dir, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc
