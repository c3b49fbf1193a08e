"""The pinned client, pinning by trust anchor and the broken variants, on real loopback TLS.

Every verdict comes from a real handshake with Python's ``ssl`` (the system OpenSSL) and is
cross-checked where possible against cryptography's verifier, an independent implementation.
"""

from __future__ import annotations

import warnings

import certifi
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from helpers.attacks import ATTACKS, CHAIN_STUFFING, attack, leaf_pins, run_attack
from helpers.course import HOST
from helpers.errors import BadInputError
from helpers.pem import CertificateFileError, NotCertificatesError
from helpers.pinning.broken import BrokenCallbackClient, BrokenUnverifiedChainClient
from helpers.pinning.client import (
    CaClient,
    PinnedClient,
    Refusal,
    Refused,
    TrustAnchorClient,
    check_pins,
    connected_chain,
    fetch,
    rebuild_verified_chain,
    trust_store_context,
    unverified_chain,
    verified_chain,
)
from helpers.pinning.pins import Pin, PinFormatError, PinSet, cert_pin, spki_der, spki_pin
from helpers.pinning.renewal import Event, UnknownEventError, event_chain, renewal_matrix
from helpers.pinning.strategy import Strategy
from helpers.pki import course_pki
from helpers.tls.api import API_TOKEN
from helpers.tls.contexts import TrustAnchorsError
from helpers.tls.proxy import MitmProxy, Outcome
from helpers.tls.servers import HTTPSServer


@pytest.fixture(scope="module")
def pki():
    return course_pki()


@pytest.fixture(scope="module")
def server(pki):
    with HTTPSServer(pki.leaf, token=API_TOKEN) as running:
        yield running


def test_verified_chain_is_built_by_openssl_and_agrees_with_cryptography(pki, server):
    with CaClient([pki.root.cert]).connect(server.host, server.port) as sock:
        verified, sent = verified_chain(sock), unverified_chain(sock)
    assert verified == [pki.leaf.cert, pki.intermediate.cert, pki.root.cert]  # ends at the anchor
    assert sent == [pki.leaf.cert, pki.intermediate.cert]                    # exactly what was sent
    assert rebuild_verified_chain(sent, [pki.root.cert], HOST) == verified   # the independent fallback


def test_connected_chain_falls_back_to_cryptography_when_openssl_gives_none(pki, server, monkeypatch):
    from helpers.pinning import client as client_module

    with CaClient([pki.root.cert]).connect(server.host, server.port) as sock:
        from_openssl = connected_chain(sock, [pki.root.cert], HOST)
        monkeypatch.setattr(client_module, "verified_chain", lambda sock: [])   # a resumed session
        rebuilt = connected_chain(sock, [pki.root.cert], HOST)
        with pytest.raises(Refused) as why:
            connected_chain(sock, [pki.government_root.cert], HOST)
    assert from_openssl == rebuilt == [pki.leaf.cert, pki.intermediate.cert, pki.root.cert]
    assert why.value.kind is Refusal.VALIDATION


def test_pinned_client_accepts_the_genuine_server_with_either_chain_source(pki, server):
    for rebuild in (False, True):
        client = PinnedClient([spki_pin(pki.leaf.cert)], [pki.root.cert], rebuild=rebuild)
        response = fetch(client, server.host, server.port, token=API_TOKEN)
        assert response.status == 200 and response.json


@pytest.mark.parametrize("pin_of", ["intermediate", "root"])
def test_a_pin_anywhere_in_the_verified_chain_matches(pki, server, pin_of):
    client = PinnedClient(f"sha256/{spki_pin(getattr(pki, pin_of).cert)}", [pki.root.cert])
    client.connect(server.host, server.port).close()


def test_pinned_client_refuses_when_no_pin_matches(pki, server):
    only_backup = PinSet(pins=(spki_pin(pki.backup_key.public_key()),))
    with pytest.raises(Refused, match="no pin matched the verified chain") as why:
        PinnedClient(only_backup, [pki.root.cert]).connect(server.host, server.port)
    assert why.value.kind is Refusal.PINS
    assert why.value.reason.endswith("(api.yourapp.com, YourApp Issuing CA 1, YourApp Root CA)")


