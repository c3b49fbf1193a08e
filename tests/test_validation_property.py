"""Property test: on mutated course chains, our verdict equals cryptography's verifier.

Each example starts from the course hierarchy (root → intermediate → leaf for
api.yourapp.com, the course's own keys) and mutates it: the order of the chain, dropping or
duplicating the intermediate, an extra CA level, the dates, a flipped signature byte, the
SAN (wildcards too), cA and keyCertSign toggled, pathLen, EKU, a different trust anchor and
the validation time, a key with explicit curve parameters, a host name with an underscore.
The certificates are re-signed with deterministic ECDSA, so a failing example replays exactly.

A second property fuzzes the path builder itself: random pools of certificates that share a
few names (loops, duplicates, clashing key identifiers) must each be answered within a time
budget per example, with well-formed paths and never more work than the budget allows.

Justified disagreements (we reject, cryptography accepts): see JUSTIFIED below. There is
none where we accept a chain that cryptography rejects, and the test fails if one appears.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID as EKU
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.pki import course_pki, key_from_label
from helpers.pki.gallery import with_explicit_curve
from helpers.validation import cryptography_verdict, explain

UTC = dt.UTC
PKI = course_pki()
KEYS = {"root": PKI.root.key, "inter": PKI.intermediate.key, "sub": key_from_label("property sub-CA"),
        "leaf": PKI.leaf.key, "other root": key_from_label("property other root"),
        "impostor": key_from_label("property impostor root")}


def _ca_with_only_any_eku(spec) -> bool:
    cas = ["root", "inter", "sub"] if spec["extra level"] else ["root", "inter"]
    return any(spec[ca].eku and EKU.SERVER_AUTH not in spec[ca].eku for ca in cas)


#: Disagreements we accept, each (predicate on the spec, reason). Every one is a chain that we
#: reject and cryptography accepts; the test fails on any chain we accept and cryptography rejects.
JUSTIFIED: list = [
    (_ca_with_only_any_eku,
     "a CA whose EKU lists anyExtendedKeyUsage without serverAuth: cryptography accepts it (its source "
     "notes that implementations ignore the CA/B Forum rule), while the Baseline Requirements forbid "
     "anyExtendedKeyUsage in CA certificates and OpenSSL's sslserver purpose rejects it; we follow "
     "the stricter rule"),
    (lambda spec: spec["leaf"].explicit,
     "a leaf whose key spells out explicit curve parameters: the Baseline Requirements (7.1.3.1) allow only "
     "named curves in every certificate, and OpenSSL refuses it (error 94); cryptography checks the key "
     "algorithm only of keys that sign (valid_issuer in cryptography-x509-verification/src/policy/mod.rs), "
     "and a leaf's key signs no certificate. Explicit parameters are the CurveBall pattern (CVE-2020-0601)"),
]


def d(year, month=1, day=1, hour=0):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Property Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass(frozen=True)
class CertSpec:
    dates: tuple[dt.datetime, dt.datetime]
    ca: bool
    cert_sign: bool
    path_length: int | None = None
    eku: tuple | None = None
    sans: tuple[str, ...] | None = None
    explicit: bool = False


@functools.lru_cache(maxsize=4096)
def issue(subject, issuer, key_name, signer_name, serial, spec: CertSpec, flip=False) -> x509.Certificate:
    """One certificate, signed deterministically (so caching is safe); ``flip`` flips a signature bit."""
    public = KEYS[key_name].public_key()
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(public)
         .serial_number(serial).not_valid_before(spec.dates[0]).not_valid_after(spec.dates[1])
         .add_extension(x509.BasicConstraints(spec.ca, spec.path_length if spec.ca else None), True)
         .add_extension(x509.KeyUsage(not spec.cert_sign, False, False, False, False, spec.cert_sign,
                                      spec.cert_sign, False, False), True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(KEYS[signer_name].public_key()),
                        False))
    if spec.sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in spec.sans]), False)
    if spec.eku:
        b = b.add_extension(x509.ExtendedKeyUsage(list(spec.eku)), False)
    cert = b.sign(KEYS[signer_name], hashes.SHA256(), ecdsa_deterministic=True)
    if spec.explicit:
        cert = with_explicit_curve(cert, KEYS[signer_name])
    if flip:
        der = cert.public_bytes(Encoding.DER)
        cert = x509.load_der_x509_certificate(der[:-1] + bytes([der[-1] ^ 0x01]))
    return cert


CA_DATES = [(d(2025), d(2048, 12, 31)), (d(2025), d(2026, 3, 1)), (d(2027), d(2048, 12, 31)),
            (d(2025), d(2052))]
LEAF_DATES = [(d(2025, 3, 1), d(2026, 3, 1)), (d(2041), d(2046)), (d(2026, 6, 1), d(2051, 6, 1))]
TIMES = [d(2025, 6, 1), d(2041, 6, 1), d(2046, 6, 1), d(2049, 6, 1), d(2050, 6, 1), d(2024, 6, 1),
         d(2046, 6, 1) + dt.timedelta(seconds=1), d(2026, 9, 1, 12)]
SANS = [("*.yourapp.com",), ("*.api.yourapp.com",), ("yourapp.com",), ("www.yourapp.com", "api.yourapp.com"),
        ("API.YourApp.com",), ("api*.yourapp.com",), ("*.com",), ("www.yourapp.com",), None]
HOSTS = ["www.api.yourapp.com", "yourapp.com", "Api.YourApp.COM", "www.yourapp.com", "a_b.yourapp.com"]
LEAF_EKUS = [(EKU.CLIENT_AUTH,), None, (EKU.CLIENT_AUTH, EKU.SERVER_AUTH), (EKU.ANY_EXTENDED_KEY_USAGE,),
             (EKU.CODE_SIGNING,)]
CA_EKUS = [(EKU.SERVER_AUTH,), (EKU.CLIENT_AUTH,), (EKU.ANY_EXTENDED_KEY_USAGE,)]
LAYOUTS = ["reversed", "drop intermediate", "duplicate", "with root", "extra cert", "leaf twice", "empty"]
ANCHORS = ["other root", "root and other", "impostor", "intermediate", "leaf", "none"]
CAS = ["root", "inter", "sub"]

#: Each mutation is (what, which certificate, new value); an example applies up to three.
MUTATIONS = st.one_of(
    st.tuples(st.just("layout"), st.just(""), st.sampled_from(LAYOUTS)),
    st.tuples(st.just("extra level"), st.just("sub"), st.sampled_from([None, 0, 1])),
    st.tuples(st.just("dates"), st.sampled_from(CAS), st.sampled_from(CA_DATES)),
    st.tuples(st.just("dates"), st.just("leaf"), st.sampled_from(LEAF_DATES)),
    st.tuples(st.just("flip"), st.sampled_from(["leaf", "inter", "sub", "root"]), st.just(True)),
    st.tuples(st.just("explicit"), st.sampled_from(["leaf", *CAS]), st.just(True)),
    st.tuples(st.just("sans"), st.just("leaf"), st.sampled_from(SANS)),
    st.tuples(st.just("host"), st.just(""), st.sampled_from(HOSTS)),
    st.tuples(st.just("ca"), st.sampled_from(["leaf", *CAS]), st.just(None)),
    st.tuples(st.just("cert_sign"), st.sampled_from(["leaf", *CAS]), st.just(None)),
    st.tuples(st.just("path_length"), st.sampled_from(CAS), st.sampled_from([None, 0, 1])),
    st.tuples(st.just("eku"), st.just("leaf"), st.sampled_from(LEAF_EKUS)),
    st.tuples(st.just("eku"), st.sampled_from(CAS), st.sampled_from(CA_EKUS)),
    st.tuples(st.just("anchors"), st.just(""), st.sampled_from(ANCHORS)),
    st.tuples(st.just("at"), st.just(""), st.sampled_from(TIMES)),
)
chain_specs = st.lists(MUTATIONS, max_size=3)


def valid_base() -> dict:
    """The course hierarchy's shape, valid at the course clock: every mutation starts here."""
    ca = CertSpec((d(2025), d(2048, 12, 31)), ca=True, cert_sign=True)
    return {"root": ca, "inter": replace(ca, path_length=0), "sub": ca,
            "leaf": CertSpec((d(2026, 6, 1), d(2046, 6, 1)), ca=False, cert_sign=False,
                             eku=(EKU.SERVER_AUTH,), sans=("api.yourapp.com",)),
            "extra level": False, "flip": set(), "layout": "as sent", "anchors": "root",
            "host": "api.yourapp.com", "at": d(2026, 9, 1, 12)}


