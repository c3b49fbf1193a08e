"""``python -m helpers connect``, ``handshake`` and ``attacks``: exit codes 0 / 1 / 2."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_process import run_timed

from helpers.cli import main
from helpers.cli.connect import HostPortError, parse_hostport
from helpers.course import HOST
from helpers.pinning.pins import spki_pin
from helpers.pki import course_pki
from helpers.tls.api import API_TOKEN
from helpers.tls.servers import HTTPSServer


@pytest.fixture(scope="module")
def server():
    with HTTPSServer(course_pki().leaf, token=API_TOKEN) as running:
        yield running


@pytest.fixture
def roots(tmp_path):
    path = tmp_path / "roots.pem"
    path.write_bytes(course_pki().root.pem)
    return str(path)


def connect(server, *extra):
    return main(["connect", f"127.0.0.1:{server.port}", "--servername", HOST, *extra])


def test_valid_connection_prints_the_verified_chain(server, roots, capsys):
    assert connect(server, "--roots", roots) == 0
    out = capsys.readouterr().out
    assert "chain validated" in out
    rows = [line.split() for line in out.splitlines()[2:]]  # rows[0] is the rule under the headers
    assert rows[1][:2] == ["0", "api.yourapp.com"] and rows[1][-1] == f"sha256/{spki_pin(course_pki().leaf.cert)}"
    assert rows[3][:4] == ["2", "YourApp", "Root", "CA"]   # the verified chain ends at the anchor


@pytest.mark.parametrize("style", ["raw", "okhttp"])
def test_matching_pin_exits_zero(server, roots, capsys, style):
    pin = spki_pin(course_pki().intermediate.cert)
    assert connect(server, "--roots", roots, "--pin", pin if style == "raw" else f"sha256/{pin}") == 0
    assert f"pin matched: certificate 1 (spki) sha256/{pin}" in capsys.readouterr().out


def test_wrong_pin_exits_one_with_the_reason(server, roots, capsys):
    backup = spki_pin(course_pki().backup_key.public_key())
    assert connect(server, "--roots", roots, "--pin", backup) == 1
    assert capsys.readouterr().out.startswith("refused: no pin matched the verified chain")


def test_untrusted_root_exits_one(server, tmp_path, capsys):
    other = tmp_path / "other.pem"
    other.write_bytes(course_pki().government_root.pem)
    assert connect(server, "--roots", str(other)) == 1
    assert "certificate validation failed" in capsys.readouterr().out


def test_wrong_name_exits_one(server, roots, capsys):
    assert main(["connect", f"127.0.0.1:{server.port}", "--servername", "www.yourapp.com",
                 "--roots", roots]) == 1
    assert "certificate validation failed: Hostname mismatch" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["example.com", "example.com:http", ":443", "host:70000", "host:0"])
def test_a_target_that_is_not_host_port_is_named(text):
    with pytest.raises(HostPortError, match="HOST:PORT"):
        parse_hostport(text)


def test_host_port_accepts_names_addresses_and_bracketed_ipv6():
    assert parse_hostport("api.yourapp.com:443") == ("api.yourapp.com", 443)
    assert parse_hostport(" 127.0.0.1:8443 ") == ("127.0.0.1", 8443)
    assert parse_hostport("[::1]:8443") == ("::1", 8443)


@pytest.mark.parametrize("argv, message", [
    (["connect", "no-port-here"], "HOST:PORT"),
    (["connect", "127.0.0.1:443", "--pin", "abc"], "base64"),
    (["connect", "127.0.0.1:443", "--roots", "/nonexistent/roots.pem"], "cannot read"),
    (["connect", "127.0.0.1:443", "--pin", "sha256/" + "A" * 43], "base64"),
])
def test_bad_input_exits_two_with_one_sentence(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_attacks_command_prints_the_scoreboard():
    done = subprocess.run([sys.executable, "-m", "helpers", "attacks"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and not done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["client", "attack", "verdict"]
    assert sum("connected" in line for line in lines) == 4 and sum(" refused " in line for line in lines) == 4


# --- hostile targets, network failures and exit codes (issue 16) --------------------------------------
# Whole commands in a child process: the exit code, one sentence on stderr, no traceback, under 5 s.

ROOT = Path(__file__).resolve().parents[1]
ROOTS = str(ROOT / "data" / "certs" / "yourapp-root.pem")




def one_error(done: subprocess.CompletedProcess, code: int = 2) -> str:
    lines = done.stderr.splitlines()
    assert done.returncode == code and len(lines) == 1 and done.stdout == "", (done.stdout, done.stderr)
    assert lines[0].startswith("error: ") and lines[0].endswith("."), lines[0]
    return lines[0]


LONG = "a" * 300


@pytest.mark.parametrize("argv, message", [
    (["a..b:443"], "empty label"),
    ([f"{LONG}:443"], "longer than 253"),
    ([f"{'a' * 64}.example:443"], "longer than 63"),
    (["127.0.0.1:²"], "HOST:PORT"),
    (["127.0.0.1:٤٤٣"], "HOST:PORT"),
    (["::1:443"], "brackets"),
    (["[api.yourapp.com]:443"], "brackets"),
    (["exa mple.com:443"], "letters, digits"),
    (["--", "-a.example:443"], "starts or ends with '-'"),
    (["127.0.0.1:443", "--servername", "a..b"], "--servername"),
    (["127.0.0.1:443", "--servername", LONG], "--servername"),
    (["127.0.0.1:443", "--servername", ""], "--servername is empty"),
    (["127.0.0.1:443", "--servername", "api.yourapp.com\x1b[2J"], "--servername"),
    (["127.0.0.1:443", "--timeout", "0"], "--timeout"),
    (["127.0.0.1:443", "--timeout", "nan"], "--timeout"),
    (["127.0.0.1:443", "--timeout", "soon"], "--timeout"),
])
def test_a_target_the_command_cannot_use_is_one_sentence_and_exit_2(argv, message):
    line = one_error(run_timed("connect", "--roots", ROOTS, *argv))
    assert message in line and "\x1b" not in line


def _listener(behaviour):
    """A loopback TCP server that accepts one connection and does ``behaviour(conn)``; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        with listener:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, port, thread


