"""Reading a PLAN.json strictly: a bounded file, strict JSON, and fields of the type they claim to be.

A plan comes from a team's repository, so it may be broken or hostile. :func:`read_json` opens
regular files only (a FIFO or ``/dev/zero`` would hang or fill memory), refuses files over
:data:`MAX_PLAN_BYTES`, and refuses what Python's ``json`` accepts but JSON does not (``NaN``,
``Infinity``), numbers too long to be days or shares, and nesting too deep to be a plan.

:class:`Fields` then reads one JSON object: a field is a string, a date, a number, a whole
number of days, ``true``/``false``, a list or an object, or the plan is refused with one
sentence naming the field (``releases[2].pins[0] is empty``). Nothing is coerced: ``"false"``
is not false, ``"90"`` is not 90, ``""`` is not "the default".
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import stat
import unicodedata
from pathlib import Path

from .errors import PlanFileError, shown
from .model import as_date

#: The largest plan file read, in bytes (a real plan is a few kilobytes).
MAX_PLAN_BYTES = 1_000_000
#: The longest label, key, version or pin in a plan, in characters.
MAX_TEXT = 100
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MISSING = object()


def _read_bytes(source) -> bytes:
    name = str(source)
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise PlanFileError(f"there is no plan file at {shown(name)}; check the path.") from None
    except PermissionError:
        raise PlanFileError(f"the plan file {shown(name)} cannot be read (no permission); check its "
                            "permissions.") from None
    except OSError:
        raise PlanFileError(f"the plan file {shown(name)} cannot be opened; check the path.") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise PlanFileError(f"{shown(name)} is a folder, not a plan file; name the JSON file inside it.")
        if not stat.S_ISREG(mode):
            raise PlanFileError(f"{shown(name)} is not a regular file (a device, a pipe or a socket); save the "
                                "plan to a file and name that.")
        chunks, size = [], 0
        while size <= MAX_PLAN_BYTES and (chunk := os.read(fd, MAX_PLAN_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError:
        raise PlanFileError(f"the plan file {shown(name)} cannot be read; check the file.") from None
    finally:
        os.close(fd)
    if len(data) > MAX_PLAN_BYTES:
        raise PlanFileError(f"{Path(name).name} has more than {MAX_PLAN_BYTES:,} bytes, too many for a plan "
                            "(a real one has a few thousand); check that it is the right file.")
    return data


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > 4000:
        raise PlanFileError(f"the plan contains a {digits}-digit number; its numbers are days and shares, so "
                            "write small ones.")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise PlanFileError(f"the plan contains the number {shown(text)}, too large for any field; its "
                            "numbers are days and shares, so write small ones.")
    return value


def _constant(name: str):
    raise PlanFileError(f"the plan contains {name}, which is not a JSON number; write a number such as 10 "
                        "or 0.005.")


def read_json(source) -> object:
    """The JSON value in the plan file ``source``, or :class:`PlanFileError` with one sentence."""
    data = _read_bytes(source)
    name = Path(str(source)).name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(f"{name} is not UTF-8 text (a bad byte at offset {exc.start}); save it as UTF-8 "
                            "JSON.") from None
    try:
        return json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{name} is not valid JSON ({exc.msg.lower()} at line {exc.lineno}); fix it and "
                            "try again.") from None
    except RecursionError:
        raise PlanFileError(f"{name} nests lists or objects too deeply to be a plan; see the format in "
                            "helpers/rotation/planfile.py.") from None


def _is_number(value) -> bool:
    """A JSON number: not true/false, and finite (a dict built in Python may hold NaN)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and (isinstance(value, int)
                                                                                 or math.isfinite(value))


def _kind(value) -> str:
    """What a JSON value is, as a message names it."""
    for kinds, name in ((bool, "true/false"), (str, "a string"), (int | float, "a number"),
                        (list, "a list"), (dict, "an object"), (type(None), "null")):
        if isinstance(value, kinds):
            return name
    return type(value).__name__