def mutate(mutations) -> dict:
    spec = valid_base()
    for what, which, value in mutations:
        if what in ("layout", "host", "anchors", "at"):
            spec[what] = value
        elif what == "extra level":
            spec["extra level"] = True
            spec["inter"] = replace(spec["inter"], path_length=1)
            spec["sub"] = replace(spec["sub"], path_length=value)
        elif what == "flip":
            spec["flip"] = spec["flip"] | {which}
        elif what in ("ca", "cert_sign"):
            spec[which] = replace(spec[which], **{what: not getattr(spec[which], what)})
        else:
            spec[which] = replace(spec[which], **{what: value})
    return spec


def build(spec: dict):
    """(leaf, intermediates, anchors) for one mutated chain."""
    flip = spec["flip"]
    root = issue("Root", "Root", "root", "root", 11, spec["root"], flip="root" in flip)
    inter = issue("Issuing CA", "Root", "inter", "root", 12, spec["inter"], flip="inter" in flip)
    cas, top = [inter], ("Issuing CA", "inter")
    if spec["extra level"]:
        cas.append(issue("Sub CA", "Issuing CA", "sub", "inter", 13, spec["sub"], flip="sub" in flip))
        top = ("Sub CA", "sub")
    leaf = issue("api.yourapp.com", top[0], "leaf", top[1], 14, spec["leaf"], flip="leaf" in flip)

    def other():
        return issue("Other Root", "Other Root", "other root", "other root", 15, valid_base()["root"])

    def impostor():  # the same name as the root, another key
        return issue("Root", "Root", "impostor", "impostor", 16, valid_base()["root"])

    sent = cas[::-1]  # nearest issuer first, as a server sends them
    layout = spec["layout"]
    inters = {"as sent": lambda: sent, "reversed": lambda: sent[::-1], "drop intermediate": lambda: sent[1:],
              "duplicate": lambda: sent + sent, "with root": lambda: sent + [root],
              "extra cert": lambda: [other(), *sent], "leaf twice": lambda: [leaf, *sent],
              "empty": lambda: []}[layout]()
    anchors = {"root": lambda: [root], "other root": lambda: [other()], "root and other": lambda: [other(), root],
               "impostor": lambda: [impostor()], "intermediate": lambda: [cas[-1]], "leaf": lambda: [leaf],
               "none": lambda: []}[spec["anchors"]]()
    return leaf, inters, anchors


