"""Pins: every format round-trips, bad text is refused clearly, and every pin equals the openssl pipeline."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clock
from helpers.errors import CourseError
from helpers.pem import NotCertificatesError
from helpers.pinning import (
    FORMATS,
    Pin,
    PinFormatError,
    PinKindError,
    PinSet,
    PinSetError,
    cert_pin,
    parse_pin,
    spki_der,
    spki_pin,
)
from helpers.pinning.pins import NotAKeyError, UnknownPinKindError
from helpers.trust_store import find_root, load_roots

ISRG_ROOT_X1_PIN = "C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M="
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command-line tool is not installed")

PIPELINE = ("openssl x509 -in \"$f\" -pubkey -noout | openssl pkey -pubin -outform DER "
            "| openssl dgst -sha256 -binary | openssl enc -base64")
CERT_PIPELINE = "openssl x509 -in \"$f\" -outform DER | openssl dgst -sha256 -binary | openssl enc -base64"


def course_certs() -> list[x509.Certificate]:
    from helpers.pki import course_pki

    certs = [entry.cert for entry in course_pki().entries if entry.cert is not None]
    assert len(certs) > 10
    return certs


def openssl_pins(certs, tmp_path, pipeline=PIPELINE) -> list[str]:
    """Run the real openssl pipeline over every certificate: one shell, one loop, in file order."""
    for i, cert in enumerate(certs):
        (tmp_path / f"{i:04d}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    script = f'for f in [0-9]*.pem; do printf "%s " "$f"; {pipeline}; done'
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         check=True, timeout=600)
    lines = [line.split() for line in out.stdout.splitlines()]
    assert [name for name, _ in lines] == [f"{i:04d}.pem" for i in range(len(certs))]
    return [pin for _, pin in lines]


# --- computing pins ------------------------------------------------------------------------------

def test_isrg_root_x1_pin_is_the_published_one():
    root = find_root("ISRG Root X1")
    assert spki_pin(root) == ISRG_ROOT_X1_PIN
    assert Pin.of_spki(root).format("okhttp") == "sha256/" + ISRG_ROOT_X1_PIN


def test_pins_by_hand_from_the_definitions():
    cert = find_root("ISRG Root X1")
    der = cert.public_bytes(serialization.Encoding.DER)
    assert cert_pin(cert) == base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert spki_der(cert) == spki_der(cert.public_key())
    assert spki_pin(cert.public_key()) == spki_pin(cert)
    assert spki_pin(cert) != cert_pin(cert)


@needs_openssl
def test_spki_pins_of_every_certifi_root_equal_openssl(tmp_path):
    roots = load_roots()
    assert len(roots) > 100
    assert openssl_pins(roots, tmp_path) == [spki_pin(c) for c in roots]


@needs_openssl
def test_spki_and_cert_pins_of_every_course_certificate_equal_openssl(tmp_path):
    certs = course_certs()
    assert openssl_pins(certs, tmp_path) == [spki_pin(c) for c in certs]
    assert openssl_pins(certs, tmp_path, CERT_PIPELINE) == [cert_pin(c) for c in certs]


def test_renewal_keeps_the_spki_pin_and_rekey_changes_it():
    from helpers.pki import course_pki

    pki = course_pki()
    assert spki_pin(pki.leaf.cert) == spki_pin(pki.leaf_renewed.cert)
    assert cert_pin(pki.leaf.cert) != cert_pin(pki.leaf_renewed.cert)
    assert spki_pin(pki.leaf.cert) != spki_pin(pki.leaf_rekeyed.cert)


@pytest.mark.parametrize("thing", [None, b"bytes", "text", 42])
def test_spki_of_a_non_key_is_a_course_error(thing):
    with pytest.raises(NotAKeyError, match="x509.Certificate or a public key"):
        spki_der(thing)
    with pytest.raises(NotCertificatesError, match="x509.Certificate"):
        cert_pin(thing)


# --- formats ---------------------------------------------------------------------------------------

EXPECTED_FORMATS = {
    "raw": ISRG_ROOT_X1_PIN,
    "okhttp": f"sha256/{ISRG_ROOT_X1_PIN}",
    "hpkp": f'pin-sha256="{ISRG_ROOT_X1_PIN}"',
    "android": f'<pin digest="SHA-256">{ISRG_ROOT_X1_PIN}</pin>',
    "ios": f"<dict><key>SPKI-SHA256-BASE64</key><string>{ISRG_ROOT_X1_PIN}</string></dict>",
}


@pytest.mark.parametrize("style", FORMATS)
def test_every_format_is_spelled_as_the_platform_expects_and_round_trips(style):
    pin = parse_pin(ISRG_ROOT_X1_PIN)
    text = pin.format(style)
    assert text == EXPECTED_FORMATS[style]
    assert parse_pin(text) == pin
    assert parse_pin(f"  {text}\n") == pin


@settings(deadline=None)
@given(st.binary(min_size=32, max_size=32), st.sampled_from(FORMATS))
def test_any_digest_round_trips_through_any_format(digest, style):
    pin = Pin(digest)
    assert parse_pin(pin.format(style)).digest == digest
    assert parse_pin(pin.base64, kind="cert") == Pin(digest, "cert")


def test_certificate_pins_exist_only_in_the_raw_format():
    pin = Pin.of_cert(find_root("ISRG Root X1"))
    assert pin.format("raw") == pin.base64
    for style in FORMATS[1:]:
        with pytest.raises(PinKindError, match="SPKI pins only"):
            pin.format(style)
    with pytest.raises(PinFormatError, match="unknown pin format"):
        pin.format("pem")


def test_repr_and_str_are_short_and_stable():
    pin = parse_pin(ISRG_ROOT_X1_PIN)
    assert str(pin) == ISRG_ROOT_X1_PIN
    assert repr(pin) == f"Pin(spki, {ISRG_ROOT_X1_PIN})"
    assert pin.hex == base64.b64decode(ISRG_ROOT_X1_PIN).hex()


# --- bad pins ----------------------------------------------------------------------------------------

GOOD_HEX = base64.b64decode(ISRG_ROOT_X1_PIN).hex()


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n", "empty"),
    ("sha256/", "no digest"),
    (GOOD_HEX, "hex"),
    ("sha256/" + GOOD_HEX, "hex"),
    (ISRG_ROOT_X1_PIN.replace("+", "-"), "URL-safe"),
    (ISRG_ROOT_X1_PIN[:-1] + "!", "not base64"),
    (base64.b64encode(bytes(20)).decode(), "20 bytes.*SHA-1"),
    (base64.b64encode(bytes(range(48))).decode(), "48 bytes"),
    (ISRG_ROOT_X1_PIN.rstrip("="), "malformed"),
    ("sha1/" + base64.b64encode(bytes(20)).decode(), "SHA-1"),
    ('pin-sha256="abc"', "malformed"),
])
def test_bad_pins_get_one_clear_sentence(text, message):
    with pytest.raises(PinFormatError, match=message) as info:
        parse_pin(text)
    assert isinstance(info.value, CourseError) and isinstance(info.value, ValueError)
    sentence = str(info.value)
    assert sentence.endswith(".") and "\n" not in sentence and len(sentence) < 200


@pytest.mark.parametrize("value", [None, b"C5+l", 32])
def test_a_pin_must_be_text(value):
    with pytest.raises(PinFormatError, match="a pin is text"):
        parse_pin(value)


def test_pin_values_check_their_digest_and_kind():
    with pytest.raises(PinFormatError, match="32 bytes"):
        Pin(bytes(31))
    with pytest.raises(UnknownPinKindError, match="'spki' or 'cert'"):
        Pin(bytes(32), "sha1")


# --- pin sets --------------------------------------------------------------------------------------------

def test_pin_set_matches_any_certificate_of_the_chain():
    from helpers.pki import course_pki

    pki = course_pki()
    chain = pki.leaf.chain
    leaf_only = PinSet([spki_pin(pki.leaf.cert)])
    on_intermediate = PinSet([f"sha256/{spki_pin(pki.intermediate.cert)}"])
    assert leaf_only.matches(chain) and on_intermediate.matches(chain)
    assert leaf_only.matches(pki.leaf_renewed.chain)        # same key
    assert not leaf_only.matches(pki.leaf_rekeyed.chain)    # new key
    assert on_intermediate.matches(pki.leaf_rekeyed.chain)  # same intermediate
    for attack in pki.attackers.values():
        assert not leaf_only.matches(attack.chain)
    assert on_intermediate.matches(pki.misissued_leaf.chain)  # why intermediate pins are weaker
    assert not leaf_only.matches([])


def test_backup_pins_match_and_certificate_pins_match_only_that_certificate():
    from helpers.pki import course_pki

    pki = course_pki()
    backup = PinSet([spki_pin(pki.leaf.cert)], backup_pins=[spki_pin(pki.backup_key.public_key())])
    assert backup.matches(pki.leaf_on_backup_key.chain)
    assert backup.matching(pki.leaf_on_backup_key.chain) == [(0, Pin.of_spki(pki.backup_key.public_key()))]
    by_cert = PinSet([Pin.of_cert(pki.leaf.cert)])
    assert by_cert.matches([pki.leaf.cert]) and not by_cert.matches([pki.leaf_renewed.cert])


def test_pin_set_is_frozen_deduplicated_and_normalised():
    pins = PinSet([ISRG_ROOT_X1_PIN, "sha256/" + ISRG_ROOT_X1_PIN], backup_pins=ISRG_ROOT_X1_PIN,
                  expires="2027-03-01", include_subdomains=1)
    assert pins.pins == (parse_pin(ISRG_ROOT_X1_PIN),)
    assert pins.all_pins == (parse_pin(ISRG_ROOT_X1_PIN),)
    assert ISRG_ROOT_X1_PIN in pins and pins.include_subdomains is True
    assert pins.expires == dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    with pytest.raises(AttributeError):
        pins.include_subdomains = False
    with pytest.raises(PinSetError, match="at least one pin"):
        PinSet([])
    with pytest.raises(PinFormatError):
        PinSet(["not a pin"])


def test_pin_set_expiry_uses_the_course_clock():
    assert not PinSet([ISRG_ROOT_X1_PIN]).expired()
    later = PinSet([ISRG_ROOT_X1_PIN], expires=clock.now().date() + dt.timedelta(days=1))
    earlier = PinSet([ISRG_ROOT_X1_PIN], expires=clock.now().date())  # from the first moment of that day
    assert not later.expired() and earlier.expired()
    assert later.expired(at=clock.now() + dt.timedelta(days=1))
    assert not earlier.expired(at="2026-08-31T23:59:59Z")
    with pytest.raises(CourseError, match="ISO 8601"):
        later.expired(at="next tuesday")


def test_pinning_package_reexports_only_the_pins_so_pki_can_use_them_without_a_cycle():
    import subprocess
    import sys

    code = ("import sys, helpers.pki.files, helpers.pinning as p; "
            "assert all(getattr(p, n) is not None for n in p.__all__); "
            "assert 'helpers.pinning.client' not in sys.modules, 'pki pulled in a TLS client'; "
            "assert not hasattr(p, 'PinnedClient') and not hasattr(p, 'BrokenUnverifiedChainClient')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_a_pin_says_what_it_hashes_with_an_enum():
    from helpers.pinning.pins import PinKind

    leaf = ISRG_ROOT_X1_PIN
    assert parse_pin(leaf).kind is PinKind.SPKI
    assert parse_pin(leaf, kind="cert").kind is PinKind.CERT     # text is read into the enum
    assert Pin.of_cert(find_root("ISRG Root X1")).kind is PinKind.CERT
