"""``python -m helpers verify``, run as a learner would: a real subprocess, real files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from helpers.course import HOST
from helpers.pki import course_pki

ROOT = Path(__file__).resolve().parents[1]
PKI = course_pki()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "verify", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "chain": PKI.leaf.pem + PKI.intermediate.pem,
        "leaf-only": PKI.leaf.pem,
        "roots": PKI.root.pem,
        "expired": PKI.gallery["expired"].leaf.public_bytes(Encoding.PEM) + PKI.intermediate.pem,
        "key": PKI.leaf.key_pem,
        "empty": b"",
        "der": PKI.leaf.cert.public_bytes(Encoding.DER),
    }
    out = {}
    for name, data in paths.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
        out[name] = str(tmp_path / f"{name}.pem")
    return out


def test_a_valid_chain_exits_0_and_prints_the_steps(files):
    done = run(files["chain"], "--host", HOST, "--roots", files["roots"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("VALID")
    assert re.search(r"^✓ passed +signature ", done.stdout, re.M)
    assert re.search(r"^– not checked +revocation ", done.stdout, re.M)
    assert done.stderr == ""


def test_an_invalid_chain_exits_1_and_names_the_failing_step(files):
    done = run(files["chain"], "--host", "www.yourapp.com", "--roots", files["roots"])
    assert done.returncode == 1
    assert done.stdout.startswith("INVALID (wrong host)")


def test_at_changes_the_validation_time(files):
    assert run(files["expired"], "--host", HOST, "--roots", files["roots"]).returncode == 1
    done = run(files["expired"], "--host", HOST, "--roots", files["roots"], "--at", "2025-09-01")
    assert done.returncode == 0 and "2025-09-01 00:00 UTC" in done.stdout


def test_missing_intermediate_is_named(files):
    done = run(files["leaf-only"], "--host", HOST, "--roots", files["roots"])
    assert done.returncode == 1 and "missing intermediate" in done.stdout


def test_default_roots_are_certifi_and_load_without_warnings(files):
    """The course root is not in Mozilla's store, so the course chain is an unknown root."""
    done = run(files["chain"], "--host", HOST)
    assert done.returncode == 1 and "unknown root" in done.stdout
    assert done.stderr == ""  # the serial-0 CryptographyDeprecationWarning is silenced


def test_compare_prints_both_references(files):
    done = run(files["chain"], "--host", HOST, "--roots", files["roots"], "--compare")
    assert done.returncode == 0
    header, rule, row = done.stdout.splitlines()[-3:]
    assert header.split() == ["case", "our", "failing", "step", "cryptography", "OpenSSL"]
    assert set(rule) <= {"-", " "} and row.count("✓ valid") == 3


@pytest.mark.parametrize("args, words", [
    (["MISSING", "--host", HOST], "cannot read"),
    (["key", "--host", HOST], "private key"),
    (["empty", "--host", HOST], "empty"),
    (["der", "--host", HOST], "DER"),
    (["chain", "--host", "bad host!"], "not a valid DNS host name"),
    (["chain", "--host", HOST, "--at", "next tuesday"], "ISO 8601"),
    (["chain", "--host", HOST, "--roots", "key"], "private key"),
])
def test_bad_input_exits_2_with_one_sentence(files, args, words):
    args = [files.get(a, a) if i in (0,) or args[i - 1] == "--roots" else a for i, a in enumerate(args)]
    done = run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_host_is_required():
    done = run("whatever.pem")
    assert done.returncode == 2 and "--host" in done.stderr