def test_ours_agrees_with_cryptography_on_500_mutated_chains():
    seen: Counter = Counter()
    disagreements: list = []

    @settings(max_examples=500, deadline=None, derandomize=True, database=None)
    @given(mutations=chain_specs)
    def check(mutations):
        spec = mutate(mutations)
        leaf, inters, anchors = build(spec)
        ours = explain(leaf, inters, anchors, spec["host"], spec["at"])
        reference = cryptography_verdict(leaf, inters, anchors, ours.host, ours.at)
        seen[ours.reason] += 1
        if ours.valid == reference.valid:
            return
        assert not ours.valid, f"we accept what cryptography rejects ({reference.message}):\n{ours}"
        why = next((reason for applies, reason in JUSTIFIED if applies(spec)), None)
        assert why, f"unexplained disagreement; cryptography says {reference.message}:\n{ours}\n{mutations}"
        disagreements.append(why)

    check()
    print(dict(seen), "justified disagreements:", len(disagreements))
    assert sum(seen.values()) >= 500
    for reason in ["valid", "expired", "not yet valid", "wrong host", "issuer not a CA", "path length exceeded",
                   "wrong EKU", "tampered signature", "unknown root", "missing intermediate",
                   "not an end entity", "explicit curve", "unmatchable host name"]:
        assert seen[reason] >= 3, f"the mutations produced too few '{reason}' chains: {dict(seen)}"


#: Where the openssl command and cryptography legitimately differ, so the OpenSSL comparison skips
#: or excuses these chains: (predicate on the spec, what OpenSSL does differently).
OPENSSL_DIFFERENCES = [
    (lambda s: s["anchors"] in ("intermediate", "leaf"),
     "OpenSSL accepts only a self-signed root as a trust anchor unless -partial_chain is given"),
    (lambda s: s["leaf"].sans is None and s["host"].lower() == "api.yourapp.com",
     "with no DNS SAN at all, OpenSSL falls back to the subject CN (which is api.yourapp.com here)"),
    (lambda s: s["leaf"].ca or s["leaf"].cert_sign,
     "OpenSSL accepts a leaf that is itself a CA (cA=TRUE or keyCertSign); the CA/B Forum profile, "
     "cryptography and we reject it"),
    (lambda s: s["at"] in {c.dates[1] for c in (s["root"], s["inter"], s["sub"], s["leaf"])},
     "at exactly notAfter OpenSSL says expired (X509_cmp_time counts 'equal' as earlier); RFC 5280 "
     "4.1.2.5, cryptography and we count notAfter as inside the window"),
]