def test_a_closed_port_could_not_run_exit_2():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    line = one_error(run_timed("connect", f"127.0.0.1:{port}", "--roots", ROOTS))
    assert f"nothing is listening on 127.0.0.1 port {port}" in line


def test_a_server_that_is_not_tls_could_not_run_exit_2():
    def http(conn):
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    listener, port, thread = _listener(http)
    line = one_error(run_timed("connect", f"127.0.0.1:{port}", "--roots", ROOTS))
    thread.join(5)
    assert "does not speak TLS" in line and "_ssl.c" not in line and "[SSL" not in line


def test_a_server_that_never_answers_is_a_timeout_exit_2():
    stop = threading.Event()
    listener, port, thread = _listener(lambda conn: stop.wait(10))
    try:
        line = one_error(run_timed("connect", f"127.0.0.1:{port}", "--roots", ROOTS, "--timeout", "0.5"))
    finally:
        stop.set()
        thread.join(5)
    assert "did not answer the TLS handshake within 0.5 s" in line


def test_a_pin_mismatch_is_a_verdict_exit_1_on_stdout(server):
    backup = spki_pin(course_pki().backup_key.public_key())
    done = run_timed("connect", f"127.0.0.1:{server.port}", "--servername", HOST, "--roots", ROOTS, "--pin", backup)
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout.startswith("refused: no pin matched the verified chain")


def test_a_validation_failure_is_a_verdict_exit_1(server):
    done = run_timed("connect", f"127.0.0.1:{server.port}", "--servername", "www.yourapp.com", "--roots", ROOTS)
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout.startswith("refused: certificate validation failed")


def test_connect_says_where_a_name_resolved(server):
    done = run_timed("connect", f"localhost:{server.port}", "--servername", HOST, "--roots", ROOTS)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "resolved localhost to 127.0.0.1"
    assert lines[1].startswith(f"connected to {HOST} at 127.0.0.1 port {server.port} (TLSv1.3)")


def test_help_states_the_scope_and_the_exit_codes():
    text = " ".join(run_timed("connect", "--help").stdout.split())
    assert "resolves and dials any host you give it, on any network" in text and "loopback" in text
    for code in ("0 connected", "1 refused", "2 could not run"):
        assert code in text


def test_names_from_the_server_are_escaped_on_the_terminal():
    from helpers.pki.ca import SERVER_AUTH, Issued, _leaf_extensions, subject_name
    from helpers.pki.keys import key_from_label

    pki = course_pki()
    key = key_from_label("hostile server key")
    cert = pki.intermediate.sign(subject_name("\x1b]0;owned\x07api"), key.public_key(), 7001,
                                 pki.leaf.cert.not_valid_before_utc, pki.leaf.cert.not_valid_after_utc,
                                 _leaf_extensions([HOST], SERVER_AUTH))
    hostile = Issued("hostile", cert, key, (pki.intermediate.cert,), pki.root.cert)
    with HTTPSServer(hostile, token=API_TOKEN) as running:
        done = run_timed("connect", f"127.0.0.1:{running.port}", "--servername", HOST, "--roots", ROOTS)
    assert done.returncode == 0 and "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "\\x1b]0;owned\\x07api" in done.stdout


# --- handshake ------------------------------------------------------------------------------------------

def test_handshake_fail_honours_suite():
    done = run_timed("handshake", "--fail", "wrong-host", "--suite", "TLS_CHACHA20_POLY1305_SHA256")
    assert done.returncode == 1 and done.stderr == ""
    assert "TLS 1.3, TLS_CHACHA20_POLY1305_SHA256" in done.stdout
    assert "cipher_suites: TLS_CHACHA20_POLY1305_SHA256," in done.stdout  # the only TLS 1.3 suite offered


def test_handshake_suite_with_tls12_is_one_sentence():
    for fail in ([], ["--fail", "unknown-ca"]):
        line = one_error(run_timed("handshake", *fail, "--tls12", "--suite", "TLS_AES_128_GCM_SHA256"))
        assert line == ("error: --suite picks a TLS 1.3 cipher suite, so it cannot be combined with --tls12; "
                        "drop one of them.")


def test_handshake_on_a_cp1252_console_does_not_crash():
    done = run_timed("handshake", env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == 0 and done.stderr == ""
    assert "client \\u2192 server" in done.stdout  # →, escaped because cp1252 has no arrow
