"""Kernel benchmarks (issue 17): each hand-tuned kernel against the plainer version it replaced, on the default
scenario's own inputs, timed interleaved (min of repeats) and checked equal. Run:
    python benchmarks/bench_kernels.py [--repeat 9]
Prints a table and writes benchmarks/results/kernels.json with the machine, load and date.

- **prefix sums** of persuasion (sim.core.fast._prefix_sorted): eight groups side by side, each running sum in its
  own variable, against summing group after group (one dependency chain at a time: the adder's latency bounds it).
- **the chair's blocker estimate** (sim.decision._blocker_pull): logistics over whole arrays by a polynomial exp
  that vectorises, and one pass for both pulls, against a scalar exp per state and provision.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim import decision, presets  # noqa: E402
from sim.core import fast  # noqa: E402
from sim.engine import Negotiation  # noqa: E402
from sim.runner import variant_masks  # noqa: E402
from sim.scenario import build_world  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "kernels.json"
ROWS = 64   # replicates of the batch whose inputs are captured (x 8 leave-one-type-out variants)


# ------------------------------------------------------------------------------------- the versions replaced
@njit(cache=True)
def prefix_by_group(base, relay, lobby, solo, ind, qsk_sorted, order, align_sorted, target_sorted, y_padded, r,
                    us, vs, ls, c0, c1):
    """The prefix sums of _prefix_sorted group after group, (G,K,O+1): the version before issue 17's tuning."""
    g_, k_, o_ = align_sorted.shape
    for g in range(g_):
        for k in range(k_):
            s0 = 0.0
            s1 = 0.0
            c0[g, k, 0] = 0.0
            c1[g, k, 0] = 0.0
            if g == 0:
                for j in range(o_):
                    o = order[k, j]
                    q = solo[r, o] * qsk_sorted[k, j]
                    us[k, j] = base[r, o] * q
                    vs[k, j] = ind * relay[r, o] * q
                    ls[k, j] = lobby[r, o] * q
            for j in range(o_):
                wt = us[k, j] + vs[k, j] * align_sorted[g, k, j] + ls[k, j] * target_sorted[g, k, j]
                s0 += wt
                s1 += wt * y_padded[k, j]
                c0[g, k, j + 1] = s0
                c1[g, k, j + 1] = s1


@njit(cache=True)
def _logistic_scalar(z):
    if z > decision._SATURATED:
        return 1.0
    if z < -decision._SATURATED:
        return 0.0
    return 1.0 / (1.0 + np.exp(-z))


@njit(cache=True)
def blocker_pull_scalar(d, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, pull, prob, acc):
    """_blocker_pull with a scalar exp per state and provision and two passes: the version before issue 17."""
    n_, k_ = s.shape
    for k in range(k_):
        acc[0, k] = 0.0
        acc[1, k] = 0.0
        acc[2, k] = 0.0
        acc[3, k] = 0.0
        acc[4, k] = 1.0
    lines = share > 0.0
    none_block = 1.0
    for i in range(n_):
        num = 0.0
        for k in range(k_):
            gap = p[r, i, k] - d[r, k]
            loss = s[i, k] * abs(gap)
            num += loss
            if lines:
                rho = _logistic_scalar((loss - redline) / noise)
                w = rho * cm_weight[i, k]
                acc[2, k] += w * gap
                acc[3, k] += w
                acc[4, k] *= 1.0 - rho
        prob[i] = _logistic_scalar((u0[r, i] + num / s_tot[i] - threshold) / noise)
        none_block *= 1.0 - prob[i]
    anyone = none_block < 1.0
    if anyone:
        for i in range(n_):
            for k in range(k_):
                w = prob[i] * cm_weight[i, k]
                acc[0, k] += w * (p[r, i, k] - d[r, k])
                acc[1, k] += w
    found = anyone and share < 1.0
    for k in range(k_):
        text = (1.0 - none_block) * acc[0, k] / acc[1, k] if acc[1, k] > 0.0 else 0.0
        line = (1.0 - acc[4, k]) * acc[2, k] / acc[3, k] if acc[3, k] > 0.0 else 0.0
        pull[k] = text if not lines else (1.0 - share) * text + share * line
        found = found or (lines and acc[4, k] < 1.0)
    return found


# ------------------------------------------------------------------------------------- drivers over every row
# not cached on disk: they call into sim/ files, whose changes numba's cache would not see (sim/core/fast.py)
@njit
def _prefix_new_rows(base, relay, lobby, solo, ind, qsk_sorted, order, align_kog, target_kog, y_padded, c0, c1):
    for r in range(base.shape[0]):
        fast._prefix_sorted(base, relay, lobby, solo, ind, qsk_sorted, order, align_kog, target_kog, y_padded, r,
                            c0, c1)


@njit
def _prefix_old_rows(base, relay, lobby, solo, ind, qsk_sorted, order, align_sorted, target_sorted, y_padded, us, vs,
                     ls, c0, c1):
    for r in range(base.shape[0]):
        prefix_by_group(base, relay, lobby, solo, ind, qsk_sorted, order, align_sorted, target_sorted, y_padded, r,
                        us, vs, ls, c0, c1)


@njit
def _blocker_new_rows(d, p, s, u0, cm_weight, threshold, noise, redline, share, pulls):
    scratch = decision._scratch(s.shape[0], s.shape[1])
    s_tot = decision.salience_totals(s)
    for r in range(d.shape[0]):
        decision._blocker_pull(d, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, scratch)
        pulls[r] = scratch[0]