def test_ours_agrees_with_openssl_on_mutated_chains():
    """A smaller run against the openssl command (a subprocess per chain), same mutations."""
    from helpers.validation import openssl_verdict

    compared: Counter = Counter()

    @settings(max_examples=120, deadline=None, derandomize=True, database=None)
    @given(mutations=chain_specs)
    def check(mutations):
        spec = mutate(mutations)
        leaf, inters, anchors = build(spec)
        ours = explain(leaf, inters, anchors, spec["host"], spec["at"])
        reference = openssl_verdict(leaf, inters, anchors, ours.host, ours.at)
        if ours.valid == reference.valid:
            compared["agree"] += 1
            return
        why = next((reason for applies, reason in OPENSSL_DIFFERENCES if applies(spec)), None)
        assert why, f"unexplained disagreement; OpenSSL says {reference.message}:\n{ours}\n{mutations}"
        compared["known difference"] += 1

    check()
    assert compared["agree"] >= 100, dict(compared)


# --- fuzzing the path builder ----------------------------------------------------------------------

FUZZ_NAMES = ["A", "B", "C"]
FUZZ_KEYS = [key_from_label(f"path fuzz key {i}") for i in range(4)]


@functools.lru_cache(maxsize=4096)
def fuzz_cert(subject: str, issuer: str, key: int, signer: int, ca: bool, ids: str) -> x509.Certificate:
    """A certificate in a pool that shares three names; ``ids``: "both", "none" or "clash" (a wrong AKI)."""
    public = FUZZ_KEYS[key].public_key()
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(public)
         .serial_number(1000 + key * 97 + signer).not_valid_before(d(2025)).not_valid_after(d(2048))
         .add_extension(x509.BasicConstraints(ca, None), True)
         .add_extension(x509.KeyUsage(not ca, False, False, False, False, ca, ca, False, False), True))
    if ca:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
    else:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("api.yourapp.com")]), False)
    if ids != "none":
        signer_key = FUZZ_KEYS[(signer + 1) % len(FUZZ_KEYS) if ids == "clash" else signer].public_key()
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key), False)
    return b.sign(FUZZ_KEYS[signer], hashes.SHA256(), ecdsa_deterministic=True)


FUZZ_CA = st.builds(fuzz_cert, st.sampled_from(FUZZ_NAMES), st.sampled_from(FUZZ_NAMES), st.integers(0, 3),
                    st.integers(0, 3), st.just(True), st.sampled_from(["both", "none", "clash"]))
FUZZ_LEAF = st.builds(fuzz_cert, st.just("api.yourapp.com"), st.sampled_from(FUZZ_NAMES), st.just(0),
                      st.integers(0, 3), st.just(False), st.sampled_from(["both", "none", "clash"]))


@settings(max_examples=150, deadline=dt.timedelta(seconds=3), derandomize=True, database=None)
@given(leaf=FUZZ_LEAF, pool=st.lists(FUZZ_CA, max_size=14), anchors=st.lists(st.integers(0, 13), max_size=3))
def test_path_building_is_bounded_and_well_formed_on_fuzzed_pools(leaf, pool, anchors):
    """Any pool of same-name CAs (loops, duplicates, clashing AKIs): an answer within the deadline,
    paths that link name to name without repeating a certificate, and at most the budget of work."""
    from helpers.der import raw_name
    from helpers.validation.paths import MAX_ISSUER_CHECKS, MAX_ISSUERS, build_paths, der

    trusted = [pool[i] for i in anchors if i < len(pool)]
    search = build_paths(leaf, pool, trusted)
    assert search.checks <= MAX_ISSUER_CHECKS and search.paths
    anchor_ders = {der(a) for a in trusted}
    for path in search:
        assert path.certs[0] is leaf and len(path.certs) <= MAX_ISSUERS + 2
        assert len({der(c) for c in path.certs}) == len(path.certs)
        for child, parent in zip(path.certs, path.certs[1:], strict=False):
            assert raw_name(child, "issuer") == raw_name(parent, "subject")
        assert path.anchored == (der(path.certs[-1]) in anchor_ders)
    report = explain(leaf, pool, trusted, "api.yourapp.com", d(2026, 9, 1, 12))
    assert report.valid or report.failed_step.text.endswith(".")
    if report.valid:  # we never accept what cryptography rejects
        assert cryptography_verdict(leaf, pool, trusted, report.host, report.at).valid, report.text()
