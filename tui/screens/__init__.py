"""The GM app's screens, one per module."""