class Fields:
    """The fields of one JSON object in a plan, each read as one type, with errors naming the field."""

    def __init__(self, data, where: str, allowed, path: str = ""):
        """``where`` names the object in messages (``the plan``, ``releases[2]``); ``path`` prefixes fields."""
        if not isinstance(data, dict):
            raise PlanFileError(f"{where} must be a JSON object in {{ }}, not {_kind(data)}; see the format in "
                                "helpers/rotation/planfile.py.")
        unknown = sorted((key for key in data if key not in allowed), key=str)
        if unknown:
            field = f"plan field {shown(unknown[0])}" if not path else f"field {shown(unknown[0])} in {where}"
            raise PlanFileError(f"unknown {field}; the fields are {', '.join(sorted(allowed))}.")
        self.data, self.path = data, path

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def name(self, key) -> str:
        return f"{self.path}{key}"

    def _get(self, key, default, nullable: bool):
        value = self.data.get(key, default)
        if value is _MISSING:
            raise PlanFileError(f"{self.name(key)} is missing; see the format in helpers/rotation/planfile.py.")
        if value is None and not nullable and key in self.data:
            raise PlanFileError(f"{self.name(key)} is null; give it a value or leave it out.")
        return value

    def text(self, key, default=_MISSING, example: str = "C1", most: int = MAX_TEXT) -> str:
        value = self._get(key, default, False)
        return checked_text(value, self.name(key), example, most) if key in self.data else value

    def date(self, key, default=_MISSING, nullable: bool = False) -> _dt.date | None:
        value = self._get(key, default, nullable)
        return checked_date(value, self.name(key)) if value is not None and key in self.data else value

    def number(self, key, default) -> float:
        value = self._get(key, default, False)
        if not _is_number(value):
            raise PlanFileError(f"{self.name(key)} is {shown(value)}, but it must be a number; write e.g. "
                                f"{default!r}.")
        return value

    def whole(self, key, default, nullable: bool = False) -> int | None:
        value = self._get(key, default, nullable)
        if value is None:
            return None
        if not _is_number(value) or value != int(value):
            raise PlanFileError(f"{self.name(key)} is {shown(value)}, but it must be a whole number of days; "
                                f"write e.g. {default if default is not None else 90}.")
        return value

    def boolean(self, key, default: bool) -> bool:
        value = self._get(key, default, False)
        if not isinstance(value, bool):
            raise PlanFileError(f"{self.name(key)} is {shown(value)}, but it must be true or false (without "
                                "quotes).")
        return value

    def items(self, key, most: int, noun: str, fix: str) -> list:
        value = self._get(key, [], False)
        if not isinstance(value, list):
            raise PlanFileError(f"{self.name(key)} must be a JSON list (in [ ]), not {_kind(value)}; see the "
                                "format in helpers/rotation/planfile.py.")
        if len(value) > most:
            raise PlanFileError(f"{self.name(key)} lists {len(value)} {noun}, more than the {most} {noun} a plan "
                                f"may have; {fix}.")
        return value

    def fields(self, key, allowed) -> Fields:
        return Fields(self._get(key, {}, False), self.name(key), allowed, f"{self.name(key)}.")


def checked_text(value, name: str, example: str = "C1", most: int = MAX_TEXT) -> str:
    """``value`` if it is a non-empty string of at most ``most`` printable characters."""
    if not isinstance(value, str):
        raise PlanFileError(f"{name} is {shown(value)}, but it must be a string like {json.dumps(example)}.")
    if not value.strip():
        raise PlanFileError(f"{name} is empty; write a value like {json.dumps(example)}.")
    if len(value) > most:
        raise PlanFileError(f"{name} has {len(value)} characters, more than the {most} a plan allows; "
                            "shorten it.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise PlanFileError(f"{name} contains a control character ({shown(value)}); write plain text.")
    return value


def checked_date(value, name: str) -> _dt.date:
    """``value`` as a date if it is a ``YYYY-MM-DD`` string."""
    if not isinstance(value, str):
        raise PlanFileError(f"{name} is {shown(value)}, but it must be a date in quotes, like \"2026-09-01\".")
    if not value:
        raise PlanFileError(f"{name} is empty; write a date like \"2026-09-01\".")
    if not _DATE.fullmatch(value):
        raise PlanFileError(f"{name} is {shown(value)}, which is not a date written YYYY-MM-DD, like "
                            "\"2026-09-01\".")
    return as_date(value, name)
