"""Exact answers without MCMC: the grid posterior over tau (BDA3 5.4) and the instant preview."""
