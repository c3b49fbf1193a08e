"""The OkHttp model against the real OkHttp 3.13 (Debian's libokhttp-java), case by case.

Loopback HTTPS servers present the genuine, renewed, rekeyed, rogue, mis-issued and chain-stuffed
chains; a small Java client (tests/okhttp/PinCheck.java, one JVM for every case) connects to each
with a CertificatePinner built from each pin policy. ``okhttp.model(..., version=3)`` must give
the same verdict on every case, fail at the same step, and on a pin failure write OkHttp's
message line for line. Without java or the jars the module is skipped, unless CI is set.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from helpers.attacks.scenarios import CHAIN_STUFFING
from helpers.course import HOST
from helpers.pem import chain_pem
from helpers.pinning.pins import Pin, spki_der, spki_pin
from helpers.pki import course_pki
from helpers.pki.keys import key_from_label
from helpers.platforms import okhttp
from helpers.tls.servers import HTTPSServer

JARS = (Path("/usr/share/java/okhttp.jar"), Path("/usr/share/java/okio.jar"))
CLIENT = Path(__file__).resolve().parent / "okhttp" / "PinCheck.java"

#: the servers every policy meets (see _servers for what each presents and what the client trusts)
SERVERS = ("genuine", "renewed", "rekeyed", "rogue", "misissued", "stuffed")
POLICIES = ("leaf+backup", "intermediate", "root", "one-label", "any-depth", "elsewhere", "union",
            "sha1-leaf", "short-pin", "upper-case", "bad-prefix", "bad-base64")
#: (server, policy, host) beyond the matrix: hosts the certificate does not name, a root not trusted
EXTRA = (("genuine", "any-depth", "yourapp.com"), ("genuine", "one-label", "www.yourapp.com"),
         ("untrusted", "leaf+backup", HOST), ("untrusted", "elsewhere", HOST))
CASES = (*((s, p, HOST) for s in SERVERS for p in POLICIES), *EXTRA)


def _sha256(cert) -> str:
    return f"sha256/{spki_pin(cert)}"


def _sha1(cert) -> str:
    return "sha1/" + base64.b64encode(hashlib.sha1(spki_der(cert)).digest()).decode()


def _policies() -> dict[str, list[tuple[str, str]]]:
    """Each policy as the (pattern, pin) pairs given to CertificatePinner.Builder.add(), in order."""
    pki = course_pki()
    leaf, rekeyed = _sha256(pki.leaf.cert), _sha256(pki.leaf_rekeyed.cert)
    backup = f"sha256/{Pin.of_spki(pki.backup_key.public_key()).base64}"
    return {
        "leaf+backup": [(HOST, leaf), (HOST, backup)],
        "intermediate": [(HOST, _sha256(pki.intermediate.cert)), (HOST, backup)],
        "root": [(HOST, _sha256(pki.root.cert))],
        "one-label": [("*.yourapp.com", leaf), ("*.yourapp.com", backup)],
        "any-depth": [("**.yourapp.com", leaf), ("**.yourapp.com", backup)],
        "elsewhere": [("www.yourapp.com", leaf), ("www.yourapp.com", backup)],
        "union": [("*.yourapp.com", backup), (HOST, rekeyed), ("*.yourapp.com", backup)],
        "sha1-leaf": [(HOST, _sha1(pki.leaf.cert))],
        "short-pin": [(HOST, "sha256/AAAA"), (HOST, backup)],
        "upper-case": [("API.YourApp.com", leaf), (HOST, rekeyed)],
        "bad-prefix": [(HOST, leaf), (HOST, "md5/" + leaf[7:])],
        "bad-base64": [(HOST, "sha256/not base64!")],
    }


def _servers():
    """Server name -> (chain, key, roots): what each presents, and what the client trusts."""
    pki = course_pki()
    genuine_roots, with_rogue = [pki.root.cert], [pki.root.cert, pki.rogue_ca.cert]
    return {
        "genuine": (pki.leaf.chain, pki.leaf.key, genuine_roots),
        "renewed": (pki.leaf_renewed.chain, pki.leaf_renewed.key, genuine_roots),
        "rekeyed": (pki.leaf_rekeyed.chain, pki.leaf_rekeyed.key, genuine_roots),
        "rogue": (pki.rogue_leaf.chain, pki.rogue_leaf.key, with_rogue),
        "misissued": (pki.misissued_leaf.chain, pki.misissued_leaf.key, genuine_roots),
        "stuffed": (CHAIN_STUFFING.chain(), CHAIN_STUFFING.leaf().key, with_rogue),
        "untrusted": (pki.rogue_leaf.chain, pki.rogue_leaf.key, genuine_roots),
    }


def _kotlin(pairs: list[tuple[str, str]]) -> str:
    adds = "".join(f'    .add("{pattern}", "{pin}")\n' for pattern, pin in pairs)
    return f"val certificatePinner = CertificatePinner.Builder()\n{adds}    .build()\n"


@pytest.fixture(scope="module")
def java():
    """Run PinCheck.java with the OkHttp jars; skip (or, under CI, fail) when java or the jars are missing."""
    missing = "" if shutil.which("java") else "java is not installed (apt install default-jdk-headless)"
    absent = [str(jar) for jar in JARS if not jar.is_file()]
    missing = missing or (f"{', '.join(absent)} missing (apt install libokhttp-java)" if absent else "")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real OkHttp comparison, but {missing}")
        pytest.skip(missing)

    def run(*args: str) -> list[str]:
        command = ["java", "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8",
                   "-cp", os.pathsep.join(map(str, JARS)), str(CLIENT), *args]
        done = subprocess.run(command, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
        return done.stdout.decode("utf-8").splitlines()

    return run


@pytest.fixture(scope="module")
def real(java, tmp_path_factory) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Every case through the real OkHttp in one JVM: case -> (OK | PINNING | TLS | CONFIG, message)."""
    folder, servers, policies = tmp_path_factory.mktemp("okhttp"), _servers(), _policies()
    lines = []
    with contextlib.ExitStack() as stack:
        ports = {name: stack.enter_context(HTTPSServer(chain, key)).port
                 for name, (chain, key, _) in servers.items()}
        for n, (server, policy, host) in enumerate(CASES):
            roots = folder / f"roots-{server}.pem"
            roots.write_bytes(chain_pem(servers[server][2]))
            pairs = [value for pair in policies[policy] for value in pair]
            lines.append("\t".join([str(n), host, str(ports[server]), str(roots), *pairs]))
        cases = folder / "cases.tsv"
        cases.write_text("\n".join(lines) + "\n")
        output = java("--cases", str(cases))
    results = {}
    for line in output:
        number, _, result = line.partition("\t")
        kind, _, message = result.partition(" ")
        results[CASES[int(number)]] = (kind, _unescape(message))
    assert len(results) == len(CASES), output[-20:]
    return results


