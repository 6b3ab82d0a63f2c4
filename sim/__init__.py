"""Plenary: an agent-based model of multilateral treaty negotiation and stakeholder participation rules.

    from sim import presets, NegotiationModel          # one negotiation, step by step (Mesa)
    from sim import build_world, run_replicates        # many replicates x counterfactual variants, batched

The names below are imported on first use (PEP 562), so that ``plenary --help`` and an error message do not pay
for Mesa, SciPy and the compiled kernels.
"""

from __future__ import annotations

import importlib
import sys

if sys.version_info < (3, 12):  # noqa: UP036  (a checkout run by an older python3, without pip install)
    raise ImportError(f"Plenary needs Python 3.12 or newer (this is {sys.version.split()[0]}): install Python 3.12 "
                      "or 3.13 and create the virtual environment with it")

_LAZY = {"metrics": "sim.metrics", "presets": "sim.presets",
         "ConfigError": "sim.config", "Params": "sim.config", "Rules": "sim.config", "RunConfig": "sim.config",
         "ScenarioConfig": "sim.config", "Negotiation": "sim.engine", "NegotiationModel": "sim.model",
         "RunResults": "sim.runner", "run_replicates": "sim.runner", "variant_masks": "sim.runner",
         "DataError": "sim.scenario", "World": "sim.scenario", "build_world": "sim.scenario"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if _LAZY[name] == f"sim.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
