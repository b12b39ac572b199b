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
