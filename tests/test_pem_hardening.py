"""The PEM loader against hostile input: linear time, regular files only, one sentence per problem.

Each case here was a hang, a traceback or a misleading message before issue 16. The loader is
fuzzed with hypothesis under a time budget per example, and the whole command (``inspect``,
``pin``) is run in a subprocess where the issue asks for whole-command behaviour.
"""

from __future__ import annotations

import base64
import datetime
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import pem
from helpers.course import CERTS_DIR
from helpers.errors import BadInputError

ROOT = Path(__file__).resolve().parents[1]
LEAF = (CERTS_DIR / "api.yourapp.com.pem").read_bytes()
INTERMEDIATE = (CERTS_DIR / "yourapp-intermediate.pem").read_bytes()
KEY = (CERTS_DIR / "api.yourapp.com.key.pem").read_bytes()
BUDGET = datetime.timedelta(seconds=1)  # per hypothesis example; the old regex took 2.3 s at 100 kB


def one_sentence(message: str) -> bool:
    """One line, one sentence: it ends with a full stop and has no full stop inside."""
    return ("\n" not in message and message.endswith(".") and ". " not in message
            and "Traceback" not in message)


def error_of(source) -> BadInputError:
    with pytest.raises(BadInputError) as info:
        pem.load_certificates(source)
    assert one_sentence(str(info.value)), str(info.value)
    return info.value


