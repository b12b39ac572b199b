"""When a fit counts as converged (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021).

A module of its own, importing nothing, so that the sampling lesson can read the thresholds
without loading SciPy's statistics (half a second) that :mod:`hbm_core.posterior.results` needs.
"""

#: Largest rank-normalised split R-hat of any parameter.
MAX_RHAT = 1.01

#: Smallest bulk and tail effective sample size, per chain (so 400 for four chains).
MIN_ESS_PER_CHAIN = 100
