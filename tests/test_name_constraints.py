"""Name constraints (RFC 5280 §4.2.1.10): our step against cryptography's verifier.

Every chain here is otherwise valid for cryptography (the test checks that: the same chain with
its name constraints removed validates), so name constraints alone decide. The constraints
are encoded by hand (``NC.der``), so that a test can also build what cryptography's Python
objects refuse to build: a leading-dot or wildcard DNS constraint, an IP constraint with host
bits set or a mask that is not ones then zeros, an extension with no subtree at all.

The rules, and where cryptography departs from RFC 5280, are in the docstring of
``helpers/validation/constraints.py``. The one known difference between our whole report and
cryptography's lies outside this step; ``PYTHON_UNREADABLE`` below says why.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import random
from collections import Counter
from dataclasses import dataclass, field, replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtensionOID, NameOID

from helpers.pki import key_from_label
from helpers.validation import cryptography_verdict, explain
from helpers.validation import validator as validator_module
from helpers.validation.constraints import name_constraints_step
from helpers.validation.paths import Path
from helpers.validation.report import Status

UTC = dt.UTC
AT = dt.datetime(2030, 1, 1, tzinfo=UTC)


# --- building chains -------------------------------------------------------------------------------

def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | len(size)]) + size) + content


def ip_constraint(text: str) -> bytes:
    """'10.0.0.0/8' as address + mask bytes; '10.1.2.3/255.0.0.0' keeps the address as written."""
    address, _, mask = text.partition("/")
    ip = ipaddress.ip_address(address)
    if mask.isdigit():
        bits = ip.max_prefixlen
        mask_bytes = ((1 << bits) - (1 << (bits - int(mask)))).to_bytes(bits // 8, "big")
    else:
        mask_bytes = ipaddress.ip_address(mask).packed
    return ip.packed + mask_bytes


def general_name(kind: str, value) -> bytes:
    """One GeneralName, DER: DNS, IP (constraint or address), e-mail, URI or dir (a CN)."""
    if kind == "DNS":
        return tlv(0x82, value.encode())
    if kind == "e-mail":
        return tlv(0x81, value.encode())
    if kind == "URI":
        return tlv(0x86, value.encode())
    if kind == "dir":
        return tlv(0xA4, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)]).public_bytes())
    if kind == "IP":
        return tlv(0x87, value if isinstance(value, bytes) else ip_constraint(value))  # bytes: as they are
    raise ValueError(kind)


@dataclass(frozen=True)
class NC:
    """A nameConstraints extension: permitted and excluded subtrees as (kind, value) pairs."""

    permitted: tuple = ()
    excluded: tuple = ()
    critical: bool = True

    def der(self) -> bytes:
        trees = b""
        for tag, names in ((0xA0, self.permitted), (0xA1, self.excluded)):
            if names:
                trees += tlv(tag, b"".join(tlv(0x30, general_name(*n)) for n in names))
        return tlv(0x30, trees)

    def extension(self):
        return x509.UnrecognizedExtension(ExtensionOID.NAME_CONSTRAINTS, self.der())


def dns(*names):
    return tuple(("DNS", n) for n in names)


def ips(*names):
    return tuple(("IP", n) for n in names)


def san_entry(entry) -> x509.GeneralName:
    kind, value = entry
    return {"DNS": x509.DNSName, "e-mail": x509.RFC822Name, "URI": x509.UniformResourceIdentifier,
            "IP": lambda v: x509.IPAddress(ipaddress.ip_address(v)),
            "dir": lambda v: x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, v)]))}[kind](value)


@functools.cache
def key(label: str):
    return key_from_label(f"name constraints test {label}")


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NC Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@functools.lru_cache(maxsize=8192)
def issue(subject: str, issuer: str, key_label: str, signer: str, *, ca: bool, sans: tuple = (),
          nc: NC | None = None, serial: int = 1, raw_nc: bytes | None = None) -> x509.Certificate:
    """One certificate, deterministically signed (so caching is safe)."""
    public = key(key_label).public_key()
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(public)
         .serial_number(serial).not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
         .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC))
         .add_extension(x509.BasicConstraints(ca, None), True)
         .add_extension(x509.KeyUsage(not ca, False, False, False, False, ca, ca, False, False), True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key(signer).public_key()), False))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([san_entry(e) for e in sans]), False)
    if nc is not None:
        b = b.add_extension(nc.extension(), nc.critical)
    if raw_nc is not None:
        b = b.add_extension(x509.UnrecognizedExtension(ExtensionOID.NAME_CONSTRAINTS, raw_nc), True)
    return b.sign(key(signer), hashes.SHA256(), ecdsa_deterministic=True)


@dataclass(frozen=True)
class Chain:
    """root → inter → [rollover] → leaf, each CA optionally constrained; the anchor is the root or inter.

    ``rollover`` adds a self-issued intermediate (subject = issuer = "Inter", a new key), as a
    CA rolling over its key does; RFC 5280 exempts its own SANs from name constraints.
    """

    host: str
    leaf: tuple
    leaf_cn: str = "leaf"
    root_nc: NC | None = None
    inter_nc: NC | None = None
    inter_sans: tuple = ()
    rollover: bool = False
    rollover_nc: NC | None = None
    rollover_sans: tuple = ()
    anchor: str = "root"  # or "inter": the intermediate itself is the trust anchor
    raw_nc: bytes | None = None  # raw extension value for the intermediate instead of inter_nc

    def build(self):
        root = issue("Root", "Root", "root", "root", ca=True, nc=self.root_nc, serial=1)
        inter = issue("Inter", "Root", "inter", "root", ca=True, sans=self.inter_sans, nc=self.inter_nc,
                      serial=2, raw_nc=self.raw_nc)
        intermediates, signer = [inter], "inter"
        if self.rollover:
            intermediates.append(issue("Inter", "Inter", "rollover", "inter", ca=True, sans=self.rollover_sans,
                                       nc=self.rollover_nc, serial=3))
            signer = "rollover"
        leaf = issue(self.leaf_cn, "Inter", "leaf", signer, ca=False, sans=self.leaf, serial=4)
        anchors = [root] if self.anchor == "root" else [inter]
        if self.anchor == "inter":
            intermediates = intermediates[1:]
        return leaf, intermediates, anchors

    def path(self) -> Path:
        leaf, intermediates, anchors = self.build()
        return Path((leaf, *reversed(intermediates), *anchors), True)

    def unconstrained(self) -> Chain:
        return replace(self, root_nc=None, inter_nc=None, rollover_nc=None, raw_nc=None)


def theirs(chain: Chain):
    return cryptography_verdict(*chain.build(), chain.host, AT)


def ours(chain: Chain):
    return name_constraints_step(chain.path())


def python_reads(chain: Chain) -> bool:
    """Whether cryptography's Python objects can read every extension (see PYTHON_UNREADABLE)."""
    leaf, intermediates, anchors = chain.build()
    try:
        for cert in (leaf, *intermediates, *anchors):
            cert.extensions  # noqa: B018 - parsed on first access
    except ValueError:
        return False
    return True


