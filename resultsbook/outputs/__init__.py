"""Spec to files: build, figures, numbers for the text, Markdown sections, report, preview, the lock."""
