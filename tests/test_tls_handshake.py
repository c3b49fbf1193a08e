"""A real TLS handshake between two OpenSSL endpoints, decrypted and verified.

The decryption is checked by OpenSSL itself: an AEAD tag only verifies when our key
schedule derived exactly the keys OpenSSL used, and our Finished MACs must equal the
bytes OpenSSL sent. HKDF-Expand-Label is also checked against RFC 8448's published trace.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from helpers.cli import main
from helpers.errors import BadInputError, CourseError
from helpers.pem import NotCertificatesError
from helpers.pki import course_pki
from helpers.tls import records as R
from helpers.tls.capture import Capture
from helpers.tls.checks import MissingMessageError, NotTLS13Error
from helpers.tls.contexts import PresentedChainError
from helpers.tls.decode import decode
from helpers.tls.handshake import (
    FAILURES,
    FailureCaseError,
    capture_handshake,
    failed_handshake,
    offered_tls13_suites,
    run_handshake,
    with_reordered_cipher_suites,
)
from helpers.tls.keyschedule import (
    SUITES,
    DecryptionError,
    KeyLogError,
    decrypt_record,
    hkdf_expand_label,
    parse_keylog,
    record_nonce,
    traffic_keys,
)
from helpers.tls.names import APPLICATION_DATA, HANDSHAKE, Sender
from helpers.tls.suites import SuiteError

DER = serialization.Encoding.DER
TLS13_FLOW = ["ClientHello", "ServerHello", "ChangeCipherSpec", "EncryptedExtensions", "Certificate",
              "CertificateVerify", "Finished", "ChangeCipherSpec", "Finished"]


def _der(chain):
    return [c.public_bytes(DER) for c in chain]


@pytest.fixture(scope="module")
def pki():
    return course_pki()


@pytest.fixture(scope="module", params=offered_tls13_suites() or ["none offered"])
def by_suite(request):
    if request.param == "none offered":
        pytest.skip("this Python's OpenSSL enables no TLS 1.3 suite")
    return request.param, run_handshake(suite=request.param)


def test_offered_suites_are_ones_we_decrypt():
    # a build may offer fewer; the suites it does not offer are covered by the RFC 8448 and round-trip tests
    assert set(offered_tls13_suites()) <= set(SUITES)


def test_each_suite_is_negotiated_decrypted_and_verified(by_suite, pki):
    suite, hs = by_suite
    assert hs.succeeded and hs.version == "TLS 1.3" and hs.cipher_suite == suite
    assert hs.capture.negotiated["cipher"] == suite            # what ssl itself reports
    names = [getattr(i, "name", "") for _, _, i in hs.items]
    assert names[:9] == TLS13_FLOW
    assert names[9:] == ["NewSessionTicket", "NewSessionTicket", "application data", "application data"]
    for flight in hs.flights:
        for view in flight.records:
            if view.record.content_type == APPLICATION_DATA:
                assert view.protection.startswith("encrypted: "), view.protection
                assert not any(isinstance(i, type(None)) for i in view.items)
    encrypted = [v for f in hs.flights for v in f.records
                 if v.protection == "encrypted: server handshake key"]
    assert [i.name for v in encrypted for i in v.items] == ["EncryptedExtensions", "Certificate",
                                                            "CertificateVerify", "Finished"]
    assert _der(hs.chain()) == _der(pki.leaf.chain)
    assert hs.verify_certificate_verify() is True
    assert hs.verify_finished() == {Sender.SERVER: True, Sender.CLIENT: True}
    assert repr(hs.verify_finished()) == "{'server': True, 'client': True}"    # as lesson 04 prints it
    assert all(type(who) is Sender for who, _ in hs.capture.flights)         # also after the child's JSON
    request = [i for _, who, i in hs.items if i.name == "application data" and who is Sender.CLIENT][0]
    assert request.data.startswith(b"GET /users HTTP/1.1\r\n")


def test_in_process_default_handshake_carries_the_course_chain(pki):
    hs = run_handshake()
    assert _der(hs.chain()) == _der(pki.leaf.chain)
    assert hs.find("CertificateVerify").scheme_name == "ecdsa_secp256r1_sha256"
    assert len(hs.find("Finished", Sender.SERVER).body) == SUITES[hs.cipher_suite].hash.digest_size
    assert "0x" not in repr(hs)


def test_finished_matches_an_independent_hmac(by_suite):
    """Recompute the server's Finished with hashlib/hmac only, from the raw messages."""
    suite, hs = by_suite
    name = SUITES[suite].hash.name
    secret = parse_keylog(hs.capture.keylog)[hs.client_hello.random.hex()]["SERVER_HANDSHAKE_TRAFFIC_SECRET"]
    size = hashlib.new(name).digest_size
    label = b"tls13 finished"
    info = size.to_bytes(2, "big") + bytes([len(label)]) + label + b"\x00"
    finished_key = hmac.new(secret, info + b"\x01", name).digest()[:size]   # HKDF-Expand, one block
    upto = hs.messages[:hs.messages.index(hs.find("Finished", "server"))]
    transcript = hashlib.new(name, b"".join(m.raw for m in upto)).digest()
    assert hmac.new(finished_key, transcript, name).digest() == hs.find("Finished", "server").body