#: An IP constraint with host bits set (10.1.2.3/255.0.0.0) or a mask that is not ones then zeros
#: makes cryptography's *Python* NameConstraints raise ValueError ("has host bits set", "Invalid
#: netmask": it builds an ipaddress network, strictly), while its verifier masks the first
#: (``IPConstraint::from_bytes`` in cryptography-x509-verification's types.rs, so it accepts it)
#: and refuses the second only when an IP name meets it. Our step reads the bytes and agrees with
#: the verifier; the rest of the report reads extensions through the Python objects and refuses
#: such a certificate at its "format" step. So whole reports are compared only on chains that
#: Python can read, and the step alone on all of them.
PYTHON_UNREADABLE = "an IP constraint cryptography's Python objects cannot represent"


# --- one hand-written case per rule ---------------------------------------------------------------

E = "a.example.com"
CASES = {
    # (chain, expected reason: "" for valid)
    "no constraints at all": (Chain(E, dns(E)), ""),
    "a permitted domain covers its subdomains": (Chain(E, dns(E), inter_nc=NC(dns("example.com"))), ""),
    "a permitted domain covers itself": (Chain("example.com", dns("example.com"), inter_nc=NC(dns("example.com"))), ""),
    "DNS compares case-insensitively": (Chain(E, dns("A.Example.COM"), inter_nc=NC(dns("EXAMPLE.com"))), ""),
    "whole labels only: badexample.com is not in example.com":
        (Chain("badexample.com", dns("badexample.com"), inter_nc=NC(dns("example.com"))), "name not permitted"),
    "every SAN entry is checked, not only the host's":
        (Chain(E, dns(E, "evil.org"), inter_nc=NC(dns("example.com"))), "name not permitted"),
    "any one permitted subtree is enough":
        (Chain(E, dns(E, "www.example.org"), inter_nc=NC(dns("example.org", "example.com"))), ""),
    "an excluded subtree wins over a permitted one":
        (Chain(E, dns(E), inter_nc=NC(dns("example.com"), dns("a.example.com"))), "name excluded"),
    "a leading-dot DNS constraint is malformed": (Chain(E, dns(E), inter_nc=NC(dns(".example.com"))),
                                                  "malformed name constraint"),
    "a trailing-dot DNS constraint is malformed": (Chain(E, dns(E), inter_nc=NC(dns("example.com."))),
                                                   "malformed name constraint"),
    "a wildcard DNS constraint is malformed": (Chain(E, dns(E), inter_nc=NC(excluded=dns("*.example.org"))),
                                               "malformed name constraint"),
    "a malformed permitted constraint after a match is never read":
        (Chain(E, dns(E), inter_nc=NC(dns("example.com", ".example.com"))), ""),
    "the CN is never checked": (Chain(E, dns(E), leaf_cn="evil.org", inter_nc=NC(dns("example.com"))), ""),
    "a wildcard is permitted when its base is":
        (Chain(E, dns("*.example.com"), inter_nc=NC(dns("example.com"))), ""),
    "a wildcard is not permitted by one of the names it covers":
        (Chain(E, dns("*.example.com"), inter_nc=NC(dns("a.example.com"))), "name not permitted"),
    "a wildcard is excluded when one name it covers is":
        (Chain(E, dns("*.example.com"), inter_nc=NC(excluded=dns("b.example.com"))), "name excluded"),
    "a wildcard is not excluded by a name two labels below":
        (Chain(E, dns("*.example.com"), inter_nc=NC(excluded=dns("x.b.example.com"))), ""),
    "a wildcard under an excluded domain is excluded":
        (Chain(E, dns("*.example.com"), inter_nc=NC(excluded=dns("com"))), "name excluded"),
    "a SAN that is no DNS name fails under a DNS constraint":
        (Chain(E, dns(E, "x_y.example.com"), inter_nc=NC(dns("example.com"))), "malformed SAN"),
    "a partial wildcard fails under a DNS constraint":
        (Chain(E, dns(E, "a*.example.com"), inter_nc=NC(excluded=dns("example.org"))), "malformed SAN"),
    "a malformed DNS SAN is not read when only IP is constrained":
        (Chain(E, dns(E, "x_y.example.com"), inter_nc=NC(ips("10.0.0.0/8"))), ""),
    "IP constraints do not restrict DNS names": (Chain(E, dns(E), inter_nc=NC(ips("10.0.0.0/8"))), ""),
    "DNS constraints do not restrict IP names":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(dns("example.com"))), ""),
    "an IP inside a permitted network": (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips("10.0.0.0/8"))), ""),
    "an IP outside every permitted network":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips("10.2.0.0/16"))), "name not permitted"),
    "an IP inside an excluded network":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(excluded=ips("10.1.2.3/32"))), "name excluded"),
    "an IPv4 name never meets an IPv6 constraint":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips("::/0"))), "name not permitted"),
    "an IPv4-mapped IPv6 name is not in the IPv4 network":
        (Chain("::ffff:10.1.2.3", ips("::ffff:10.1.2.3"), inter_nc=NC(ips("10.0.0.0/8"))), "name not permitted"),
    "IPv6 networks": (Chain("2001:db8::1", ips("2001:db8::1"), inter_nc=NC(ips("2001:db8::/32"))), ""),
    "a constraint's host bits are masked off":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips("10.9.9.9/255.0.0.0"))), ""),
    "a mask that is not ones then zeros is malformed":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips("10.0.0.0/255.0.255.0"))), "malformed name constraint"),
    "a malformed IP constraint is not read when no IP name meets it":
        (Chain(E, dns(E), inter_nc=NC(ips("10.0.0.0/255.0.255.0"))), ""),
    "an IP constraint of the wrong length is malformed":
        (Chain("10.1.2.3", ips("10.1.2.3"), inter_nc=NC(ips(b"\x0a\x00\x00\x00\xff"))), "malformed name constraint"),
    "the root's constraints apply too": (Chain(E, dns(E), root_nc=NC(dns("example.org"))), "name not permitted"),
    "every constraining CA must agree":
        (Chain("b.example.com", dns("b.example.com"), root_nc=NC(dns("example.com")),
               inter_nc=NC(dns("a.example.com"))), "name not permitted"),
    "an intermediate's SAN meets the root's constraints":
        (Chain(E, dns(E), root_nc=NC(dns("example.com")), inter_nc=None, inter_sans=dns("evil.org")),
         "name not permitted"),
    "a CA's own SAN meets its own constraints (cryptography; RFC 5280 looks only below)":
        (Chain(E, dns(E), inter_nc=NC(dns("example.com")), inter_sans=dns("ca.example.org")), "name not permitted"),
    "a self-issued intermediate's SAN is exempt":
        (Chain(E, dns(E), root_nc=NC(dns("example.com")), rollover=True, rollover_sans=dns("ca.example.org")), ""),
    "a self-issued intermediate's constraints still apply below it":
        (Chain(E, dns(E), rollover=True, rollover_nc=NC(dns("example.org"))), "name not permitted"),
    "an intermediate trusted as the anchor is constrained by its own constraints":
        (Chain(E, dns(E), inter_nc=NC(excluded=dns("example.com")), anchor="inter"), "name excluded"),
    "a non-critical extension is enforced just the same":
        (Chain(E, dns(E), inter_nc=NC(dns("example.org"), critical=False)), "name not permitted"),
    "e-mail: any mailbox on a domain":
        (Chain(E, (*dns(E), ("e-mail", "ops@example.com")), inter_nc=NC((("e-mail", "example.com"),))), ""),
    "e-mail: a leading dot means subdomains only":
        (Chain(E, (*dns(E), ("e-mail", "ops@example.com")), inter_nc=NC((("e-mail", ".example.com"),))),
         "name not permitted"),
    "e-mail: an exact mailbox, its local part case-sensitive":
        (Chain(E, (*dns(E), ("e-mail", "ops@example.com")), inter_nc=NC((("e-mail", "Ops@example.com"),))),
         "name not permitted"),
    "an unsupported type is refused when a SAN of that type meets it":
        (Chain(E, (*dns(E), ("URI", "https://a.example.com/")), inter_nc=NC((("URI", "example.com"),))),
         "unsupported name constraint"),
    "an unsupported type is ignored when no SAN has that type":
        (Chain(E, dns(E), inter_nc=NC((("URI", "example.com"),))), ""),
    "a critical directoryName constraint is refused outright":
        (Chain(E, dns(E), inter_nc=NC(excluded=(("dir", "Evil"),))), "unsupported name constraint"),
    "a non-critical directoryName constraint is ignored without directoryName SANs":
        (Chain(E, dns(E), inter_nc=NC(excluded=(("dir", "Evil"),), critical=False)), ""),
    "an extension with no subtree is malformed": (Chain(E, dns(E), raw_nc=tlv(0x30, b"")), "malformed name constraint"),
    "an extension that is not DER is malformed": (Chain(E, dns(E), raw_nc=b"\x30\x05\xa0"),
                                                  "malformed name constraint"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_agrees_with_cryptography(case):
    chain, reason = CASES[case]
    assert theirs(chain.unconstrained()).valid, "the chain must be valid without its constraints"
    step = ours(chain)
    assert step.check == "name constraints"
    assert (step.status, step.reason) == ((Status.FAILED, reason) if reason else (Status.PASSED, ""))
    assert step.text.endswith(".") and step.text[0].isupper()
    assert theirs(chain).valid == (not reason), theirs(chain).message


def test_the_failure_names_the_certificate_the_name_and_the_constraint():
    step = ours(CASES["every SAN entry is checked, not only the host's"][0])
    assert step.subject == "leaf leaf"
    assert "evil.org" in step.text and "example.com" in step.text and "issuer Inter" in step.text
    step = ours(CASES["a wildcard is excluded when one name it covers is"][0])
    assert "*.example.com" in step.text and "b.example.com" in step.text and "excluded" in step.text
    step = ours(CASES["an intermediate's SAN meets the root's constraints"][0])
    assert step.subject == "issuer Inter" and "anchor Root" in step.text
    step = ours(CASES["a leading-dot DNS constraint is malformed"][0])
    assert step.subject == "issuer Inter" and ".example.com" in step.text and "leading dot" in step.text


def test_a_pass_says_what_was_checked():
    nc = NC(dns("example.com"), ips("192.168.0.0/16"))
    step = ours(Chain(E, (*dns(E, "*.example.com"), *ips("10.1.2.3")), inter_nc=nc))
    assert step.status == Status.PASSED and step.subject == "issuer Inter"
    assert "(permitted example.com; excluded 192.168.0.0/16)" in step.text
    assert "a.example.com, *.example.com, 10.1.2.3" in step.text
    assert "No CA on this path carries name constraints" in ours(Chain(E, dns(E))).text


def test_names_from_a_certificate_are_printed_escaped():
    step = ours(Chain(E, dns(E, "evil\x1b[2J.org"), inter_nc=NC(dns("example.com"))))
    assert step.failed and "\x1b" not in step.text and "\\x1b" in step.text


def test_a_malformed_san_extension_is_refused_without_a_traceback():
    garbage = x509.UnrecognizedExtension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x03\x82\x05a")
    inter = issue("Inter", "Root", "inter", "root", ca=True, nc=NC(dns("example.com")), serial=2)
    public = key("leaf").public_key()
    leaf = (x509.CertificateBuilder().subject_name(name("leaf")).issuer_name(name("Inter")).public_key(public)
            .serial_number(9).not_valid_before(dt.datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC)).add_extension(garbage, False)
            .sign(key("inter"), hashes.SHA256(), ecdsa_deterministic=True))
    root = issue("Root", "Root", "root", "root", ca=True, serial=1)
    step = name_constraints_step(Path((leaf, inter, root), True))
    assert step.failed and step.reason == "malformed" and step.subject == "leaf leaf"


