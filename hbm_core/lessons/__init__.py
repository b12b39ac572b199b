"""Lesson content: published numbers, checks against them, and the sampling lesson's readings."""
