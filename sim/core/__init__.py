"""Vectorised kernels and random streams."""
