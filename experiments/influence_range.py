"""How large can stakeholder influence be within the documented plausible ranges? (issue 11, "must show").

Prints, for the defaults, each influence-channel parameter alone at the end of its plausible range that raises
influence, and the two corners (every parameter at its low end / its high end), the stakeholder effect on the text
in points (|final text with all stakeholders - without|, same replicate, every draw identical) per provision,
beside the replicate-to-replicate sd of the final text, and the share of organisation asks that moved nothing.
Run: python -m experiments.influence_range [replicates]
"""

from __future__ import annotations

import sys
from dataclasses import fields

import numpy as np

from sim import presets
from sim.config import Params
from sim.runner import run_replicates
from sim.scenario import build_world

SEED = 20241224
# Parameters of the influence channel and whether raising them raises stakeholder influence (+1) or lowers it (-1).
DIRECTION = {"susceptibility": 1, "salience_damping": -1, "confidence_political": 1, "confidence_technical": 1,
             "stakeholder_weight_max": 1, "saturation": -1, "plenary_exposure": 1, "written_exposure": 1,
             "intersessional_exposure": 1, "indirect_channel": 1, "chair_stakeholder_max": 1,
             "anchor_persistence": 1, "receptiveness_base": 1, "receptiveness_slope": 1, "lobby_contacts": 1,
             "lobby_exposure": 1, "coalition_premium": 1, "coalition_reach": 1}
STRUCTURAL = ("anchor_persistence", "salience_damping", "confidence_political", "confidence_technical", "saturation")
ALONE = ("anchor_persistence", "salience_damping", "confidence_political", "saturation", "lobby_contacts",
         "coalition_premium")


def corner(high: bool, only: tuple[str, ...] = ()) -> dict[str, float]:
    """Parameter values at the end of their plausible range that raises (high) or lowers influence."""
    out = {}
    for f in fields(Params):
        if f.name in DIRECTION and (not only or f.name in only):
            lo, hi = f.metadata["plausible"]
            out[f.name] = float(hi if (DIRECTION[f.name] > 0) == high else lo)
    return out


def settings() -> list[tuple[str, dict[str, float]]]:
    rows = [("defaults", {})]
    rows += [(f"{name} alone at {v:g}", {name: v}) for name in ALONE for v in corner(True, (name,)).values()]
    rows.append(("structural caps lifted (mu, gamma, eps, kappa)", corner(True, STRUCTURAL)))
    rows += [("every parameter at its low end", corner(False)), ("every parameter at its high end", corner(True))]
    return rows


def measure(world, changes: dict[str, float], replicates: int) -> dict[str, object]:
    """Effects in points for one parameter setting (R paired replicates, all stakeholders vs none). The defaults are
    the Params dataclass's (configs/params/default.yaml mirrors them: tests/test_cli.py)."""
    t = run_replicates(world, Params(**changes), presets.rules(), SEED, np.arange(replicates),
                       "all_vs_none").table
    keys = world.issue_keys
    effect = t[[f"effect_{k}" for k in keys]].to_numpy()                         # (R,K)
    sd = t[[f"text_{k}" for k in keys]].to_numpy().std(axis=0, ddof=1)
    top = int(effect.mean(axis=0).argmax())
    return {"mean": effect.mean(), "top": keys[top], "top_mean": effect[:, top].mean(),
            "top_sd": effect[:, top].std(ddof=1), "largest": effect.max(), "replicate_sd": sd.mean(),
            "unmoved": t["asks_unmoved"].mean(), "adopted": (t["mode"] != "failed").mean()}


def main(replicates: int = 32) -> list[dict[str, object]]:
    world = build_world(presets.scenario(), SEED)
    out = []
    print(f"Stakeholder effect on the final text, points of 0-100 (R = {replicates} paired replicates, seed {SEED})")
    print(f"{'setting':44s} {'mean/prov':>9s} {'top provision':>16s} {'top mean':>9s} {'(sd)':>6s} {'largest':>8s} "
          f"{'text sd':>8s} {'unmoved':>8s} {'adopted':>8s}")
    for name, changes in settings():
        m = measure(world, changes, replicates)
        out.append({"setting": name, **changes, **m})
        print(f"{name:44s} {m['mean']:9.2f} {m['top']:>16s} {m['top_mean']:9.2f} {m['top_sd']:6.2f} "
              f"{m['largest']:8.2f} {m['replicate_sd']:8.2f} {m['unmoved']:8.0%} {m['adopted']:8.0%}")
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32)
