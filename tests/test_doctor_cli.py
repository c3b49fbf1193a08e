"""`python -m helpers` and its `doctor` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_process import run_timed

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


def test_no_command_prints_usage_and_one_sentence_to_stderr_and_exits_2(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    usage, sentence = err.splitlines()
    assert usage.startswith("usage: python -m helpers") and sentence.startswith("error: give a command")


def test_no_command_in_a_child_process_prints_to_stderr():
    done = run()
    assert done.returncode == 2 and done.stdout == "" and "usage: python -m helpers" in done.stderr


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


# --- the command line as a whole (issue 16) ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
LEAF, ROOTS = ROOT / "data/certs/api.yourapp.com.pem", ROOT / "data/certs/yourapp-root.pem"




def one_error(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and lines[0].endswith("."), lines[0]
    return lines[0]


@pytest.mark.parametrize("when, message", [
    ("", "--at is empty"),
    ("   ", "--at is empty"),
    ("9999-12-31T23:59:59-05:00", "outside the years 1 to 9999"),
    ("0001-01-01T00:00+05:00", "outside the years 1 to 9999"),
])
def test_at_that_is_empty_or_past_the_calendar_is_one_sentence(when, message):
    done = run_timed("verify", str(LEAF), "--host", "api.yourapp.com", "--roots", str(ROOTS), "--at", when)
    assert message in one_error(done) and done.stdout == ""


def test_an_argparse_complaint_is_one_sentence_too():
    line = one_error(run_timed("verify", str(LEAF)))
    assert "--host" in line and "python -m helpers verify --help" in line


def test_doctor_on_a_cp1252_console_prints_escapes_instead_of_crashing():
    done = run_timed("doctor", env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines()[0].startswith("\\u2713 ")  # ✓, spelled so cp1252 can write it


def test_an_error_naming_a_hostile_file_name_is_escaped(tmp_path):
    path = tmp_path / "\x1b[2Jcert.pem"
    done = run_timed("inspect", str(path))
    assert "\x1b" not in one_error(done) and "\\x1b[2Jcert.pem" in done.stderr


def test_an_internal_error_is_one_sentence_with_its_own_exit_code(monkeypatch, capsys):
    from helpers.cli import INTERNAL_ERROR
    from helpers.cli import inspect as inspect_command

    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(inspect_command, "run", broken)
    assert main(["inspect", str(LEAF)]) == INTERNAL_ERROR  # not 1 (a verdict) nor 2 (bad input)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (ZeroDivisionError)" in err and "boom" not in err
