"""Small pieces of English the computed readings share: lists of names, plurals, capitals.

Every page's reading (``shrinkage_reading``, ``given_tau``, ``eight_schools``, ``baseball``) names
groups the same way, so a rule (e.g. "county" -> "counties") is written once.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["capital", "join_names", "named", "plural"]


def join_names(names: Sequence[str]) -> str:
    """``["A"]`` -> "A", ``["A", "B"]`` -> "A and B", ``["A", "B", "C"]`` -> "A, B and C"."""
    names = [str(n) for n in names]
    if not names:
        raise ValueError("no names to join")
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def plural(word: str) -> str:
    """'group' -> 'groups', 'county' -> 'counties', 'class' -> 'classes'."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def named(names: Sequence[str], word: str) -> str:
    """'group A', 'groups A and B', 'counties A, B and C'."""
    return f"{word if len(names) == 1 else plural(word)} {join_names(names)}"


def capital(text: str) -> str:
    """``text`` with its first letter in upper case (the rest untouched, unlike str.capitalize)."""
    return text[:1].upper() + text[1:]
