"""The whole app runs headless (Streamlit's AppTest) without an exception."""

from __future__ import annotations


def test_app_runs_and_shows_home(app_test):
    at = app_test.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Partial Pooling Lab"]
    text = " ".join(m.value for m in at.markdown).lower()
    for idea in ("complete pooling", "no pooling", "partial pooling", "shrinkage", "borrows strength"):
        assert idea in text
