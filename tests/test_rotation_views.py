"""Lesson 07's figure, widget lab and monitoring."""

from __future__ import annotations

import datetime as dt

import matplotlib
import pytest

from helpers.rotation import (
    OutOfRangeError,
    UnknownSettingError,
    build_timeline,
    certificate_schedule,
    fixed_alerts,
    fractional_alerts,
    noise_share,
    pin_alerts,
    probe_alerts,
    scenario,
    simulate,
)

matplotlib.use("Agg")


def _drawn(result):
    """A fresh :class:`TimelineFigure` (not a cached frame) with ``result`` drawn on it, and its summary."""
    from matplotlib.figure import Figure

    from helpers.plots.rotation import TimelineFigure

    view = TimelineFigure(result.timeline.start, result.share.shape[1], len(result.timeline.releases),
                          title=result.timeline.name, fig=Figure(figsize=(10, 7.5)))
    return view.fig, view.draw(result)


def test_figure_has_four_aligned_panels_and_a_summary():
    fig, summary = _drawn(simulate(scenario("rekey-no-backup")))
    assert len(fig.axes) == 4
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    hatches = {p.get_hatch() for ax in fig.axes for p in ax.patches}
    assert "xx" in hatches                      # locked out is hatched, not colour alone
    assert summary.startswith("rekey-no-backup: 10 certificates and 53 releases over 730 days; lockout "
                              "peaks at 100.0% of users on 2027-06-01")


def test_widget_lab_redraws_on_a_control_change():
    from helpers.widgets.rotation import FIGURE_CLASS, LAB_CLASS, RotationLab

    lab = RotationLab()
    before, text = bytes(lab.image.value), lab.summary.value
    assert before.startswith(b"\xff\xd8")  # a JPEG: quicker to encode than a PNG
    assert LAB_CLASS in lab.widget._dom_classes and FIGURE_CLASS in lab.image._dom_classes
    first = lab.controls["review_days"]
    assert first.description == "Review delay (days)"
    lab.set(key_reuse=True)  # backup pin + one planned rekey
    assert bytes(lab.image.value) != before and "nobody is ever locked out" in lab.summary.value
    assert text != lab.summary.value
    with pytest.raises(UnknownSettingError, match="unknown lab control"):
        lab.set(colour="red")
    with pytest.raises(UnknownSettingError, match="unknown lab setting"):
        RotationLab(colour="red")


def test_the_lab_starts_from_its_defaults_and_offers_every_strategy():
    from helpers.pinning.strategy import Strategy
    from helpers.widgets.rotation import DEFAULTS, RotationLab

    lab = RotationLab()
    assert lab.settings() == DEFAULTS
    assert [v for _, v in lab.controls["strategy"].options] == list(Strategy)
    assert lab.controls["strategy"].label == "leaf key + backup key"
    assert RotationLab(lifetime=90, strategy="root").settings()["lifetime"] == 90


@pytest.mark.parametrize("lifetime, noisy", [(398, 0.0), (90, 0.25), (47, 0.5), (6, 1.0)])
def test_fixed_thresholds_turn_into_noise_for_short_lifetimes(lifetime, noisy):
    certs = certificate_schedule("2026-09-01", "2027-09-01", lifetime=lifetime)
    assert noise_share(fixed_alerts(certs)) == noisy
    assert noise_share(fractional_alerts(certs)) == 0.0


def test_fractional_alerts_scale_with_the_lifetime():
    (cert,) = certificate_schedule("2026-09-01", "2026-09-02", lifetime=47)
    third = [a for a in fractional_alerts([cert]) if a.rule == "1/3 of life left"][0]
    assert third.fires_on == dt.date(2026, 10, 2)          # day 31.3 of 47: 15.7 days left
    with pytest.raises(OutOfRangeError):
        fractional_alerts([cert], fractions=(1.5,))