def test_explain_shows_the_step_and_its_verdict():
    assert validator_module.name_constraints_step is name_constraints_step
    chain, _ = CASES["whole labels only: badexample.com is not in example.com"]
    report = explain(*chain.build(), chain.host, AT)
    assert not report.valid and report.failed_step.check == "name constraints"
    assert report.reason == "name not permitted"
    good, _ = CASES["a wildcard is permitted when its base is"]
    report = explain(*good.build(), good.host, AT)
    assert report.valid
    assert [s.status for s in report.steps if s.check == "name constraints"] == [Status.PASSED]


def test_ip_constraints_that_python_cannot_read_are_a_documented_disagreement():
    """See PYTHON_UNREADABLE: the step agrees with cryptography's verifier, and the whole report
    either agrees too or refuses the certificate at its "format" step, for that reason."""
    for case in ["a constraint's host bits are masked off",
                 "a malformed IP constraint is not read when no IP name meets it"]:
        chain, _ = CASES[case]
        assert not python_reads(chain), PYTHON_UNREADABLE
        assert theirs(chain).valid and not ours(chain).failed
        report = explain(*chain.build(), chain.host, AT)
        assert report.valid or (report.failed_step.check, report.reason) == ("format", "malformed")


# --- the differential test: generated chains ------------------------------------------------------

