"""Streamlit parts shared by the pages (the only Streamlit code outside app.py and app_pages/)."""
