"""Lesson 07's interactive lab: move a control, watch lockouts appear or vanish.

The lab is a thin layer over :func:`helpers.rotation.build_timeline`, :func:`helpers.rotation.simulate`
and :class:`helpers.plots.rotation.TimelineFigure`. Every control change rebuilds the timeline,
re-runs the model and repaints only the data over the figure's saved frame into an
``ipywidgets.Image`` (800 x 600 pixels, JPEG: quick to encode). The thirteen controls sit in three
groups (:data:`GROUPS`): users and stores, server and pins, safety nets. :meth:`RotationLab.picture` draws
the same timeline as a static PNG, for pages that cannot run widgets.

For browser tests: the lab's outer box has the CSS class ``rotation-lab``; its figure is
the ``<img>`` inside the ``Image`` widget with class ``rotation-lab-figure``; the first
slider is the ``IntSlider`` described "Review delay (days)". Nudging that slider changes
the image's ``src``. For benchmarks: :meth:`RotationLab.set` applies a change exactly as a
control would, and returns when the new image is in place.
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.figure import Figure

from ..pinning.strategy import Strategy
from ..plots.rotation import TimelineFigure, TimelinePicture, timeline_picture
from ..rotation.adoption import Adoption, example
from ..rotation.errors import UnknownSettingError
from ..rotation.model import Users, simulate
from ..rotation.scenarios import BUMP_DAY, K2_FROM, LIFETIMES, REKEY_DAY, START, build_timeline, pins_for

LAB_CLASS, FIGURE_CLASS = "rotation-lab", "rotation-lab-figure"
YEARS = 2
#: The lab's starting point (the only place it is set): 47-day certificates, a new key at every
#: renewal, and a backup pin.
DEFAULTS = dict(review_days=2, half_life_days=10, never_update=3.0, pin_expiry_days=0,
                strategy=Strategy.LEAF_SPKI_BACKUP, lifetime=47, key_reuse=False, force_update=False,
                adoption="half-life", stores="one store", backup_keys=1, rollback=False, proactive=False)
#: The adoption menu: a label and how to build the curve (None: the half-life and never-update sliders).
ADOPTION = {"half-life": "one half-life (the sliders)", "mixture": "fast head + slow tail (60% at 2 d, 40% at 40 d)",
            "ios-illustrative": "iOS curve (illustrative CSV)", "android-illustrative": "Android curve (illustrative CSV)"}
STORES = {"one store": (), "iOS + Android": ("ios", "android"), "iOS (TrustKit) + Android (OkHttp)":
          ("trustkit", "okhttp")}


def _users(adoption: str, half_life_days, never_update: float, force_update: bool) -> Users:
    if adoption == "half-life":
        return Users(half_life_days, never_update / 100, force_update)
    curve = (Adoption.mixture(0.6, 2, 40, never_update / 100) if adoption == "mixture" else example(adoption))
    return Users(adoption=curve, force_update=force_update)


def lab_timeline(*, review_days, half_life_days, never_update, pin_expiry_days, strategy, lifetime,
                 key_reuse, force_update, adoption="half-life", stores="one store", backup_keys=1, rollback=False,
                 proactive=False):
    """The timeline the lab shows for these control values (``never_update`` in percent).

    With a curve chosen, the half-life slider is ignored (and so is never-update for the CSV curves,
    which carry their own); with two stores, each store uses its own review delay and illustrative curve.
    ``proactive`` prepares the planned rekey (with key reuse) as scenario 9 does: releases built from
    :data:`K2_FROM` add the next key, and on :data:`BUMP_DAY` the minimum version becomes the first of them.
    """
    knobs = dict(strategy=strategy, lifetime=lifetime, key_reuse=key_reuse,
                 rollovers=(REKEY_DAY,) if key_reuse else (), review_days=review_days,
                 pin_expiry_days=pin_expiry_days or None, years=YEARS, name="lab",
                 users=_users(adoption, half_life_days, never_update, force_update),
                 platforms=STORES[stores], backup_keys=backup_keys, rollback_hours=4 if rollback else None)
    if proactive and key_reuse:
        certs = build_timeline(**{**knobs, "platforms": ()}).certs

        def pins(day):
            served = [c for c in certs if c.deployed <= max(day, START)][-1]
            extra = {"key:K2"} if K2_FROM <= day < REKEY_DAY else set()
            return pins_for(strategy, served, backups=backup_keys) | extra

        first = next(r.version for r in build_timeline(**{**knobs, "platforms": (), "pins": pins}).releases
                     if r.submitted >= K2_FROM)
        return build_timeline(**knobs, pins=pins, min_versions=((BUMP_DAY, first),))
    return build_timeline(**knobs)


def _controls(start: dict) -> dict[str, w.ValueWidget]:
    """The thirteen controls, each set to its value in ``start``."""
    style, wide = {"description_width": "190px"}, w.Layout(width="420px")
    right = {"style": {"description_width": "120px"}, "layout": w.Layout(width="420px")}
    slider = dict(style=style, layout=wide, continuous_update=False)
    box = dict(indent=False, layout=w.Layout(width="420px"))
    return {
        "review_days": w.IntSlider(start["review_days"], 0, 14, description="Review delay (days)", **slider),
        "half_life_days": w.IntSlider(start["half_life_days"], 1, 60, description="Update half-life (days)",
                                      **slider),
        "never_update": w.FloatSlider(start["never_update"], min=0, max=10, step=0.5,
                                      description="Never-update share (%)", **slider),
        "pin_expiry_days": w.IntSlider(start["pin_expiry_days"], 0, 365, step=15,
                                       description="Pin-set expiry (days, 0 = off)", **slider),
        "strategy": w.Dropdown(options=[(s.description, s) for s in Strategy], value=start["strategy"],
                               description="Pin strategy", **right),
        "lifetime": w.Dropdown(options=list(LIFETIMES.items()), value=start["lifetime"],
                               description="Cert lifetime", **right),
        "key_reuse": w.Checkbox(start["key_reuse"], description="Reuse the key at renewal (one planned rekey)",
                                **box),
        "force_update": w.Checkbox(start["force_update"], description="Force-update check on an unpinned "
                                   "endpoint (reactive)", **box),
        "adoption": w.Dropdown(options=[(label, key) for key, label in ADOPTION.items()], value=start["adoption"],
                               description="Adoption", **right),
        "stores": w.Dropdown(options=list(STORES), value=start["stores"], description="Stores", **right),
        "backup_keys": w.IntSlider(start["backup_keys"], 1, 4, description="Backup keys (+backup only)",
                                   **slider),
        "rollback": w.Checkbox(start["rollback"], description="Roll back a planned rekey that locks out > 1% "
                               "(after 4 h)", **box),
        "proactive": w.Checkbox(start["proactive"], description="Prepare the planned rekey: next key from March, "
                                "minimum version bumped mid-April", **box),
    }


#: The groups the lab shows its controls in: (heading, control names).
GROUPS = (("Users and stores", ("review_days", "half_life_days", "never_update", "adoption", "stores")),
          ("Server and pins", ("strategy", "lifetime", "key_reuse", "backup_keys", "pin_expiry_days")),
          ("Safety nets", ("force_update", "proactive", "rollback")))


class RotationLab:
    """The widget lab; display it in a notebook cell, or drive it with :meth:`set`.

    ``RotationLab()`` starts from :data:`DEFAULTS`; ``RotationLab(lifetime=90)`` from other values.
    """

    def __init__(self, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise UnknownSettingError(f"unknown lab setting {sorted(unknown)[0]!r}; use one of "
                                      f"{', '.join(DEFAULTS)}.")
        self.controls = _controls({**DEFAULTS, **settings})
        self.views: dict[int, TimelineFigure] = {}
        self.view = self._view(60)
        self.result = None
        self.image = w.Image(format="jpeg", layout=w.Layout(width="800px"))
        self.image.add_class(FIGURE_CLASS)
        self.summary = w.HTML()
        self.redraw()
        for control in self.controls.values():
            control.observe(self.redraw, names="value")
        columns = [w.VBox([w.HTML(f"<b>{html.escape(title)}</b>"), *(self.controls[n] for n in names)])
                   for title, names in GROUPS]
        self.widget = w.VBox([w.HBox([columns[0], w.VBox([columns[1], columns[2]])]), self.image, self.summary])
        self.widget.add_class(LAB_CLASS)

    def _view(self, versions: int) -> TimelineFigure:
        """A frame with room for ``versions`` rows: 60 for one store, 120 for two (each drawn once)."""
        rows = 60 if versions <= 60 else 120
        if rows not in self.views:
            self.views[rows] = TimelineFigure(START, 365 * YEARS, rows, title="Rotation lab",
                                              fig=Figure(figsize=(10, 7.5), dpi=80))
        return self.views[rows]

    def settings(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def timeline(self):
        return lab_timeline(**self.settings())

    def redraw(self, change=None) -> None:
        self.result = simulate(self.timeline())
        self.view = self._view(len(self.result.timeline.releases))
        self.summary.value = f"<p>{html.escape(self.view.draw(self.result))}</p>"
        self.image.value = self.view.render("jpeg")

    def picture(self, title: str = "The rotation lab") -> TimelinePicture:
        """The lab's current timeline as a static PNG (what the page shows where widgets cannot run)."""
        return timeline_picture(self.result, title=title)

    def set(self, **changes) -> None:
        """Change controls as a learner would; returns once the figure has been redrawn."""
        for name, value in changes.items():
            if name not in self.controls:
                raise UnknownSettingError(f"unknown lab control {name!r}; use one of "
                                          f"{', '.join(self.controls)}.")
            self.controls[name].value = value

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
