"""Names for the numbers in TLS: content types, versions, cipher suites, groups, signature
schemes, extensions, handshake message types and alerts (from the IANA TLS registries), and
the two ends of a connection (:class:`Sender`).

Every ``*_name`` function returns the registry's name, ``"GREASE"`` for the values RFC 8701
reserves to keep servers tolerant, or ``unknown(0x....)``: it never raises, because a parser
meets numbers it has never seen.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ALERTS", "ALERT_LEVELS", "ALERT", "APPLICATION_DATA", "CHANGE_CIPHER_SPEC", "CIPHER_SUITES",
    "CONTENT_TYPES", "EXTENSIONS", "GROUPS", "HANDSHAKE", "HANDSHAKE_TYPES", "SIGNATURE_SCHEMES", "TLS_1_3",
    "VERSIONS", "Sender", "alert_level_name", "alert_name", "cipher_suite_name", "extension_name",
    "group_name", "handshake_type_name", "lookup", "signature_scheme_name", "version_name",
]


class Sender(StrEnum):
    """Which end of a connection wrote some bytes. It prints, and reprs, as its value (``'client'``)."""

    CLIENT = "client"
    SERVER = "server"

    __repr__ = str.__repr__   # so a dict of results reads {'server': True} in a lesson


CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
CONTENT_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data",
                 24: "heartbeat"}

TLS_1_3 = 0x0304
VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2",
            TLS_1_3: "TLS 1.3"}

CIPHER_SUITES = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256", 0x1304: "TLS_AES_128_CCM_SHA256",
    0x1305: "TLS_AES_128_CCM_8_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCAA: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0xC023: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    0xC027: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xC028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
    0x003C: "TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003D: "TLS_RSA_WITH_AES_256_CBC_SHA256",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", 0x006B: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x5600: "TLS_FALLBACK_SCSV",
}

GROUPS = {23: "secp256r1", 24: "secp384r1", 25: "secp521r1", 29: "x25519", 30: "x448",
          31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13", 33: "brainpoolP512r1tls13",
          256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192",
          512: "MLKEM512", 513: "MLKEM768", 514: "MLKEM1024", 4587: "SecP256r1MLKEM768",
          4588: "X25519MLKEM768", 4589: "SecP384r1MLKEM1024"}

SIGNATURE_SCHEMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0202: "dsa_sha1", 0x0203: "ecdsa_sha1",
    0x0301: "rsa_pkcs1_sha224", 0x0302: "dsa_sha224", 0x0303: "ecdsa_sha224",
    0x0401: "rsa_pkcs1_sha256", 0x0402: "dsa_sha256", 0x0403: "ecdsa_secp256r1_sha256",
    0x0501: "rsa_pkcs1_sha384", 0x0502: "dsa_sha384", 0x0503: "ecdsa_secp384r1_sha384",
    0x0601: "rsa_pkcs1_sha512", 0x0602: "dsa_sha512", 0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512",
    0x081A: "ecdsa_brainpoolP256r1tls13_sha256", 0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
    0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
}

EXTENSIONS = {
    0: "server_name", 1: "max_fragment_length", 5: "status_request", 10: "supported_groups",
    11: "ec_point_formats", 13: "signature_algorithms", 14: "use_srtp", 15: "heartbeat",
    16: "application_layer_protocol_negotiation", 18: "signed_certificate_timestamp", 21: "padding",
    22: "encrypt_then_mac", 23: "extended_master_secret", 27: "compress_certificate",
    28: "record_size_limit", 35: "session_ticket", 41: "pre_shared_key", 42: "early_data",
    43: "supported_versions", 44: "cookie", 45: "psk_key_exchange_modes",
    47: "certificate_authorities", 49: "post_handshake_auth", 50: "signature_algorithms_cert",
    51: "key_share", 57: "quic_transport_parameters", 17513: "application_settings",
    65037: "encrypted_client_hello", 65281: "renegotiation_info",
}

HANDSHAKE_TYPES = {
    0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData",
    8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
    14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
    24: "KeyUpdate",
}

ALERT_LEVELS = {1: "warning", 2: "fatal"}
ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
    22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
    42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
    49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
    70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
    86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
    109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
    112: "unrecognized_name", 113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol", 121: "ech_required",
}


def _is_grease(value: int) -> bool:
    """GREASE values (RFC 8701) look like 0x0A0A, 0x1A1A, ...: noise that keeps servers tolerant."""
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


def lookup(table: dict[int, str], value: int, width: int = 4) -> str:
    """The name of ``value`` in ``table``; GREASE or ``unknown(0x..)`` when it has none."""
    if value in table:
        return table[value]
    if width == 4 and _is_grease(value):
        return "GREASE"
    return f"unknown(0x{value:0{width}x})"


def version_name(value: int) -> str:
    return lookup(VERSIONS, value)


def cipher_suite_name(value: int) -> str:
    return lookup(CIPHER_SUITES, value)


def group_name(value: int) -> str:
    return lookup(GROUPS, value)


def signature_scheme_name(value: int) -> str:
    return lookup(SIGNATURE_SCHEMES, value)


def extension_name(value: int) -> str:
    return lookup(EXTENSIONS, value)


def alert_name(value: int) -> str:
    return lookup(ALERTS, value, width=2)


def alert_level_name(value: int) -> str:
    return lookup(ALERT_LEVELS, value, width=2)


def handshake_type_name(value: int) -> str:
    return HANDSHAKE_TYPES.get(value, f"unknown({value})")