DOMAINS = ["example.com", "a.example.com", "b.example.com", "x.a.example.com", "example.org", "www.example.org",
           "badexample.com", "com", "org", "Example.COM", "xn--bcher-kva.example"]
BAD_DNS_CONSTRAINTS = [".example.com", "example.com.", "*.example.com", "a..example.com"]
BAD_DNS_SANS = ["x_y.example.com", "*.*.example.com", "a*.example.com", "example.com.", "*"]
IPS = ["10.1.2.3", "10.200.0.1", "192.168.1.1", "2001:db8::1", "2001:db9::1", "::ffff:10.1.2.3"]
IP_CONSTRAINTS = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "0.0.0.0/0", "10.1.2.3/32", "2001:db8::/32", "::/0"]
ODD_IP_CONSTRAINTS = ["10.1.2.3/255.0.0.0", "10.0.0.0/255.0.255.0", "2001:db8::1/ffff:ffff::"]


def random_san(rng: random.Random, hostable: bool):
    """A SAN entry; ``hostable`` ones are names a server could be dialled by."""
    roll = rng.random()
    if roll < 0.25:
        return ("IP", rng.choice(IPS))
    if roll < 0.55 or not hostable and roll < 0.6:
        return ("DNS", "*." + rng.choice(DOMAINS))
    if not hostable and roll < 0.75:
        return rng.choice([("DNS", rng.choice(BAD_DNS_SANS)), ("e-mail", "ops@" + rng.choice(DOMAINS)),
                           ("URI", "https://" + rng.choice(DOMAINS) + "/"), ("dir", "Someone")])
    return ("DNS", rng.choice(["", "www.", "api.v2."]) + rng.choice(DOMAINS))


