"""Lesson 04's figure, its new demonstrations, and the substance of its version-dependent cells."""

from __future__ import annotations

import ssl

import matplotlib
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from helpers.errors import BadInputError
from helpers.show import Table
from helpers.tls import agreement
from helpers.tls.handshake import agree_keys, failed_handshake, openssl_versions, run_handshake
from helpers.tls.keyschedule import handshake_traffic_secret
from helpers.tls.names import ALERT

matplotlib.use("Agg")


def test_sequence_diagram_has_the_five_checks_and_a_summary():
    import matplotlib.pyplot as plt

    from helpers.plots.handshake import QUESTIONS, TLS13_FLOW, sequence_diagram

    fig, summary = sequence_diagram()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
    for question in QUESTIONS:
        assert question in texts
    assert any("CertificateVerify" in q for q in QUESTIONS) and any("Finished" in q for q in QUESTIONS)
    assert "Certificate: leaf + intermediate  [encrypted]" in texts
    assert "solid arrow: sent in clear" in texts and "encrypted" in texts.split("dotted band:")[-1]
    assert summary.startswith("A TLS 1.3 connection") and summary.endswith(".")
    # the request goes in the client's Finished flight, before the tickets: one round trip
    flights = {(message, sender): flight for flight, sender, message, _, _ in TLS13_FLOW}
    assert flights[("application data", "client")] == flights[("Finished", "client")] == 3
    assert flights[("NewSessionTicket (x2)", "server")] > 3


def test_the_request_can_travel_with_the_clients_finished():
    hs = run_handshake(request_with_finished=True)
    rows = [(flight, contents) for flight, _, _, contents in hs.flight_rows()]
    assert ("3", "Finished") in rows and ("3", "application data") in rows
    assert rows.index(("3", "application data")) < rows.index(("4", "NewSessionTicket"))
    assert hs.verify_finished() == {"server": True, "client": True}
    request = [i for _, who, i in hs.items if i.name == "application data" and who == "client"][0]
    assert request.data.startswith(b"GET /users HTTP/1.1\r\n")
    # the default keeps the request after the tickets, as the other lessons and tests expect
    assert ("5", "application data") in [(f, c) for f, _, _, c in run_handshake().flight_rows()]


def test_server_finished_by_hand_as_the_lesson_computes_it():
    import hashlib
    import hmac

    from helpers.tls.keyschedule import hkdf_expand_label

    hs = run_handshake(request=False)
    before = hs.messages[:5]
    assert [m.name for m in before][-1] == "CertificateVerify"
    transcript = hashlib.new(hs.suite.hash.name, b"".join(m.raw for m in before)).digest()
    key = hkdf_expand_label(hs.secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], "finished", b"", len(transcript),
                            hs.suite.hash)
    assert hmac.new(key, transcript, hs.suite.hash.name).digest() == hs.find("Finished", "server").body


def test_handshake_traffic_secret_matches_rfc8448():
    """RFC 8448 section 3: the (EC)DHE shared secret and the hello hash give the logged secrets."""
    shared = bytes.fromhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d")
    hello_hash = bytes.fromhex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8")
    assert handshake_traffic_secret(shared, hello_hash, "server").hex() == (
        "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    assert handshake_traffic_secret(shared, hello_hash, "client").hex() == (
        "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    with pytest.raises(BadInputError, match="'client' or 'server'"):
        handshake_traffic_secret(shared, hello_hash, "eve")


def test_key_agreement_on_the_real_key_share():
    wire, b = agree_keys()
    assert len(wire.client_share) == len(wire.server_share) == 32
    a_g = X25519PublicKey.from_public_bytes(wire.client_share)
    assert wire.secret_from(b.exchange(a_g)) == wire.logged_secret              # b·(a·G) = a·(b·G)
    eve = X25519PrivateKey.generate()
    assert wire.secret_from(eve.exchange(a_g)) != wire.logged_secret
    assert wire.secret_from(eve.exchange(X25519PublicKey.from_public_bytes(wire.server_share))) != (
        wire.logged_secret)
    again, _ = agree_keys()
    assert again.client_share != wire.client_share and again.server_share == wire.server_share   # fresh a, fixed b
    assert repr(wire) == "WireAgreement()"                  # no key bytes in a compared output


def test_tls12_request_still_waits_for_the_servers_finished():
    rows = [(flight, contents) for flight, _, _, contents in run_handshake(tls12=True, request_with_finished=True)
            .flight_rows()]
    assert rows[-2:] == [("5", "application data (encrypted)"), ("6", "application data (encrypted)")]
    assert ("4", "Finished (encrypted)") in rows


def test_key_agreement_refusals_are_one_sentence(monkeypatch):
    with pytest.raises(agreement.KeyShareError, match="must be an X25519 private key"):
        agreement.agree_with_openssl("not a key", roots=[])
    monkeypatch.setattr(agreement, "X25519", 0x0017)       # pretend we can only answer secp256r1
    with pytest.raises(agreement.KeyShareError, match="no X25519 key share"):
        agree_keys()


def test_the_failed_validation_alert_is_a_plaintext_record():
    for case, description in (("wrong-host", 42), ("unknown-ca", 48)):
        bad = failed_handshake(case)
        record = bad.flights[-1].records[-1].record
        assert bad.flight_rows()[-1][2] == "plaintext"
        assert record.content_type == ALERT and record.fragment == bytes([2, description])


def test_version_dependent_cells_have_the_right_substance():
    """The notebook ignores these outputs; check what they must contain instead."""
    versions = openssl_versions()
    assert list(versions) == ["ssl (runs the handshake)", "cryptography (decrypts, verifies)"]
    assert versions["ssl (runs the handshake)"] == ssl.OPENSSL_VERSION
    assert all(v.startswith(("OpenSSL", "LibreSSL", "BoringSSL")) for v in versions.values())
    hello = run_handshake().client_hello
    table = str(Table(("field", "value"), hello.rows(), wrap=80))
    for needed in ("extension server_name", "api.yourapp.com", "extension supported_versions",
                   "extension key_share", "extension signature_algorithms", "cipher_suites"):
        assert needed in table
    assert max(len(line) for line in table.splitlines()) <= 140
    # what the lesson prints as invariant: an X25519 share among one or two, TLS 1.2 suites for fallback
    groups = [group for group, _ in hello.extension("key_share").value]
    assert 0x001D in groups and 1 <= len(groups) <= 2
    assert set(groups) <= {0x001D, 0x11EC}                     # x25519, X25519MLKEM768 (OpenSSL 3.5+)
    assert "x25519 (32-byte key)" in hello.extension("key_share").describe()
    assert any("_WITH_" in name for name in hello.cipher_suite_names)


def test_the_flight_table_is_a_course_table_with_a_rule_and_no_random_bytes():
    hs = run_handshake(request=False)
    table = hs.flight_table()
    assert isinstance(table, Table) and table.headers == ("flight", "direction", "protection", "contents")
    lines = str(table).splitlines()
    assert lines[0].split() == ["flight", "direction", "protection", "contents"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["1", "client", "→", "server", "plaintext", "ClientHello"]
    assert len(table.rows) == len(hs.flight_rows()) and "<script>" not in table._repr_html_()
