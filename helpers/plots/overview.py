"""Lesson 00's map: the whole path of one HTTPS request, with each lesson marked on it."""

from __future__ import annotations

from . import HATCHES, course_style

#: (step, what happens, lessons that open it up)
STEPS = (
    ("Tap", "the app asks for\n/users", ("00",)),
    ("DNS", "name → address\n(can be hijacked)", ("05",)),
    ("TCP", "connect to\nport 443", ("04",)),
    ("TLS: hello +\nkey agreement", "fresh key shares →\na shared secret", ("04",)),
    ("TLS:\ncertificate", "server sends its chain,\nsigns the handshake", ("01", "02", "04")),
    ("TLS:\nvalidation", "right name? trusted\nsigner? in date?", ("03", "05")),
    ("Pin check", "is a pinned key in\nthe validated chain?", ("06", "07", "08", "09", "10")),
    ("Encrypted\nrequest", "GET /users +\nbearer token", ("04", "05")),
    ("Data on\nscreen", "the JSON is\nshown", ("00",)),
)

#: The steps inside the TLS handshake (shaded), and the one that runs during it or right after (hatched).
HANDSHAKE = tuple(step for step, _, _ in STEPS if step.startswith("TLS"))
PIN_CHECK = "Pin check"

SUMMARY = (f"One HTTPS request passes {len(STEPS)} steps, from the tap to data on screen. Key agreement, the "
           "certificate and its validation happen inside the TLS handshake; the pin check runs during it or "
           "right after it; a correct client finishes every check before it sends the request.")

_WIDTH, _STEP = 1.25, 1.45  # a box's width, and the distance from one box to the next


def _bracket(ax, first: int, last: int, text: str) -> None:
    """A labelled bracket above boxes ``first`` to ``last``."""
    left, right = first * _STEP, last * _STEP + _WIDTH
    ax.plot([left, left, right, right], [2.2, 2.3, 2.3, 2.2], color="black", linewidth=1)
    ax.text((left + right) / 2, 2.38, text, ha="center", va="bottom", fontsize=8)


def request_path():
    """Draw the path as a row of labelled boxes; return (figure, one-line summary)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyBboxPatch

    with course_style():
        fig, ax = plt.subplots(figsize=(13, 3.6))
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for i, (step, detail, lessons) in enumerate(STEPS):
            x = i * _STEP
            pin = step == PIN_CHECK
            fill = to_rgba(colours[0], 0.25) if step in HANDSHAKE else "white"
            box = FancyBboxPatch((x, 0.9), _WIDTH, 1.2, boxstyle="round,pad=0.03", facecolor=fill,
                                 edgecolor="black", hatch=HATCHES[1] if pin else "")
            ax.add_patch(box)
            label_box = {"facecolor": "white", "edgecolor": "none", "pad": 1} if pin else None
            ax.text(x + _WIDTH / 2, 1.75, step, ha="center", va="center", fontsize=9, weight="bold",
                    bbox=label_box)
            ax.text(x + _WIDTH / 2, 1.3, detail, ha="center", va="center", fontsize=7.5, bbox=label_box)
            ax.text(x + _WIDTH / 2, 0.6, "lesson " + ", ".join(lessons), ha="center", va="center", fontsize=8)
            if i:
                ax.annotate("", xy=(x, 1.5), xytext=(x - 0.2, 1.5), arrowprops={"arrowstyle": "->"})
        first = next(i for i, (step, _, _) in enumerate(STEPS) if step in HANDSHAKE)
        pin = next(i for i, (step, _, _) in enumerate(STEPS) if step == PIN_CHECK)
        _bracket(ax, first, pin - 1, "inside the TLS handshake (shaded)")
        _bracket(ax, pin, pin, "during or right after\nthe handshake (hatched)")
        gap = pin * _STEP + _WIDTH + (_STEP - _WIDTH) / 2  # between the pin check and the request
        ax.plot([gap, gap], [0.75, 2.2], color="black", linestyle="--", linewidth=1)
        ax.text(gap, 0.3, "every check ends at the dashed line, before the request is sent",
                ha="center", va="center", fontsize=8, style="italic")
        ax.set_xlim(-0.1, len(STEPS) * _STEP)
        ax.set_ylim(0.05, 2.75)
        ax.axis("off")
        fig.tight_layout()
    return fig, SUMMARY
