"""`python -m helpers inspect FILE` and `python -m helpers pin FILE`, run as a learner would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from helpers.anatomy import anatomy
from helpers.pinning import FORMATS, Pin
from helpers.trust_store import bundle_path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory):
    """The course leaf and its intermediate in one PEM file, as a server would send them."""
    from helpers.pki import course_pki

    pki = course_pki()
    path = tmp_path_factory.mktemp("cli") / "chain.pem"
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in pki.leaf.chain))
    return path, pki.leaf.chain


@pytest.mark.parametrize("style", FORMATS)
def test_pin_prints_one_spki_pin_per_certificate_in_each_format(chain_file, style):
    path, certs = chain_file
    out = run("pin", str(path), "--format", style)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.splitlines() == [Pin.of_spki(c).format(style) for c in certs]


def test_pin_default_and_cert_pins(chain_file):
    path, certs = chain_file
    assert run("pin", str(path)).stdout.splitlines() == [Pin.of_spki(c).base64 for c in certs]
    assert run("pin", str(path), "--cert").stdout.splitlines() == [Pin.of_cert(c).base64 for c in certs]


def test_pin_of_a_certificate_pin_in_a_spki_only_format_is_refused(chain_file):
    out = run("pin", str(chain_file[0]), "--cert", "--format", "okhttp")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: the okhttp format holds SPKI pins only")


def test_inspect_prints_a_table_per_certificate(chain_file):
    path, certs = chain_file
    out = run("inspect", str(path))
    assert out.returncode == 0 and out.stderr == ""
    assert "--- certificate 1 of 2 ---" in out.stdout and "--- certificate 2 of 2 ---" in out.stdout
    for cert in certs:
        assert str(anatomy(cert)) in out.stdout


def test_real_bundle_works_without_warnings_on_stderr():
    out = run("pin", str(bundle_path()))
    assert out.returncode == 0 and out.stderr == ""
    assert "C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M=" in out.stdout.splitlines()
    out = run("inspect", str(bundle_path()))
    assert out.returncode == 0 and out.stderr == "" and "CN=ISRG Root X1" in out.stdout


def bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    from helpers.pki import course_pki

    pki = course_pki()
    files = {
        "garbage": (b"this is not a certificate\n", "not a PEM certificate"),
        "der": (pki.leaf.cert.public_bytes(serialization.Encoding.DER), "binary DER, not PEM"),
        "key": (pki.leaf.key_pem, "private key, not a certificate"),
        "empty": (b"", "is empty"),
    }
    out = {}
    for name, (data, message) in files.items():
        (tmp / f"{name}.pem").write_bytes(data)
        out[name] = (tmp / f"{name}.pem", message)
    out["missing"] = (tmp / "missing.pem", "No such file")
    return out


@pytest.mark.parametrize("command", ["inspect", "pin"])
@pytest.mark.parametrize("case", ["garbage", "der", "key", "empty", "missing"])
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, command, case):
    path, message = bad_inputs(tmp_path)[case]
    out = run(command, str(path))
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(".")
    assert message in lines[0]


def test_unknown_format_is_an_argparse_error(chain_file):
    out = run("pin", str(chain_file[0]), "--format", "pem")
    assert out.returncode == 2 and "invalid choice" in out.stderr
