"""Indicators of the aspect 'choice' (to be written)."""
