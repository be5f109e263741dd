"""The command line as staff and operators run it: ``python -m policybot_app.cli`` in a child
process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Runs ``policybot ARGS`` with no platform credentials from the surrounding shell."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "policybot_app.cli", *args], cwd=cwd, env=full_env,
                          input=stdin, capture_output=True, text=True, timeout=120)
