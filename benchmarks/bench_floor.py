"""A practical floor for one replicate-run of the engine, beside its measured cost (issue 17).

What any implementation of the model's mechanisms must do per replicate-run and session, at the default
scenario's sizes (N states, K provisions, O organisations, G blocs), with the least arithmetic and
memory traffic, and nothing else:

- the informal rounds: per round, each bloc's mean position (one pass over the N x K positions) and each member's
  step towards it (a second pass), then the compromise (a third);
- persuasion: the prefix sums, per group and provision, of the organisations' message mass and mass x position
  in position order (2 x G x K x O multiply-adds: what the bounded-confidence windows are read from), one window
  per state and provision read as two differences of those sums, and the Friedkin-Johnsen update of the N x K
  positions with the anchor update;
- the chair's draft: the compromise of the N x K positions and each state's salience-weighted loss.

The floor kernel (``skeleton``) does exactly these passes, compiled by numba like the engine, on arrays of the
engine's shapes, for as many sessions and rounds as the default run takes. It leaves out what the engine does
besides (accreditation, speaking, lobbying allocation, joint coalition positions, the window searches, the decision
stage, the counterfactual bookkeeping, the saturating weight), so it is a floor, not a target: issue 17 asks for
the engine within 3x of it.

    python benchmarks/bench_floor.py [--repeat 5] [--batch 64]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WITHIN = 3.0                 # issue 17: the engine's cost per replicate-run within this factor of the floor


@njit(cache=True)
def skeleton(p, anchor, lam, starts, counts, cohesion, w_mass, w_pos, lo, hi, group, salience, rounds):
    """The minimal passes of every session for each row of ``p`` (B,N,K), in place; returns a checksum (so the
    compiler cannot drop the work). ``rounds`` (T,) informal rounds per session; ``w_mass``/``w_pos`` (G,K,O)
    message mass and mass x position in position order; ``lo``/``hi`` (K,N) each state's window bounds."""
    b_, n_, k_ = p.shape
    g_, _, o_ = w_mass.shape
    c0 = np.empty((g_, k_, o_ + 1))
    c1 = np.empty((g_, k_, o_ + 1))
    mean = np.empty(k_)
    cm = np.empty(k_)
    check = 0.0
    for r in range(b_):
        for t in range(rounds.shape[0]):
            for _ in range(rounds[t]):                               # informal rounds
                for bl in range(starts.shape[0]):
                    a, n = starts[bl], counts[bl]
                    for k in range(k_):
                        mean[k] = 0.0
                    for i in range(a, a + n):
                        for k in range(k_):
                            mean[k] += p[r, i, k]
                    for i in range(a, a + n):
                        for k in range(k_):
                            p[r, i, k] += cohesion[i] * (mean[k] / n - p[r, i, k])
            for g in range(g_):                                      # persuasion: prefix sums
                for k in range(k_):
                    c0[g, k, 0] = 0.0
                    c1[g, k, 0] = 0.0
                    for j in range(o_):
                        c0[g, k, j + 1] = c0[g, k, j] + w_mass[g, k, j]
                        c1[g, k, j + 1] = c1[g, k, j] + w_pos[g, k, j]
            for i in range(n_):                                      # windows read, Friedkin-Johnsen update
                g = group[i]
                for k in range(k_):
                    m = c0[g, k, hi[k, i]] - c0[g, k, lo[k, i]]
                    ws = c1[g, k, hi[k, i]] - c1[g, k, lo[k, i]]
                    c = p[r, i, k]
                    w = m / (1.0 + m)
                    ybar = ws / m if m > 0.0 else c
                    v = (1.0 - lam[i, k]) * anchor[r, i, k] + lam[i, k] * ((1.0 - w) * c + w * ybar)
                    anchor[r, i, k] += 0.1 * (v - anchor[r, i, k])
                    p[r, i, k] = v
            for k in range(k_):                                      # the chair: compromise and losses
                cm[k] = 0.0
            for i in range(n_):
                for k in range(k_):
                    cm[k] += salience[i, k] * p[r, i, k]
            for i in range(n_):
                loss = 0.0
                for k in range(k_):
                    loss += salience[i, k] * abs(cm[k] / n_ - p[r, i, k])
                check += loss
    return check