def test_pins_never_replace_validation(pki, server):
    """A matching pin does not rescue a chain that does not validate (root not trusted)."""
    client = PinnedClient([spki_pin(pki.leaf.cert)], [pki.rogue_ca.cert])
    with pytest.raises(Refused, match="certificate validation failed") as why:
        client.connect(server.host, server.port)
    assert why.value.kind is Refusal.VALIDATION


def test_an_expired_pin_set_fails_open(pki):
    expired = PinSet(pins=(spki_pin(pki.backup_key.public_key()),), expires="2026-01-01")
    assert check_pins(expired, [pki.rogue_leaf.cert]) == []
    with pytest.raises(Refused):
        check_pins(PinSet(pins=expired.pins), [pki.rogue_leaf.cert])


@pytest.mark.parametrize("anchor", ["leaf", "intermediate"])
def test_trust_anchor_pinning_needs_partial_chain(pki, server, anchor):
    own = getattr(pki, anchor).cert
    TrustAnchorClient([own]).connect(server.host, server.port).close()
    plain = CaClient([own])  # the same store without VERIFY_X509_PARTIAL_CHAIN
    with pytest.raises(Refused, match="certificate validation failed"):
        plain.connect(server.host, server.port)


def test_chain_stuffing_fools_only_the_client_that_pins_the_sent_chain():
    assert CHAIN_STUFFING.chain()[-2:] == [course_pki().leaf.cert, course_pki().intermediate.cert]
    broken = run_attack(CHAIN_STUFFING, lambda roots: BrokenUnverifiedChainClient(leaf_pins(), roots))
    correct = run_attack(CHAIN_STUFFING, lambda roots: PinnedClient(leaf_pins(), roots))
    assert broken.connected and broken.token_leaked
    assert not correct.connected and not correct.token_leaked
    assert "Compromised Public Root CA" in correct.reason


def test_callback_pin_check_runs_only_when_validation_fails(pki, server):
    outsider = BrokenCallbackClient(leaf_pins(), [pki.rogue_ca.cert])   # course root not trusted
    assert fetch(outsider, server.host, server.port, token=API_TOKEN).status == 200
    assert outsider.calls == 1                                          # validation failed: it ran
    made = []
    result = run_attack("rogue CA", lambda roots: made.append(BrokenCallbackClient(leaf_pins(), roots))
                        or made[-1], upstream=server)
    assert result.connected and result.token_leaked and made[-1].calls == 0  # never ran


def test_callback_that_rejects_refuses(pki, server):
    wrong = BrokenCallbackClient([spki_pin(pki.backup_key.public_key())], [pki.rogue_ca.cert])
    with pytest.raises(Refused, match="callback rejected") as why:
        wrong.connect(server.host, server.port)
    assert wrong.calls == 1 and why.value.kind is Refusal.CALLBACK


def test_the_callback_client_recognises_a_failed_validation_by_kind_not_by_text(pki, server, monkeypatch):
    """Reword the refusal: the broken client must still call its callback."""
    from helpers.pinning import client as client_module

    real = client_module._handshake

    def reworded(*args):
        try:
            return real(*args)
        except Refused as why:
            raise Refused("the chain is not trusted", why.kind) from None

    monkeypatch.setattr(client_module, "_handshake", reworded)
    outsider = BrokenCallbackClient(leaf_pins(), [pki.rogue_ca.cert])
    outsider.connect(server.host, server.port).close()
    assert outsider.calls == 1
    with pytest.raises(Refused) as why:
        BrokenCallbackClient(leaf_pins(), [pki.rogue_ca.cert]).connect(server.host, 1)   # nothing listens
    assert why.value.kind is Refusal.UNREACHABLE


def test_the_proxy_reports_its_outcome_as_an_enum(pki, server):
    item = attack("corporate proxy")
    for client, expected in ((CaClient(item.device_roots()), Outcome.INTERCEPTED),
                             (PinnedClient(leaf_pins(), item.device_roots()), Outcome.CLIENT_REFUSED)):
        with MitmProxy((server.host, server.port), chain=item.chain(), key=item.leaf().key,
                       upstream_roots=[pki.root.cert]) as proxy:
            try:
                fetch(client, proxy.host, proxy.port, token=API_TOKEN)
            except Refused as why:
                assert why.kind is Refusal.PINS
        assert [i.outcome for i in proxy.interceptions] == [expected]
        assert f"{expected}" == expected.value                     # prints as the lesson's words


