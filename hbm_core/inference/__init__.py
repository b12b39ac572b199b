"""The sampling service: fit settings, compiled models, jobs, slots and sharing of fits."""
