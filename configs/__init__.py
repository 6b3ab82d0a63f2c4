"""Hydra configuration tree, shipped inside the installed package as ``sim.configs``."""