def test_a_proxy_that_fails_after_reading_the_token_still_counts_an_interception(pki, server, monkeypatch):
    """Regression: an error mid-relay was recorded as CLIENT_REFUSED though the token had been read."""
    from helpers.tls import proxy as proxy_module

    real = proxy_module._read_available

    def breaks_on_the_answer(sock):
        data = real(sock)
        if data and not sock.server_side:    # the real server's answer: the request went through already
            raise ConnectionResetError("the connection broke while relaying the answer")
        return data

    monkeypatch.setattr(proxy_module, "_read_available", breaks_on_the_answer)
    item = attack("corporate proxy")
    with MitmProxy((server.host, server.port), chain=item.chain(), key=item.leaf().key,
                   upstream_roots=[pki.root.cert]) as proxy:
        with pytest.raises(Refused) as why:
            fetch(CaClient(item.device_roots()), proxy.host, proxy.port, token=API_TOKEN)
    assert why.value.kind is Refusal.NOT_HTTP                         # the client got no answer...
    assert proxy.authorizations() == [f"Bearer {API_TOKEN}"]         # ...but the proxy read its token
    assert [i.outcome for i in proxy.interceptions] == [Outcome.INTERCEPTED]


def test_renewal_matrix_matches_what_each_pin_hashes(pki):
    matrix = renewal_matrix()
    assert len(matrix.cells) == len(Strategy) * len(Event)
    # hand-derived: which pinned value is still present after each change
    assert Pin.of_spki(pki.leaf_renewed.cert) == Pin.of_spki(pki.leaf.cert)
    assert Pin.of_cert(pki.leaf_renewed.cert) != Pin.of_cert(pki.leaf.cert)
    assert [matrix.cells[Strategy.CERTIFICATE, e] for e in Event] == [False] * 5
    assert [matrix.cells[Strategy.LEAF_SPKI, e] for e in Event] == [True, False, False, True, False]
    assert [matrix.cells[Strategy.LEAF_SPKI_BACKUP, e] for e in Event] == [True, True, False, True, True]
    assert [matrix.cells[Strategy.INTERMEDIATE, e] for e in Event] == [True, True, True, False, False]
    assert [matrix.cells[Strategy.ROOT, e] for e in Event] == [True, True, True, True, False]
    with pytest.raises(UnknownEventError):
        event_chain("planned rekey")  # a label is not an Event
    assert "LOCKED OUT" in matrix.text() and "<table>" in matrix._repr_html_()


def test_bad_input_is_named_for_the_problem(pki, tmp_path):
    with pytest.raises(TrustAnchorsError, match="trust store"):
        trust_store_context([])
    with pytest.raises(NotCertificatesError, match="trust store must hold x509.Certificate"):
        CaClient(["not a certificate"])
    with pytest.raises(CertificateFileError, match="cannot read"):
        CaClient(tmp_path / "missing.pem")
    with pytest.raises(PinFormatError):
        PinnedClient("not-a-pin", [pki.root.cert])
    assert issubclass(TrustAnchorsError, BadInputError) and not issubclass(Refused, BadInputError)


def test_a_pem_trust_store_loads_without_hiding_warnings():
    """certifi has roots with serial 0: only that warning is tolerated, and nothing else is silenced."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = CaClient(certifi.where())
        warnings.warn("still heard", UserWarning, stacklevel=1)
    assert len(client.roots) > 100
    assert [str(w.message) for w in caught] == ["still heard"]


@pytest.mark.parametrize("item", ATTACKS, ids=lambda a: a.key)
def test_openssl_and_cryptography_build_the_same_chain_for_every_attack(server, item):
    """Two independent verifiers agree on the chain each attacker's certificate builds."""
    with MitmProxy((server.host, server.port), chain=item.chain(), key=item.leaf().key,
                   upstream_roots=[course_pki().root.cert]) as proxy:
        with CaClient(item.device_roots()).connect(proxy.host, proxy.port) as sock:
            from_openssl, sent = verified_chain(sock), unverified_chain(sock)
    assert from_openssl == rebuild_verified_chain(sent, item.device_roots(), HOST)
    assert from_openssl[-1] in item.device_roots() and from_openssl[0] == item.leaf().cert


