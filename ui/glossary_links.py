"""Glossary terms defined where they first appear on a page: one helper for every page.

A page passes :func:`define` as the ``help=`` of the element (a paragraph, a header, a widget) where a
term of :mod:`hbm_core.lessons.glossary` first appears; Streamlit shows the definition as a tooltip on a
"?" next to it, which a keyboard reaches with Tab. The definitions are the glossary's own (also listed
on the *Predict, then reveal* page), so a term is defined in one place. Functions only.
"""

from __future__ import annotations

from hbm_core.lessons.glossary import GLOSSARY, term

__all__ = ["define"]

#: Where every term is listed (the tooltip ends with it).
WHERE = "All terms: the glossary at the end of the *Predict, then reveal* page."


def define(*keys: str, lead: str = "") -> str:
    """Tooltip Markdown defining the glossary terms ``keys`` (e.g. ``"tau"``, ``"rhat"``), each as its
    name in bold and its definition, after ``lead`` (the element's own help text, if it had one).

    ``KeyError`` for a key the glossary does not have (known keys: see ``GLOSSARY``).
    """
    if not keys:
        raise ValueError(f"name at least one term: {', '.join(t.key for t in GLOSSARY)}")
    parts = [lead] if lead else []
    parts += [f"**{term(key).name}.** {term(key).definition}" for key in keys]
    parts.append(f"*{WHERE}*")
    return "\n\n".join(parts)
