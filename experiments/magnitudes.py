"""How much do stakeholders move the text, per rule preset and per provision, over the posterior? (issue 12)

For each rule preset of the AHC counterfactuals (``configs/experiment/ahc_counterfactuals.yaml``), the default
scenario runs R paired replicates (all stakeholders / none, every other draw identical) under each of D parameter
sets from the shipped posterior, with ``posterior.unfitted`` (default ``prior``: the parameters the fit left out
drawn from their priors, since the record does not inform them). Every number is in points of the 0-100 scale:
its mean, the 95% interval over replicates (the parameters taken as known) and the 2.5-97.5% range over the
posterior draws (what the record leaves open). Then, under the AHC's own rules, which parameters the size of
the effect depends on: Spearman's rank correlation, over the draws, of each draw's mean effect with each
parameter's value (a parameter the record does not inform that drives the effect is what a reader must know).

    python -m experiments.magnitudes                       # 64 draws x 32 replicates, ~40 s on one core
    python -m experiments.magnitudes --readme              # also rewrite the block in README.md
    python -m experiments.magnitudes --unfitted fixed      # conditional on the unfitted parameters' defaults
"""

from __future__ import annotations

import argparse
import platform
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim import posterior, presets
from sim.config import UNFITTED, ConfigError, Params

SEED = 20241224
PRESETS = ("ahc_2022_2024", "ahc_veto", "ahc_open_informals", "ahc_no_squeeze")
REFERENCE = PRESETS[0]
BEGIN, END = "<!-- magnitudes:begin -->", "<!-- magnitudes:end -->"
HEADER = "Measured by `python -m experiments.magnitudes`"
DRIVERS = 5                 # parameters listed as drivers of the effect's size
README = Path(__file__).resolve().parents[1] / "README.md"


@dataclass
class Result:
    presets: pd.DataFrame        # one row per preset: the all-vs-none effect and its provisions
    drivers: pd.DataFrame        # parameter, rho, fitted (bool)
    meta: dict


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (average ranks for ties); nan when either side is constant."""
    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def summarise(table: pd.DataFrame, issue_keys) -> dict:
    """The all-vs-none effect of one preset's (draw, replicate) table: influence_all and its provisions."""
    main = posterior.effects(table, ["influence_all"]).iloc[0]
    prov = posterior.provision_effects(table, issue_keys).set_index("effect")
    top = prov["mean"].idxmax()
    per_draw = table.groupby("draw")[[f"effect_{k}" for k in prov.index]].apply(lambda g: g.abs().mean().mean())
    return {"influence_all": main["mean"], "influence_rep": (main["replicates_lo"], main["replicates_hi"]),
            "influence_post": (main["posterior_lo"], main["posterior_hi"]),
            "provisions_mean": float(prov["mean"].mean()),
            "provisions_post": tuple(float(v) for v in per_draw.quantile(list(posterior.INTERVAL))),
            "top": top, "top_mean": float(prov.loc[top, "mean"]),
            "top_post": (float(prov.loc[top, "posterior_lo"]), float(prov.loc[top, "posterior_hi"])),
            "per_draw": table.groupby("draw")["influence_all"].mean().to_numpy()}


