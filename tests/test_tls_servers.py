"""The loopback HTTPS API: real TLS, bearer tokens, and no leaked threads or sockets."""

from __future__ import annotations

import os
import ssl
import threading

import pytest

from helpers.errors import CourseError
from helpers.pki import course_pki
from helpers.tls.servers import (
    API_TOKEN,
    USERS,
    Failure,
    HTTPSServer,
    ServerError,
    as_chain,
    describe_exception,
    get,
    try_get,
)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_users_with_the_right_token():
    with HTTPSServer() as server:
        response = get(server, "/users", token=API_TOKEN)
    assert response.status == 200 and response.ok and response.json == list(USERS)
    assert response.tls_version == "TLSv1.3"
    assert response.headers["Content-Type"] == "application/json"


def test_missing_or_wrong_token_is_401_and_unknown_path_404():
    with HTTPSServer() as server:
        assert get(server.port, "/users").status == 401
        wrong = get(server.url, "/users", token="guess")
        assert wrong.status == 401 and "bearer" in wrong.json["error"]
        assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
        assert get(server, "/admin", token=API_TOKEN).status == 404
    assert server.log == [("GET", "/users", 401), ("GET", "/users", 401), ("GET", "/admin", 404)]


def test_start_stop_twice_leaks_no_thread_or_socket():
    with HTTPSServer() as warm:      # warm up lazy imports and caches before measuring
        get(warm, token=API_TOKEN)
    threads, fds = _threads(), _open_fds()
    for _ in range(2):
        server = HTTPSServer()
        with server:
            assert get(server, token=API_TOKEN).status == 200
            assert isinstance(try_get(server, server_hostname="www.yourapp.com"), Failure)
            assert server.running
        assert not server.running
        assert _threads() == threads, "a server or request thread is still alive"
        assert _open_fds() == fds, "a socket or file was left open"


def test_the_same_object_can_be_started_again():
    server = HTTPSServer()
    with server:
        first = get(server, token=API_TOKEN).status
    with server:
        second = get(server, token=API_TOKEN).status
    assert first == second == 200


def test_wrong_host_and_unknown_ca_fail_with_the_apps_exception():
    pki = course_pki()
    with HTTPSServer() as server:
        wrong_host = try_get(server, server_hostname="www.yourapp.com")
        unknown = try_get(server, roots=[pki.corporate_ca.cert])
        with pytest.raises(ssl.SSLCertVerificationError):
            get(server, roots=[pki.government_root.cert])
    assert str(wrong_host) == ("SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED (Hostname mismatch, "
                               "certificate is not valid for 'www.yourapp.com'.)")
    assert "unable to get local issuer certificate" in str(unknown)
    assert "SSLError: SSLV3_ALERT_BAD_CERTIFICATE" in server.errors
    assert "SSLError: TLSV1_ALERT_UNKNOWN_CA" in server.errors


def test_serves_a_custom_chain_and_an_attackers_chain():
    pki = course_pki()
    stuffed = [pki.leaf.cert, pki.intermediate.cert, pki.rogue_ca.cert]
    with HTTPSServer(stuffed, pki.leaf.key) as server:
        assert get(server, token=API_TOKEN).status == 200
        assert len(server.chain) == 3
    with HTTPSServer(pki.rogue_leaf) as rogue:
        assert get(rogue, token=API_TOKEN, roots=[pki.rogue_ca.cert]).status == 200
        assert isinstance(try_get(rogue, token=API_TOKEN), Failure)   # the course root does not vouch for it


def test_tls12_server():
    with HTTPSServer(tls12=True) as server:
        assert get(server, token=API_TOKEN).tls_version == "TLSv1.2"


def test_bad_inputs_raise_course_errors():
    pki = course_pki()
    with pytest.raises(ServerError, match="not a certificate"):
        as_chain(["garbage"], pki.leaf.key)
    with pytest.raises(ServerError, match="does not match"):
        HTTPSServer([pki.leaf.cert], pki.rogue_leaf.key).start()
    with pytest.raises(ServerError, match="not a server"):
        get("api.yourapp.com")
    with HTTPSServer() as server:
        port = server.port
        with pytest.raises(ServerError, match="request path"):
            get(server, "users")
        with pytest.raises(ServerError, match="already running"):
            server.start()
    with pytest.raises(ServerError, match="Nothing is listening"):
        get(port)
    with pytest.raises(ServerError, match="not running"):
        _ = server.port
    assert issubclass(ServerError, CourseError)


def test_repr_and_descriptions_have_no_addresses_or_ports():
    with HTTPSServer() as server:
        text = repr(server) + str(try_get(server, server_hostname="x.example"))
        assert str(server.port) not in text and "0x" not in text
    assert describe_exception(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: Connection refused")
