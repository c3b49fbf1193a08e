"""The TLS parser: real records from OpenSSL, hand-built bytes, and fuzzing.

Whatever bytes it is given, the parser either returns objects or raises TLSParseError
(naming the offset): never IndexError, struct.error or UnicodeDecodeError.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.errors import BadInputError
from helpers.tls import names as N
from helpers.tls import records as R
from helpers.tls.handshake import offered_tls13_suites, run_handshake


@pytest.fixture(scope="module")
def tls13():
    return run_handshake()


@pytest.fixture(scope="module")
def tls12():
    return run_handshake(tls12=True)


def _hand_built_client_hello() -> bytes:
    """A ClientHello assembled field by field with struct, independently of the parser."""
    def vec(size, data):
        return len(data).to_bytes(size, "big") + data

    def ext(kind, data):
        return struct.pack(">HH", kind, len(data)) + data

    sni = ext(0, vec(2, b"\x00" + vec(2, b"api.yourapp.com")))
    versions = ext(43, vec(1, struct.pack(">HH", 0x0304, 0x0303)))
    groups = ext(10, vec(2, struct.pack(">HH", 29, 23)))
    share = ext(51, vec(2, struct.pack(">H", 29) + vec(2, bytes(range(32)))))
    sigs = ext(13, vec(2, struct.pack(">HH", 0x0403, 0x0804)))
    alpn = ext(16, vec(2, vec(1, b"h2") + vec(1, b"http/1.1")))
    body = (struct.pack(">H", 0x0303) + bytes(32) + vec(1, bytes(32))
            + vec(2, struct.pack(">HHH", 0x1301, 0x1303, 0xC02B)) + vec(1, b"\x00")
            + vec(2, sni + versions + groups + share + sigs + alpn))
    message = b"\x01" + vec(3, body)
    return b"\x16\x03\x01" + vec(2, message)


def test_hand_built_client_hello_parses_field_by_field():
    [record] = R.parse_records(_hand_built_client_hello())
    assert record.content_type == N.HANDSHAKE and record.version == 0x0301
    [hello] = R.parse_handshake(record.fragment)
    assert isinstance(hello, R.ClientHello)
    assert hello.name == "ClientHello" and len(hello.random) == 32 and len(hello.session_id) == 32
    assert hello.cipher_suite_names == ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
                                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]
    assert hello.server_name == "api.yourapp.com"
    assert hello.extension("supported_versions").value == ["TLS 1.3", "TLS 1.2"]
    assert hello.version_code == 0x0303            # a ClientHello only offers: its legacy_version stands
    assert hello.extension("supported_groups").value == ["x25519", "secp256r1"]
    assert hello.extension("key_share").value == [(29, bytes(range(32)))]
    assert hello.extension("key_share").describe() == "x25519 (32-byte key)"
    assert hello.extension("signature_algorithms").value == ["ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"]
    assert hello.extension("application_layer_protocol_negotiation").value == ["h2", "http/1.1"]


def test_real_client_hello_from_openssl(tls13):
    hello = tls13.client_hello
    assert hello.server_name == "api.yourapp.com"
    assert "TLS 1.3" in hello.extension("supported_versions").value
    assert hello.extension("application_layer_protocol_negotiation").value == ["http/1.1"]
    names = hello.cipher_suite_names
    assert not [n for n in names if n.startswith("unknown")], "every suite OpenSSL offers has a name"
    # cross-check with ssl: the TLS 1.3 suites in the hello are the ones OpenSSL says it enables
    assert {n for n in names if "_WITH_" not in n and "SCSV" not in n} == set(offered_tls13_suites())
    shares = hello.extension("key_share").value
    assert all(len(key) > 0 for _, key in shares)


def test_real_server_hello_names_the_version_and_suite(tls13):
    server_hello = tls13.server_hello
    assert server_hello.supported_version == "TLS 1.3" and server_hello.version_code == N.TLS_1_3
    assert server_hello.legacy_version == 0x0303          # TLS 1.3 hides as 1.2 in the legacy field
    # ssl reports TLS 1.3 suites by their IANA names, as the parser does
    assert server_hello.cipher_suite_name == tls13.capture.negotiated["cipher"]


def test_alerts_and_change_cipher_spec_by_name():
    alert = R.parse_alert(b"\x02\x30")
    assert (alert.level_name, alert.name, str(alert)) == ("fatal", "unknown_ca", "fatal alert: unknown_ca")
    assert R.parse_alert(b"\x01\x00").name == "close_notify"
    assert R.parse_alert(b"\x02\x2a").name == "bad_certificate"
    assert R.parse_change_cipher_spec(b"\x01").name == "ChangeCipherSpec"
    with pytest.raises(R.TLSParseError, match="offset 0"):
        R.parse_change_cipher_spec(b"\x02")


def test_tls12_certificate_and_key_exchange_are_parsed(tls12):
    names = [m.name for m in tls12.messages]
    assert names[:5] == ["ClientHello", "ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"]
    key_exchange = tls12.find("ServerKeyExchange")
    assert N.group_name(key_exchange.group) == "x25519"
    assert key_exchange.rows()[1] == ("signature scheme", "ecdsa_secp256r1_sha256")


def test_truncation_error_names_offset_and_expectation():
    fragment = bytearray(R.parse_records(_hand_built_client_hello())[0].fragment)
    with pytest.raises(R.TLSParseError) as caught:
        R.parse_handshake(bytes(fragment[:40]))     # the header promises more than is there
    assert "offset 4" in str(caught.value) and "ClientHello body" in str(caught.value)
    fragment[38] = 250                              # a session id longer than the message
    with pytest.raises(R.TLSParseError) as caught:
        R.parse_handshake(bytes(fragment))
    message = str(caught.value)
    assert "offset 39" in message and "the session id (250 bytes)" in message
    assert isinstance(caught.value, BadInputError)


def test_every_truncation_of_real_records_raises_parse_error(tls12):
    """Cut the server's clear TLS 1.2 flight (4 records) at every byte."""
    data = tls12.capture.flights[1][1]
    boundaries = {r.offset for r in R.parse_records(data)} | {len(data)}
    for cut in range(1, len(data)):
        if cut in boundaries:
            assert R.parse_records(data[:cut])
        else:
            with pytest.raises(R.TLSParseError):
                R.parse_records(data[:cut])


