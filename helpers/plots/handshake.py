"""Lesson 04's sequence diagram: a TLS 1.3 handshake, and what the client checks before its Finished.

Messages sent in clear are solid arrows; encrypted ones are dashed, sit on a dotted band
and say "encrypted" in their label; a key under the lifelines says so in words. Who sends
is shown by the arrow's direction and the side its flight number sits on, so no meaning
rests on colour alone.
"""

from __future__ import annotations

from ..tls.names import Sender
from . import HATCHES, course_style

#: (flight, sender, message, what it carries, encrypted?)
TLS13_FLOW = (
    (1, Sender.CLIENT, "ClientHello", "SNI api.yourapp.com, cipher suites, key share", False),
    (2, Sender.SERVER, "ServerHello", "chosen suite, server key share", False),
    (2, Sender.SERVER, "EncryptedExtensions", "ALPN http/1.1", True),
    (2, Sender.SERVER, "Certificate", "leaf + intermediate", True),
    (2, Sender.SERVER, "CertificateVerify", "leaf key signs the transcript", True),
    (2, Sender.SERVER, "Finished", "MAC over the transcript", True),
    (3, Sender.CLIENT, "Finished", "MAC over the transcript", True),
    (3, Sender.CLIENT, "application data", "GET /users + bearer token, right behind Finished", True),
    (4, Sender.SERVER, "NewSessionTicket (x2)", "tickets to resume later", True),
    (5, Sender.SERVER, "application data", "200 OK + JSON", True),
)

#: What the client checks before it sends its Finished: three questions of the certificate, then
#: the server's proof of key possession and its MAC.
QUESTIONS = ("Right name? (SAN has api.yourapp.com)", "Trusted signer? (chain ends at a trusted root)",
             "In date? (now within notBefore..notAfter)",
             "Signature? (CertificateVerify: the leaf key signed the transcript)",
             "Server Finished? (its MAC over the transcript matches)")


def sequence_diagram(flow=TLS13_FLOW, questions=QUESTIONS):
    """Draw client and server lifelines with one arrow per message; return (figure, summary)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

    left, right, step = 0.0, 10.0, 0.62
    with course_style():
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        fig, ax = plt.subplots(figsize=(10, 8.4))
        for x, name in ((left, "Client (the app)"), (right, "Server (api.yourapp.com)")):
            ax.text(x, 0.1, name, ha="center", va="bottom", weight="bold")
        y = -step
        for index, (flight, sender, message, detail, encrypted) in enumerate(flow):
            if index and flow[index - 1][1] is Sender.SERVER and sender is Sender.CLIENT and flow[index - 1][0] == 2:
                y = _questions(ax, y, left, step, questions, colours, FancyBboxPatch)
            start, end = (left, right) if sender is Sender.CLIENT else (right, left)
            if encrypted:
                ax.add_patch(Rectangle((left + 0.3, y - 0.16), right - left - 0.6, 0.22, facecolor="none",
                                       edgecolor="0.6", hatch=HATCHES[2], linewidth=0))
            ax.add_patch(FancyArrowPatch((start, y), (end, y), arrowstyle="-|>", mutation_scale=12,
                                         color=colours[0 if sender is Sender.CLIENT else 1],
                                         linestyle="--" if encrypted else "-", linewidth=1.6))
            label = f"{message}: {detail}" + ("  [encrypted]" if encrypted else "  [clear]")
            ax.text((left + right) / 2, y + 0.06, label, ha="center", va="bottom", fontsize=8.5)
            ax.text(left - 0.35 if sender is Sender.CLIENT else right + 0.35, y, f"flight {flight}",
                    ha="right" if sender is Sender.CLIENT else "left", va="center", fontsize=8)
            y -= step
        for x in (left, right):
            ax.plot([x, x], [0, y + step / 2], color="black", linewidth=1)
        _key(ax, y, left, right, colours, Rectangle)
        ax.set_xlim(left - 2.2, right + 2.2)
        ax.set_ylim(y - step * 0.9, 0.8)
        ax.axis("off")
        fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    encrypted = sum(1 for row in flow if row[4])
    summary = (f"A TLS 1.3 connection in {len(flow)} arrows: only the two hellos travel in clear, the "
               f"other {encrypted} (including the certificate) are encrypted; the client makes "
               f"{len(questions)} checks (name, signer, dates, CertificateVerify, the server's Finished) "
               "before it sends its Finished, and its request can follow in the same flight.")
    return fig, summary


def _questions(ax, y, left, step, questions, colours, box_cls):
    """The client's checks, drawn as a note on its lifeline; returns the next free y."""
    height = 0.32 * len(questions) + 0.3
    ax.add_patch(box_cls((left + 0.3, y - height + 0.15), 6.8, height, boxstyle="round,pad=0.05",
                         facecolor="white", edgecolor=colours[0], linewidth=1.2))
    ax.text(left + 0.5, y, "Client checks, before its Finished:", fontsize=8.5, weight="bold", va="center")
    for number, question in enumerate(questions, 1):
        ax.text(left + 0.6, y - 0.32 * number, f"{number}. {question}", fontsize=8.5, va="center")
    return y - height - step * 0.4


def _key(ax, y, left, right, colours, rect_cls):
    """A key below the lifelines, in words and line styles, so no meaning rests on colour."""
    y -= 0.3
    ax.plot([left + 0.3, left + 1.5], [y, y], color="black", linewidth=1.6)
    ax.text(left + 1.7, y, "solid arrow: sent in clear", va="center", fontsize=8.5)
    start = (left + right) / 2 + 0.3
    ax.add_patch(rect_cls((start, y - 0.11), 1.2, 0.22, facecolor="none", edgecolor="0.6",
                          hatch=HATCHES[2], linewidth=0))
    ax.plot([start, start + 1.2], [y, y], color="black", linewidth=1.6, linestyle="--")
    ax.text(start + 1.4, y, "dashed arrow, dotted band: encrypted", va="center", fontsize=8.5)