def _unescape(text: str) -> str:
    """Undo PinCheck's one-line escaping (\\n, \\t, \\\\)."""
    out, chars = [], iter(text)
    for c in chars:
        if c == "\\":
            c = next(chars, "")
            c = {"n": "\n", "t": "\t"}.get(c, c)
        out.append(c)
    return "".join(out)


def _kind(decision) -> str:
    if decision.connects:
        return "OK"
    return {"config": "CONFIG", "validation": "TLS", "pins": "PINNING"}[decision.stage]


@pytest.mark.parametrize("server, policy, host", CASES, ids=[f"{s}-{p}@{h}" for s, p, h in CASES])
def test_model_agrees_with_real_okhttp(real, server, policy, host):
    chain, _key, roots = _servers()[server]
    parsed = okhttp.parse(_kotlin(_policies()[policy]))
    decision = okhttp.model(parsed, host, chain, roots, version=3)
    kind, message = real[server, policy, host]
    assert _kind(decision) == kind, (decision.reason, message)
    if kind == "PINNING":
        assert [line.rstrip() for line in decision.reason.splitlines()] == \
            [line.rstrip() for line in message.splitlines()]
    if kind == "CONFIG":
        assert message in decision.reason


def test_the_matrix_shows_every_outcome(real):
    """The cases are worth comparing only if real OkHttp connects, refuses pins, fails TLS and throws."""
    assert {kind for kind, _ in real.values()} == {"OK", "PINNING", "TLS", "CONFIG"}
    assert real["genuine", "any-depth", HOST][0] == "OK"        # 3.13: '**.' never matches, pinning is off
    assert real["stuffed", "leaf+backup", HOST][0] == "PINNING"  # the cleaned chain, not the sent one


def _self_signed(name: x509.Name) -> x509.Certificate:
    key = key_from_label("okhttp subject test")
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(dt.datetime(2026, 1, 1))
            .not_valid_after(dt.datetime(2036, 1, 1)).sign(key, hashes.SHA256()))


def test_subjects_are_written_as_the_jdk_writes_them(java, tmp_path):
    """OkHttp prints getSubjectDN().getName(): most specific first, special characters quoted."""
    a, rdn = x509.NameAttribute, x509.RelativeDistinguishedName
    names = [
        x509.Name([a(NameOID.COUNTRY_NAME, "US"), a(NameOID.ORGANIZATION_NAME, "Acme, Inc."),
                   a(NameOID.COMMON_NAME, "a+b=c")]),
        x509.Name([a(NameOID.DOMAIN_COMPONENT, "com"), a(NameOID.ORGANIZATIONAL_UNIT_NAME, " lead space"),
                   a(NameOID.COMMON_NAME, 'say "hi" \\ two  spaces')]),
        x509.Name([rdn([a(NameOID.COMMON_NAME, "x"), a(NameOID.ORGANIZATION_NAME, "y")]),
                   rdn([a(NameOID.EMAIL_ADDRESS, "a@b.c")]), rdn([a(NameOID.STATE_OR_PROVINCE_NAME, "CA")]),
                   rdn([a(NameOID.SERIAL_NUMBER, "123")]), rdn([a(x509.ObjectIdentifier("1.2.3.4"), "odd")]),
                   rdn([a(NameOID.LOCALITY_NAME, "Zürich; #1 <x>")])]),
    ]
    # The JDK refuses a key with explicit curve parameters ("Only named ECParameters supported"),
    # as the Web PKI does: the course's CurveBall leaf is left out.
    certs = [_self_signed(name) for name in names] + [e.cert for e in course_pki().entries
                                                       if e.cert and e.stem != "gallery-explicit-curve"]
    path = tmp_path / "subjects.pem"
    path.write_bytes(chain_pem(certs))
    assert [_unescape(line) for line in java("--subjects", str(path))] == \
        [okhttp.java_dn(cert.subject) for cert in certs]
