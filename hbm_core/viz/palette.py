"""The app's colours: one colour per kind of pooling, identical on every chart.

All colours come from the Okabe–Ito palette (Okabe & Ito 2008), which stays
distinguishable under the common colour-vision deficiencies, and were picked to
survive a washed-out classroom projector:

- complete pooling: dark grey. One number for every group, a neutral "everyone
  is the same" colour; drawn as a dashed rule so it never needs colour alone.
- no pooling: blue. Each group on its own (close to the group's sample mean).
- partial pooling: vermillion. The hierarchical model, the star of the app.
  Blue versus vermillion is the most robust pair for every kind of colour blindness.
- the true mean (simulated data only): bluish green, always as a diamond.
- raw observations: light grey, so the fits stand out on top of them.

Pages never pick colours of their own for these five things.

Classroom mode (a projector, which washes colours out) draws with darker variants of the
colours that reach less than 4.5:1 contrast against white (:data:`PROJECTOR_VARIANTS`,
:func:`for_projector`): same hue, so a colour still means the same thing.
"""

from __future__ import annotations

FITS = ("pooled", "unpooled", "hierarchical")

FIT_LABELS = {
    "pooled": "Complete pooling",
    "unpooled": "No pooling",
    "hierarchical": "Partial pooling",
}

FIT_COLORS = {
    "pooled": "#4D4D4D",  # dark grey
    "unpooled": "#0072B2",  # Okabe–Ito blue
    "hierarchical": "#D55E00",  # Okabe–Ito vermillion
}

TRUE_COLOR = "#009E73"  # Okabe–Ito bluish green
DATA_COLOR = "#8C8C8C"  # light grey, for individual observations
MEAN_COLOR = "#000000"  # a group's sample mean, drawn over its observations

# Divergent transitions in the funnel plot: a strong purple (Paul Tol's "bright" purple,
# also colour-blind safe) that no fit uses and that stays vivid on a projector.
DIVERGENT_COLOR = "#AA3377"

# MCMC chains (trace and rank plots): Okabe–Ito colours not used by the fits.
CHAIN_COLORS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#F0E442", "#000000")

# Other categorical series (e.g. several parameters on one density chart): Okabe–Ito
# colours other than the fit colours, so a parameter never looks like a kind of pooling.
SERIES_COLORS = ("#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#000000", "#F0E442")

# Classroom mode: darker variants (same hue) of the colours below 4.5:1 against white, the contrast
# WCAG asks of text; a projector loses much of a screen's contrast. The normal palette is unchanged.
PROJECTOR_VARIANTS = {
    FIT_COLORS["hierarchical"]: "#B84F00",  # vermillion, 3.9:1 -> 5.1:1
    TRUE_COLOR: "#007A59",  # bluish green, 3.4:1 -> 5.4:1
    DATA_COLOR: "#666666",  # grey observations, 3.4:1 -> 5.7:1
}


def for_projector(colour: str) -> str:
    """The classroom (projector) variant of ``colour``: darker if it is too light, else itself."""
    return PROJECTOR_VARIANTS.get(colour.upper(), colour)


# Streamlit's dark theme (Settings -> Theme, or the system's setting): the colours below 3:1 against a
# dark background (#0E1117), the contrast WCAG asks of graphics, get light variants of the same hue
# (the light theme's text colour becomes the dark theme's). Computed contrast on #0E1117: black 1.2:1 ->
# 13.6:1, dark grey 2.1:1 -> 9.1:1, ink 1.1:1 -> 15.6:1; every other palette colour is above 3:1 there.
DARK_VARIANTS = {
    MEAN_COLOR: "#E0E0E0",  # sample means, the diagonal, expected counts
    FIT_COLORS["pooled"]: "#BDBDBD",  # complete pooling
    "#1A1A1A": "#F0F0F0",  # the charts' ink (text marks, the non-centered form)
}


def on_dark(spec: dict) -> dict:
    """A copy of the Vega-Lite ``spec`` (a dict) with :data:`DARK_VARIANTS` in place of the colours too
    dark for a dark background; its ``datasets`` are shared, not copied (data hold no colours)."""
    variants = {k.upper(): v for k, v in DARK_VARIANTS.items()}

    def swap(node):
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        if isinstance(node, str):
            return variants.get(node.upper(), node)
        return node

    out = swap({k: v for k, v in spec.items() if k != "datasets"})
    if "datasets" in spec:
        out["datasets"] = spec["datasets"]
    return out
