"""Take docs/rollout.png: the sample team's rollout page, rendered by headless Chromium.

``make screenshot`` runs this.  It plans the sample policy from a fixed start
(Monday 2026-11-30 09:00 New York, the worked example's) so the picture does
not change from day to day, writes the page to a temporary folder and
screenshots it.  Needs a Chromium on PATH (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "sample_service" / "policy.py"
OUT = ROOT / "docs" / "rollout.png"
START = "2026-11-30T09:00"
WINDOW_SIZE = "1400,900"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    sys.exit(f"no Chromium found (looked for {', '.join(BROWSERS)}); on Debian: apt-get install -y chromium")


def main() -> int:
    from seawall.cli import main as seawall

    browser = find_browser()
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "rollout.html"
        with contextlib.redirect_stdout(io.StringIO()):  # the table; the page is what we want
            code = seawall(["plan", "--plan", f"{POLICY}:TEAM", "--start", START, "--html", str(page)])
        if code:
            return code
        profile = Path(tmp) / "profile"
        cmd = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={OUT}",
            f"--window-size={WINDOW_SIZE}", page.as_uri(),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode or not OUT.is_file():
            sys.stderr.write(result.stderr)
            return result.returncode or 1
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
