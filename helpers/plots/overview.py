"""Lesson 00's map: the whole path of one HTTPS request, with each lesson marked on it."""

from __future__ import annotations

from . import HATCHES, course_style

#: (step, what happens, lessons that open it up)
STEPS = (
    ("Tap", "the app asks for\n/users", ("00",)),
    ("DNS", "name → address\n(can be hijacked)", ("05",)),
    ("TCP", "connect to\nport 443", ("04",)),
    ("TLS: hello +\nkey agreement", "both sides derive\na shared secret", ("04",)),
    ("TLS:\ncertificate", "server sends its\nchain (encrypted)", ("01", "02", "04")),
    ("TLS:\nvalidation", "right name? trusted\nsigner? in date?", ("03", "05")),
    ("Pin check", "is a pinned key\nin the chain?", ("06", "07", "08", "09", "10")),
    ("Encrypted\nrequest", "GET /users +\nbearer token", ("04", "05")),
    ("Data on\nscreen", "the JSON is\nshown", ("00",)),
)


def request_path():
    """Draw the path as a row of labelled boxes; return (figure, one-line summary)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyBboxPatch

    with course_style():
        fig, ax = plt.subplots(figsize=(13, 3.4))
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for i, (step, detail, lessons) in enumerate(STEPS):
            x = i * 1.45
            tls = step.startswith(("TLS", "Pin"))
            fill = to_rgba(colours[0], 0.25) if tls else "white"
            box = FancyBboxPatch((x, 0.9), 1.25, 1.2, boxstyle="round,pad=0.03", facecolor=fill,
                                 edgecolor="black", hatch=HATCHES[1] if step == "Pin check" else "")
            ax.add_patch(box)
            label_box = {"facecolor": "white", "edgecolor": "none", "pad": 1} if step == "Pin check" else None
            ax.text(x + 0.625, 1.75, step, ha="center", va="center", fontsize=9, weight="bold", bbox=label_box)
            ax.text(x + 0.625, 1.3, detail, ha="center", va="center", fontsize=8, bbox=label_box)
            ax.text(x + 0.625, 0.6, "lesson " + ", ".join(lessons), ha="center", va="center", fontsize=8)
            if i:
                ax.annotate("", xy=(x, 1.5), xytext=(x - 0.2, 1.5), arrowprops={"arrowstyle": "->"})
        ax.text(3 * 1.45, 2.35, "inside the TLS handshake (shaded; the pin check is hatched)", fontsize=8)
        ax.set_xlim(-0.1, len(STEPS) * 1.45)
        ax.set_ylim(0.4, 2.5)
        ax.axis("off")
        fig.tight_layout()
    summary = (f"One HTTPS request passes {len(STEPS)} steps, from the tap to data on screen; key "
               "agreement, the certificate, its validation and the pin check all come before the request.")
    return fig, summary
