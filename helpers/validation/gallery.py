"""The failure gallery: every broken chain of the course PKI, judged three ways.

One row per case: the step that our validator says fails, cryptography's verdict and
OpenSSL's verdict. Each case fails for exactly one reason, so our report has exactly one
failed step, and both references must also say "invalid". ``compare()`` does the same for
any single chain.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .references import Verdict, cryptography_verdict, openssl_verdict
from .report import Report
from .validator import as_cert, as_certs, explain


@dataclass(frozen=True)
class Comparison:
    """Our report beside the two reference verdicts, for one chain."""

    name: str
    report: Report
    cryptography: Verdict
    openssl: Verdict
    expected: str = ""

    @property
    def ours(self) -> str:
        step = self.report.failed_step
        return "✓ valid" if step is None else f"✗ {step.check}: {step.reason}"

    @property
    def agree(self) -> bool:
        return self.report.valid == self.cryptography.valid == self.openssl.valid

    def row(self) -> list[str]:
        return [self.name, self.ours, self.cryptography.cell(), self.openssl.cell()]

    def _repr_html_(self) -> str:
        return Table((self,))._repr_html_()

    def __repr__(self) -> str:
        return f"<Comparison {self.name}: ours {self.ours}; cryptography {self.cryptography.cell()}; " \
               f"OpenSSL {self.openssl.cell()}>"


HEADERS = ["case", "our failing step", "cryptography", "OpenSSL"]


@dataclass(frozen=True)
class Table:
    """Rows of comparisons that print as text and render as an HTML table."""

    rows: tuple[Comparison, ...]

    @property
    def all_agree(self) -> bool:
        return all(row.agree for row in self.rows)

    def text(self) -> str:
        rows = [HEADERS, *(r.row() for r in self.rows)]
        widths = [max(len(row[i]) for row in rows[:]) if i < 2 else 0 for i in range(4)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                         for row in rows)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Table of {len(self.rows)} chains; all verdicts agree: {self.all_agree}>"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in HEADERS)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in r.row())
                       + "</tr>" for r in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table(comparisons) -> Table:
    """Several comparisons as one table (a notebook renders it as HTML)."""
    return Table(tuple(comparisons))


def compare(leaf, intermediates, anchors, host: str, at=None, *, name: str = "chain",
            expected: str = "") -> Comparison:
    """Our validator, cryptography and OpenSSL on the same chain, host and time."""
    report = explain(leaf, intermediates, anchors, host, at)
    leaf, inters, roots = as_cert(leaf, "the leaf"), as_certs(intermediates, "intermediates"), as_certs(
        anchors, "anchors")
    return Comparison(name, report, cryptography_verdict(leaf, inters, roots, report.host, report.at),
                      openssl_verdict(leaf, inters, roots, report.host, report.at), expected)


def compare_case(case) -> Comparison:
    """One :class:`helpers.pki.GalleryCase`, judged three ways."""
    return compare(case.leaf, case.intermediates, case.roots, case.host, getattr(case, "at", None),
                   name=case.name, expected=case.reason)


def gallery_table(cases=None) -> Table:
    """Every gallery case (``course_pki().gallery`` by default) as one table."""
    if cases is None:
        from ..pki import course_pki
        cases = course_pki().gallery
    items = cases.values() if isinstance(cases, dict) else cases
    return Table(tuple(compare_case(case) for case in items))


def common_name_only_leaf(ca=None, host: str = "api.yourapp.com"):
    """A leaf whose subject CN is ``host`` but which has no subjectAltName at all.

    Modern name checking (RFC 9525, browsers, cryptography, this validator) looks only at
    the SAN, so it matches no host; the ``openssl verify`` command and Python's ``ssl``
    (unless ``hostname_checks_common_name`` is False) still fall back to the CN.
    Signed by ``ca`` (default: the course intermediate), deterministically.
    """
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from ..pki import course_pki, key_from_label

    ca = ca or course_pki().intermediate
    key = key_from_label("common-name-only leaf")
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(6002)
            .not_valid_before(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2046, 6, 1, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(False, None), True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .sign(ca.key, hashes.SHA256(), ecdsa_deterministic=True))


__all__ = ["Comparison", "Table", "common_name_only_leaf", "compare", "compare_case", "gallery_table", "table"]
