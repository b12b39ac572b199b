"""From draws to what is shown: summaries, diagnostics and predictions."""
