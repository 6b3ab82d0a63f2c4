"""Plenary: an agent-based model of multilateral treaty negotiation and stakeholder participation rules.

    from sim import presets, NegotiationModel          # one negotiation, step by step (Mesa)
    from sim import build_world, run_replicates        # many replicates x counterfactual variants, batched
"""

from sim import metrics, presets
from sim.config import ConfigError, Params, Rules, RunConfig, ScenarioConfig
from sim.engine import Negotiation
from sim.model import NegotiationModel
from sim.runner import RunResults, run_replicates, variant_masks
from sim.scenario import DataError, World, build_world

__all__ = ["ConfigError", "DataError", "Negotiation", "NegotiationModel", "Params", "Rules", "RunConfig", "RunResults",
           "ScenarioConfig", "World", "build_world", "metrics", "presets", "run_replicates", "variant_masks"]
