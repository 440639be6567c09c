"""Measured outcomes: the store service score and the report of what messages brought back."""
