"""The loopback HTTPS API: real TLS, bearer tokens, and no leaked threads or sockets."""

from __future__ import annotations

import os
import ssl
import threading

import pytest

from helpers.course import HOST
from helpers.errors import BadInputError
from helpers.pem import NotAPrivateKeyError, NotCertificatesError
from helpers.pki import ServerChainError, course_pki
from helpers.tls.api import API_TOKEN, USERS, describe_exception
from helpers.tls.contexts import PresentedChainError, TrustAnchorsError, as_chain
from helpers.tls.servers import (
    Failure,
    HTTPSServer,
    NotListeningError,
    NotRunningError,
    RequestPathError,
    ServerRunningError,
    TargetError,
    get,
    try_get,
)

PKI = course_pki()
ROOTS = [PKI.root.cert]


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_users_with_the_right_token():
    with HTTPSServer(PKI.leaf) as server:
        response = get(server, "/users", token=API_TOKEN, roots=ROOTS)
    assert response.status == 200 and response.ok and response.json == list(USERS)
    assert response.tls_version == "TLSv1.3"
    assert response.headers["Content-Type"] == "application/json"


def test_missing_or_wrong_token_is_401_and_unknown_path_404():
    with HTTPSServer(PKI.leaf) as server:
        assert get(server.port, "/users", roots=ROOTS).status == 401
        wrong = get(server.url, "/users", token="guess", roots=ROOTS)
        assert wrong.status == 401 and "bearer" in wrong.json["error"]
        assert wrong.headers["WWW-Authenticate"] == f'Bearer realm="{HOST}"'
        assert get(server, "/admin", token=API_TOKEN, roots=ROOTS).status == 404
    assert server.log == [("GET", "/users", 401), ("GET", "/users", 401), ("GET", "/admin", 404)]


def test_start_stop_twice_leaks_no_thread_or_socket():
    with HTTPSServer(PKI.leaf) as warm:      # warm up lazy imports and caches before measuring
        get(warm, token=API_TOKEN, roots=ROOTS)
    threads, fds = _threads(), _open_fds()
    for _ in range(2):
        server = HTTPSServer(PKI.leaf)
        with server:
            assert get(server, token=API_TOKEN, roots=ROOTS).status == 200
            assert isinstance(try_get(server, server_hostname="www.yourapp.com", roots=ROOTS), Failure)
            assert server.running
        assert not server.running
        assert _threads() == threads, "a server or request thread is still alive"
        assert _open_fds() == fds, "a socket or file was left open"


def test_the_same_object_can_be_started_again():
    server = HTTPSServer(PKI.leaf)
    with server:
        first = get(server, token=API_TOKEN, roots=ROOTS).status
    with server:
        second = get(server, token=API_TOKEN, roots=ROOTS).status
    assert first == second == 200


def test_wrong_host_and_unknown_ca_fail_with_the_apps_exception():
    pki = PKI
    with HTTPSServer(PKI.leaf) as server:
        wrong_host = try_get(server, server_hostname="www.yourapp.com", roots=ROOTS)
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
        assert get(server, token=API_TOKEN, roots=ROOTS).status == 200
        assert len(server.chain) == 3
    with HTTPSServer(pki.rogue_leaf) as rogue:
        assert get(rogue, token=API_TOKEN, roots=[pki.rogue_ca.cert]).status == 200
        assert isinstance(try_get(rogue, token=API_TOKEN, roots=ROOTS), Failure)   # the course root refuses it


def test_tls12_server():
    with HTTPSServer(PKI.leaf, tls12=True) as server:
        assert get(server, token=API_TOKEN, roots=ROOTS).tls_version == "TLSv1.2"


def test_bad_inputs_raise_errors_named_for_the_problem():
    pki = PKI
    with pytest.raises(NotCertificatesError, match="x509.Certificate"):
        as_chain(["garbage"], pki.leaf.key)
    with pytest.raises(PresentedChainError, match="private key"):
        as_chain([pki.leaf.cert])                                  # no key anywhere
    with pytest.raises(ServerChainError, match="does not match"):
        HTTPSServer([pki.leaf.cert], pki.rogue_leaf.key).start()
    with pytest.raises(NotAPrivateKeyError):
        HTTPSServer([pki.leaf.cert], "not a key").start()
    with pytest.raises(TargetError, match="not a server"):
        get("api.yourapp.com", roots=ROOTS)
    with pytest.raises(TrustAnchorsError, match="non-empty list"):
        get(443, roots=[])
    with HTTPSServer(PKI.leaf) as server:
        port = server.port
        with pytest.raises(RequestPathError, match="request path"):
            get(server, "users", roots=ROOTS)
        with pytest.raises(ServerRunningError, match="already running"):
            server.start()
    with pytest.raises(NotListeningError, match="Nothing is listening"):
        get(port, roots=ROOTS)
    with pytest.raises(NotRunningError, match="not running"):
        _ = server.port
    for error in (PresentedChainError, TrustAnchorsError, ServerChainError, NotAPrivateKeyError, TargetError,
                  RequestPathError, ServerRunningError, NotListeningError, NotRunningError):
        assert issubclass(error, BadInputError), error


def test_the_course_chain_is_never_a_hidden_default():
    """Callers pass what the server presents and what the client trusts."""
    with pytest.raises(TypeError):
        HTTPSServer()                                                  # the point of the test
    with HTTPSServer(PKI.leaf) as server, pytest.raises(TypeError):
        get(server, token=API_TOKEN)


def test_repr_and_descriptions_have_no_addresses_or_ports():
    with HTTPSServer(PKI.leaf) as server:
        text = repr(server) + str(try_get(server, server_hostname="x.example", roots=ROOTS))
        assert str(server.port) not in text and "0x" not in text
    assert describe_exception(ConnectionRefusedError(111, "Connection refused")) == (
        "ConnectionRefusedError: Connection refused")