def test_pin_alerts_warn_of_expiry_and_of_an_unpinned_rollover():
    tl = build_timeline(strategy="leaf-spki", rollovers=("2027-06-01",), pin_expiry_days=300)
    alerts = pin_alerts(tl.releases, tl.certs, on="2027-05-10", warn_days=60)
    rollover = [a for a in alerts if a.rule == "key rollover to K2"]
    assert rollover and rollover[0].note == "18 live versions lack key:K2 (v1 to v18)"
    assert any(a.rule == "pin set expires" for a in alerts)


def test_key_not_pinned_counts_the_users_of_every_version_not_only_the_newest():
    # Scenario 9: the newest releases pin K2 before the rekey, but 0.5% dormant users stay on v1.
    alerts = [a for a in probe_alerts(scenario("proactive-force-update")) if a.rule == "key not pinned"]
    assert [a.fires_on for a in alerts] == [dt.date(2027, 6, 1)] and "matches no pin of v1:" in alerts[0].note
    # With a higher target the same certificate is within it, and nothing alerts.
    assert not [a for a in probe_alerts(scenario("proactive-force-update"), target=0.01) if a.rule == "key not pinned"]
    # A backup pin in every release: no version lacks the key, so no alert.
    assert not [a for a in probe_alerts(scenario("backup-pin-rotation")) if a.rule == "key not pinned"]
    # The rekey without a backup alerts on the day the new certificate is issued, for everyone.
    first = next(a for a in probe_alerts(scenario("rekey-no-backup")) if a.rule == "key not pinned")
    assert first.fires_on == dt.date(2027, 6, 1) and "100.0% of users" in first.note


def test_lesson07_exercises_accept_the_worked_answers_and_refuse_near_misses():
    from helpers.exercises import lesson07 as ex

    assert ex.q1.feedback("2026-12-29").startswith("✓")      # 2027-03-01 minus 3 + 59 days, by hand
    assert ex.q1.feedback("2026-12-30").startswith("✗") and ex.q1.feedback("2026-12-28").startswith("✗")
    assert ex.q2.feedback(scenario("rekey-no-backup", strategy="leaf-spki+backup")).startswith("✓")
    assert ex.q2.feedback(scenario("rekey-no-backup", force_update=True)).startswith("✗")
    assert ex.q2.feedback(scenario("cert-pin-90d")).startswith("✗")
    assert [ex.q3.feedback(n)[0] for n in (64, 65, 129, 130)] == ["✗", "✓", "✓", "✗"]
    assert ex.q1.feedback(...).startswith("q1: not attempted")


def test_the_planner_agrees_with_q1s_answer():
    from helpers.exercises import lesson07 as ex
    from helpers.rotation import plan_rotation

    tl = ex.q1_timeline("2026-12-29")
    plan = plan_rotation(tl.certs, "leaf-spki", start=tl.start, end=tl.end, users=ex.Q1_USERS,
                         review_days=ex.Q1_REVIEW, target=ex.Q1_TARGET, known_from={"key:K2": tl.start})
    assert plan.changes[0].ship_by == dt.date(2026, 12, 29)


def test_keys_are_told_apart_by_hatch_and_label_never_by_a_state_hatch():
    from helpers.plots.rotation import KEY_HATCHES, STATE_STYLE

    fig, _ = _drawn(simulate(scenario("rekey-no-backup")))
    certs = fig.axes[0]
    key_hatches = [p.get_hatch() for p in certs.patches]   # K1 is plain: only K2 is a hatched patch
    assert key_hatches == [KEY_HATCHES[1]]                  # K1 and K2 look different without colour
    assert not set(key_hatches) & {h for _, h, _ in STATE_STYLE.values() if h}
    texts = {t.get_text() for t in certs.texts}
    assert {"K1 / R10", "K2 / R10"} <= texts
    assert texts - {"K1 / R10", "K2 / R10"} == {c.label for c in scenario("rekey-no-backup").certs}  # bars labelled


