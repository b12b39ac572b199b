"""The pages' words for colours hold in both themes (issue #20): in the dark theme palette.on_dark draws
black marks (sample means, published values, reference rules) light grey and the dark-grey line light
grey, so no text the pages show may call a mark black or dark; they name it by its shape instead.

Every string literal of the page, UI and lesson modules is read (docstrings excepted: they are not
shown), so a new caption cannot bring the word back unnoticed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hbm_core.viz.palette import DARK_VARIANTS, FIT_COLORS, MEAN_COLOR

ROOT = Path(__file__).resolve().parents[1]
SHOWN = sorted(p for folder in ("app_pages", "ui", "hbm_core/lessons") for p in (ROOT / folder).rglob("*.py"))
# Words that are true in the light theme only, for colours the dark theme swaps (DARK_VARIANTS).
FALSE_IN_DARK = re.compile(
    r"\bblack\b|\bdark(?:[- ]grey|[- ]gray)?\s+(?:line|tick|rule|mark|square|dot)s?\b", re.I
)


def shown_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal in ``path`` except docstrings (f-strings' literal parts too)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_swapped_colours_are_the_ones_the_words_name():
    assert MEAN_COLOR in DARK_VARIANTS and FIT_COLORS["pooled"] in DARK_VARIANTS


def test_the_pattern_catches_what_it_should():
    bad = ["the black tick is the mean", "Black ticks mark", "the dark line is the fit", "a dark grey square"]
    good = ["the tick is the mean", "the grey line is the fit", "in the dark theme", "a dark background"]
    assert all(FALSE_IN_DARK.search(t) for t in bad)
    assert not any(FALSE_IN_DARK.search(t) for t in good)


@pytest.mark.parametrize("path", SHOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_shown_text_calls_a_mark_black_or_dark(path):
    hits = [(line, text) for line, text in shown_strings(path) if FALSE_IN_DARK.search(text)]
    assert not hits, f"{path.relative_to(ROOT)}: words false in the dark theme: {hits}"
