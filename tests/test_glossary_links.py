"""Glossary terms defined where they first appear (ui/glossary_links.py): the tooltip text, and the
pages that carry it (AppTest)."""

from __future__ import annotations

import pytest

from hbm_core.lessons.glossary import GLOSSARY, term
from ui.glossary_links import WHERE, define

EXPLORE = "app_pages/explore.py"
SAMPLING = "app_pages/sampling.py"


def test_define_gives_each_term_its_glossary_definition_after_the_lead():
    text = define("rhat", "ess", lead="Should be below 1.01.")
    assert text.startswith("Should be below 1.01.\n\n**R-hat.** ")
    assert term("rhat").definition in text and term("ess").definition in text
    assert text.index(term("rhat").definition) < text.index(term("ess").definition)
    assert text.endswith(f"*{WHERE}*")
    assert all(term(t.key).definition in define(t.key) for t in GLOSSARY)


def test_define_refuses_unknown_or_no_terms():
    with pytest.raises(KeyError, match="no glossary term 'sigma'"):
        define("sigma")
    with pytest.raises(ValueError, match="name at least one term"):
        define()


def _helps(at) -> list[str]:
    elements = [*at.markdown, *at.header, *at.radio, *at.select_slider]
    return [e.proto.help for e in elements if getattr(e.proto, "help", "")]


def test_explore_defines_tau_pooling_factor_divergences_and_the_parameterization(open_page):
    at = open_page(EXPLORE, query={"draws": "250", "chains": "2", "seed": "7401"})
    helps = _helps(at)
    intro = next(m for m in at.markdown if m.value.startswith("Each group's data are simulated"))
    assert term("tau").definition in intro.proto.help
    why = next(m for m in at.markdown if m.value.startswith("How far partial pooling pulls a group"))
    assert term("pooling_factor").definition in why.proto.help
    assert term("divergences").definition in at.select_slider(key="target_accept").proto.help
    assert term("parameterization").definition in at.radio(key="param").proto.help
    assert sum(term("tau").definition in h for h in helps) == 1  # where it first appears, once
    sampler = next(h for h in at.header if h.value == "5 · Did the sampler work?").proto.help
    assert term("rhat").definition in sampler and term("divergences").definition not in sampler


@pytest.mark.slow
def test_sampling_lesson_defines_divergences_forms_and_the_diagnostics(open_page):
    at = open_page(SAMPLING)
    intro = next(m for m in at.markdown if m.value.startswith("The most common question"))
    for key in ("divergences", "parameterization", "tau"):
        assert term(key).definition in intro.proto.help
    read = next(h for h in at.header if h.value.startswith("4 · The diagnostics"))
    assert term("rhat").definition in read.proto.help and term("ess").definition in read.proto.help


def test_eight_schools_defines_tau_on_its_introduction(open_page):
    at = open_page("app_pages/eight_schools.py")
    intro = next(m for m in at.markdown if m.value.startswith("Eight high schools each ran"))
    assert term("tau").definition in intro.proto.help
