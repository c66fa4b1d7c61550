"""Indicators of the aspect 'supply' (to be written)."""
