"""Altair charts: pure functions from tidy DataFrames to charts (no Streamlit here).

Pages write ``from hbm_core import viz`` and then ``viz.shrinkage(...)``, ``viz.funnel(...)``: the
chart functions of the modules below are re-exported here.

- :mod:`~hbm_core.viz.palette`: the colours, one per kind of pooling, the same on every chart;
- :mod:`~hbm_core.viz.theme`: the shared look (theme, classroom sizes, legend) and building blocks;
- :mod:`~hbm_core.viz.pooling`: the data and the three fits group by group (strips, shrinkage, forest);
- :mod:`~hbm_core.viz.density`: the kernel density estimate and the density charts;
- :mod:`~hbm_core.viz.tau`: group estimates as functions of the between-group sd τ;
- :mod:`~hbm_core.viz.sampling`: how the sampler did (funnel, rank and trace plots);
- :mod:`~hbm_core.viz.checks`: model checks (τ prior and posterior, predictive checks, errors);
- :mod:`~hbm_core.viz.real_data`: the reed-frog tanks of the real-data pages;
- :mod:`~hbm_core.viz.truth`: why groups shrink (pooling factor against se) and scores against the truth;
- :mod:`~hbm_core.viz.chart_spec`: a chart's spec with its data in datasets named by position.
"""

from hbm_core.library_settings import build_charts_unchecked
from hbm_core.viz.checks import (
    error_bars,
    predictive_intervals,
    statistic_histogram,
    tau_posteriors,
    tau_prior_posterior,
)
from hbm_core.viz.density import grid_density, posterior_density, predictive_density
from hbm_core.viz.pooling import complete_pooling_strip, data_strip, forest, pooling_bars, shrinkage
from hbm_core.viz.real_data import density_shrinkage, tank_survival
from hbm_core.viz.sampling import funnel, rank_plot, trace_plot
from hbm_core.viz.tau import tau_curves
from hbm_core.viz.theme import apply_theme, theme
from hbm_core.viz.truth import group_risk_chart, many_totals_chart, pooling_curve_chart, truth_errors_chart

# No schema check of each chart piece as it is made: the chart tests check whole specs
# (see hbm_core/library_settings.py).
build_charts_unchecked()

__all__ = [
    "apply_theme",
    "complete_pooling_strip",
    "data_strip",
    "density_shrinkage",
    "error_bars",
    "forest",
    "funnel",
    "group_risk_chart",
    "grid_density",
    "many_totals_chart",
    "pooling_bars",
    "pooling_curve_chart",
    "posterior_density",
    "predictive_density",
    "predictive_intervals",
    "rank_plot",
    "shrinkage",
    "statistic_histogram",
    "tank_survival",
    "tau_curves",
    "tau_posteriors",
    "tau_prior_posterior",
    "theme",
    "trace_plot",
    "truth_errors_chart",
]