class _Python313Socket:
    """Stands in for a 3.13+ SSLSocket, whose public method returns DER bytes."""

    def __init__(self, certs):
        self._der = [c.public_bytes(Encoding.DER) for c in certs]

    def get_verified_chain(self):
        return list(self._der)

    def get_unverified_chain(self):
        return list(self._der[:-1])


def test_public_chain_methods_of_python_313_are_used_when_present(pki):
    chain = [pki.leaf.cert, pki.intermediate.cert, pki.root.cert]
    fake = _Python313Socket(chain)
    assert verified_chain(fake) == chain and unverified_chain(fake) == chain[:-1]


def test_lesson06_exercises_accept_the_answer_and_explain_mistakes(pki):
    import base64
    import hashlib

    from helpers.exercises import lesson06 as ex

    cert = pki.rogue_leaf.cert
    spki = spki_der(cert)
    assert ex.q1.feedback(base64.b64encode(hashlib.sha256(spki).digest()).decode()).startswith("✓")
    assert "certificate pin" in ex.q1.feedback(cert_pin(cert))
    assert "hex" in ex.q1.feedback(hashlib.sha256(spki).hexdigest())
    good = [spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key())]
    assert ex.q2.feedback(good).startswith("✓")
    assert "intermediate rotation" in ex.q2.feedback([spki_pin(pki.intermediate.cert)])
    assert "mis-issued" in ex.q2.feedback([spki_pin(pki.root.cert)])
    assert "planned rekey" in ex.q2.feedback([spki_pin(pki.leaf.cert)])
    fixed = lambda sock, pins: any(spki_pin(c) in pins for c in ex.verified_chain(sock))  # noqa: E731
    stuffed = lambda sock, pins: any(spki_pin(c) in pins for c in ex.unverified_chain(sock))  # noqa: E731
    assert ex.q3.feedback(fixed).startswith("✓") and ex.q3.feedback(stuffed).startswith("✗")


def test_lesson06_exercises_name_the_plausible_mistakes(pki):
    import base64

    from helpers.exercises import lesson06 as ex

    hand = ex.q1.feedback
    assert "rogue_leaf" in hand(spki_pin(pki.leaf.cert))          # the genuine leaf instead
    assert ".decode()" in hand(spki_pin(pki.rogue_leaf.cert).encode())  # forgot to decode
    assert "SHA-256 first" in hand(base64.b64encode(spki_der(pki.rogue_leaf.cert)).decode())
    assert hand("sha256/" + spki_pin(pki.rogue_leaf.cert)).startswith("✓")
    rotation = ex.q2.feedback
    assert "certificate pins" in rotation([cert_pin(pki.leaf.cert)])
    assert "not a pin" in rotation(["abc"]) and "base64" in rotation(["abc"])
    assert "mis-issued" in rotation([spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key()),
                                     spki_pin(pki.root.cert)])


def test_connect_command_checks_expiry_and_fallback_on_the_real_clock(monkeypatch, server, pki, tmp_path):
    """A real server is checked at the real time: the CLI never uses the course clock."""
    from helpers.cli import main
    from helpers.pinning import client as client_module

    made = []
    real_init = PinnedClient.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(PinnedClient, "__init__", spy)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.root.pem)
    assert main(["connect", f"127.0.0.1:{server.port}", "--servername", HOST, "--roots", str(roots),
                 "--pin", spki_pin(pki.leaf.cert)]) == 0
    assert made and made[0].at is not None and made[0].at.year >= 2026
    assert client_module.clock.now() != made[0].at


def test_fetch_reports_the_tls_version_it_spoke(pki, server):
    """The version is read before the reply closes the socket (a Connection: close reply did)."""
    response = fetch(CaClient([pki.root.cert]), server.host, server.port, token=API_TOKEN)
    assert response.status == 200 and response.tls_version == "TLSv1.3"
