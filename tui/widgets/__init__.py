"""The GM app's widgets, one per module."""
