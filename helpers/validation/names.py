"""Hostname matching: does the leaf's subjectAltName cover the name the client dialled?

The rules (RFC 9525, which replaced RFC 6125 in 2023, as browsers and cryptography apply them):

* Only the subjectAltName counts. The subject's common name (CN) is **not** consulted,
  even when it holds a host name: that fallback was removed from browsers years ago.
* Names compare case-insensitively, label by label.
* A wildcard is allowed only as the whole left-most label, and it covers exactly one
  label: ``*.yourapp.com`` covers ``api.yourapp.com`` but not ``yourapp.com`` and not
  ``v2.api.yourapp.com``. Partial wildcards (``api*.yourapp.com``) match nothing.
* An IP address matches only an IP-address SAN, never a DNS name that spells it.
* A name with an underscore (``_acme.yourapp.com``) is not a host name (RFC 1123 2.1), and
  since 2019 no publicly trusted certificate may list one (CA/B Forum ballot SC-12), so no
  certificate can match it: the hostname step fails, as a verdict rather than an input error.
  cryptography refuses even to build a verifier for it ("invalid domain name").
"""

from __future__ import annotations

import ipaddress
import re

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from ..errors import BadInputError

_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_UNDERSCORE_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


class HostNameError(BadInputError):
    """A host name to validate against that is not a DNS name or an IP address."""


class UnmatchableHost(str):
    """A well-formed name that no certificate can match (it has an underscore); ``why`` says so."""

    @property
    def why(self) -> str:
        return (f"The host name {self} contains an underscore, which host names may not (RFC 1123 2.1) and "
                "no certificate may list since 2019 (CA/B Forum ballot SC-12), so no certificate can match it.")


def parse_host(host) -> str | ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The host as a lower-case DNS name or an IP address; HostNameError when it is neither."""
    if not isinstance(host, str) or not host.strip():
        raise HostNameError(f"the host name must be a non-empty string, not {host!r}; pass a name "
                            "such as 'api.yourapp.com'.")
    host = host.strip()
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not is_dns_name(host) and "_" in host and "*" not in host and _dns_shaped(host, _UNDERSCORE_LABEL):
        return UnmatchableHost(host.lower())
    if not is_dns_name(host):
        raise HostNameError(f"{host!r} is not a valid DNS host name (letters, digits and hyphens in "
                            "dot-separated labels, no wildcard); pass a name such as 'api.yourapp.com'.")
    return host.lower()


def is_dns_name(name: str) -> bool:
    """A DNS name in preferred syntax: 1-63 character labels of letters, digits and inner hyphens."""
    return _dns_shaped(name, _LABEL)


def _dns_shaped(name: str, label: re.Pattern) -> bool:
    return 0 < len(name) <= 253 and all(label.match(part) for part in name.split("."))


def pattern_matches(pattern: str, host: str) -> bool:
    """Does one DNS SAN entry (a name or a ``*.`` wildcard) cover ``host``?"""
    if pattern.startswith("*."):
        base = pattern[2:]
        parent = host.split(".", 1)[1] if "." in host else ""
        return is_dns_name(base) and bool(parent) and parent == base.lower()
    return is_dns_name(pattern) and pattern.lower() == host


def san_entries(cert: x509.Certificate) -> tuple[list[str], list]:
    """The DNS names and IP addresses in the certificate's SAN (empty lists when there is none)."""
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return [], []
    return san.get_values_for_type(x509.DNSName), san.get_values_for_type(x509.IPAddress)


def has_san(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except x509.ExtensionNotFound:
        return False
    return True


def host_matches(cert: x509.Certificate, host) -> str | None:
    """The SAN entry that covers ``host`` (already parsed by :func:`parse_host`), or None."""
    dns, ips = san_entries(cert)
    if isinstance(host, str):
        return next((name for name in dns if pattern_matches(name, host)), None)
    return next((str(ip) for ip in ips if ip == host), None)
