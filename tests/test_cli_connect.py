"""``python -m helpers connect`` and ``python -m helpers attacks``: exit codes 0 / 1 / 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
