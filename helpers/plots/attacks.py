"""Who holds which key in lesson 05's attacks: one lane per attack, beside the genuine server.

Each lane has three boxes: the CA key that signed the certificate (and who holds it), the
certificate's own key for ``api.yourapp.com`` (and who holds it), and why the device trusts the
CA. A key the attacker holds is hatched and its box says ATTACKER, so the figure does not rely on
colour.
"""

from __future__ import annotations

from ..attacks.scenarios import ATTACKS
from ..pem import short_name
from ..pki import Attacker, course_pki
from . import course_style

#: For each lane: (CA key holder, attacker holds the CA key?, leaf key holder, why the device trusts the CA).
HOLDERS = {
    None: ("your CA (honest)", False, "you: your server", "its root ships in the system store"),
    Attacker.ROGUE_CA: ("ATTACKER: intruder in a public CA", True, "ATTACKER: the proxy",
                        "a public root in the system store"),
    Attacker.CORPORATE_PROXY: ("ATTACKER: corporate IT", True, "ATTACKER: the proxy",
                               "IT installed it (MDM profile)"),
    Attacker.GOVERNMENT_ROOT: ("ATTACKER: the government", True, "ATTACKER: the proxy",
                               "the user installed it, as told"),
    Attacker.DV_MISISSUANCE: ("your CA (honest, but fooled)", False, "ATTACKER: the traffic hijacker",
                              "your own root, in the system store"),
}


def lanes() -> list[tuple[str, str, str, bool, str, bool, str]]:
    """(lane title, CA name, CA key holder, attacker holds CA key, leaf key holder, attacker holds leaf key,
    why trusted) for the genuine server and each attack."""
    pki = course_pki()
    rows = [("genuine server", short_name(pki.intermediate.cert), *HOLDERS[None][:2], HOLDERS[None][2], False,
             HOLDERS[None][3])]
    for item in ATTACKS:
        ca_holder, ca_bad, leaf_holder, why = HOLDERS[item.attacker]
        rows.append((item.key, short_name(item.leaf().cert.issuer), ca_holder, ca_bad, leaf_holder, True, why))
    return rows


def _box(ax, x, y, text, attacker: bool) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), 3.4, 0.78, boxstyle="round,pad=0.04", linewidth=1.3,
                                facecolor="C1" if attacker else "C0", alpha=0.3 if attacker else 0.18,
                                edgecolor="black", hatch="///" if attacker else ""))
    ax.text(x + 0.12, y + 0.39, text, va="center", ha="left", fontsize=8.2,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.9, pad=1.2))


def plot_attack_keys():
    """Draw the lanes; returns ``(figure, one-line summary)``."""
    import matplotlib.pyplot as plt

    rows = lanes()
    with course_style():
        fig, ax = plt.subplots(figsize=(11, 1.05 * len(rows) + 0.6))
        ax.set_xlim(0, 13.8)
        ax.set_ylim(-0.1, len(rows) + 0.35)
        ax.axis("off")
        for x, head in ((1.8, "CA key that signed it"), (6.1, "key of the api.yourapp.com certificate"),
                        (9.9, "why the device trusts that CA")):
            ax.text(x, len(rows) + 0.12, head, fontsize=9.5, weight="bold")
        for i, (title, ca, ca_holder, ca_bad, leaf_holder, leaf_bad, why) in enumerate(rows):
            y = len(rows) - 1 - i + 0.05
            ax.text(0, y + 0.39, title, va="center", fontsize=9, weight="bold")
            _box(ax, 1.8, y, f"{ca}\nheld by: {ca_holder}", ca_bad)
            _box(ax, 6.1, y, f"signed by that CA\nheld by: {leaf_holder}", leaf_bad)
            ax.text(9.9, y + 0.39, why, va="center", fontsize=8.5, style="italic")
            ax.annotate("", xy=(6.05, y + 0.39), xytext=(5.25, y + 0.39),
                        arrowprops=dict(arrowstyle="-|>", color="black"))
            ax.text(5.35, y + 0.5, "signs", fontsize=7.5, style="italic")
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    summary = ("In every attack the attacker holds the key of a certificate for api.yourapp.com; in three it "
               "also holds the signing CA's key, and in the DV mis-issuance your own honest CA signed for it, "
               "while only the genuine server's key is yours.")
    return fig, summary
