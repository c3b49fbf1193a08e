"""Run ``python -m helpers`` in a child process, as a script would (shared by the CLI tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_timed(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The whole command: its result, after checking it answered within 5 s and printed no traceback."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "helpers", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})}, encoding="utf-8", errors="replace")
    assert time.monotonic() - started < 5, args
    assert "Traceback" not in done.stderr, done.stderr
    return done
