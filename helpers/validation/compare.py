"""Our validator beside cryptography's, OpenSSL's and strict OpenSSL's, on the same chain.

:func:`compare` judges one chain four ways; :func:`gallery_table` does it for every case of
the failure gallery (:mod:`helpers.pki.gallery`). One row per chain: the step that our
validator says fails, then each reference's verdict. Each gallery case fails for exactly one
reason, so our report has exactly one failed step.

Where the references split on the gallery, and why (:data:`GALLERY_SPLITS`; lesson 03 shows
them, and ``tests/test_validation.py`` holds each one):

* **explicit-curve** (a leaf whose P-256 key spells out the curve's parameters): we and both
  OpenSSL runs refuse it (OpenSSL: "Certificate public key has explicit ECC parameters");
  cryptography accepts it, because its verifier applies the CA/B Forum key rules (BR 7.1.3.1)
  only to keys that sign, the issuers', and a leaf's key signs no certificate.

Beyond the gallery, ``-x509_strict`` refuses what plain OpenSSL lets through and the Web PKI
profile forbids: a CA whose basicConstraints is not critical (we and cryptography refuse it
too), a leaf without an authorityKeyIdentifier. See :mod:`.references` for the whole list, and
why the third reference is OpenSSL's strict mode rather than a Web PKI validator from PyPI.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pem import as_certificates, single_certificate
from ..show import Shown, Table
from .references import Verdict, cryptography_verdict, openssl_strict_verdict, openssl_verdict
from .report import Report
from .validator import explain

#: Gallery cases on which the references do not all agree: case -> (who accepts, why).
GALLERY_SPLITS = {
    "explicit-curve": ("cryptography", "its verifier checks the key algorithm (CA/B Forum BR 7.1.3.1) only "
                       "for issuers' keys, and a leaf's key signs nothing; OpenSSL refuses explicit "
                       "parameters everywhere, and so do we"),
}


@dataclass(frozen=True)
class Comparison:
    """Our report beside the reference verdicts, for one chain."""

    name: str
    report: Report
    cryptography: Verdict
    openssl: Verdict
    strict: Verdict
    expected: str = ""

    @property
    def ours(self) -> str:
        step = self.report.failed_step
        return "✓ valid" if step is None else f"✗ {step.check}: {step.reason}"

    @property
    def references(self) -> tuple[Verdict, Verdict, Verdict]:
        return self.cryptography, self.openssl, self.strict

    @property
    def agree(self) -> bool:
        return all(v.valid == self.report.valid for v in self.references)

    def row(self) -> list[str]:
        return [self.name, self.ours, *(v.cell() for v in self.references)]

    def _repr_html_(self) -> str:
        return Comparisons((self,))._repr_html_()

    def __repr__(self) -> str:
        return (f"<Comparison {self.name}: ours {self.ours}; cryptography {self.cryptography.cell()}; "
                f"OpenSSL {self.openssl.cell()}; OpenSSL -x509_strict {self.strict.cell()}>")


HEADERS = ("case", "our failing step", "cryptography", "OpenSSL", "OpenSSL -x509_strict")


@dataclass(frozen=True)
class Comparisons(Shown):
    """Rows of comparisons that print as text and render as an HTML table."""

    rows: tuple[Comparison, ...]

    @property
    def all_agree(self) -> bool:
        return all(row.agree for row in self.rows)

    @property
    def splits(self) -> list[str]:
        """The names of the rows where some validator disagrees with the others."""
        return [row.name for row in self.rows if not row.agree]

    def table(self) -> Table:
        return Table(HEADERS, [r.row() for r in self.rows])

    def __repr__(self) -> str:
        split = f" (not on {', '.join(self.splits)})" if self.splits else ""
        return f"<Comparisons of {len(self.rows)} chains; all verdicts agree: {self.all_agree}{split}>"


def table(comparisons) -> Comparisons:
    """Several comparisons as one table (a notebook renders it as HTML)."""
    return Comparisons(tuple(comparisons))


def compare(leaf, intermediates, anchors, host: str, at=None, *, name: str = "chain",
            expected: str = "") -> Comparison:
    """Our validator, cryptography, OpenSSL and strict OpenSSL on the same chain, host and time."""
    report = explain(leaf, intermediates, anchors, host, at)
    leaf, roots = single_certificate(leaf, "the leaf"), as_certificates(anchors, "the anchors")
    inters = as_certificates(intermediates or [], "the intermediates")
    args = (leaf, inters, roots, report.host, report.at)
    return Comparison(name, report, cryptography_verdict(*args), openssl_verdict(*args),
                      openssl_strict_verdict(*args), expected)


def compare_case(case) -> Comparison:
    """One :class:`helpers.pki.GalleryCase`, judged four ways."""
    return compare(case.leaf, case.intermediates, case.roots, case.host, getattr(case, "at", None),
                   name=case.name, expected=case.reason)


def gallery_table(cases) -> Comparisons:
    """Every gallery case (pass ``course_pki().gallery``) as one table."""
    items = cases.values() if isinstance(cases, dict) else cases
    return Comparisons(tuple(compare_case(case) for case in items))


__all__ = ["GALLERY_SPLITS", "Comparison", "Comparisons", "compare", "compare_case", "gallery_table", "table"]