def test_rsa_leaf_uses_pss_and_verifies(pki):
    hs = run_handshake(pki.rsa_leaf, server_hostname="rsa.yourapp.com")
    assert hs.find("CertificateVerify").scheme_name.startswith("rsa_pss_rsae_")
    assert hs.verify_certificate_verify() and all(hs.verify_finished().values())


def test_a_custom_chain_is_sent_exactly(pki):
    stuffed = [pki.leaf.cert, pki.intermediate.cert, pki.rogue_ca.cert]
    hs = run_handshake(stuffed, pki.leaf.key)
    assert hs.succeeded and _der(hs.chain()) == _der(stuffed)


def test_altered_client_hello_breaks_both_finished_macs_and_the_signature():
    hs = run_handshake()
    altered = with_reordered_cipher_suites(hs)
    assert altered.client_hello.cipher_suites[:2] == hs.client_hello.cipher_suites[1::-1]
    assert altered.verify_finished() == {Sender.SERVER: False, Sender.CLIENT: False}
    assert altered.verify_certificate_verify() is False


def test_tampered_ciphertext_fails_authentication():
    hs = run_handshake(request=False)
    sender, data = hs.capture.flights[1]
    flipped = data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]       # a byte of the server's Finished record
    with pytest.raises(DecryptionError, match="failed authentication"):
        decode(Capture((hs.capture.flights[0], (sender, flipped)), hs.capture.keylog))


def test_missing_key_log_leaves_records_encrypted():
    hs = run_handshake(request=False)
    blind = decode(Capture(hs.capture.flights, ""))
    assert {v.protection for f in blind.flights for v in f.records} >= {"encrypted (no key in the key log)"}
    with pytest.raises(MissingMessageError, match="no decrypted server Finished"):
        blind.verify_finished()


def test_decoding_is_a_pure_function_with_a_frozen_result():
    capture = capture_handshake(request=False)
    first, second = decode(capture), decode(capture)
    assert first == second and first is not second        # same capture, same handshake
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.tls13 = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.flights[0].records[0].protection = "changed"


def test_tls12_sends_the_certificate_in_clear(pki):
    hs = run_handshake(tls12=True)
    assert hs.version == "TLS 1.2" and hs.succeeded
    [view] = [v for v in hs.flights[1].records if any(i.name == "Certificate" for i in v.items)]
    assert view.protection == "plaintext" and view.record.content_type == HANDSHAKE
    assert _der(hs.chain()) == _der(pki.leaf.chain)
    assert pki.leaf.cert.public_bytes(DER) in hs.capture.flights[1][1]   # visible on the wire
    assert pki.leaf.cert.public_bytes(DER) not in run_handshake().capture.flights[1][1]
    with pytest.raises(NotTLS13Error, match="TLS 1.3 only"):
        hs.verify_certificate_verify()


def test_wrong_host_alert_and_exception():
    hs = failed_handshake("wrong-host")
    assert not hs.succeeded
    assert [(who, a.name) for who, a in hs.alerts] == [(Sender.CLIENT, "bad_certificate")]
    assert all(type(who) is Sender for who in hs.errors)
    assert hs.errors[Sender.CLIENT].startswith("SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED")
    assert "Hostname mismatch" in hs.errors[Sender.CLIENT]
    assert hs.errors[Sender.SERVER] == "SSLError: SSLV3_ALERT_BAD_CERTIFICATE"
    assert hs.client_hello.server_name == "www.yourapp.com"


def test_unknown_ca_alert_and_exception(pki):
    hs = failed_handshake("unknown-ca")
    assert [(who, a.name) for who, a in hs.alerts] == [(Sender.CLIENT, "unknown_ca")]
    assert "unable to get local issuer certificate" in hs.errors[Sender.CLIENT]
    assert hs.errors[Sender.SERVER] == "SSLError: TLSV1_ALERT_UNKNOWN_CA"
    assert _der(hs.chain()) == _der(pki.corporate_leaf.chain)
    assert "0x" not in " ".join(hs.errors.values())


def test_failures_also_fail_under_tls12():
    for case in FAILURES:
        hs = failed_handshake(case, tls12=True)
        assert hs.version == "TLS 1.2" and hs.alerts and Sender.CLIENT in hs.errors


