"""``plenary run``: the default scenario (or any override), R paired replicates, a folder of results and a chart."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from sim import io, memory, metrics, plotting
from sim.config import RunConfig
from sim.engine import Schedule
from sim.plotting import text_trajectory
from sim.record import on_sessions
from sim.runner import TYPE_KEYS, RunResults, run_replicates
from sim.scenario import build_world


def _ci(values) -> str:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return "n/a"
    half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
    return f"{v.mean():+.3f} [{v.mean() - half:+.3f}, {v.mean() + half:+.3f}]"


def _magnitude_lines(t, w) -> list[str]:
    """The summary's lead: stakeholder effects on the text in points beside the replicate-to-replicate spread."""
    table = metrics.magnitude_by_provision(t, w.issue_keys)
    if table.empty:
        return ["", "Stakeholder effect on the text: not run (use variants=all_vs_none or leave_one_type_out)."]
    lines = ["", "## Stakeholder effect on the text, in points of the 0-100 scale (all stakeholders vs none)", "",
             "| provision | mean abs(with - without) | largest | replicate sd of the final text |", "|---|---|---|---|"]
    lines += [f"| {r.provision} | {r.effect_mean:.2f} | {r.effect_max:.2f} | {r.replicate_sd:.2f} |"
              for r in table.itertuples()]
    lines += ["", f"- share of each organisation's gap to its ideal that the text closed (mean): "
              f"{t['gap_closed'].mean():+.1%}; by type: " + ", ".join(
                  f"{k} {t[f'gap_closed_{k}'].mean():+.1%}" for k in TYPE_KEYS if f"gap_closed_{k}" in t),
              f"- organisation asks that moved the text less than 1 point: {t['asks_unmoved'].mean():.0%}"]
    by_type = [f"{k} {t[f'effect_type_{k}'].mean():.2f} (largest {t[f'effect_type_{k}_max'].max():.2f})"
               for k in TYPE_KEYS if f"effect_type_{k}" in t]
    if by_type:
        lines.append("- text change without each type (mean over provisions, points): " + ", ".join(by_type))
    return lines


def summarise(results: RunResults, cfg: RunConfig) -> str:
    """A readable Markdown summary: adoption, key votes, text vs compromise, influence by type."""
    t, w = results.table, results.world
    r_ = len(t)
    modes = t["mode"].value_counts()
    lines = [f"# {w.name}: {cfg.rules.accreditation.procedure} accreditation, R = {r_} replicates, seed {cfg.seed}",
             *_magnitude_lines(t, w), "", "## Adoption", *[f"- {m}: {n} of {r_}" for m, n in modes.items()],
             f"- sessions needed (mean): {t['sessions'].mean():.2f}",
             f"- whole-text vote if called (mean): {t['text_yes'].mean():.1f} yes, {t['text_no'].mean():.1f} no", "",
             "## Forced deletion votes (share of replicates: held / passed)"]
    for k in w.issue_keys:
        col = t[f"deletion_vote_{k}"]
        if (col > 0).any():
            lines.append(f"- {k}: {(col > 0).mean():.0%} / {(col == 2).mean():.0%}")
    lines += ["", "## Text per provision (mean; 0 narrow, 100 broad)", "",
              "| provision | first draft | final text | compromise CM(x) |", "|---|---|---|---|"]
    for k in w.issue_keys:
        lines.append(f"| {k} | {t[f'first_{k}'].mean():.1f} | {t[f'text_{k}'].mean():.1f} | "
                     f"{t[f'compromise_{k}'].mean():.1f} |")
    lines += ["", f"Accredited organisations: {t['accredited'].mean():.1f} of {w.n_orgs} "
              f"(rights NGOs {t['rights_share'].mean():.0%} of them); stakeholder minutes used: "
              f"{t['speaking_minutes'].mean():.0f}", "",
              "## Influence by organisation type (mean [95% CI], weighted scale points gained)", "",
              "| type | accredited | attainment vs first draft | counterfactual influence (without the type) |",
              "|---|---|---|---|"]
    for key in TYPE_KEYS:
        infl = _ci(t[f"influence_{key}"]) if f"influence_{key}" in t else "not run"
        lines.append(f"| {key} | {t[f'accredited_{key}'].mean():.1f} | {_ci(t[f'attainment_{key}'])} | {infl} |")
    lines += ["", "## After adoption", "",
              f"- signatories at the opening: {_ci(t['signatures'])} (65 signed at Hanoi)",
              f"- ratifications after 2 years: {t['ratifications_2y'].mean():.1f}; after 5 years: "
              f"{t['ratifications_5y'].mean():.1f}",
              f"- days to entry into force: median {np.nanmedian(t['eif_days']):.0f} "
              f"({np.isfinite(t['eif_days']).mean():.0%} of replicates within the horizon)",
              "- reservations (states, mean): " + ", ".join(f"{c.removeprefix('reservations_')} "
                                                           f"{t[c].mean():.1f}" for c in t if
                                                           c.startswith("reservations_")),
              f"- implementation index (mean over states): {t['implementation'].mean():.3f}; misuse risk: "
              f"{t['misuse_risk'].mean():.3f}"]
    if "shapley_human_rights" in t:
        lines += ["", "## Shapley attribution of all stakeholders' influence to types (mean [95% CI])", ""]
        lines += [f"- {key}: {_ci(t[f'shapley_{key}'])}" for key in TYPE_KEYS]
    if "influence_all" in t:
        lines += ["", f"All stakeholders vs none (on all organisations' preferences): {_ci(t['influence_all'])}"]
    return "\n".join(lines) + "\n"


