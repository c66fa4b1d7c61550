"""Indicators of the aspect 'actors' (to be written)."""