def run(*args: str, timeout: float = 10, **kwargs) -> tuple[subprocess.CompletedProcess, float]:
    """``python -m helpers ARGS`` and its wall time; a hang fails the test through the timeout."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=kwargs.pop("cwd", ROOT), **kwargs)
    return done, time.perf_counter() - start


def assert_bad_input(done: subprocess.CompletedProcess, seconds: float, *words: str) -> None:
    """Exit 2, nothing on stdout, one sentence on stderr naming the problem, in under 5 s."""
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    line = done.stderr.strip()
    assert line.startswith("error: ") and one_sentence(line), done.stderr
    for word in words:
        assert word in line, line
    assert seconds < 5


# --- linear time -----------------------------------------------------------------------------

HOSTILE_SHAPES = {
    "repeated BEGIN lines": b"-----BEGIN CERTIFICATE-----\n",
    "BEGIN lines without newlines": b"-----BEGIN CERTIFICATE----- ",
    "BEGIN and a stray END of another kind": b"-----BEGIN CERTIFICATE-----\n-----END PRIVATE KEY-----\n",
    "half-open BEGIN markers": b"-----BEGIN ",
    "dashes": b"-----",
    "empty certificate blocks": b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "base64 lines": b"MIIBszCCAVmgAwIBAgIUdGhlIGNvdXJzZSBsZWFm\n",
}


@pytest.mark.parametrize("size", [100_000, 1_000_000])
@pytest.mark.parametrize("shape", HOSTILE_SHAPES, ids=str)
def test_hostile_shapes_are_refused_in_linear_time(shape, size):
    data = HOSTILE_SHAPES[shape] * (size // len(HOSTILE_SHAPES[shape]))
    start = time.perf_counter()
    with pytest.raises(pem.CertificateFormatError) as info:
        pem.load_certificates(data)
    assert time.perf_counter() - start < 0.5 + size / 1_000_000  # the regex: 2.3 s at 100 kB, 60 s at 1 MB
    assert one_sentence(str(info.value))


def test_a_long_bundle_of_valid_certificates_loads_in_linear_time():
    bundle = (LEAF + INTERMEDIATE) * 2000  # 2.8 MB, 4000 certificates
    start = time.perf_counter()
    assert len(pem.load_certificates(bundle)) == 4000
    assert time.perf_counter() - start < 5


# --- fuzzing ---------------------------------------------------------------------------------

FRAGMENTS = [
    b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----", b"-----BEGIN PRIVATE KEY-----",
    b"-----END PRIVATE KEY-----", b"-----BEGIN X509 CRL-----", b"-----BEGIN certificate-----", b"-----",
    b"-----BEGIN ", b"MIIB", LEAF[28:92], LEAF, INTERMEDIATE, KEY, LEAF[:300], LEAF[300:],
    b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\x30\x82", b"\r", b"\n", b"\r\n", b" \t", b"\x1b[2J",
    "é".encode(),
]
pieces = st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=64))
repeated = st.builds(lambda piece, end, count: (piece + end) * count, st.sampled_from(FRAGMENTS[:9]),
                     st.sampled_from([b"\n", b" ", b""]), st.integers(1, 40_000))
hostile = st.lists(st.one_of(pieces, repeated), max_size=12).map(b"\n".join)


def _loads_or_explains(source) -> None:
    try:
        certs = pem.load_certificates(source)
    except pem.CertificateFormatError as exc:
        assert one_sentence(str(exc)), str(exc)
    else:
        assert certs and all(isinstance(cert, x509.Certificate) for cert in certs)


@settings(max_examples=300, deadline=BUDGET)
@given(hostile)
@example(b"-----BEGIN CERTIFICATE-----\n" * 40_000)  # 1.1 MB: the old regex's worst case, over a minute
def test_fuzzed_bytes_load_or_give_one_sentence_within_the_budget(data):
    _loads_or_explains(data)


@settings(max_examples=150, deadline=BUDGET)
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=300))
def test_fuzzed_text_loads_or_gives_one_sentence_within_the_budget(text):
    _loads_or_explains("-----BEGIN CERTIFICATE-----\n" + text)


@settings(max_examples=150, deadline=BUDGET)
@given(hostile)
def test_fuzzed_private_keys_load_or_give_one_sentence_within_the_budget(data):
    try:
        pem.load_private_key(data)
    except pem.NotAPrivateKeyError as exc:
        assert one_sentence(str(exc)), str(exc)


junk_line = st.binary(max_size=40).filter(lambda b: b"-----" not in b)
junk = st.lists(junk_line, max_size=4).map(b"\n".join)


@settings(max_examples=150, deadline=BUDGET)
@given(st.lists(st.tuples(junk, st.sampled_from([LEAF, INTERMEDIATE, KEY])), min_size=1, max_size=6),
       st.sampled_from([b"\n", b"\r\n"]), junk)
def test_the_certificates_among_junk_lines_are_found_in_order(blocks, newline, tail):
    """Comments, keys and stray bytes between the blocks change nothing (RFC 7468 explanatory text)."""
    data = b"".join(lead + b"\n" + block for lead, block in blocks) + tail
    data = data.replace(b"\n", newline)
    wanted = [x509.load_pem_x509_certificate(block) for _, block in blocks if block != KEY]
    if wanted:
        assert pem.load_certificates(data) == wanted
    else:
        assert isinstance(error_of(data), pem.PrivateKeyInsteadOfCertificateError)


# --- clear messages --------------------------------------------------------------------------

def test_a_truncated_certificate_is_called_truncated_not_missing(tmp_path):
    (tmp_path / "cut.pem").write_bytes(LEAF[:300])
    for source in (tmp_path / "cut.pem", LEAF[:300], INTERMEDIATE + LEAF[:300], LEAF[:300] + INTERMEDIATE):
        err = error_of(source)
        assert isinstance(err, pem.TruncatedPEMError) and "-----END CERTIFICATE-----" in str(err)
        assert "no -----BEGIN" not in str(err)


def test_an_end_line_of_another_kind_is_not_taken_for_the_end_of_the_certificate():
    err = error_of(LEAF.replace(b"END CERTIFICATE", b"END PRIVATE KEY"))
    assert isinstance(err, pem.TruncatedPEMError)


def test_utf8_bom_and_windows_line_ends_are_accepted():
    leaf = pem.load_certificates(LEAF)
    assert pem.load_certificates(b"\xef\xbb\xbf" + LEAF.replace(b"\n", b"\r\n")) == leaf
    assert pem.load_certificates(b"  " + LEAF.replace(b"\n", b" \n")) == leaf


def test_utf16_text_is_named_with_the_fix():
    for encoding in ("utf-16", "utf-16-be"):
        assert "UTF-16" in str(error_of(LEAF.decode().encode(encoding)))


def test_odd_bytes_inside_a_block_give_one_sentence():
    odd = [b"-----BEGIN CERTIFICATE-----\n\xff\xfe\x00\x1b[31m\n-----END CERTIFICATE-----\n",
           LEAF.replace(b"MII", b"M\x00I", 1), b"\xe9t\xe9\n" + LEAF[:200] + b"\xff" + LEAF[200:]]
    for data in odd:
        assert "does not decode" in str(error_of(data))


def _with_version(version: int) -> bytes:
    der = x509.load_pem_x509_certificate(LEAF).public_bytes(serialization.Encoding.DER)
    at = der.find(bytes.fromhex("a003020102"))
    der = der[:at] + bytes([0xA0, 3, 2, 1, version]) + der[at + 5:]
    return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"


def test_an_unknown_x509_version_gives_one_sentence_not_a_traceback(tmp_path):
    assert "version" in str(error_of(_with_version(7)))
    (tmp_path / "v8.pem").write_bytes(_with_version(7))
    assert_bad_input(*run("inspect", str(tmp_path / "v8.pem")), "v8.pem", "version")


def test_control_characters_in_a_file_name_are_escaped(tmp_path):
    (tmp_path / "evil\x1b[2J.pem").write_bytes(b"")
    message = str(error_of(tmp_path / "evil\x1b[2J.pem"))
    assert "\x1b" not in message and "evil\\x1b[2J.pem" in message


def test_a_private_key_from_unknown_bytes_gives_one_sentence():
    for data in (b"", b"\xff\xfe", "-----BEGIN PRIVATE KEY-----\udcff", KEY[:200], b"\x30\x03\x02\x01\x00"):
        with pytest.raises(pem.NotAPrivateKeyError) as info:
            pem.load_private_key(data)
        assert one_sentence(str(info.value))


# --- regular files only, with a size limit -----------------------------------------------------

def test_a_folder_an_empty_path_and_a_nul_are_refused_in_one_sentence(tmp_path):
    assert "folder" in str(error_of(tmp_path))
    assert "empty" in str(error_of(""))
    assert isinstance(error_of("bad\x00name.pem"), pem.CertificateFileError)
    assert "cannot read" in str(error_of(tmp_path / "missing.pem"))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.pem"
    with big.open("wb") as handle:
        handle.truncate(pem.MAX_FILE_BYTES + 1)  # sparse: no disk used
    err = error_of(big)
    assert isinstance(err, pem.FileTooLargeError) and "10 MB" in str(err)
    with pytest.raises(pem.FileTooLargeError):
        pem.load_private_key(big)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.parametrize("command", ["inspect", "pin"])
def test_a_fifo_is_refused_without_blocking(tmp_path, command):
    os.mkfifo(tmp_path / "pipe.pem")  # nobody writes: opening it for reading would block forever
    assert_bad_input(*run(command, str(tmp_path / "pipe.pem")), "pipe.pem", "regular file")


def _at_most_one_gigabyte() -> None:
    """Before the fix, reading /dev/zero ate memory until the machine gave up; cap it at 1 GB."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_and_a_link_to_it_are_refused_without_reading(tmp_path):
    (tmp_path / "zero.pem").symlink_to("/dev/zero")
    for path in ("/dev/zero", str(tmp_path / "zero.pem")):
        assert_bad_input(*run("inspect", path, preexec_fn=_at_most_one_gigabyte), "regular file")
    with pytest.raises(pem.CertificateFileError, match="regular file"):
        pem.load_private_key("/dev/zero")