def random_constraint(rng: random.Random, near: list):
    """A constraint: with ``near`` (for permitted subtrees), often one that covers a generated name."""
    if near and rng.random() < 0.5:
        return rng.choice(near)
    roll = rng.random()
    if roll < 0.5:
        return ("DNS", rng.choice(DOMAINS) if rng.random() < 0.92 else rng.choice(BAD_DNS_CONSTRAINTS))
    if roll < 0.85:
        return ("IP", rng.choice(IP_CONSTRAINTS) if rng.random() < 0.88 else rng.choice(ODD_IP_CONSTRAINTS))
    return rng.choice([("e-mail", rng.choice(["example.com", ".example.com", "ops@example.com"])),
                       ("URI", "example.com"), ("dir", "Someone")])


def covering(entries) -> list:
    """Constraints that cover these SAN entries: their parent domains, networks around their IPs."""
    near = []
    for kind, value in entries:
        if kind == "DNS" and "." in value:
            near.append(("DNS", value.split(".", 1)[1]))
        elif kind == "IP":
            near.append(("IP", "10.0.0.0/8" if value.startswith("10.") else
                         "0.0.0.0/0" if "." in value and ":" not in value else "::/0"))
    return near


def random_nc(rng: random.Random, near: list) -> NC | None:
    if rng.random() < 0.45:
        return None
    permitted = tuple(random_constraint(rng, near) for _ in range(rng.choice([0, 1, 1, 2, 3])))
    excluded = tuple(random_constraint(rng, []) for _ in range(rng.choice([0, 0, 1, 2])))
    if not permitted and not excluded:
        permitted = (random_constraint(rng, near),)
    return NC(permitted, excluded, critical=rng.random() < 0.8)


