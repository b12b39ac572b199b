"""Altair charts: pure functions from tidy DataFrames to charts."""
