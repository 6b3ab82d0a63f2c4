"""``python -m experiments.validation_doc [--check]``: ``docs/VALIDATION.md`` from the shipped artefacts alone.

Reads, and never simulates:

- the shipped posterior ``configs/params/posterior/default/`` (``samples.csv``, ``provenance.json``): its
  provenance, the effective sample size per generation, its posterior-predictive check against the record (every
  statistic outside the 5-95% range marked and counted) and the identification table (posterior vs prior widths,
  ``experiments.fit_results.identification``);
- the shipped held-out table ``docs/heldout/`` (``heldout.csv``, ``provenance.json``), flagged when another code
  version computed it than the posterior;

and writes the page with a pairwise plot of the posterior (``docs/validation/posterior_pairs.*``, PNG, SVG, PDF
and caption). Every sentence that states a number is generated from the artefacts, so the page says what the
artefacts say. ``--check`` regenerates the page in memory and exits 1 when the committed one differs
(``tests/test_validation_doc.py`` does the same), 2 when an artefact is missing.

    python -m experiments.validation_doc            # write docs/VALIDATION.md and docs/validation/
    python -m experiments.validation_doc --check    # exit 1 if docs/VALIDATION.md is stale
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
POSTERIOR = ROOT / "configs" / "params" / "posterior" / "default"
HELDOUT = ROOT / "docs" / "heldout"
DOC = ROOT / "docs" / "VALIDATION.md"
FIGURES = ROOT / "docs" / "validation"         # owned by this module (docs/charts/ is rebuilt whole by the gallery)
PAIRS = "posterior_pairs"
# A parameter counts as informed when its posterior sd is narrower than the prior's by more than the Monte Carlo
# error of a weighted sd allows. With an effective sample size n, the relative standard error of an sd is about
# 1 / sqrt(2 n) (normal approximation); "informed" needs the ratio below 1 - INFORMED_SE of those errors,
# "perhaps informed" below 1 - PERHAPS_SE of them; the rest are left about at their prior.
INFORMED_SE, PERHAPS_SE = 2.0, 1.0


class MissingArtefact(Exception):
    """A shipped file the page is built from is absent (the message names it)."""


@dataclass
class Artefacts:
    posterior: object                # sim.posterior.Posterior
    heldout: pd.DataFrame
    heldout_provenance: dict


def _need(path: Path) -> Path:
    if not path.is_file():
        raise MissingArtefact(f"missing artefact {path}")
    return path


def load_posterior(folder: Path = POSTERIOR):
    """The posterior in ``folder`` (a sim.posterior.Posterior). Raises MissingArtefact naming an absent file."""
    from sim.posterior import PROVENANCE, SAMPLES, load

    for name in (SAMPLES, PROVENANCE):
        _need(folder / name)
    return load(folder.name, folder.parent)


def load(posterior: Path = POSTERIOR, heldout: Path = HELDOUT) -> Artefacts:
    """The shipped posterior and held-out table. Raises MissingArtefact naming the first file that is absent."""
    post = load_posterior(posterior)
    table, prov = _need(heldout / "heldout.csv"), _need(heldout / "provenance.json")
    return Artefacts(post, pd.read_csv(table), json.loads(prov.read_text()))


# ------------------------------------------------------------------------------------------------ the numbers
def predictive_check(provenance: dict) -> pd.DataFrame:
    """The provenance's posterior-predictive rows with ``miss`` (the record outside [lo, hi], the 5-95% range) and
    ``outside`` (by how much, in the statistic's unit; 0 inside)."""
    rows = pd.DataFrame(provenance.get("predictive", []), columns=["statistic", "record", "mean", "lo", "hi"])
    below, above = rows["lo"] - rows["record"], rows["record"] - rows["hi"]
    rows["miss"] = (below > 0) | (above > 0)
    rows["outside"] = below.clip(lower=0) + above.clip(lower=0)
    return rows


def final_ess(provenance: dict) -> float:
    diagnostics = provenance.get("diagnostics") or []
    return float(diagnostics[-1]["ess"]) if diagnostics else float("nan")


def identified(posterior) -> pd.DataFrame:
    """``experiments.fit_results.identification`` with a verdict per parameter from its sd ratio and the last
    generation's effective sample size (thresholds: INFORMED_SE, PERHAPS_SE)."""
    from experiments.fit_results import identification

    table = identification(posterior)
    se = 1.0 / math.sqrt(2.0 * final_ess(posterior.provenance))
    table["verdict"] = ["informed" if r < 1 - INFORMED_SE * se else "perhaps informed" if r < 1 - PERHAPS_SE * se
                        else "at its prior" for r in table["sd_ratio"]]
    return table


def heldout_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error per held-out group (rows in the table's order)."""
    return table.groupby("group", sort=False)[[c for c in table if c.startswith("error_")]].mean()


def version_flag(art: Artefacts) -> str | None:
    """A sentence when the held-out table and the posterior were computed by different code versions, else None."""
    held, fitted = art.heldout_provenance.get("code_version"), art.posterior.provenance.get("code_version")
    if held == fitted:
        return None
    return (f"**Version mismatch:** the held-out table was computed by code version {held}, the posterior by "
            f"{fitted}. The two tables describe different models; re-run both (`plenary calibrate ... --install`, "
            "`python -m experiments.heldout --install`) on one version before citing them together.")


# ------------------------------------------------------------------------------------------------ the page
def _g(v) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3g}"


def provenance_lines(prov: dict) -> list[str]:
    budget = prov.get("budget", {})
    libs = prov.get("libraries", {})
    lines = ["## 1. The shipped posterior", "",
             "| field | value |", "|---|---|",
             f"| name | {prov.get('name', '?')} |", f"| code version | {prov.get('code_version', '?')} |",
             f"| record version | {prov.get('record_version', '?')} |", f"| seed | {prov.get('seed', '?')} |",
             f"| budget | {budget.get('population', '?')} particles, {budget.get('generations', '?')} generations, "
             f"{budget.get('replicates', '?')} replicates per simulation |",
             f"| parameters fitted | {len(prov.get('parameters', []))} |", f"| date | {prov.get('date', '?')} |",
             f"| pyabc | {libs.get('pyabc', '?')} |", "", "| generation | ε | simulations | acceptance | ESS |",
             "|---|---|---|---|---|"]
    lines += [f"| {d['generation']} | {d['epsilon']:.3f} | {d['simulations']:,} | {d['acceptance_rate']:.1%} | "
              f"{d['ess']:.1f} |" for d in prov.get("diagnostics", [])]
    if prov.get("warning"):
        lines += ["", f"**Weak posterior:** {prov['warning']}."]
    return lines + [""]


def predictive_lines(prov: dict) -> list[str]:
    rows = predictive_check(prov)
    draws = prov.get("predictive_draws")
    lines = ["## 2. Posterior-predictive check against the record", "",
             f"Each statistic over {draws if draws else 'an unrecorded number of'} posterior draws "
             "(each draw the mean of the fit's replicates): mean and 5-95% range; **MISS** when the record lies "
             f"outside the range. **The record is outside on {int(rows['miss'].sum())} of {len(rows)} statistics.**",
             "", "| statistic | record | model mean | model 5-95% | verdict |", "|---|---|---|---|---|"]
    for r in rows.itertuples():
        verdict = f"**MISS** by {_g(r.outside)}" if r.miss else "inside"
        lines.append(f"| {r.statistic} | {_g(r.record)} | {_g(r.mean)} | [{_g(r.lo)}, {_g(r.hi)}] | {verdict} |")
    return lines + [""]


def identification_lines(posterior) -> list[str]:
    table = identified(posterior)
    ess = final_ess(posterior.provenance)
    se = 1.0 / math.sqrt(2.0 * ess)
    lines = ["## 3. What the record pins down (posterior vs prior)", "",
             f"sd ratio = posterior sd / prior sd. With an effective sample size of {ess:.1f}, a weighted sd is "
             f"uncertain by about {se:.0%} (1 / sqrt(2 ESS)); **informed**: ratio below {1 - INFORMED_SE * se:.2f} "
             f"({INFORMED_SE:g} such errors below 1), **perhaps informed**: below {1 - PERHAPS_SE * se:.2f}, "
             "otherwise **at its prior**.", "",
             "| parameter | prior mean (sd) | posterior mean (sd) | sd ratio | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {r.parameter} | {_g(r.prior_mean)} ({_g(r.prior_sd)}) | {_g(r.posterior_mean)} "
              f"({_g(r.posterior_sd)}) | {r.sd_ratio:.2f} | {r.verdict} |" for r in table.itertuples()]
    return lines + ["", f"![Pairwise posterior](validation/{PAIRS}.png)", "", pairs_caption(posterior), ""]


def heldout_lines(art: Artefacts) -> list[str]:
    from experiments import heldout as ho

    flag = version_flag(art)
    body = ho.markdown(art.heldout, art.heldout_provenance).splitlines()[2:]       # without its title
    return ["## 4. Held-out validation (leave one pattern of the record out)", "",
            *([flag, ""] if flag else []), *body, ""]


def _names(items) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


def reading_lines(art: Artefacts) -> list[str]:
    """How to read the page, and what is missed, in sentences built from the numbers."""
    rows, ident = predictive_check(art.posterior.provenance), identified(art.posterior)
    by_group = heldout_summary(art.heldout)
    missed = rows[rows["miss"]].sort_values("outside", ascending=False)
    no_gain = by_group.index[by_group["error_predicted"] >= by_group["error_prior"]]
    beaten = by_group.index[by_group["error_predicted"] >= by_group["error_compromise"]]
    held_miss = (art.heldout["record"] < art.heldout["p5"]) | (art.heldout["record"] > art.heldout["p95"])
    lines = ["## 5. How to read this, and what is missed", "",
             "- A **MISS** is a record statistic outside the 5-95% range of what the fitted model predicts: in 90% of "
             "the posterior's draws the model does not produce what happened.",
             f"- **Missed ({len(missed)} of {len(rows)}):** " + (_names(
                 f"{r.statistic} (record {_g(r.record)}, model {_g(r.lo)}-{_g(r.hi)})" for r in missed.itertuples())
                 if len(missed) else "none") + ".",
             f"- **Inside the range ({int((~rows['miss']).sum())}):** {_names(rows.loc[~rows['miss'], 'statistic'])}.",
             f"- **Informed by the record:** {_names(ident.loc[ident.verdict == 'informed', 'parameter'])}; perhaps: "
             f"{_names(ident.loc[ident.verdict == 'perhaps informed', 'parameter'])}. **Left at the prior:** "
             f"{_names(ident.loc[ident.verdict == 'at its prior', 'parameter'])}: a conclusion that depends on "
             "these rests on their plausible ranges, not on the record.",
             f"- **Held out:** fitting the other patterns predicts no better than the prior predictive for "
             f"{_names(no_gain)}; the states' initial compromise (no dynamics) predicts as well or better than the "
             f"fitted model for {_names(beaten)}; the record lies outside the 5-95% range of the fit without its "
             f"group on {int(held_miss.sum())} of {len(held_miss)} statistics."]
    if art.posterior.provenance.get("warning"):
        lines.append(f"- **The posterior is weak** (ESS {final_ess(art.posterior.provenance):.1f} of "
                     f"{len(art.posterior.samples)} particles): its widths above carry that Monte Carlo error.")
    flag = version_flag(art)
    if flag:
        lines.append("- " + flag)
    return lines + [""]


def pairs_caption(posterior) -> str:
    prov = posterior.provenance
    return (f"Pairwise plot of the posterior '{prov.get('name', posterior.name)}' ({len(posterior.samples)} weighted "
            f"particles, ESS {final_ess(prov):.1f}; code {prov.get('code_version', '?')}). Diagonal: each "
            "parameter's weighted marginal (posterior mass per bin; dashed: the uniform prior's); below it: the "
            "particles of each pair, marker area in proportion to the weight (the lightest drawn as specks). Every "
            "axis spans the parameter's whole prior range.")


def render(art: Artefacts) -> str:
    """The whole page (a pure function of the artefacts)."""
    lines = ["# Validation of the fitted model", "",
             "Generated by `python -m experiments.validation_doc` from the shipped artefacts only "
             "(`configs/params/posterior/default/`, `docs/heldout/`); `tests/test_validation_doc.py` fails when this "
             "page differs from what they say. It does not compare their code versions with today's code "
             "(`plenary validate` states them and flags a stale held-out table). Method: `docs/FIT.md`.",
             "", *provenance_lines(art.posterior.provenance), *predictive_lines(art.posterior.provenance),
             *identification_lines(art.posterior), *heldout_lines(art), *reading_lines(art)]
    return "\n".join(lines).rstrip("\n") + "\n"


def draw_pairs(posterior, folder: Path) -> list:
    """The pairwise posterior plot into ``folder`` (PNG, SVG, PDF and caption: sim.plotting.save)."""
    from sim import plotting

    ranges = {k: tuple(posterior.provenance["priors"][k]["uniform"]) for k in posterior.parameters}
    return plotting.save(plotting.posterior_pairs(posterior.samples, ranges), folder, PAIRS, pairs_caption(posterior))


def main(argv: list[str] | None = None, doc: Path = DOC, figures: Path = FIGURES) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.validation_doc", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed page differs from the artefacts")
    ap.add_argument("--posterior", type=Path, default=POSTERIOR, help=argparse.SUPPRESS)
    ap.add_argument("--heldout", type=Path, default=HELDOUT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        art = load(args.posterior, args.heldout)
    except MissingArtefact as exc:
        print(f"validation_doc: error: {exc}", file=sys.stderr)
        return 2
    page = render(art)
    if args.check:
        if not doc.is_file() or doc.read_text(encoding="utf-8") != page:
            print(f"validation_doc: {doc} is out of date: run python -m experiments.validation_doc", file=sys.stderr)
            return 1
        print(f"{doc} matches the shipped artefacts")
        return 0
    from sim import io

    io.write_text_atomic(doc, page)
    draw_pairs(art.posterior, figures)
    print(f"wrote {doc} and {figures / PAIRS}.{{png,svg,pdf}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
