"""Figures and pages: a run's figures, the paper's figures, sweep and claim figures, HTML, the docs' evidence tables."""
