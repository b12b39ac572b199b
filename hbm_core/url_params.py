"""A page's link, read safely: every query parameter of every page goes through :func:`parse`.

A page describes its parameters as a spec (name -> :class:`Number`, :class:`Numbers`,
:class:`Choice`, :class:`Nearest` or :class:`Flag`); :func:`parse` turns the link's strings into
values, moving what is out of range into range (to the nearest allowed value or step), and says in
one note per parameter what it changed and why. It never raises: a value it cannot read is left
out (the page keeps its default) with a note saying so. ``inf``, ``nan``, ``1e999``, empty
strings and text where a number belongs are all just values to adjust or to skip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Choice", "Flag", "Nearest", "Number", "Numbers", "align_lists", "parse"]

#: Longest parameter value read (longer ones are cut before parsing, and the note says so).
MAX_TEXT = 2000
_SHOWN = 24  # characters of a bad value quoted in a note


@dataclass(frozen=True)
class Number:
    """A number from ``lo`` to ``hi``, on a grid of ``step`` (from ``lo``), an int if ``integer``."""

    label: str
    lo: float
    hi: float
    step: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Numbers:
    """A comma-separated list of :class:`Number` items, at most ``max_len`` of them."""

    label: str
    item: Number
    max_len: int
    min_len: int = 1


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (case-insensitive); ``aliases`` map other spellings to an option."""

    label: str
    options: Sequence[str]
    aliases: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Nearest:
    """The option nearest to a number (e.g. draws), or one of the text ``words`` (e.g. "auto")."""

    label: str
    options: Sequence[float]
    words: Sequence[str] = ()


@dataclass(frozen=True)
class Flag:
    """On or off: 1/true/on/yes or 0/false/off/no."""

    label: str


Param = Number | Numbers | Choice | Nearest | Flag
_ON, _OFF = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


class _Skip(Exception):
    """The value cannot be used at all: the page keeps its own."""


def _shown(text: str) -> str:
    text = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
    return f"“{text}”"


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _number(text: str) -> float:
    """A float from link text (``inf`` allowed, to be clamped); _Skip for text and nan."""
    try:
        value = float(text.strip())
    except (ValueError, OverflowError):
        raise _Skip("is not a number") from None
    if math.isnan(value):
        raise _Skip("is not a number")
    return value


def _in_range(value: float, spec: Number) -> tuple[float | int, str | None]:
    """``value`` moved into ``spec``'s range and onto its grid, and why (None: unchanged)."""
    why = None
    if value < spec.lo or value > spec.hi:
        why = f"is outside {_fmt(spec.lo)} to {_fmt(spec.hi)}"
        value = min(max(value, spec.lo), spec.hi)
    step = spec.step if spec.step is not None else (1.0 if spec.integer else None)
    if step is not None:
        snapped = round(spec.lo + round((value - spec.lo) / step) * step, 9)
        snapped = min(max(snapped, spec.lo), spec.hi)
        if snapped != value and why is None:
            why = (
                "is not a whole number"
                if spec.integer and step == 1
                else f"is not a multiple of {_fmt(step)}"
            )
        value = snapped
    if spec.integer:
        value = int(round(value))
    return value, why


def _one(text: str, spec: Param) -> tuple[Any, str | None]:
    """The value of one parameter and a reason if it was changed; raises _Skip if unusable."""
    if isinstance(spec, Number):
        return _in_range(_number(text), spec)
    if isinstance(spec, Numbers):
        cells = [c for c in text.split(",") if c.strip()]
        if len(cells) < spec.min_len:
            raise _Skip(f"has fewer than {spec.min_len} values")
        why = None
        if len(cells) > spec.max_len:
            cells, why = cells[: spec.max_len], f"has more than {spec.max_len} values"
        values = []
        for cell in cells:
            value, cell_why = _in_range(_number(cell), spec.item)
            values.append(value)
            why = why or cell_why
        return values, why
    if isinstance(spec, Choice):
        key = text.strip().lower()
        options = {o.lower(): o for o in spec.options}
        aliases = {k.lower(): v for k, v in (spec.aliases or {}).items()}
        if key in options:
            return options[key], None
        if key in aliases:
            return aliases[key], None
        raise _Skip("is not one of " + ", ".join(spec.options[:8]) + (", …" if len(spec.options) > 8 else ""))
    if isinstance(spec, Nearest):
        key = text.strip().lower()
        if key in [w.lower() for w in spec.words]:
            return next(w for w in spec.words if w.lower() == key), None
        value = _number(text)
        clamped = min(max(value, min(spec.options)), max(spec.options))  # inf: the largest option
        nearest = min(spec.options, key=lambda o: abs(o - clamped))
        return nearest, None if nearest == value else "is not one of " + ", ".join(
            _fmt(o) for o in spec.options
        )
    if isinstance(spec, Flag):
        key = text.strip().lower()
        if key in _ON or key in _OFF:
            return key in _ON, None
        raise _Skip("is neither on (1) nor off (0)")
    raise TypeError(f"unknown parameter spec {spec!r}")


def parse(query: Mapping[str, Any], spec: Mapping[str, Param]) -> tuple[dict[str, Any], list[str]]:
    """The values of ``spec``'s parameters found in ``query`` and a note on each one adjusted or skipped.

    ``query``: the link's parameters (``st.query_params.to_dict()`` or any mapping; a list value
    counts by its last item, as Streamlit does). Parameters not in ``spec`` are ignored; those not
    in ``query`` are left out of the values. Never raises.
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name, param in spec.items():
        if name not in query:
            continue
        raw = query[name]
        try:
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            text = str(raw)
            cut = len(text) > MAX_TEXT
            text = text[:MAX_TEXT]
            value, why = _one(text, param)
        except _Skip as skip:
            notes.append(f"{param.label}: {_shown(str(raw))} {skip}, so it was left as it was.")
            continue
        except Exception as err:  # a spec or a value nobody foresaw: a note, never a traceback
            notes.append(f"{param.label}: {_shown(str(raw))} could not be read ({type(err).__name__}).")
            continue
        values[name] = value
        if why or cut:
            shown = ",".join(_fmt(v) for v in value) if isinstance(value, list) else _fmt(value)
            notes.append(f"{param.label}: {_shown(text)} {why or 'is too long'}, so {shown} is used.")
    return values, notes


def align_lists(
    values: dict[str, Any], lead: str, follow: Mapping[str, float], label: str
) -> tuple[dict[str, Any], list[str]]:
    """Give every list in ``follow`` the length of the list ``lead`` (``values`` from :func:`parse`).

    A missing or shorter list is filled with its default from ``follow``, a longer one is cut;
    without ``lead``, the followers are dropped. Returns the new values and a note on any change.
    """
    out = dict(values)
    notes: list[str] = []
    if lead not in out:
        for name in follow:
            if out.pop(name, None) is not None:
                notes.append(f"{label}: {name} without {lead} was left out.")
        return out, notes
    k = len(out[lead])
    for name, default in follow.items():
        items = list(out.get(name, []))
        if name in out and len(items) != k:
            notes.append(f"{label}: {name} has {len(items)} values for {k} groups, so it was made to fit.")
        out[name] = (items + [default] * k)[:k]
    return out, notes
