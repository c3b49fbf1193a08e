"""`python -m helpers` and its `doctor` command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import doctor
from helpers.cli import COMMANDS, build_parser, main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          timeout=120)


def test_help_lists_every_registered_command():
    out = run("--help")
    assert out.returncode == 0
    sub = next(a for a in build_parser()._actions if a.dest == "==SUPPRESS==" or a.choices)
    names = list(sub.choices)
    assert "doctor" in names and len(names) == len(COMMANDS)
    for name in names:
        assert name in out.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "commands" in capsys.readouterr().out


def test_doctor_passes_here_without_printing_versions():
    out = run("doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert all(line.startswith("✓") for line in lines[:-1])
    assert lines[-1].startswith("All ") and "ready" in lines[-1]
    expected = [c.name for c in doctor.run_checks()]
    assert lines[:-1] == [f"✓ {name}" for name in expected]  # names only: no versions, stable output
    assert out.stderr == ""


def test_doctor_reports_a_missing_package_with_a_fix():
    check = doctor.check_package("surely-not-installed-course-pkg", "1.0")
    assert not check.ok
    assert check.line() == ("✗ surely-not-installed-course-pkg 1.0 or newer: found it is not installed. "
                            f"Fix: {doctor.FIX_INSTALL}.")


def test_doctor_reports_an_old_package_with_its_version():
    check = doctor.check_package("pytest", "999.0")
    assert not check.ok and "found version" in check.line()


def test_missing_openssl_is_reported(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    check = doctor.check_openssl_cli()
    assert not check.ok and "apt-get install openssl" in check.fix


@pytest.mark.parametrize("text,expected", [("3.11.7", (3, 11, 7)), ("2024.2.2", (2024, 2, 2)),
                                           ("8.1.9rc1", (8, 1, 9)), ("1.0a1", (1, 0))])
def test_version_tuple(text, expected):
    assert doctor._version_tuple(text) == expected


def test_loopback_check_really_sends_data():
    assert doctor.check_loopback().ok