def check_model(cfg: RunConfig):
    """The world and the rules' schedules build (a list per session has one value per session ...): ConfigError if
    not. What every command that runs the model checks before any work. Returns the world."""
    world = build_world(cfg.scenario, cfg.seed)
    Schedule.resolve(world, cfg.rules, cfg.params)
    return world


def check(cfg: RunConfig) -> str:
    """Everything a run checks before work, without running or writing anything: the world and the rules'
    schedules build, the memory estimate fits the budget, the run folder is new and writable. Returns a summary."""
    world = check_model(cfg)
    folder = run_folder(cfg)
    if folder.exists():
        raise FileExistsError(f"{folder} already exists")
    io.check_writable(folder.parent, "run_dir")
    est = memory.check(cfg, world.n_states)
    return (f"valid: {world.n_states} states, {world.n_orgs} organisations, {world.n_issues} provisions, "
            f"{world.n_sessions} sessions; {cfg.replicates} replicates x "
            f"{memory.n_variants(cfg.variants, cfg.attribution)} variants; memory about {memory.gib(est.total)} of "
            f"{memory.gib(memory.budget_bytes(cfg))}; would write {folder}")


def run_folder(cfg: RunConfig) -> Path:
    return Path(cfg.run_dir or Path("outputs") / "run" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))


from experiments.phases import PHASES, phase  # noqa: E402  (re-exported: experiments.run.PHASES, .phase)


def _charts(results: RunResults, cfg: RunConfig, folder: Path, jobs: int | None = None) -> None:
    """The run's three charts, each as PNG 300 dpi + SVG + PDF + caption, the nine files written side by side
    (sim.plotting.save_all; ``jobs=1``: one after the other)."""
    w = results.world
    note = f"{w.name}, R = {cfg.replicates} replicates, seed {cfg.seed}"
    record = None
    if cfg.scenario.record:
        points = on_sessions([s.start for s in cfg.scenario.sessions], cfg.scenario.record)
        record = [points.get(k, []) for k in w.issue_keys]
    plotting.save_all([
        (text_trajectory(results, f"Draft text per provision, {w.name} (R = {cfg.replicates}, seed {cfg.seed})",
                         record), "text_trajectory",
         "The chair's draft per provision after each session (median and 5-95% band over replicates) on the "
         "provision's 0-100 scale, with the blocs' and organisation types' positions after the last session"
         + ("; black crosses: the recorded texts (docs/RECORD.md), placed after the last session that had begun by "
            "their date" if record else "") + f"; {note}."),
        (plotting.ratification_curve(results.ratifications, w.eif_ratifications, w.days_per_quarter,
                                     w.eif_delay_days), "ratification_curve",
         f"Cumulative ratifications after the opening for signature (median and 5-95% band) with the "
         f"entry-into-force threshold ({w.eif_ratifications} ratifications + {w.eif_delay_days:g} days); {note}."),
        (plotting.signatures_by_group(results.signed, w.region, reference=65), "signatures_by_region",
         f"Share of each regional group's states that sign at the opening (65 signed at Hanoi in October 2025); "
         f"{note}."),
    ], folder, jobs)


def run(cfg: RunConfig, formats: tuple[str, ...] = ("parquet",), phases: dict[str, float] | None = None) -> Path:
    """Run ``cfg`` and write its folder: config.yaml, manifest.json, results.parquet (and results.csv if
    ``formats`` asks for it), summary.md and the charts.

    The folder is made (as a temporary sibling) before the work starts, so an unwritable run_dir is refused
    before any work; it is renamed into place only when every file is written. ``phases`` are timings measured
    before the call (the command line's imports and compose), recorded beside this run's own in the manifest.
    """
    PHASES.clear()
    PHASES.update(phases or {})
    with phase("world"):
        world = build_world(cfg.scenario, cfg.seed)
        Schedule.resolve(world, cfg.rules, cfg.params)      # validate schedules before any work or output
    folder = run_folder(cfg)
    with io.atomic_dir(folder, "run_dir") as tmp:
        started = time.perf_counter()
        print(f"running {cfg.replicates} replicates with their {cfg.variants.replace('_', ' ')} counterfactuals ...",
              file=sys.stderr, flush=True)
        with phase("engine_and_after_adoption"):
            if cfg.posterior.draws:                          # parameter uncertainty (sim/posterior.py)
                from sim.posterior import run_with_posterior

                results, over_posterior = run_with_posterior(world, cfg)
            else:
                results, over_posterior = run_replicates(world, cfg.params, cfg.rules, cfg.seed,
                                                         np.arange(cfg.replicates), cfg.variants, cfg.chunk_size,
                                                         cfg.attribution), ""
        elapsed = time.perf_counter() - started
        with phase("tables"):
            summary = summarise(results, cfg) + over_posterior
            (tmp / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)))
            results.table.to_parquet(tmp / "results.parquet", index=False)
            if "csv" in formats:
                results.table.to_csv(tmp / "results.csv", index=False)
            (tmp / "summary.md").write_text(summary)
        print(summary, flush=True)          # the numbers first: the charts take longer than the engine
        print("drawing the charts ...", file=sys.stderr, flush=True)
        with phase("charts"):
            _charts(results, cfg, tmp)
        io.write_manifest(tmp, {"command": "run", "seed": cfg.seed, "replicates": cfg.replicates,
                                "variants": cfg.variants, "seconds": round(elapsed, 3), "git_commit": io.git_commit(),
                                "versions": io.versions(), "rules": asdict(cfg.rules), "phases_s": dict(PHASES)})
    print(f"Results in {folder}  ({cfg.replicates} replicates in {elapsed:.2f} s)")
    return folder