def host_for(entry) -> str:
    kind, value = entry
    if kind == "IP":
        return value
    return "h." + value[2:] if value.startswith("*.") else value


def random_chain(rng: random.Random) -> Chain:
    first = random_san(rng, hostable=True)
    leaf = (first, *(random_san(rng, hostable=False) for _ in range(rng.choice([0, 1, 1, 2]))))
    inter_sans = tuple(random_san(rng, hostable=True) for _ in range(rng.choice([0, 0, 0, 1, 2])))
    rollover = rng.random() < 0.15
    rollover_sans = (random_san(rng, hostable=True),) if rollover else ()
    near = covering((*leaf, *inter_sans, *rollover_sans))
    chain = Chain(host_for(first), leaf, leaf_cn=rng.choice(["leaf", "evil.org", "a.example.com"]),
                  root_nc=random_nc(rng, near), inter_nc=random_nc(rng, near), inter_sans=inter_sans,
                  rollover=rollover, rollover_nc=random_nc(rng, near) if rollover else None,
                  rollover_sans=rollover_sans, anchor="inter" if not rollover and rng.random() < 0.1 else "root")
    if not (chain.root_nc or chain.inter_nc or chain.rollover_nc):
        chain = replace(chain, inter_nc=NC((random_constraint(rng, near),)))
    return chain


@dataclass
class Tally:
    chains: int = 0
    reasons: Counter = field(default_factory=Counter)
    whole_reports: int = 0
    disagreements: list = field(default_factory=list)


def test_generated_chains_agree_with_cryptography():
    """At least 300 chains, each valid for cryptography without its constraints: with them, our
    step's verdict (and our whole report's) equals cryptography's on every one."""
    rng, tally = random.Random(5280), Tally()
    while tally.chains < 400:
        chain = random_chain(rng)
        if not theirs(chain.unconstrained()).valid:
            continue  # cannot happen by construction, but only name constraints may decide
        tally.chains += 1
        reference, step = theirs(chain), ours(chain)
        tally.reasons[step.reason or "valid"] += 1
        if reference.valid == step.failed:
            tally.disagreements.append((chain, reference.message, step.text))
        if python_reads(chain):
            tally.whole_reports += 1
            if explain(*chain.build(), chain.host, AT).valid != reference.valid:
                tally.disagreements.append(("whole report", chain, reference.message))
    assert tally.disagreements == []
    assert tally.whole_reports >= 300
    # The generator reaches every outcome, each more than a handful of times.
    for outcome in ["valid", "name not permitted", "name excluded", "malformed name constraint",
                    "malformed SAN", "unsupported name constraint"]:
        assert tally.reasons[outcome] >= 5, (outcome, tally.reasons)
    assert 0.2 < tally.reasons["valid"] / tally.chains < 0.8, tally.reasons
