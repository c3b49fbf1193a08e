"""Rotation figures for ``make bench``: the simulator's speed and the widget lab's redraw latency.

Budgets (COURSE.md): the simulator runs 3 years x 20 app versions, daily, in ≤ 5 ms; the
lab goes from a control change to a redrawn figure in ≤ 100 ms (median). Figures only.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.show import Table  # noqa: E402


def _median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def simulator_ms(repeats: int = 100, **knobs) -> float:
    """Median time of :func:`simulate` on a 3-year daily timeline with 20 app versions."""
    from helpers.rotation import build_timeline, simulate

    timeline = build_timeline(years=3, cadence_days=55, rollovers=("2027-06-01",), **knobs)  # 20 releases
    simulate(timeline)
    return _median_ms(lambda i: simulate(timeline), repeats)


def realistic_ms(repeats: int = 100) -> float:
    """The same 3 years x 20 versions with the issue-15 features: an adoption mixture, installs and churn,
    an OS cut-off, dormant users, reactive and proactive force-update, and two stores (iOS + Android)."""
    from helpers.rotation import Users, build_timeline, simulate
    from helpers.rotation.adoption import Adoption

    users = Users(adoption=Adoption.mixture(0.6, 2, 40, 0.03), installs_per_day=0.002, churn_per_day=0.001,
                  os_cutoffs=(("2027-09-01", 0.04),), dormant=0.005, force_update=True)
    timeline = build_timeline(years=3, cadence_days=55, rollovers=("2027-06-01",), users=users,
                              min_versions=(("2027-04-01", "v5"),))
    one = _median_ms(lambda i: simulate(timeline), repeats)
    two = build_timeline(years=3, cadence_days=110, rollovers=("2027-06-01",), users=users,
                         platforms=("ios", "android"))                  # 2 stores x 10 versions = 20 rows
    return one, _median_ms(lambda i: simulate(two), repeats)


def widget_ms(repeats: int = 20) -> tuple[float, float]:
    """Median latency from a slider change (review delay) to the new image, and for any control."""
    import matplotlib

    matplotlib.use("Agg")
    from helpers.widgets.rotation import RotationLab

    lab = RotationLab()
    slider = _median_ms(lambda i: lab.set(review_days=1 + i % 10), repeats)
    changes = [dict(strategy="leaf-spki+backup"), dict(pin_expiry_days=120), dict(force_update=True),
               dict(lifetime=47), dict(key_reuse=False), dict(never_update=6.0), dict(half_life_days=20),
               dict(strategy="certificate"), dict(lifetime=6), dict(strategy="intermediate"),
               dict(adoption="ios-illustrative"), dict(stores="iOS + Android"), dict(backup_keys=3),
               dict(rollback=True), dict(adoption="mixture"), dict(stores="one store")]
    mixed = _median_ms(lambda i: lab.set(**changes[i % len(changes)]), len(changes))
    return slider, mixed


def picture_ms(repeats: int = 10) -> float:
    """Median time of one of the lesson's static figures once its frame is cached (lesson 07's run time)."""
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots.rotation import timeline_picture
    from helpers.rotation import scenario, simulate

    result = simulate(scenario("rekey-no-backup"))
    timeline_picture(result)  # draws the frame once
    return _median_ms(lambda i: timeline_picture(result), repeats)


def run() -> list[tuple[str, float, str]]:
    slider, mixed = widget_ms()
    mixture, stores = realistic_ms()
    return [
        ("lesson figure over a cached frame, median", picture_ms(), "ms"),
        ("simulator, 3 years x 20 versions, daily (budget ≤ 5 ms)", simulator_ms(), "ms"),
        ("simulator, the same with force-update on", simulator_ms(force_update=True), "ms"),
        ("simulator, 3 y x 20 versions, mixture + installs + cut-off + force (≤ 5 ms)", mixture, "ms"),
        ("simulator, 3 y x (2 stores x 10 versions), per-platform curves (≤ 5 ms)", stores, "ms"),
        ("lab: slider change to new figure, median (≤ 100 ms)", slider, "ms"),
        ("lab: any control change to new figure, median", mixed, "ms"),
    ]


if __name__ == "__main__":
    print(Table(("figure", "value", "unit"), [(label, f"{value:.2f}", unit) for label, value, unit in run()]))
