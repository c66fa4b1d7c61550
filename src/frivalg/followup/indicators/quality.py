"""Indicators of the aspect 'quality' (to be written)."""
