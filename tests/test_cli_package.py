"""The command-line package: argparse only in helpers/cli/, and light imports for the fast commands."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
CERT = Path(__file__).resolve().parents[1] / "data" / "certs" / "api.yourapp.com.pem"

#: Modules that `pin`, `verify`, `inspect` and `lint` must never load: they cost hundreds of milliseconds.
HEAVY = ("numpy", "matplotlib", "helpers.tls", "helpers.rotation", "helpers.attacks", "helpers.plots")


def test_argparse_is_imported_only_in_the_cli_package():
    users = []
    for path in HELPERS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        if "argparse" in names and path.parent.name != "cli":
            users.append(str(path.relative_to(HELPERS)))
    assert users == []


def _loaded_after(argv: list[str]) -> dict:
    """Run the CLI in a child process and report its exit code and which heavy modules it loaded."""
    code = ("import json, sys\nfrom helpers.cli import main\nstatus = main(sys.argv[1:])\n"
            f"print(json.dumps({{'status': status, 'heavy': sorted(m for m in sys.modules "
            f"if m.split('.')[0] in {HEAVY!r} or m.startswith({HEAVY!r}))}}))")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["pin", str(CERT)],
    ["inspect", str(CERT)],
    ["verify", str(CERT), "--host", "api.yourapp.com", "--roots", str(CERT.with_name("yourapp-root.pem"))],
    ["lint", str(CERT.parents[2] / "pyproject.toml"), "--platform", "android"],
    ["lint", str(CERT.parents[2] / "pyproject.toml"), "--platform", "dart"],
])
def test_fast_commands_load_no_heavy_module(argv):
    result = _loaded_after(argv)
    assert result["status"] in (0, 1, 2)
    assert result["heavy"] == []


def test_the_heavy_check_can_fail():
    """`plan --list` needs numpy: the same probe must see it."""
    result = _loaded_after(["plan", "--list"])
    assert result["status"] == 0 and "numpy" in result["heavy"]


def test_the_cli_choices_match_the_modules_they_stand_in_for():
    from helpers.cli import handshake as cli_handshake
    from helpers.tls import handshake
    from helpers.tls.keyschedule import SUITES

    assert set(cli_handshake.SUITES) == set(SUITES)
    assert set(cli_handshake.FAILURES) == set(handshake.FAILURES)