def noise_level(draws: int, tested: int, level: float = 0.05) -> float:
    """|rho| that ``tested`` independent null correlations over ``draws`` exceed with probability ``level`` in all:
    the normal approximation rho ~ N(0, 1 / (draws - 1)) at the Bonferroni-corrected two-sided quantile."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(1.0 - level / (2 * max(tested, 1))) / np.sqrt(max(draws - 1, 1))


def drivers(per_draw: np.ndarray, sets: list[Params], fitted: list[str], names: list[str],
            sd_ratio: dict[str, float] | None = None) -> pd.DataFrame:
    """Spearman's rho of each draw's mean effect with each parameter's value over the draws, strongest first, with
    the posterior/prior sd ratio of the fitted ones (near 1: fitted, but the record does not inform it)."""
    sd_ratio = sd_ratio or {}
    rows = [{"parameter": n, "rho": spearman(np.array([getattr(p, n) for p in sets], float), per_draw),
             "fitted": n in fitted, "sd_ratio": sd_ratio.get(n, np.nan)} for n in names]
    frame = pd.DataFrame(rows).dropna(subset=["rho"])
    return frame.reindex(frame["rho"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def measure(draws: int, replicates: int, unfitted: str = "prior", seed: int = SEED) -> Result:
    from sim import priors
    from sim.scenario import build_world

    if unfitted not in UNFITTED:
        raise ConfigError("--unfitted", f"{unfitted!r} is not allowed", " | ".join(UNFITTED))
    world = build_world(presets.scenario(), seed)
    post = posterior.load(posterior.DEFAULT)
    sets = posterior.draws(post, draws, seed, Params(), unfitted)
    rows, summaries = [], {}
    for name in PRESETS:
        table, _ = posterior.run_over_posterior(world, sets, presets.rules(name), seed, np.arange(replicates),
                                                "all_vs_none")
        summaries[name] = s = summarise(table, world.issue_keys)
        rows.append({"preset": name, **{k: v for k, v in s.items() if k != "per_draw"}})
    frame = pd.DataFrame(rows)
    ref = summaries[REFERENCE]["per_draw"]
    frame["vs_reference_post"] = [tuple(np.quantile(summaries[n]["per_draw"] - ref, posterior.INTERVAL))
                                  for n in PRESETS]
    frame["vs_reference"] = [float(np.mean(summaries[n]["per_draw"] - ref)) for n in PRESETS]
    names = priors.uncertain_parameters()
    from experiments.fit_results import identification

    ratio = identification(post).set_index("parameter")["sd_ratio"].to_dict()
    drive = drivers(ref, sets, post.parameters, names, ratio)
    meta = {"draws": draws, "replicates": replicates, "unfitted": unfitted, "seed": seed,
            "posterior": post.name, "code_version": posterior.code_version(),
            "from_prior": len(posterior.prior_parameters(post, Params())) if unfitted == "prior" else 0,
            "date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, "
            f"{platform.python_implementation()} {platform.python_version()}"}
    return Result(frame, drive, meta)


def _iv(pair, digits=2) -> str:
    return f"[{pair[0]:.{digits}f}, {pair[1]:.{digits}f}]"


def render(result: Result) -> str:
    """The markdown block (a table per preset, the drivers, and how to read them)."""
    m = result.meta
    held = (f"the {m['from_prior']} uncertain parameters the fit left out drawn from their priors" if m["from_prior"]
            else "the parameters the fit left out at their defaults (conditional on them)")
    lines = [f"{HEADER} on {m['date']} (code {m['code_version']}, seed {m['seed']}, posterior '{m['posterior']}', "
             f"{m['draws']} draws x {m['replicates']} paired replicates, {held}). All stakeholders against none, in "
             "points of the 0-100 scale: mean, [95% over replicates], {2.5-97.5% over the posterior}.", "",
             "| rule preset | text moved (weighted) | mean over provisions | most moved provision | against "
             f"{REFERENCE} |", "|---|---|---|---|---|"]
    for r in result.presets.itertuples():
        vs = "—" if r.preset == REFERENCE else f"{r.vs_reference:+.2f} {{{r.vs_reference_post[0]:+.2f}, " \
                                                f"{r.vs_reference_post[1]:+.2f}}}"
        lines.append(f"| {r.preset} | {r.influence_all:.2f} {_iv(r.influence_rep)} {{{r.influence_post[0]:.2f}, "
                     f"{r.influence_post[1]:.2f}}} | {r.provisions_mean:.2f} {{{r.provisions_post[0]:.2f}, "
                     f"{r.provisions_post[1]:.2f}}} | {r.top} {r.top_mean:.2f} {{{r.top_post[0]:.2f}, "
                     f"{r.top_post[1]:.2f}}} | {vs} |")
    top = result.drivers.head(DRIVERS)
    tested = len(result.drivers)
    cut = noise_level(m["draws"], tested)

    def word(r) -> str:
        kind = f"fitted, posterior/prior sd {r.sd_ratio:.2f}" if r.fitted else "not fitted: at its prior"
        return f"`{r.parameter}` (rho {r.rho:+.2f}, {kind}{'' if abs(r.rho) >= cut else ', within noise'})"

    lines += ["", f"What the size of the effect under {REFERENCE} depends on, over the {m['draws']} draws "
              f"(Spearman's rho of each draw's effect with each of {tested} parameters; with that many tested, "
              f"|rho| below {cut:.2f} is within noise, a two-sided 5% level after Bonferroni; a posterior/prior sd "
              "near 1 means that the record does not inform a fitted parameter either): "
              + ", ".join(word(r) for r in top.itertuples()) + "."]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the markers replaced by ``block``; ValueError when the markers are missing."""
    if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
        raise ValueError(f"README.md has no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{block}{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    from sim import io

    ap = argparse.ArgumentParser(prog="python -m experiments.magnitudes", description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=64)
    ap.add_argument("--replicates", type=int, default=32)
    ap.add_argument("--unfitted", default="prior", help=" | ".join(UNFITTED))
    ap.add_argument("--readme", action="store_true", help="rewrite the block in README.md")
    args = ap.parse_args(argv)
    try:
        if args.draws < 2 or args.replicates < 2:
            raise ConfigError("--draws/--replicates", "too few", "whole numbers >= 2")
        block = render(measure(args.draws, args.replicates, args.unfitted))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(block)
    if args.readme:
        io.write_text_atomic(README, replace_block(README.read_text(), block))
        print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
