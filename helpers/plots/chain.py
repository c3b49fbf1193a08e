"""A certificate chain as a diagram (lesson 02): root → intermediate → leaf.

Each certificate is a box with its subject, issuer and key; an arrow labelled
"signs" runs from each issuer to the certificate it signed. The root is marked
"OFFLINE" in text and with hatching, so the figure does not rely on colour.
"""

from __future__ import annotations

from cryptography import x509

from ..pem import short_name
from ..trust_store import key_label
from . import course_style


def _role(cert: x509.Certificate, position: int, count: int) -> str:
    if cert.subject == cert.issuer:
        return "ROOT (self-signed)"
    return "LEAF (end entity)" if position == count - 1 else "INTERMEDIATE CA"


def plot_chain(certs: list[x509.Certificate], *, offline_root: bool = True):
    """Draw ``certs`` as boxes from root (top) to leaf (bottom); the list may be in either order.

    Returns ``(figure, one-line summary)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    ordered = list(certs)
    if ordered and ordered[0].subject != ordered[0].issuer and ordered[-1].subject == ordered[-1].issuer:
        ordered.reverse()  # given leaf first: draw the root at the top
    count = len(ordered)
    with course_style():
        fig, ax = plt.subplots(figsize=(7.5, 1.9 * count + 0.3))
        ax.set_xlim(0, 10)
        ax.set_ylim(-0.2, 2 * count)
        ax.axis("off")
        for i, cert in enumerate(ordered):
            y = 2 * (count - 1 - i) + 0.2
            is_root = cert.subject == cert.issuer
            ax.add_patch(FancyBboxPatch((1, y), 8, 1.35, boxstyle="round,pad=0.05", linewidth=1.5,
                                        facecolor=f"C{i % 3}", alpha=0.25, edgecolor="black",
                                        hatch="///" if is_root and offline_root else ""))
            role = _role(cert, i, count)
            if is_root and offline_root:
                role += " · OFFLINE: kept in a safe, signs rarely"
            text = (f"{role}\nsubject: {short_name(cert)}\nissuer: {short_name(cert.issuer)}"
                    f"\nkey: {key_label(cert)}")
            ax.text(1.3, y + 0.67, text, va="center", ha="left", fontsize=9, family="monospace",
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.5))
            if i > 0:
                ax.annotate("", xy=(5, y + 1.42), xytext=(5, y + 2.15),
                            arrowprops=dict(arrowstyle="-|>", linewidth=1.5, color="black"))
                ax.text(5.15, y + 1.78, f"signs  ({short_name(cert.issuer)} signed this)", va="center",
                        fontsize=8.5, style="italic")
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)  # axes are off: no labels to fit
    names = " → ".join(short_name(c) for c in ordered)
    summary = (f"A chain of {count} certificates, {names}: each arrow is a signature by the key of the "
               "certificate above" + (", and the root is offline." if offline_root else "."))
    return fig, summary
