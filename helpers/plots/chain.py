"""Certificate chains as diagrams: one chain (lesson 02) and a cross-signed fork of paths (lesson 03).

Each certificate is a box with its subject, issuer and key; an arrow labelled
"signs" runs from each issuer to the certificate it signed. Roots are hatched and
labelled in text, so the figures do not rely on colour. :func:`plot_chain` says
where a real CA keeps its root key (offline) and, for a demo root whose key sits in
memory, says that too rather than calling it offline.
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


def plot_chain(certs: list[x509.Certificate], *, offline_root: bool = False):
    """Draw ``certs`` as boxes from root (top) to leaf (bottom); the list may be in either order.

    ``offline_root=True`` claims that the root's key really is offline (a public CA's root);
    by default the figure says only that a real CA would keep it offline, because a course
    root's key sits in memory. Returns ``(figure, one-line summary)``.
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
                                        hatch="///" if is_root else ""))
            role = _role(cert, i, count)
            if is_root:
                role += (" · OFFLINE: kept in a safe, signs rarely" if offline_root
                         else " · key in memory here; a real CA keeps it offline")
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
    where = ("the root's key is offline" if offline_root
             else "this demo root's key is in memory, where a real CA would keep it offline")
    summary = (f"A chain of {count} certificates, {names}: each arrow is a signature by the key of the "
               f"certificate above, and {where}.")
    return fig, summary


def _box(ax, x, y, text, *, hatch="", face="C0", width=4.3):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), width, 1.25, boxstyle="round,pad=0.05", linewidth=1.5,
                                facecolor=face, alpha=0.25, edgecolor="black", hatch=hatch))
    ax.text(x + 0.2, y + 0.62, text, va="center", ha="left", fontsize=8.5, family="monospace",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.2))


def _arrow(ax, start, end, style, label, *, dx=0.1, ha="left"):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", linewidth=1.6, color="black", linestyle=style))
    ax.text((start[0] + end[0]) / 2 + dx, (start[1] + end[1]) / 2, label, fontsize=8, style="italic",
            va="center", ha=ha)


def plot_cross_signed(leaf: x509.Certificate, copies: list[x509.Certificate], roots: list[x509.Certificate]):
    """Cross-signing as a fork: one leaf, two copies of its intermediate (same name, same key), two roots.

    ``copies[i]`` must be signed by ``roots[i]``. Each path gets its own line style (solid, dashed)
    and a letter, so the figure does not rely on colour. Returns ``(figure, one-line summary)``.
    """
    import matplotlib.pyplot as plt

    styles, letters = ("-", "--"), "AB"
    with course_style():
        fig, ax = plt.subplots(figsize=(10, 5.6))
        ax.set_xlim(0, 10)
        ax.set_ylim(-0.3, 6.4)
        ax.axis("off")
        _box(ax, 2.85, 0, f"LEAF\nsubject: {short_name(leaf)}\nissuer: {short_name(leaf.issuer)}"
                          f"\nkey: {key_label(leaf)}", face="C2")
        for i, (copy, root) in enumerate(zip(copies[:2], roots[:2], strict=True)):
            x = 0.2 + 5.3 * i
            _box(ax, x, 2.45, f"INTERMEDIATE, copy {letters[i]}\nsubject: {short_name(copy)}"
                              f"\nissuer: {short_name(copy.issuer)}\nkey: {key_label(copy)}", face="C0")
            _box(ax, x, 4.9, f"ROOT {letters[i]} (self-signed)\nsubject: {short_name(root)}\n"
                              f"trusted by: clients that hold root {letters[i]}", hatch="///", face="C1")
            _arrow(ax, (x + 2.1, 4.85), (x + 2.1, 3.75), styles[i], f"signs (path {letters[i]})")
            _arrow(ax, (x + 2.1, 2.4), (5.0 - 0.6 + 1.2 * i, 1.3), styles[i],
                   f"same key: verifies the leaf\n(path {letters[i]})", dx=(-0.35, 0.35)[i],
                   ha=("right", "left")[i])
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    same = all(c.subject == copies[0].subject and c.public_key() == copies[0].public_key() for c in copies)
    paths = "; ".join(f"path {letters[i]} runs {short_name(leaf)} → {short_name(c)} (signed by "
                      f"{short_name(r)}) → {short_name(r)}" for i, (c, r) in enumerate(zip(copies, roots, strict=True)))
    alike = "the same name and key" if same else "different keys"
    summary = (f"Cross-signing: two intermediate certificates with {alike} give one leaf two paths ({paths}); "
               "a client needs to trust only one of the roots.")
    return fig, summary