@pytest.mark.parametrize("case", ["empty path", "folder", "truncated", "utf-16", "too large"])
def test_whole_command_bad_files_exit_2_with_one_sentence(tmp_path, case):
    path = tmp_path / "cert.pem"
    if case == "truncated":
        path.write_bytes(LEAF[:300])
    elif case == "utf-16":
        path.write_bytes(LEAF.decode().encode("utf-16"))
    elif case == "too large":
        with path.open("wb") as handle:
            handle.truncate(pem.MAX_FILE_BYTES + 1)
    target = {"empty path": "", "folder": str(tmp_path)}.get(case, str(path))
    words = {"empty path": "empty", "folder": "folder", "truncated": "END CERTIFICATE", "utf-16": "UTF-16",
             "too large": "10 MB"}[case]
    assert_bad_input(*run("pin", target), words)


# --- cryptography's warnings ---------------------------------------------------------------------

def _country_of_three_letters() -> bytes:
    """A self-signed certificate whose country is "USA": RFC 5280 forbids it, cryptography warns."""
    key = ec.derive_private_key(1, ec.SECP256R1())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "USA", _validate=False),
                          x509.NameAttribute(NameOID.COMMON_NAME, "odd.example")])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("command", ["inspect", "pin"])
def test_cryptography_user_warnings_do_not_leak_to_stderr(tmp_path, command):
    (tmp_path / "usa.pem").write_bytes(_country_of_three_letters())
    done, seconds = run(command, str(tmp_path / "usa.pem"))
    assert (done.returncode, done.stderr) == (0, "") and seconds < 5
