"""The PyMC models: their structure, how they are built, and centered vs non-centered."""