def inputs(batch_rows: int, seed: int = 1):
    """Arrays of the engine's shapes for the default scenario, and the informal rounds per session it runs."""
    from sim import presets
    from sim.engine import Negotiation
    from sim.scenario import build_world

    world = build_world(presets.scenario(), seed)
    params, rules = presets.params(), presets.rules()
    neg = Negotiation(world, params, rules, seed, [0])
    sc = neg.schedule
    rounds = np.array([int(round(params.informal_rounds_per_share * phi)) + int(params.informal_rounds_base)
                       for phi in sc.informal_share], dtype=np.int64)
    n_, k_, o_ = world.n_states, world.n_issues, world.n_orgs
    g_ = len(world.bloc_keys)          # the windows are summed per bloc of listening delegations
    rng = np.random.default_rng(seed)
    p = np.broadcast_to(world.x_base, (batch_rows, n_, k_)).copy()
    starts, counts = np.asarray(neg.blocs.starts, np.int64), np.asarray(neg.blocs.counts, np.int64)
    lo = rng.integers(0, o_ // 2, size=(k_, n_))
    hi = lo + rng.integers(0, o_ // 2, size=(k_, n_))
    return {"p": p, "anchor": p.copy(), "lam": rng.uniform(0.1, 0.9, (n_, k_)), "starts": starts, "counts": counts,
            "cohesion": np.asarray(neg.cohesion, float).ravel(),
            "w_mass": rng.random((g_, k_, o_)), "w_pos": rng.random((g_, k_, o_)) * 50, "lo": lo, "hi": hi,
            "group": rng.integers(0, g_, n_), "salience": world.salience, "rounds": rounds}, \
        {"N": n_, "K": k_, "O": o_, "G": g_, "sessions": len(rounds), "rounds": rounds.tolist()}


def measure(repeat: int = 5, batch: int = 64) -> dict:
    """Floor and engine, CPU ms per replicate-run, at ``batch`` replicates x 8 variants, interleaved, min of
    ``repeat``."""
    from benchmarks.bench_engine import best_of
    from benchmarks.bench_mesa import machine
    from sim import presets
    from sim.engine import Negotiation
    from sim.runner import variant_masks
    from sim.scenario import build_world

    world = build_world(presets.scenario(), 1)
    params, rules = presets.params(), presets.rules()
    _, masks = variant_masks(world, "leave_one_type_out")
    rows = batch * len(masks)
    arrays, dims = inputs(rows)
    skeleton(**{k: (v[:1].copy() if k in ("p", "anchor") else v) for k, v in arrays.items()})   # compile
    Negotiation(world, params, rules, 1, [0]).run()
    floor, engine = [], []
    for _ in range(repeat):                      # interleaved: one of each per round, each on fresh arrays
        fresh = {k: (v.copy() if k in ("p", "anchor") else v) for k, v in arrays.items()}
        floor.append(best_of(lambda fresh=fresh: skeleton(**fresh), 1, time.process_time)[0])
        engine.append(best_of(lambda: Negotiation(world, params, rules, 1, np.arange(batch), masks).run(), 1,
                              time.process_time)[0])
    out = {"machine": machine(), "repeat": repeat, "batch": batch, "variants": len(masks), "dims": dims,
           "floor_ms": min(floor) / rows * 1e3, "engine_ms": min(engine) / rows * 1e3, "within": WITHIN}
    out["ratio"] = out["engine_ms"] / out["floor_ms"]
    out["machine"]["load_after"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return out


def render(res: dict) -> str:
    d, m = res["dims"], res["machine"]
    return (f"Practical floor of one replicate-run (N={d['N']} states, K={d['K']} provisions, O={d['O']} "
            f"organisations, G={d['G']} blocs, {d['sessions']} sessions, informal rounds {d['rounds']}), "
            f"{m['cpu']}, {m['cores']} cores, load {m['load']} -> {m['load_after']}, {m['date']}; CPU ms per "
            f"replicate-run at {res['batch']} x {res['variants']}, min of {res['repeat']} interleaved:\n"
            f"  floor  {res['floor_ms']:.4f} ms\n  engine {res['engine_ms']:.4f} ms\n"
            f"  ratio  {res['ratio']:.1f}x (issue 17: within {res['within']:g}x)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="the engine's practical floor beside its measured cost")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    print(render(measure(a.repeat, a.batch)))
