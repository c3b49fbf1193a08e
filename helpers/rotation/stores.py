"""Stores and platforms: review per platform, phased or staged rollout, rejection, and pin-set expiry.

An app usually ships the same version to two stores, and they differ in what matters here:

* **review delay**: days from submission until the release may go live (assumptions, not measurements:
  use your own store console's numbers);
* **phased or staged rollout**: the App Store's phased release offers an update to automatic updaters
  over 7 days; Play's staged rollout to a percentage the team raises. The model shifts automatic
  adoption by ``rollout_days``, the day the ramp reaches about half its audience (a simplification);
* **rejection**: with probability ``reject_chance`` a submission is rejected and goes live
  ``resubmit_days`` later. Which releases are rejected is decided by a hash of the platform and version,
  so a timeline gives the same result on every run;
* **pin-set expiry**: only some pinning mechanisms have one (:data:`EXPIRY`). Android's network security
  config (``<pin-set expiration="2027-06-01">``, an absolute date written into the XML) and TrustKit
  (``kTSKExpirationDate``) switch pinning off after it; iOS ``NSPinnedDomains``, OkHttp's
  ``CertificatePinner`` and Dart's ``badCertificateCallback`` checks have no expiry at all, so a
  release's expiry date is ignored there.

Pins are fixed at **submission**, not at branch cut and not at going live: the simulator reads them
from the release as submitted, whatever the platform delays. The simulation itself (one run per
platform, stacked into one result) is :func:`helpers.rotation.model.simulate_platforms`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import zlib
from dataclasses import dataclass

from .adoption import example
from .errors import UnknownSettingError, UsersError, shown

#: Which pinning mechanisms have a pin-set expiry (see lesson 08's platform models).
EXPIRY = {"android-nsc": True, "trustkit": True, "ios-nsPinnedDomains": False, "okhttp": False, "dart": False}


@dataclass(frozen=True)
class Platform:
    """One store and pinning mechanism, and the share of users on it."""

    name: str
    share: float
    pinning: str
    review_days: int = 2
    rollout_days: int = 0
    reject_chance: float = 0.0
    resubmit_days: int = 2
    adoption: object = None        # this store's curve, used when the users have none of their own

    def __post_init__(self) -> None:
        if self.pinning not in EXPIRY:
            raise UnknownSettingError(f"pinning {shown(self.pinning)} is not one of {', '.join(EXPIRY)}.")
        if not 0 < self.share <= 1 or not 0 <= self.reject_chance <= 1:
            raise UsersError(f"platform {self.name}: share and reject_chance are shares between 0 and 1.")

    @property
    def has_expiry(self) -> bool:
        return EXPIRY[self.pinning]

    def rejected(self, version: str) -> bool:
        """Whether this platform's review rejects ``version`` once (deterministic, from a hash)."""
        return zlib.crc32(f"{self.name}/{version}".encode()) / 2 ** 32 < self.reject_chance

    def live(self, release, start: _dt.date) -> _dt.date:
        """When ``release`` reaches this platform's automatic updaters."""
        if release.live <= start:
            return release.live                      # already out when the timeline starts
        days = self.review_days + self.rollout_days + (self.resubmit_days if self.rejected(release.version) else 0)
        return release.submitted + _dt.timedelta(days=days)


def _adoption(name: str):
    return example(name)


def platform(name: str, share: float = 0.5, **changes) -> Platform:
    """A preset: ``"ios"`` (NSPinnedDomains, no expiry), ``"android"`` (network security config),
    ``"trustkit"`` (iOS with TrustKit), ``"okhttp"`` (Android with OkHttp) or ``"flutter"`` (Dart)."""
    presets = {
        "ios": dict(name="iOS", pinning="ios-nsPinnedDomains", review_days=1, rollout_days=6, reject_chance=0.1,
                    resubmit_days=2, adoption="ios-illustrative"),
        "trustkit": dict(name="iOS (TrustKit)", pinning="trustkit", review_days=1, rollout_days=6,
                         reject_chance=0.1, resubmit_days=2, adoption="ios-illustrative"),
        "android": dict(name="Android", pinning="android-nsc", review_days=2, rollout_days=3, reject_chance=0.05,
                        resubmit_days=2, adoption="android-illustrative"),
        "okhttp": dict(name="Android (OkHttp)", pinning="okhttp", review_days=2, rollout_days=3,
                       reject_chance=0.05, resubmit_days=2, adoption="android-illustrative"),
        "flutter": dict(name="Flutter (Dart)", pinning="dart", review_days=2, rollout_days=3, reject_chance=0.05,
                        resubmit_days=2, adoption="android-illustrative"),
    }
    if name not in presets:
        raise UnknownSettingError(f"unknown platform {shown(name)}; use one of {', '.join(presets)}.")
    values = {**presets[name], **changes}
    if isinstance(values["adoption"], str):
        values["adoption"] = _adoption(values["adoption"])
    return Platform(share=share, **values)


def as_platforms(items) -> tuple[Platform, ...]:
    """Platforms from presets' names or :class:`Platform` objects; shares are normalised to add up to 1."""
    out = [p if isinstance(p, Platform) else platform(p) for p in items]
    total = sum(p.share for p in out)
    return tuple(dataclasses.replace(p, share=p.share / total) for p in out)
