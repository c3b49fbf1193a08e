"""`python -m helpers inspect FILE` and `python -m helpers pin FILE`, run as a learner would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_process import run_timed
from cryptography import x509
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


# --- hostile certificates and hostile terminals (issue 16) -------------------------------------------
# Every case runs the whole command in a child process, as a script would, and asserts the exit code,
# one sentence on stderr, no traceback, and a time under 5 s.



def one_sentence(stderr: str, prefix: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix) and lines[0].endswith("."), stderr
    return lines[0]


def hostile_file(tmp_path: Path, kind: str) -> Path:
    from test_anatomy import hostile_der

    from helpers.pem import cert_pem

    path = tmp_path / f"{kind}.pem"
    path.write_bytes(cert_pem(x509.load_der_x509_certificate(hostile_der(kind))))
    return path


@pytest.mark.parametrize("kind", ["malformed-san", "malformed-key-usage", "bad-utf8-subject", "bad-utf8-issuer",
                                  "unknown-algorithm", "unknown-curve", "explicit-curve", "custom-generator",
                                  "duplicate-extension"])
def test_inspect_rejects_what_it_cannot_read_with_a_reason_and_prints_the_rest(tmp_path, kind):
    from test_anatomy import UNREADABLE

    done = run_timed("inspect", str(hostile_file(tmp_path, kind)))
    assert done.returncode == 1
    line = one_sentence(done.stderr, "rejected: the certificate")
    assert UNREADABLE[kind][0] in line
    assert "SHA-256 fingerprint" in done.stdout and "2045-01-01" in done.stdout


def test_inspect_names_the_certificate_of_a_bundle_that_is_rejected(tmp_path, chain_file):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(chain_file[0].read_bytes() + hostile_file(tmp_path, "malformed-san").read_bytes())
    done = run_timed("inspect", str(bundle))
    assert done.returncode == 1 and "--- certificate 3 of 3 ---" in done.stdout
    assert one_sentence(done.stderr, "rejected: ").startswith(
        "rejected: certificate 3 of 3: the certificate's SAN extension is malformed")


@pytest.mark.parametrize("kind", ["unknown-algorithm", "unknown-curve", "explicit-curve", "custom-generator"])
def test_pin_rejects_a_key_it_cannot_use(tmp_path, kind):
    from test_anatomy import UNREADABLE

    done = run_timed("pin", str(hostile_file(tmp_path, kind)))
    assert done.returncode == 1 and done.stdout == ""
    assert UNREADABLE[kind][0] in one_sentence(done.stderr, "rejected: the certificate")


@pytest.mark.parametrize("kind", ["malformed-san", "bad-utf8-subject", "duplicate-extension"])
def test_pin_needs_only_the_key_so_a_broken_name_or_extension_still_pins(tmp_path, kind):
    from test_anatomy import hostile_der

    done = run_timed("pin", str(hostile_file(tmp_path, kind)))
    assert done.returncode == 0 and done.stderr == ""
    cert = x509.load_der_x509_certificate(hostile_der(kind))
    assert done.stdout.split() == [Pin.of_spki(cert).base64]


def test_pin_cert_hashes_the_whole_certificate_even_with_an_unusable_key(tmp_path):
    from test_anatomy import hostile_der

    done = run_timed("pin", "--cert", str(hostile_file(tmp_path, "unknown-algorithm")))
    assert done.returncode == 0
    assert done.stdout.split() == [Pin.of_cert(x509.load_der_x509_certificate(hostile_der("unknown-algorithm"))).base64]


def test_inspect_escapes_control_characters_from_the_certificate(tmp_path):
    done = run_timed("inspect", str(hostile_file(tmp_path, "escapes")))
    assert done.returncode == 0 and done.stderr == ""
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\u202e" not in done.stdout
    assert "CN=\\x1b]0;owned\\x07\\u202eevil" in done.stdout
    assert "DNS:\\x1b[2Jwipe.example" in done.stdout


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_non_utf8_stdout_gets_escapes_not_a_crash(tmp_path, encoding):
    from test_anatomy import _base_der

    from helpers.pem import cert_pem

    path = tmp_path / "tick.pem"  # a subject that cp1252 and ASCII cannot spell
    path.write_bytes(cert_pem(x509.load_der_x509_certificate(_base_der(subject="\u2713 \u2192 \u8bc1\u4e66"))))
    done = run_timed("inspect", str(path), env={"PYTHONIOENCODING": encoding})
    assert done.returncode == 0 and done.stderr == ""
    assert "CN=\\u2713 \\u2192 \\u8bc1\\u4e66" in done.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`python -m helpers inspect BUNDLE | head -0`: no "check the path", no BrokenPipeError."""
    import os

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the command writes a byte
    try:
        done = subprocess.run([sys.executable, "-m", "helpers", "inspect", str(bundle_path())], cwd=ROOT,
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == 141  # 128 + SIGPIPE, what a shell reports for `yes | head -0`


def test_help_of_inspect_and_pin_gives_the_exit_codes():
    for command in ("inspect", "pin"):
        text = " ".join(run_timed(command, "--help").stdout.split())
        assert "Exit status: 0" in text and "1 a certificate" in text and "2 bad input" in text
