"""Pinning on each mobile platform: read, write, lint and model its configuration (lesson 08).

One module per platform, each with the same parts over the shared :class:`~.policy.Policy`:

* ``parse(text) -> Policy``: the platform's file, with line numbers;
* ``generate(policy) -> str``: the file (or code) that ships a neutral policy on that platform;
* ``lint(policy, today=None, chain=None) -> list[Finding]``: mistakes that lock users out or turn
  pinning off, and, given the chain the server serves, whether any pin matches it;
* ``match(policy, host) -> DomainRule | None``: which rule the platform applies to a host;
* ``model(policy, host, chain, roots, user_roots=(), at=None) -> Decision``: would the app connect?

The rules each model follows, with their sources, are in docs/platform-rules.md.
"""

from __future__ import annotations

from types import ModuleType

from . import android, dart, ios, okhttp, trustkit
from .policy import (
    PLATFORM_NAMES,
    ConfigError,
    Decision,
    DomainRule,
    Finding,
    PinEntry,
    Policy,
    PolicyFileError,
    Severity,
    findings_table,
    policy_from_json,
)

__all__ = [
    "MODULES", "PLATFORM_NAMES", "ConfigError", "Decision", "DomainRule", "Finding", "PinEntry", "Policy",
    "PolicyFileError", "Severity", "UnknownPlatformError",
    "detect", "findings_table", "module", "policy_from_json",
]

#: Platform name -> its module, in the lesson's order.
MODULES: dict[str, ModuleType] = {m.NAME: m for m in (android, ios, trustkit, okhttp, dart)}


class UnknownPlatformError(ConfigError):
    """A platform name that is not one of android, ios, trustkit, okhttp and dart."""


def module(name: str) -> ModuleType:
    """The module of a platform, by name."""
    try:
        return MODULES[str(name).lower()]
    except KeyError:
        raise UnknownPlatformError(f"unknown platform {name!r}; use one of {', '.join(MODULES)}") from None


def detect(text: str | bytes) -> str:
    """The platform a configuration file is for, judged by its content; raise ConfigError if none."""
    for name, mod in MODULES.items():
        if mod.looks_like(text):
            return name
    raise ConfigError("this is no pinning configuration the course knows (Android network security config, "
                      "an Info.plist with NSPinnedDomains or TrustKit, Kotlin with CertificatePinner, or Dart); "
                      "name the platform with --platform")
