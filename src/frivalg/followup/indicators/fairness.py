"""Indicators of the aspect 'fairness' (to be written)."""