def test_failure_cases_are_data_with_a_title_and_their_run_arguments(pki):
    assert set(FAILURES) == {"wrong-host", "unknown-ca"}
    assert FAILURES["wrong-host"].title.startswith("the client asks for www.yourapp.com")
    assert FAILURES["wrong-host"].arguments(pki) == {"chain": pki.leaf, "server_hostname": "www.yourapp.com"}
    assert FAILURES["unknown-ca"].arguments(pki) == {"chain": pki.corporate_leaf,
                                                      "server_hostname": "api.yourapp.com"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        FAILURES["unknown-ca"].presents = "leaf"


def test_rfc8448_key_schedule_vectors():
    """RFC 8448 section 3 (simple 1-RTT, TLS_AES_128_GCM_SHA256)."""
    server_hs = bytes.fromhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    client_hs = bytes.fromhex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    suite = SUITES["TLS_AES_128_GCM_SHA256"]
    assert traffic_keys(server_hs, suite) == (bytes.fromhex("3fce516009c21727d0f2e4e86ee403bc"),
                                              bytes.fromhex("5d313eb2671276ee13000b30"))
    assert traffic_keys(client_hs, suite) == (bytes.fromhex("dbfaa693d1762c5b666af5d950258d01"),
                                              bytes.fromhex("5bd3c71b836e0b76bb73265f"))
    assert hkdf_expand_label(server_hs, "finished", b"", 32, hashes.SHA256) == bytes.fromhex(
        "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_decrypt_record_round_trip_and_padding(suite):
    """Seal a record as RFC 8446 5.2 says (type byte + zero padding), then decrypt it."""
    spec = SUITES[suite]
    key, iv = traffic_keys(bytes(range(spec.hash.digest_size)), spec)
    inner = b"hello" + bytes([HANDSHAKE]) + bytes(7)
    header = bytes([23, 3, 3]) + (len(inner) + 16).to_bytes(2, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, (5).to_bytes(12, "big"), strict=True))
    assert record_nonce(iv, 5) == nonce
    sealed = spec.aead(key).encrypt(nonce, inner, header)
    record = R.parse_records(header + sealed)[0]
    assert decrypt_record(record, key, iv, 5, spec) == (HANDSHAKE, b"hello")
    with pytest.raises(DecryptionError):
        decrypt_record(record, key, iv, 6, spec)                      # wrong sequence number
    header = bytes([23, 3, 3]) + (8 + 16).to_bytes(2, "big")
    padding_only = spec.aead(key).encrypt(nonce, bytes(8), header)   # no content type byte at all
    with pytest.raises(R.TLSParseError, match="padding only"):
        decrypt_record(R.parse_records(header + padding_only)[0], key, iv, 5, spec)


def test_the_key_schedule_is_imported_from_its_own_module_only():
    from helpers.tls import handshake, keyschedule

    assert not [name for name in keyschedule.__all__ if hasattr(handshake, name)]
    assert issubclass(KeyLogError, BadInputError)
    # a failed AEAD tag is a verdict (tampering detected), not bad input
    assert issubclass(DecryptionError, CourseError) and not issubclass(DecryptionError, BadInputError)


def test_bad_inputs_raise_errors_named_for_the_problem():
    with pytest.raises(SuiteError, match="not a TLS 1.3 cipher suite"):
        run_handshake(suite="TLS_RSA_WITH_RC4")
    with pytest.raises(SuiteError, match="cannot be combined"):
        run_handshake(tls12=True, suite="TLS_AES_128_GCM_SHA256")
    with pytest.raises(FailureCaseError, match="failing-handshake case"):
        failed_handshake("expired")
    with pytest.raises(KeyLogError, match="Line 1"):
        parse_keylog("CLIENT_RANDOM zz")
    with pytest.raises(NotCertificatesError):
        run_handshake(chain=["not a certificate"])
    with pytest.raises(PresentedChainError, match="private key"):
        run_handshake(chain=[course_pki().leaf.cert])
    with pytest.raises(MissingMessageError, match="ClientHello offering two suites"):
        with_reordered_cipher_suites(decode(Capture((), "")))
    for error in (SuiteError, FailureCaseError, KeyLogError, PresentedChainError, MissingMessageError,
                  NotTLS13Error, R.TLSParseError):
        assert issubclass(error, BadInputError), error


def test_cli_walk(capsys):
    assert main(["handshake"]) == 0
    out = capsys.readouterr().out
    assert "encrypted: server handshake key" in out and "CertificateVerify signature valid: True" in out
    assert "client Finished MAC valid: True" in out
    assert main(["handshake", "--tls12"]) == 0
    assert "TLS 1.2" in capsys.readouterr().out
    assert main(["handshake", "--fail", "wrong-host"]) == 1
    assert "alert sent by the client: fatal alert: bad_certificate" in capsys.readouterr().out
    assert main(["handshake", "--tls12", "--suite", "TLS_AES_128_GCM_SHA256"]) == 2
