"""Our validator beside cryptography's and OpenSSL's, on the same chain, host and time.

:func:`compare` judges one chain three ways; :func:`gallery_table` does it for every case of
the failure gallery (:mod:`helpers.pki.gallery`). One row per chain: the step that our
validator says fails, cryptography's verdict and OpenSSL's verdict. Each gallery case fails for
exactly one reason, so our report has exactly one failed step, and both references must also
say "invalid".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pem import as_certificates, single_certificate
from ..show import Shown, Table
from .references import Verdict, cryptography_verdict, openssl_verdict
from .report import Report
from .validator import explain


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
        return Comparisons((self,))._repr_html_()

    def __repr__(self) -> str:
        return f"<Comparison {self.name}: ours {self.ours}; cryptography {self.cryptography.cell()}; " \
               f"OpenSSL {self.openssl.cell()}>"


HEADERS = ("case", "our failing step", "cryptography", "OpenSSL")


@dataclass(frozen=True)
class Comparisons(Shown):
    """Rows of comparisons that print as text and render as an HTML table."""

    rows: tuple[Comparison, ...]

    @property
    def all_agree(self) -> bool:
        return all(row.agree for row in self.rows)

    def table(self) -> Table:
        return Table(HEADERS, [r.row() for r in self.rows])

    def __repr__(self) -> str:
        return f"<Comparisons of {len(self.rows)} chains; all verdicts agree: {self.all_agree}>"


def table(comparisons) -> Comparisons:
    """Several comparisons as one table (a notebook renders it as HTML)."""
    return Comparisons(tuple(comparisons))


def compare(leaf, intermediates, anchors, host: str, at=None, *, name: str = "chain",
            expected: str = "") -> Comparison:
    """Our validator, cryptography and OpenSSL on the same chain, host and time."""
    report = explain(leaf, intermediates, anchors, host, at)
    leaf, roots = single_certificate(leaf, "the leaf"), as_certificates(anchors, "the anchors")
    inters = as_certificates(intermediates or [], "the intermediates")
    return Comparison(name, report, cryptography_verdict(leaf, inters, roots, report.host, report.at),
                      openssl_verdict(leaf, inters, roots, report.host, report.at), expected)


def compare_case(case) -> Comparison:
    """One :class:`helpers.pki.GalleryCase`, judged three ways."""
    return compare(case.leaf, case.intermediates, case.roots, case.host, getattr(case, "at", None),
                   name=case.name, expected=case.reason)


def gallery_table(cases) -> Comparisons:
    """Every gallery case (pass ``course_pki().gallery``) as one table."""
    items = cases.values() if isinstance(cases, dict) else cases
    return Comparisons(tuple(compare_case(case) for case in items))


__all__ = ["Comparison", "Comparisons", "compare", "compare_case", "gallery_table", "table"]