@njit
def _blocker_old_rows(d, p, s, u0, cm_weight, threshold, noise, redline, share, pulls):
    n_, k_ = s.shape
    pull, prob, acc = np.empty(k_), np.empty(n_), np.empty((5, k_))
    s_tot = decision.salience_totals(s)
    for r in range(d.shape[0]):
        blocker_pull_scalar(d, p, s, s_tot, u0, cm_weight, threshold, noise, redline, share, r, pull, prob, acc)
        pulls[r] = pull


def capture() -> dict:
    """The arguments of the first persuasion and the first chair's draft of a default batch (ROWS x 8 variants)."""
    world = build_world(presets.scenario(), 1)
    params, rules = presets.params(), presets.rules()
    _, masks = variant_masks(world, "leave_one_type_out")
    seen = {}
    originals = fast.persuade_windows, decision.chair_draft

    def persuade(*a, **kw):
        seen.setdefault("persuade", a)
        return originals[0](*a, **kw)

    def chair(*a):
        seen.setdefault("chair", a)
        return originals[1](*a)

    fast.persuade_windows, decision.chair_draft = persuade, chair
    try:
        neg = Negotiation(world, params, rules, 1, np.arange(ROWS), masks)
        neg.step()
    finally:
        fast.persuade_windows, decision.chair_draft = originals
    return seen


def interleaved(fns: dict, repeat: int) -> dict:
    """Min wall time of each function over ``repeat`` rounds, the functions taking turns within each round."""
    for f in fns.values():
        f()
    best = dict.fromkeys(fns, np.inf)
    for _ in range(repeat):
        for name, f in fns.items():
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def main(repeat: int = 9) -> dict:
    from benchmarks.bench_mesa import machine

    seen = capture()
    pw = seen["persuade"]
    base, relay, lobby, solo, ind = pw[3], pw[4], pw[5], pw[6], pw[8]
    align_kog, target_kog, qsk_sorted, order, y_padded = pw[11], pw[12], pw[14], pw[15], pw[17]
    rows, g_ = base.shape[0], pw[9].shape[0]
    k_, o_ = align_kog.shape[1], align_kog.shape[2]
    # the (G,K,O) layout the replaced version read, from the engine's (C,K,O,8)
    align_sorted, target_sorted = (np.ascontiguousarray(np.moveaxis(a, -1, 1).reshape(-1, k_, o_)[:g_])
                                   for a in (align_kog, target_kog))
    new_c = [np.empty((align_kog.shape[0], k_, o_ + 1, fast.GROUP_LANES)) for _ in range(2)]
    old_c = [np.empty((g_, k_, o_ + 1)) for _ in range(2)]
    scratch = [np.empty((k_, o_)) for _ in range(3)]
    common = (base, relay, lobby, solo, ind, qsk_sorted, order)
    prefix = interleaved({
        "group after group": lambda: _prefix_old_rows(*common, align_sorted, target_sorted, y_padded, *scratch,
                                                      *old_c),
        "eight groups side by side": lambda: _prefix_new_rows(*common, align_kog, target_kog, y_padded, *new_c)},
        repeat)
    # the same numbers exactly: the last row's sums of every real group
    same_prefix = all(np.array_equal(old_c[m], np.moveaxis(new_c[m], -1, 1).reshape(-1, k_, o_ + 1)[:g_])
                      for m in range(2))
    ch = seen["chair"]
    d, p, s, u0, cm_weight = ch[0], ch[1], ch[2], ch[3], ch[4]
    threshold, noise, redline, share = ch[11], ch[12], ch[13], ch[14]
    pulls_old, pulls_new = np.empty_like(d), np.empty_like(d)
    args = (d, p, s, u0, cm_weight, threshold, noise, redline, share)
    blocker = interleaved({"scalar exp": lambda: _blocker_old_rows(*args, pulls_old),
                           "vectorised logistic": lambda: _blocker_new_rows(*args, pulls_new)}, repeat)
    out = {"machine": machine(), "repeat": repeat, "rows": rows,
           "shape": {"groups": g_, "issues": k_, "organisations": o_, "states": s.shape[0]},
           "prefix_us_per_row": {k: v / rows * 1e6 for k, v in prefix.items()},
           "prefix_identical": bool(same_prefix),
           "blocker_us_per_row": {k: v / d.shape[0] * 1e6 for k, v in blocker.items()},
           "blocker_max_abs_diff": float(np.abs(pulls_old - pulls_new).max())}
    return out


def report(res: dict) -> str:
    lines = [f"machine: {res['machine']}", f"{res['rows']} rows, min of {res['repeat']} interleaved", ""]
    for key, label in (("prefix_us_per_row", "persuasion prefix sums"), ("blocker_us_per_row", "chair's blocker estimate")):
        (a, ta), (b, tb) = res[key].items()
        lines.append(f"{label:26s} {a}: {ta:6.1f} us/row   {b}: {tb:6.1f} us/row   {ta / tb:4.2f}x")
    lines.append(f"prefix sums identical: {res['prefix_identical']}; blocker pull max |diff| "
                 f"{res['blocker_max_abs_diff']:.1e} points")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9, help="rounds of interleaved timing (min is reported)")
    res = main(ap.parse_args().repeat)
    print(report(res))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(res, indent=1, default=str) + "\n")
