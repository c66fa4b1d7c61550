"""Indicators of the aspect 'economy' (to be written)."""
