"""Partial Pooling Lab core: data, hierarchical models, fast refits and exact posteriors.

No Streamlit here: everything in this package can be imported and tested on its own.
"""
