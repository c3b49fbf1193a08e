"""Lesson 03's exercises: diagnose a mystery chain, repair a broken one, and choose what a server sends.

``mystery(seed)`` deals the chain for q1 as ``(leaf, intermediates, anchors, host)``: each seed
(a learner's name, say) gets a chain of its own, broken in one way that the seed picks, and the
default seed gives the chain that the committed notebook shows. q1's checker rebuilds the chain
last dealt, runs :func:`~helpers.validation.explain` on it and tells the learner what their
(check, certificate) pair does in that report, never which pair fails. q2's answer is a
certificate you issue with the course intermediate, checked with our validator *and*
cryptography's verifier, and its lifetime counted inclusively. q3's answer is the list of
intermediates a server sends, judged by all four validators for a client of the cross-signed root.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from ..clock import now
from ..course import HOST
from ..pem import CertificateFormatError, is_ca, load_certificates
from ..pki import course_pki, tamper_signature
from ..pki.ca import CertificateAuthority, key_from_label, key_usage, subject_name
from ..validation import compare, cryptography_verdict, explain
from . import Question, Uncheckable, Wrong, echo, kind_of

#: CA/B Forum ballot SC-081v3: from 2026-03-15, a TLS certificate may live at most 200 days.
MAX_DAYS = 200

#: The seed of the chain that the committed notebook deals; pass your own to get a chain of your own.
DEFAULT_SEED = "course"

#: The ways a mystery chain can be broken; the seed picks one (and the names, serials and dates).
SCENARIOS = ("intermediate expired", "leaf expired", "leaf not yet valid", "wrong host",
             "client-only leaf", "issuer not a CA", "tampered leaf")

_dealt = {"seed": DEFAULT_SEED}


def _seed_text(seed: Any) -> str:
    text = " ".join(str(seed).split()).casefold()[:200]
    return text or DEFAULT_SEED


def _number(seed: str, purpose: str, modulo: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}|{purpose}".encode()).digest()[:8], "big") % modulo


@functools.lru_cache(maxsize=64)
def _deal(seed: str) -> tuple[str, x509.Certificate, x509.Certificate]:
    """(scenario, leaf, intermediate) for a seed: deterministic, so a checker can rebuild it."""
    pki = course_pki()
    if seed == DEFAULT_SEED:  # the course's own retired intermediate, YourApp Issuing CA 0
        return "intermediate expired", pki.leaf_via_retired.cert, pki.intermediate_retired.cert
    scenario = SCENARIOS[_number(seed, "case", len(SCENARIOS))]
    n = 100 + _number(seed, "name", 900)
    shift = _dt.timedelta(days=_number(seed, "days", 60))
    ca_dates = ("2025-01-01", "2026-06-30T23:59:59") if scenario == "intermediate expired" else \
        ("2025-01-01", "2035-01-01")
    name = f"YourApp Issuing CA {n}"
    if scenario == "issuer not a CA":
        key = key_from_label(f"mystery {seed} intermediate")
        cert = pki.root.sign(subject_name(name, "YourApp Inc. (course toy PKI)"), key.public_key(),
                             7000 + n, *ca_dates, [(x509.BasicConstraints(ca=False, path_length=None), True),
                                                   (key_usage(cert_sign=False), True)])
        intermediate = CertificateAuthority(name, cert, key, (pki.root.cert,), f"mystery {seed} intermediate")
    else:
        intermediate = pki.root.issue_intermediate(name, key_label=f"mystery {seed} intermediate",
                                                   serial=7000 + n, not_before=ca_dates[0],
                                                   not_after=ca_dates[1])
    start = _dt.datetime(2026, 6, 1, tzinfo=_dt.UTC) + shift
    dates = {"leaf expired": (start - _dt.timedelta(days=200), start - _dt.timedelta(days=20)),
             "leaf not yet valid": (start + _dt.timedelta(days=120), start + _dt.timedelta(days=300))}
    not_before, not_after = dates.get(scenario, (start, start + _dt.timedelta(days=180)))
    hosts = [f"www{n}.yourapp.com"] if scenario == "wrong host" else [HOST]
    eku = (ExtendedKeyUsageOID.CLIENT_AUTH,) if scenario == "client-only leaf" else (ExtendedKeyUsageOID.SERVER_AUTH,)
    leaf = intermediate.issue_leaf(hosts, serial=8000 + n, key_label=f"mystery {seed} leaf",
                                   not_before=not_before, not_after=not_after, eku=eku).cert
    if scenario == "tampered leaf":
        leaf = tamper_signature(leaf)
    return scenario, leaf, intermediate.cert


def mystery(seed: Any = DEFAULT_SEED) -> tuple[x509.Certificate, list[x509.Certificate], list[x509.Certificate], str]:
    """q1's chain, ``(leaf, intermediates, anchors, host)``, broken in one way that ``seed`` picks.

    Any text or number is a seed (your name, say); the same seed always deals the same chain, and
    q1 checks your answer against the chain dealt last.
    """
    seed = _seed_text(seed)
    _dealt["seed"] = seed
    _, leaf, intermediate = _deal(seed)
    return leaf, [intermediate], [course_pki().root.cert], HOST


def _current() -> tuple[x509.Certificate, list[x509.Certificate], list[x509.Certificate], str]:
    _, leaf, intermediate = _deal(_dealt["seed"])
    return leaf, [intermediate], [course_pki().root.cert], HOST


# --- q1: name the failing check -------------------------------------------------------------------

def _squash(text: str) -> str:
    """Case-, space- and punctuation-insensitive form of a label ("serverAuth EKU" == "server_auth-eku")."""
    return re.sub(r"[\s_\-'\"`.]+", "", text.casefold())


#: Every check name the report prints, with the other ways a learner says it.
_CHECK_NAMES = {
    "signature": ("signature", "signatures", "sig"),
    "public key": ("public key", "key", "key size"),
    "validity window": ("validity window", "validity", "validity period", "dates", "date", "expiry",
                        "expiration", "expired", "not after", "notafter", "lifetime"),
    "issuer is a CA": ("issuer is a CA", "basic constraints", "basicconstraints", "ca", "is a ca"),
    "path length": ("path length", "pathlen", "path len", "pathlenconstraint"),
    "hostname": ("hostname", "host name", "host", "san", "subjectaltname", "name"),
    "serverAuth EKU": ("serverAuth EKU", "eku", "extended key usage", "serverauth"),
    "trust anchor": ("trust anchor", "anchor", "trust", "trust store", "truststore"),
    "end entity": ("end entity",),
    "format": ("format",),
    "name constraints": ("name constraints", "nameconstraints"),
    "certificate policies": ("certificate policies", "policies", "policy"),
    "revocation": ("revocation", "revoked", "crl", "ocsp"),
    "certificate transparency": ("certificate transparency", "ct", "sct", "scts"),
}
_CHECKS = {_squash(alias): name for name, aliases in _CHECK_NAMES.items() for alias in aliases}

_ROLE_WORDS = {
    "leaf": ("leaf", "leaf certificate", "end-entity certificate", "server certificate", "the leaf",
             "leaf cert"),
    "intermediate": ("intermediate", "intermediate ca", "intermediate certificate", "intermediate cert",
                     "the intermediate", "issuer", "issuing ca", "issuer ca", "sub ca", "subca",
                     "subordinate ca", "intermediates[0]", "intermediates"),
    "root": ("root", "root ca", "root certificate", "the root", "anchor", "anchors[0]", "anchors",
             "trust anchor"),
    "chain": ("whole chain", "chain", "all", "every certificate", "the chain"),
}
_ROLE_TITLE = {"leaf": "the leaf", "intermediate": "the intermediate", "root": "the root",
               "chain": "the whole chain"}
_REPORT_PREFIX = {"leaf": "leaf", "intermediate": "issuer", "root": "anchor"}


def _mystery_roles() -> dict[str, x509.Certificate]:
    leaf, intermediates, anchors, _ = _current()
    return {"leaf": leaf, "intermediate": intermediates[0], "root": anchors[0]}


def _cert_labels(role: str, cert: x509.Certificate) -> set[str]:
    """Every label the lesson prints for ``cert``: report subject, CN, RFC 4514 subject."""
    cns = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    cn = str(cns[0].value) if cns else ""
    return {_squash(label) for label in (cn, f"{_REPORT_PREFIX[role]} {cn}", cert.subject.rfc4514_string(),
                                         f"CN={cn}")}


def _role(part: Any) -> str | None:
    """Which certificate of the mystery chain ``part`` names, or None if it names none of them."""
    roles = _mystery_roles()
    cert = getattr(part, "cert", part)
    if isinstance(cert, x509.Certificate):
        return next((role for role, known in roles.items() if known == cert), "elsewhere")
    if not isinstance(part, str):
        return None
    text = _squash(part)
    for role, words in _ROLE_WORDS.items():
        if text in {_squash(w) for w in words}:
            return role
    for role, cert in roles.items():
        if text in _cert_labels(role, cert):
            return role
    if text.startswith(("cn=", "issuer", "leaf", "anchor")) or "yourapp" in text or "issuingca" in text:
        return "elsewhere"
    return None


def _check_name(part: Any) -> str | None:
    return _CHECKS.get(_squash(part)) if isinstance(part, str) else None


def _split_pair(answer: Any) -> tuple[str, str]:
    """(check, role) from a pair given in either order."""
    pair_help = "Answer with a pair: (check, certificate), e.g. ('hostname', 'leaf')."
    if isinstance(answer, str) and answer.count(",") == 1:        # "validity window, intermediate"
        answer = tuple(answer.strip("()[] ").split(","))
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Wrong(pair_help)
    first, second = answer
    for check_part, cert_part in ((first, second), (second, first)):
        check, role = _check_name(check_part), _role(cert_part)
        if check and role:
            return check, role
    if _check_name(first) or _check_name(second):
        raise Wrong("Name the certificate as the report does ('leaf', 'intermediate', 'root'), or give "
                    "the certificate object itself (intermediates[0]).")
    if _role(first) or _role(second):
        raise Wrong("Name the check as the report's 'check' column does: "
                    f"{', '.join(_CHECK_NAMES)}.")
    raise Wrong(pair_help)


def _check_mystery(answer: Any) -> str:
    check, role = _split_pair(answer)
    if role == "elsewhere":
        raise Wrong("That certificate is not in the mystery chain you dealt last; it holds a leaf, one "
                    "intermediate and one root (leaf, intermediates, anchors, host = ex.mystery(seed)).")
    report = explain(*_current())
    steps = [s for s in report.steps if s.check == check]
    if steps and all(s.subject == "whole chain" for s in steps):
        step = steps[0]
        if step.status.value == "not checked":
            raise Wrong(f"Our validator does not run the {check} check at all (the report says 'not "
                        "checked'), so it cannot be what fails.")
        if not step.failed:
            raise Wrong(f"The {check} check looks at the whole chain, and here it passes: {step.text}")
    title = _ROLE_TITLE[role]
    if role == "chain":
        raise Wrong(f"The {check} check runs once per certificate, not on the whole chain; say which "
                    "certificate.")
    prefix = _REPORT_PREFIX[role]
    mine = [s for s in steps if s.subject.startswith(prefix + " ")]
    if not mine:
        raise Wrong(f"The {check} check does not look at {title}, so it cannot fail there.")
    step = next((s for s in mine if s.failed), mine[0])
    if not step.failed:
        raise Wrong(f"In this chain the {check} check passes for {title}: {step.text}")
    return f"{step.text} {_LESSONS[_deal(_dealt['seed'])[0]]}"


#: What each way of breaking a chain teaches, shown once the learner has named it.
_LESSONS = {
    "intermediate expired": "Every leaf that intermediate issued stops validating, even a leaf that is itself in "
                            "date. Servers must send a current intermediate.",
    "leaf expired": "Renew before notAfter, and automate it (ACME), so it never lapses.",
    "leaf not yet valid": "A certificate used before its notBefore fails too; a device whose clock runs "
                          "behind sees this.",
    "wrong host": "The signature is fine; the certificate simply speaks for another name.",
    "client-only leaf": "Its EKU allows TLS clients only; a server certificate needs serverAuth.",
    "issuer not a CA": "Its key signed the leaf, but CA:FALSE means nothing it signs is a certificate "
                       "clients accept.",
    "tampered leaf": "Every field reads as before; only the signature no longer matches, and that is enough.",
}


q1 = Question(
    name="q1",
    prompt="leaf, intermediates, anchors, host = ex.mystery(seed). Without running explain() first, "
           "read the certificates and predict: which check fails, and for which certificate? Answer "
           "(check, certificate), e.g. ('hostname', 'leaf').",
    checker=_check_mystery,
    hints=("Read each certificate as the lesson did: anatomy(leaf), anatomy(intermediates[0]) and "
           "anatomy(anchors[0]).",
           "Compare each certificate's notBefore/notAfter with the course clock (2026-09-01), its SAN with "
           "host, and its basicConstraints and EKU; and check that each signature verifies with its issuer's "
           "key (lesson 01)."),
    answer="Run explain(*ex.mystery(seed)) with your seed to confirm: the failed row's check and "
           "certificate are the answer. For the default seed it is ('validity window', 'intermediate'): its intermediate "
           "expired on 2026-06-30.",
)


# --- q2: repair the expired chain ------------------------------------------------------------------

def _certificate(answer: Any) -> x509.Certificate:
    """The certificate in any form the course hands out: Issued, Certificate, a chain (leaf first), PEM, DER."""
    if isinstance(answer, list | tuple) and answer:
        answer = answer[0]
    cert = getattr(answer, "cert", getattr(answer, "leaf", answer))     # Issued, or a gallery case
    if isinstance(cert, str):
        cert = cert.encode()
    if isinstance(cert, bytes | bytearray) and len(cert) < 1_000_000:
        loader = x509.load_pem_x509_certificate if b"-----BEGIN" in cert else x509.load_der_x509_certificate
        try:
            cert = loader(bytes(cert))
        except ValueError:
            pass
    if not isinstance(cert, x509.Certificate):
        raise Wrong("Answer with the certificate you issued (the Issued object that issue_leaf returns, or "
                    "its .cert).")
    return cert


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True



def _common_name(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else name.rfc4514_string()


def _check_repair(answer: Any) -> str:
    pki = course_pki()
    cert = _certificate(answer)
    if cert == pki.gallery["expired"].leaf:
        raise Wrong("That is the expired certificate itself; issue a new one with course_pki().intermediate.")
    if is_ca(cert):
        raise Wrong(f"That is a CA certificate ({_common_name(cert.subject)}); a server presents a leaf. "
                    "Issue one from it with .issue_leaf(...).")
    if _signed_by(cert, pki.root.cert):
        raise Wrong("The root signed your certificate directly. Lesson 02's rule: the root's key stays "
                    "offline and signs only intermediates; leaves come from course_pki().intermediate.")
    if not _signed_by(cert, pki.intermediate.cert):
        raise Wrong(f"Your certificate was issued by {_common_name(cert.issuer)}, not by "
                    "course_pki().intermediate, so no course client builds a path from it to the course "
                    "root through the intermediate the server sends.")
    report = explain(cert, [pki.intermediate.cert], [pki.root.cert], HOST)
    if not report.valid:
        step = report.failed_step
        raise Wrong(f"Our validator still rejects it: {step.check} failed for {step.subject}: {step.text}")
    reference = cryptography_verdict(cert, [pki.intermediate.cert], [pki.root.cert], HOST, now())
    if not reference.valid:
        raise Wrong(f"cryptography's verifier rejects it: {reference.message}.")
    seconds = validity_seconds(cert)
    if seconds > MAX_DAYS * 86_400:
        raise Wrong(f"It validates, but it lives {_span(seconds)}, counted inclusively (notBefore through "
                    "notAfter, both included: RFC 5280 §4.1.2.5, BR §6.3.2); since 2026-03-15 the limit is "
                    f"{MAX_DAYS} days (CA/B Forum ballot SC-081v3). Shorten not_after.")
    return (f"Both validators accept it, and its lifetime, {_span(seconds)} counted inclusively, is within "
            f"the {MAX_DAYS}-day limit. Renewing before notAfter is the whole fix; automate it (ACME) so it "
            "never lapses.")


def validity_seconds(cert: x509.Certificate) -> int:
    """How long a certificate is valid, in seconds, counted as RFC 5280 §4.1.2.5 and BR §6.3.2 do.

    The period runs from notBefore *through* notAfter, both included, so a certificate from
    2026-09-01 00:00:00 to 2027-03-20 00:00:00 lasts 200 days and one second: one second too long
    for a 200-day limit. Its last valid second is 2027-03-19 23:59:59.
    """
    return int((cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds()) + 1


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    if not rest:
        return f"{days} days"
    if rest < 60:
        return f"{days} days and {rest} second{'s' if rest > 1 else ''}"
    return f"{seconds / 86_400:.2f} days"


q2 = Question(
    name="q2",
    prompt="The gallery's 'expired' chain broke on 2026-03-01. Repair it: issue a new leaf for "
           "api.yourapp.com from course_pki().intermediate that validates at the course clock and "
           f"lives at most {MAX_DAYS} days. Answer with the Issued object you made.",
    checker=_check_repair,
    hints=("pki.intermediate.issue_leaf([...], serial=..., key_label=..., not_before=..., not_after=...)",
           "Use a fresh serial such as 4101, not_before='2026-08-15' and not_after='2027-02-15'. The validity "
           "period includes both ends, so 200 days from midnight ends at 23:59:59 the day before."),
    answer="pki.intermediate.issue_leaf(['api.yourapp.com'], serial=4101, key_label='gallery leaf key', "
           "not_before='2026-08-15', not_after='2027-02-15')",
)


# --- q3: one chain for the clients of the old root and of the new one ---------------------------

_MAX_CERTS = 8   # a server sends a handful of certificates; more than this is no plausible answer


def _as_certificate_list(answer: Any) -> list[x509.Certificate]:
    """The intermediates a learner proposes: certificates, course CAs/Issued objects, or PEM text."""
    if isinstance(answer, str | bytes | bytearray):
        if len(answer) > 100_000:
            raise Uncheckable(f"That is {len(answer):,} characters of text; answer with a list of certificates.")
        text = answer.encode() if isinstance(answer, str) else bytes(answer)
        if b"-----BEGIN" not in text:
            names = {c.subject for c in (course_pki().intermediate.cert, course_pki().intermediate_cross_signed.cert)}
            if any(_words(text.decode("utf-8", "replace")) == _words(_cn(n)) for n in names):
                raise Wrong("Two certificates carry that name, with the same key: that is what cross-signing "
                            "is. A name cannot say which copy; answer with the certificate objects.")
            raise Uncheckable(f"{echo(answer)} is not a list of certificates; answer with a list such as "
                              "[pki.some_ca.cert].")
        try:
            return list(load_certificates(text))
        except (CertificateFormatError, ValueError):
            raise Uncheckable("That text holds no certificate that can be read; answer with a list of "
                              "certificates.") from None
    if isinstance(answer, x509.Certificate) or hasattr(answer, "cert"):
        answer = [answer]
    if isinstance(answer, list | tuple) and len(answer) > _MAX_CERTS:
        raise Uncheckable(f"That list holds {len(answer):,} items; a server sends a handful of certificates "
                          "after the leaf.")
    if not isinstance(answer, list | tuple):
        raise Uncheckable(f"That is {kind_of(answer)}; answer with a list of the certificates the server sends "
                          "after the leaf.")
    certs = [getattr(item, "cert", item) for item in answer]
    if not all(isinstance(c, x509.Certificate) for c in certs):
        raise Uncheckable("Put certificates in the list (a course CA's .cert, or the CA itself).")
    return certs


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


def _cn(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else ""


def _clients() -> dict[str, x509.Certificate]:
    """The two kinds of client one server has to serve, by the one root each trusts."""
    pki = course_pki()
    return {"old clients (YourApp Root CA)": pki.root.cert, "new clients (YourApp Root CA 2)": pki.root2.cert}


def _verdict(client: str, result) -> tuple[bool, str]:
    """Whether all four validators accept, and one sentence of what they said for this client."""
    verdicts = {"our validator": result.report.valid, "cryptography": result.cryptography.valid,
                "OpenSSL": result.openssl.valid, "OpenSSL -x509_strict": result.strict.valid}
    refused = [who for who, ok in verdicts.items() if not ok]
    if not refused:
        return True, f"for {client} all four accept it"
    accepted = [who for who, ok in verdicts.items() if ok]
    said = ("every validator refuses it" if not accepted else
            f"{' and '.join(accepted)} accept it, but {' and '.join(refused)} refuse it")
    step = result.report.failed_step
    why = (f"our validator: {step.text.rstrip('.')}" if step is not None
           else f"OpenSSL says: {result.openssl.message}")
    return False, f"for {client} {said} ({why})"


def _check_send(answer: Any) -> str:
    pki = course_pki()
    sent = _as_certificate_list(answer)
    if sent and sent[0] == pki.leaf.cert:
        sent = sent[1:]  # the whole chain, leaf first: judge what follows the leaf
    results = {client: compare(pki.leaf, sent, [root], HOST, name=client) for client, root in _clients().items()}
    verdicts = [_verdict(client, result) for client, result in results.items()]
    if all(ok for ok, _ in verdicts):
        paths = "; ".join(f"{client}: {result.report.path_text}" for client, result in results.items())
        return (f"All four validators accept it for both kinds of client ({paths}). One root certified "
                "the other's name and key, as DST Root CA X3 did for ISRG Root X1, so each client finds a "
                "path to the root it trusts however OpenSSL walks the list.")
    raise Wrong(("With that list " + "; ".join(text for _, text in verdicts) + ".")[:560])


def reference_chain() -> list[x509.Certificate]:
    """One list that q3 accepts: the intermediate copy under Root CA 2, then Root CA 2 certified by Root CA."""
    pki = course_pki()
    root2_cross = pki.root.issue_intermediate("yourapp-root-2-cross-signed", common_name="YourApp Root CA 2",
                                              key_label=pki.root2.key_label, path_length=1)
    return [pki.intermediate_cross_signed.cert, root2_cross.cert]


q3 = Question(
    name="q3",
    prompt="Old clients trust only YourApp Root CA, new clients only YourApp Root CA 2. The server sends "
           "pki.leaf to both, followed by one list of certificates. Find a list that all four validators "
           "accept for both kinds of client. You may issue new certificates with the course's CAs.",
    checker=_check_send,
    hints=("Neither order of the two copies of YourApp Issuing CA 1 satisfies OpenSSL for both clients. "
           "Reread the Let's Encrypt story: what did DST Root CA X3 sign besides intermediates?",
           "pki.root.issue_intermediate(name, common_name=..., key_label=..., path_length=...) certifies any "
           "name and key; pki.root2.key_label names the new root's key. Which copy of the intermediate leads "
           "to such a certificate, and how many CAs sit below it?"),
    answer="root2_cross = pki.root.issue_intermediate('yourapp-root-2-cross-signed', common_name='YourApp "
           "Root CA 2', key_label=pki.root2.key_label, path_length=1); answer = "
           "[pki.intermediate_cross_signed.cert, root2_cross.cert] (ex.reference_chain() builds it). New "
           "clients stop at Root CA 2 in their store; old clients follow root2_cross to Root CA.",
)