def test_every_truncation_of_each_message_raises_parse_error(tls13):
    for message in tls13.messages:
        for cut in range(0, len(message.raw)):
            with pytest.raises(R.TLSParseError):
                R.parse_handshake(message.raw[:cut] if cut else b"\x01", tls13=True)


def test_not_bytes_is_a_parse_error():
    with pytest.raises(R.TLSParseError, match="Expected bytes"):
        R.parse_records("16 03 01")


def _exercise(data: bytes) -> None:
    """Run every parser entry point; only TLSParseError may escape."""
    for parse in (R.parse_records, R.parse_alert, R.parse_change_cipher_spec):
        try:
            parse(data)
        except R.TLSParseError:
            pass
    for tls13 in (True, False):
        try:
            for message in R.parse_handshake(data, tls13=tls13):
                message.rows()
                if isinstance(message, R.Certificate):
                    message.certificates()
        except R.TLSParseError:
            pass


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_garbage_raises_only_parse_errors(data):
    _exercise(data)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([0x01, 0x02, 0x04, 0x08, 0x0B, 0x0C, 0x0F, 0x10, 0x14]), st.binary(max_size=200))
def test_fuzz_garbage_bodies_behind_valid_headers(msg_type, body):
    _exercise(bytes([msg_type]) + len(body).to_bytes(3, "big") + body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_mutated_real_messages(tls13, tls12, data):
    """Flip, drop or insert bytes in real messages and records (including a real chain)."""
    sources = [m.raw for m in tls13.messages] + [m.raw for m in tls12.messages]
    sources += [f[1] for f in tls12.capture.flights[:2]]
    raw = bytearray(data.draw(st.sampled_from(sources)))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            raw[position] ^= data.draw(st.integers(1, 255))
        elif action == "drop":
            del raw[position]
        else:
            raw.insert(position, data.draw(st.integers(0, 255)))
        if not raw:
            raw.append(0)
    _exercise(bytes(raw))


def test_names_for_known_grease_and_unknown_numbers():
    assert N.cipher_suite_name(0x1301) == "TLS_AES_128_GCM_SHA256"
    assert N.group_name(0x11EC) == "X25519MLKEM768"
    assert N.extension_name(0x0A0A) == N.cipher_suite_name(0xFAFA) == "GREASE"   # RFC 8701
    assert N.cipher_suite_name(0x0A1A) == "unknown(0x0a1a)"                      # not GREASE: bytes differ
    assert N.alert_name(0x0A) == "unexpected_message" and N.alert_name(0xFF) == "unknown(0xff)"
    assert N.alert_level_name(2) == "fatal" and N.handshake_type_name(99) == "unknown(99)"
    assert N.version_name(0x0304) == "TLS 1.3"


def test_key_exchange_errors_name_the_real_offset():
    """The curve-type byte of a ServerKeyExchange sits 4 bytes into its message, wherever that starts."""
    not_named_curve = bytes([12]) + (4).to_bytes(3, "big") + bytes([1, 0, 29, 0])
    for base in (0, 100):
        with pytest.raises(R.TLSParseError, match=f"at offset {base + 4} that is not 3"):
            R.parse_handshake(not_named_curve, base=base)