def test_pictures_share_a_cached_frame_and_match_a_fresh_figure():
    from helpers.plots.rotation import cached_frame, timeline_picture

    rekey, backup = simulate(scenario("rekey-no-backup")), simulate(scenario("backup-pin-rotation"))
    first, second = timeline_picture(rekey), timeline_picture(backup)
    assert first.png.startswith(b"\x89PNG") and first.png != second.png
    assert cached_frame(rekey.timeline.start, 730, 53) is cached_frame(backup.timeline.start, 730, 60)
    _, summary = _drawn(rekey)
    assert first.summary == summary and repr(first) == "<timeline figure: rekey-no-backup>"
    assert timeline_picture(rekey).png == first.png          # deterministic: same data, same bytes


def test_the_lab_gives_a_static_picture_of_what_it_shows():
    from helpers.widgets.rotation import RotationLab

    lab = RotationLab(key_reuse=True)
    picture = lab.picture("start")
    assert picture.png.startswith(b"\x89PNG") and picture.title == "start"
    assert picture.summary in lab.summary.value and "nobody is ever locked out" in picture.summary


def test_alert_report_is_a_table_then_the_noise_share():
    from helpers.rotation import alert_report

    (cert,) = certificate_schedule("2029-03-15", "2029-03-16", lifetime=47)
    lines = alert_report(fixed_alerts([cert])).splitlines()
    assert lines[0].split() == ["fires", "on", "about", "rule", "note"] and lines[1].startswith("----------  ")
    assert lines[2].split()[:2] == ["2029-03-15", "C1"] and lines[2].endswith("noise: the certificate lives only 47 days")
    assert lines[-1] == "4 alerts, 50% of them noise (they fire at issuance)"
    probes = probe_alerts(scenario("forgotten-rotation-pin-expiry"))
    assert alert_report(probes).splitlines()[-1] == f"{len(probes)} alerts"  # probes are never marked noise
    assert alert_report(fixed_alerts([cert]), limit=3).splitlines()[-2] == "... and 1 more"


def test_issue_14_figure_fixes():
    """symlog is called symlog, the 0.1% row threshold is stated, all three blues are in the legend,
    certificate bars carry their labels, and hatches are drawn thick enough to see."""
    import matplotlib

    from helpers.plots.rotation import BLUES, HATCH_WIDTH

    fig, view = _drawn(simulate(scenario("forgotten-rotation-pin-expiry")))
    labels = [ax.get_ylabel() for ax in fig.axes[:4]]
    assert "symlog" in labels[3] and "log scale" not in labels[3]
    assert "0.1%" in labels[1]
    legend = fig.legends[0]
    assert "3 blues" in legend.get_texts()[0].get_text()
    assert len(BLUES) == 3
    hatched = [p for ax in fig.axes for p in ax.patches if p.get_hatch()]
    assert hatched and all(p.get_hatch_linewidth() == HATCH_WIDTH for p in hatched)
    assert matplotlib.rcParams["hatch.linewidth"] < HATCH_WIDTH        # the default is too thin
    assert {"C1", "C2"} <= {t.get_text() for t in fig.axes[0].texts}


def test_the_lab_groups_its_new_controls_and_each_one_redraws():
    from helpers.widgets.rotation import GROUPS, RotationLab, lab_timeline

    lab = RotationLab()
    assert sorted(n for _, names in GROUPS for n in names) == sorted(lab.controls)
    assert GROUPS[0][1][0] == "review_days"                  # the browser test nudges the first slider
    for change in (dict(adoption="ios-illustrative"), dict(stores="iOS + Android"), dict(backup_keys=3),
                   dict(key_reuse=True, strategy="leaf-spki", rollback=True), dict(adoption="mixture")):
        before = lab.image.value
        lab.set(**change)
        assert lab.image.value != before, change
    assert len(lab.result.timeline.releases) > 60          # two stores: one row per store and version
    assert lab.result.summary.user_days_locked_out <= 1.0   # rollback bounds the rekey to a day
    old = lab_timeline(review_days=2, half_life_days=10, never_update=3.0, pin_expiry_days=0,
                       strategy="leaf-spki+backup", lifetime=47, key_reuse=False, force_update=False)
    assert old.name == "lab" and not old.platforms          # the old signature still works (lesson 10)
