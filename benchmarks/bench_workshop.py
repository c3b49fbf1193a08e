"""The workshop hub: what one learner costs, for docs/workshop.md's sizing table.

One learner logs in to the real hub (``workshop/jupyterhub_config.py``, loopback, headless
Chromium), lands on lesson 00, then opens and runs lesson 04 and lesson 07 in turn, leaving each
kernel running as a learner would. Memory is PSS (RSS where PSS cannot be read) of the learner's
server and all its kernels; CPU is the CPU seconds that tree spent running the lesson. Prints
nothing but a note when Node.js, Chromium or JupyterHub is missing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workshop"))
import drive  # noqa: E402

LESSONS = ("notebooks/04_tls_handshake.ipynb", "notebooks/07_backup_pins_and_rotation.ipynb")


def measure() -> list[tuple[str, float, str]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, drive.Hub(Path(tmp) / "state", "bench-password") as hub:
        hub_mb, proxy_mb = drive.own_memory(hub.processes()[0]), drive.own_memory(hub.proxy())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=drive.CHROMIUM, headless=True,
                                        args=drive.CHROMIUM_ARGS)
            page, seconds = drive.login(browser.new_context(), hub.base, "ada", "bench-password")
            rows.append(("login to a ready lesson 00 (first login: copy + spawn)", seconds, "s"))
            server = hub.server_of("ada")
            mb, cpu_before = drive.tree_memory(server)
            rows.append(("one learner: server + lesson 00 kernel", mb, "MB"))
            rows.append(("CPU time to start the server and lesson 00's kernel", cpu_before, "s"))
            peak_vms = 0
            for path in LESSONS:
                drive.open_lesson(page, hub.base, "ada", path)
                errors = drive.errors_in(drive.run_all(page, path))
                mb, cpu = drive.tree_memory(server)
                number = Path(path).name[:2]
                rows.append((f"one learner after lesson {number} (server + kernels{', ERRORS' * bool(errors)})",
                             mb, "MB"))
                rows.append((f"CPU time to run lesson {number} (server + kernel)", cpu - cpu_before, "s"))
                cpu_before = cpu
                peak_vms = max([peak_vms] + [q.memory_info().vms for q in [server, *server.children()]])
            rows.append(("largest address space of one process (mem_limit is per process)", peak_vms / 1e6,
                         "MB"))
            browser.close()
        rows.append(("the hub process, once for the room", hub_mb, "MB"))
        rows.append(("configurable-http-proxy, once for the room", proxy_mb, "MB"))
        rows.append(("Ctrl+C to every process gone", hub.stop(), "s"))
    return rows


def run() -> list[tuple[str, float, str]]:
    reason = drive.missing()
    if reason:
        print(f"  (skipped: {reason})")
        return []
    try:
        return measure()
    except Exception as exc:  # a figure, never a failure: say what went wrong in one line
        print(f"  (could not measure: {type(exc).__name__}: {str(exc).splitlines()[0][:200]})")
        return []


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"  {label:<66} {value:>10.2f} {unit}")
