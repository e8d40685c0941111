"""Visualisation backends and visualisers (MMEngine's are used by default)."""
