"""``plenary brief cosp``: a short, self-contained brief on the COSP's stakeholder-access rule options.

For each rule option (configs/rules/ presets; the first is the reference, by default draft rule 17(2)) the COSP's
first sessions (sim.cosp.protocol_world: the scenario's provisions, a shorter calendar ending in a decision) are
run under R paired replicates x D posterior draws, each with its no-stakeholder counterfactual. The brief reports,
each against the reference option and paired replicate by replicate within each draw:

1. accredited organisations by type and P(an organisation of the type is kept out);
2. the protocol's text per provision (0 narrow .. 100 broad);
3. stakeholder influence per provision (|text with - without stakeholders|, points) and in all;
4. which rule text the COSP's rules negotiation adopts (sim.cosp.rules_negotiation);
5. pivotal delegations (sim.advocacy.pivotal) and the delegations whose absence decides the access rule;
6. coalition value (sim.advocacy.coalitions): speaking jointly against separately, Shapley values;
7. scenario discovery (sim.advocacy.discovery): PRIM boxes where stakeholders move a provision by > X points;
8. robustness: P(option beats the reference for stakeholders) over the posterior and over the plausible ranges.

Every number is in points of the 0-100 scale (or a count or a share, said so), with its interval over the
replicates beside its interval over the posterior draws. The brief's limits are stated on the page.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim import cosp, plotting, presets
from sim.config import ACCESS_RULES, Params, RunConfig
from sim.enums import OrgType

# Plain-words names of the rule presets the brief knows; any other preset is named by its file name.
OPTION_LABELS = {
    "cosp_rule_17_2": "Draft rule 17(2): one objection refers the application to the COSP",
    "cosp_two_thirds_override": "Two-thirds override of an objection",
    "cosp_as_ahc": "The Ad Hoc Committee's modalities carried over",
    "cosp_open": "Open and inclusive",
    "cosp_consent_based": "The home state's consent",
    "cosp_limited": "Limited and technical",
    "cosp_none": "No stakeholder access",
}
SHORT_LABELS = {"cosp_rule_17_2": "rule 17(2)", "cosp_two_thirds_override": "two-thirds override",
                "cosp_as_ahc": "AHC modalities", "cosp_open": "open", "cosp_consent_based": "home-state consent",
                "cosp_limited": "limited", "cosp_none": "none"}
DEFAULT_OPTIONS = ("cosp_rule_17_2", "cosp_two_thirds_override", "cosp_as_ahc", "cosp_open", "cosp_consent_based",
                   "cosp_limited", "cosp_none")
RULE_TEXT_LABELS = {"open": "open", "ahc_modalities": "AHC modalities", "two_thirds_override": "two-thirds override",
                    "rule_17_2": "rule 17(2)", "consent_based": "home-state consent",
                    "limited_technical": "limited", "none": "none"}
TYPE_LABELS = {"human_rights": "human rights NGOs", "digital_rights": "digital rights NGOs",
               "child_protection": "child protection", "industry": "industry", "academia": "academia",
               "law_enforcement": "law enforcement bodies"}
TYPE_KEYS = tuple(t.key for t in OrgType)
# Plain words for the parameters the scenario discovery varies (sim/config.py Params: their docs and ranges)
PARAM_LABELS = {"stakeholder_weight_max": "the most weight a delegation gives stakeholder messages",
                "susceptibility": "the negotiable share of a delegation's position per session",
                "confidence_political": "how far apart (points) a message can be on political provisions and still "
                                        "persuade",
                "confidence_technical": "how far apart (points) a message can be on technical provisions and still "
                                        "persuade",
                "lobby_contacts": "corridor contacts per organisation and session",
                "coalition_reach": "the extra reach (points) of a cross-sector coalition's joint statement",
                "saturation": "the message mass at which stakeholder weight is half its maximum"}
MAX_HEIGHT = 9.0      # inches: the tallest chart on an A4 / letter page with its caption
MATERIAL = 1.0        # points: an effect below this is "no material difference" (the record's coding step is 5-10)
POSTERIOR_LEVEL = (0.025, 0.975)
# plenary brief --quick: sizes for a first look (and the tests)
QUICK = {"replicates": 8, "draws": 2, "pivot_replicates": 4, "discovery_samples": 12, "discovery_replicates": 4,
         "coalition_replicates": 4}


@dataclass
class BriefSpec:
    """What the brief runs. Sizes are chosen so that the default brief takes minutes on 2 cores (benchmarks/)."""

    options: tuple[str, ...] = DEFAULT_OPTIONS   # rule presets; the first is the reference
    replicates: int = 64                  # paired replicates per option and draw
    draws: int = 16                       # posterior draws (0: the parameters as configured, no posterior)
    pivot_replicates: int = 16            # replicates for the pivotal-delegation finite differences
    pivot_step: float = 0.25              # engagement step (sim.advocacy.pivotal.STEP)
    top: int = 10                         # delegations shown
    discovery_samples: int = 128          # parameter sets of the scenario discovery (Latin hypercube)
    discovery_replicates: int = 8
    discovery_parameters: tuple[str, ...] = ("stakeholder_weight_max", "susceptibility", "confidence_political",
                                             "lobby_contacts", "coalition_reach")
    provision: str | None = None          # the provision of the discovery and pivot questions (default: the one
    #                                       stakeholders move most under the reference option)
    points: float = 1.0                   # "stakeholders move the provision by more than X points"
    coalition_replicates: int = 16


@dataclass
class BriefData:
    spec: BriefSpec
    world_name: str
    issue_keys: tuple[str, ...]
    issue_labels: tuple[str, ...]
    n_by_type: dict[str, int]
    table: pd.DataFrame                    # every option x draw x replicate row (the run table + option, draw)
    kept_out: pd.DataFrame                 # option, draw, replicate, kept_out_<type>
    adoption: pd.DataFrame                 # rule text x share of (draw, replicate) adopting it
    pivots: object = None
    access_pivots: object = None
    deciders: dict = field(default_factory=dict)
    joint: pd.DataFrame | None = None
    shapley: pd.DataFrame | None = None
    type_shapley: pd.DataFrame | None = None
    discovery: object = None
    robust: pd.DataFrame | None = None
    provision: str = ""
    seconds: dict = field(default_factory=dict)
    posterior: dict = field(default_factory=dict)


def option_label(name: str, short: bool = False) -> str:
    return (SHORT_LABELS if short else OPTION_LABELS).get(name, name.replace("_", " "))


def _parameter_sets(cfg: RunConfig, draws: int) -> tuple[list[Params], dict]:
    """The posterior draws (common random numbers across them) or, with draws=0, the parameters as configured."""
    if draws == 0:
        return [cfg.params], {"name": None, "draws": 0}
    from sim import posterior

    post = posterior.load(cfg.posterior.name)
    unfitted = cfg.posterior.unfitted
    meta = {"name": post.name, "draws": draws, "code_version": post.provenance.get("code_version"),
            "record_version": post.provenance.get("record_version"), "parameters": list(post.parameters),
            "unfitted": unfitted,
            "from_prior": posterior.prior_parameters(post, cfg.params) if unfitted == "prior" else []}
    return posterior.draws(post, draws, cfg.seed, cfg.params, unfitted), meta


def paired(table: pd.DataFrame, column: str, reference: str, option: str) -> dict:
    """option - reference for ``column``, paired on (draw, replicate): the mean, the 95% interval of the mean over
    the replicates (within a draw, half-widths averaged over draws) and the 2.5-97.5% range over draws of the
    per-draw mean (NaN with one draw)."""
    key = ["draw", "replicate"]
    a = table[table["option"] == option].set_index(key)[column]
    b = table[table["option"] == reference].set_index(key)[column]
    d = (a - b.reindex(a.index)).dropna()
    return summary(d)


def summary(values: pd.Series) -> dict:
    """Mean, replicate interval and posterior interval of a (draw, replicate)-indexed series."""
    per = values.groupby(level="draw")
    means = per.mean()
    counts, sds = per.count(), per.std(ddof=1)
    half = float((1.96 * sds / np.sqrt(counts)).mean()) if (counts > 1).all() else np.nan
    m = float(means.mean())
    multi = len(means) > 1
    return {"mean": m, "replicates_lo": m - half, "replicates_hi": m + half,
            "posterior_lo": float(means.quantile(POSTERIOR_LEVEL[0])) if multi else np.nan,
            "posterior_hi": float(means.quantile(POSTERIOR_LEVEL[1])) if multi else np.nan,
            "n": int(counts.sum()), "draws": len(means)}


def level(table: pd.DataFrame, column: str, option: str) -> dict:
    return summary(table[table["option"] == option].set_index(["draw", "replicate"])[column])


def check_options(cfg: RunConfig, options) -> None:
    """Before any work: every rule option must fit the COSP's sessions (a per-session list of the AHC's length
    does not), as ConfigError naming --rules."""
    from sim.engine import Schedule
    from sim.errors import ConfigError
    from sim.scenario import build_world

    pw = cosp.protocol_world(build_world(cfg.scenario, cfg.seed), cfg.cosp)
    for name in options:
        try:
            Schedule.resolve(pw, presets.rules(name), cfg.params)
        except ConfigError as exc:
            raise ConfigError("--rules", f"the rules preset {name!r} does not fit the COSP's {pw.n_sessions} "
                              f"sessions ({exc.key}: {exc.problem})", "rules presets with one value per lever, e.g. "
                              "the cosp_* presets") from None


def compute(cfg: RunConfig, spec: BriefSpec, progress=print) -> BriefData:
    """Run everything the brief reports (see the module docstring)."""
    from sim.advocacy import coalitions, discovery, pivotal
    from sim.posterior import run_over_posterior
    from sim.scenario import build_world

    clock: dict[str, float] = {}
    started = time.perf_counter()
    world = build_world(cfg.scenario, cfg.seed)
    pw = cosp.protocol_world(world, cfg.cosp)
    plist, post_meta = _parameter_sets(cfg, spec.draws)
    reps = np.arange(spec.replicates)
    rules = {name: presets.rules(name) for name in spec.options}
    parts, kept = [], []
    progress(f"the COSP's sessions under {len(spec.options)} rule options x {len(plist)} parameter sets x "
             f"{spec.replicates} replicates ...")
    for name in spec.options:
        table, runs = run_over_posterior(pw, plist, rules[name], cfg.seed, reps, "all_vs_none")
        parts.append(table.assign(option=name))
        for d, run in enumerate(runs):
            row = {"option": name, "draw": d, "replicate": reps}
            for g, key in enumerate(TYPE_KEYS):
                members = pw.org_type == g
                row[f"kept_out_{key}"] = (1.0 - run.accredited[:, members].mean(axis=1)) if members.any() else np.nan
            kept.append(pd.DataFrame(row))
    table = pd.concat(parts, ignore_index=True)
    kept_out = pd.concat(kept, ignore_index=True)
    clock["options"] = time.perf_counter() - started

    t0 = time.perf_counter()
    progress("the COSP's rules negotiation (which access rule is adopted) ...")
    adopted = []
    for d, p in enumerate(plist):
        _, rule, _ = cosp.rules_negotiation(world, p, cfg.rules, cfg.cosp, cfg.seed, reps)
        adopted.append(pd.DataFrame({"draw": d, "replicate": reps, "rule": rule}))
    adopted = pd.concat(adopted)
    adoption = pd.DataFrame({"rule": list(ACCESS_RULES),
                             "share": [float((adopted["rule"] == r).mean()) for r in ACCESS_RULES]})
    adoption.attrs["by_draw"] = adopted.groupby("draw")["rule"].apply(lambda s: (s != cfg.cosp.status_quo).mean())
    clock["rules_negotiation"] = time.perf_counter() - t0

    ref = spec.options[0]
    effects = {k: level(table, f"effect_{k}", ref)["mean"] for k in pw.issue_keys}
    provision = spec.provision or max(effects, key=effects.get)
    if provision not in pw.issue_keys:
        raise ValueError(f"unknown provision {provision!r}; the scenario has {', '.join(pw.issue_keys)}")

    t0 = time.perf_counter()
    progress(f"pivotal delegations ({world.n_states} delegations x {spec.pivot_replicates} replicates, twice) ...")
    preps = np.arange(spec.pivot_replicates)
    piv = pivotal.provision_pivots(pw, cfg.params, rules[ref], cfg.seed, preps, provision, spec.pivot_step)
    apiv = pivotal.access_pivots(world, cfg.params, cfg.rules, cfg.cosp, cfg.seed, preps, spec.pivot_step)
    deciders = {rule: pivotal.access_deciders(world, cfg.params, cfg.rules, replace(cfg.cosp, decision_rule=rule),
                                              cfg.seed, reps)
                for rule in dict.fromkeys([cfg.cosp.decision_rule, "consensus"])}
    clock["pivotal"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress("coalition value (jointly against separately; Shapley values over coalitions) ...")
    creps = np.arange(spec.coalition_replicates)
    joint = coalitions.joint_vs_separate(pw, cfg.params, rules[ref], cfg.seed, creps)
    shap = coalitions.coalition_shapley(pw, cfg.params, rules[ref], cfg.seed, creps)
    type_shap = coalitions.type_shapley(pw, cfg.params, rules[ref], cfg.seed, creps)
    clock["coalitions"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress(f"scenario discovery ({spec.discovery_samples} parameter sets x {len(spec.options)} options x "
             f"{spec.discovery_replicates} replicates, PRIM) ...")
    found = discovery.discover(pw, cfg.params, rules, cfg.seed, np.arange(spec.discovery_replicates),
                               spec.discovery_samples, list(spec.discovery_parameters), provision, spec.points)
    clock["discovery"] = time.perf_counter() - t0

    robust = []
    experiments = found.experiments
    for name in spec.options[1:]:
        over_post = discovery.p_beats(table[table["option"] == name], table[table["option"] == ref], "influence_all")
        material = discovery.p_beats(table[table["option"] == name], table[table["option"] == ref], "influence_all",
                                     margin=MATERIAL)
        row = {"option": name, "p_posterior": over_post.p, "p_posterior_material": material.p,
               "mean_posterior": over_post.mean}
        a = experiments[experiments["rule"] == name].set_index("sample")["outcome"]
        b = experiments[experiments["rule"] == ref].set_index("sample")["outcome"]
        diff = (a - b.reindex(a.index)).dropna()
        row["p_ranges"] = float((diff > 0).mean()) if len(diff) else np.nan
        row["p_ranges_material"] = float((diff > MATERIAL).mean()) if len(diff) else np.nan
        row["mean_ranges"] = float(diff.mean()) if len(diff) else np.nan
        robust.append(row)
    clock["total"] = time.perf_counter() - started
    return BriefData(spec, world.name, pw.issue_keys, pw.issue_labels,
                     {k: int((pw.org_type == g).sum()) for g, k in enumerate(TYPE_KEYS)}, table, kept_out, adoption,
                     piv, apiv, deciders, joint, shap, type_shap, found, pd.DataFrame(robust), provision,
                     {k: round(v, 2) for k, v in clock.items()}, post_meta)


# ------------------------------------------------------------------------------------------------- the page
class Page:
    """Blocks of a brief rendered both as Markdown and as one self-contained HTML file (no library needed: headings,
    paragraphs, bullet lists, tables and figures with captions)."""

    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def p(self, text: str) -> None:
        self.blocks.append(("p", " ".join(text.split())))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(("ul", [" ".join(i.split()) for i in items]))

    def table(self, frame: pd.DataFrame) -> None:
        self.blocks.append(("table", frame))

    def figure(self, name: str, caption: str) -> None:
        self.blocks.append(("fig", name, " ".join(caption.split())))

    def markdown(self) -> str:
        out = []
        for b in self.blocks:
            if b[0] == "h":
                out.append(f"{'#' * b[1]} {b[2]}")
            elif b[0] == "p":
                out.append(b[1])
            elif b[0] == "ul":
                out.append("\n".join(f"- {i}" for i in b[1]))
            elif b[0] == "table":
                f = b[1]
                lines = ["| " + " | ".join(map(str, f.columns)) + " |", "|" + "---|" * len(f.columns)]
                lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in f.itertuples(index=False)]
                out.append("\n".join(lines))
            else:
                out.append(f"![{b[2]}](figures/{b[1]}.png)\n\n*Figure: {b[2]}*")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        esc = html.escape
        body = []
        for b in self.blocks:
            if b[0] == "h":
                body.append(f"<h{b[1]}>{esc(b[2])}</h{b[1]}>")
            elif b[0] == "p":
                body.append(f"<p>{esc(b[1])}</p>")
            elif b[0] == "ul":
                body.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b[1]) + "</ul>")
            elif b[0] == "table":
                f = b[1]
                head = "".join(f"<th>{esc(str(c))}</th>" for c in f.columns)
                rows = "".join("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
                               for row in f.itertuples(index=False))
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            else:
                body.append(f'<figure><img src="figures/{esc(b[1])}.png" alt="{esc(b[2])}" style="max-width:100%">'
                            f"<figcaption>{esc(b[2])}</figcaption></figure>")
        style = ("body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.45;color:#222}"
                 "table{border-collapse:collapse;font-size:0.85em;margin:1em 0}td,th{border:1px solid #ccc;"
                 "padding:0.25em 0.5em;text-align:left}figcaption{font-size:0.85em;color:#444}")
        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title>"
                f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def influence_finding(infl: dict[str, dict], ref: str) -> str | None:
    """The brief's sentence when no option's mean influence differs from ``ref``'s by MATERIAL points (None
    otherwise), saying so on average and naming the largest difference the posterior range reaches where that is
    material: a small mean over a wide posterior is not evidence of no effect."""
    if not infl or max(abs(v["mean"]) for v in infl.values()) >= MATERIAL:
        return None
    text = (f"On average no rule option changes stakeholder influence by as much as {MATERIAL:g} point against "
            f"{option_label(ref, True)}: in this model the options differ in who gets in far more than in what the "
            "text says")
    reach = {k: max(abs(v["posterior_lo"]), abs(v["posterior_hi"])) for k, v in infl.items()
             if np.isfinite(v.get("posterior_lo", np.nan))}
    far = max(reach, key=reach.get) if reach else None
    if far is not None and reach[far] >= MATERIAL:
        text += (f"; but over the posterior the difference reaches {reach[far]:.1f} points "
                 f"({option_label(far, True)}), so the record does not rule out a material difference")
    return text + "."


def fmt(s: dict, digits: int = 2, signed: bool = False) -> str:
    """'mean [replicates lo, hi] {posterior lo, hi}' in the given precision."""
    f = (lambda v: f"{v:+.{digits}f}") if signed else (lambda v: f"{v:.{digits}f}")
    text = f"{f(s['mean'])} [{f(s['replicates_lo'])}, {f(s['replicates_hi'])}]"
    if np.isfinite(s.get("posterior_lo", np.nan)):
        text += f" {{{f(s['posterior_lo'])}, {f(s['posterior_hi'])}}}"
    return text


def _forest_rows(data: BriefData, frame: pd.DataFrame, columns: dict[str, str], paired_to: str | None = None):
    rows = []
    for name in data.spec.options:
        if paired_to is not None and name == paired_to:
            continue
        for col, label in columns.items():
            s = paired(frame, col, paired_to, name) if paired_to else level(frame, col, name)
            lo, hi = (s["posterior_lo"], s["posterior_hi"]) if np.isfinite(s["posterior_lo"]) else \
                (s["replicates_lo"], s["replicates_hi"])
            rows.append({"label": label, "option": option_label(name, short=True), "mean": s["mean"],
                         "lo": min(lo, s["replicates_lo"]), "hi": max(hi, s["replicates_hi"])})
    return pd.DataFrame(rows)


def _uncertainty_words(data: BriefData) -> str:
    post = data.posterior
    if post.get("draws"):
        return (f"Each number: mean over {post['draws']} draws from the posterior '{post['name']}' x "
                f"{data.spec.replicates} paired replicates; [..] is the 95% interval of the mean over the replicates, "
                "{..} the 2.5-97.5% range over the posterior draws (parameter uncertainty: "
                + (f"the {len(post['from_prior'])} parameters the fit left out are drawn from their priors, since the "
                   "record does not inform them)." if post.get("from_prior") else
                   "the parameters the fit left out are held at their configured values, so this range is "
                   "conditional on them)."))
    return (f"Each number: mean over {data.spec.replicates} paired replicates at the configured parameters; [..] is "
            "the 95% interval over the replicates. No posterior was used (draws=0): parameter uncertainty is not "
            "shown.")


def _bars_words(data: BriefData) -> str:
    if data.posterior.get("draws"):
        return ("bars span the wider of the 95% interval over replicates and the 2.5-97.5% range over "
                f"{data.posterior['draws']} posterior draws")
    return "bars: 95% intervals over replicates"


def _figures(data: BriefData, folder: Path) -> dict[str, str]:
    """Draw every chart into ``folder`` (PNG 300 dpi + SVG + PDF + caption); returns name -> caption."""
    import matplotlib.pyplot as plt

    spec, t = data.spec, data.table
    n = spec.replicates * max(1, data.posterior.get("draws") or 1)
    captions = {}

    def save(fig, name, caption):
        width, height = fig.get_size_inches()
        if height > MAX_HEIGHT:                  # many options x provisions: keep the page printable
            fig.set_size_inches(width, MAX_HEIGHT)
            fig.tight_layout()
        plotting.save(fig, folder, name, caption)
        captions[name] = " ".join(caption.split())

    types = {f"kept_out_{k}": TYPE_LABELS[k] for k in TYPE_KEYS if data.n_by_type[k]}
    rows = _forest_rows(data, data.kept_out, types)
    fig = plotting.forest(rows, "label", "option", "access rule", "share of the type's organisations kept out "
                          "(0 = all admitted, 1 = none)", n, "Who is kept out under each access rule?", min_span=None)
    fig.axes[0].set_xlim(-0.02, 1.02)
    save(fig, "kept_out_by_type", f"Share of each type's organisations that are not accredited to the COSP's sessions "
         f"under each access rule option; {_bars_words(data)}; {n} runs per option.")

    issues = dict(zip((f"text_{k}" for k in data.issue_keys), data.issue_labels, strict=True))
    rows = _forest_rows(data, t, issues)
    fig = plotting.forest(rows, "label", "option", "access rule", "protocol text (0 = narrowest, 100 = broadest)", n,
                          "The protocol's text under each access rule", min_span=None)
    fig.axes[0].set_xlim(0, 100)
    save(fig, "protocol_text", "The text of the COSP's first protocol per provision on its 0-100 scale (0: the "
         f"narrowest wording, 100: the broadest) under each access rule option; {_bars_words(data)}.")

    effects = dict(zip((f"effect_{k}" for k in data.issue_keys), data.issue_labels, strict=True))
    rows = _forest_rows(data, t, effects)
    fig = plotting.forest(rows, "label", "option", "access rule", "stakeholder influence on the provision (points, "
                          "|text with - without stakeholders|)", n, "How far stakeholders move each provision")
    save(fig, "influence_by_provision", "Stakeholder influence per provision: the absolute difference, in points of "
         "the 0-100 scale, between the protocol text with every accredited organisation and the same replicate "
         f"without any (every other random draw identical), under each access rule option; {_bars_words(data)}. "
         "The axis spans at least 10 points so that a negligible effect does not look large.")

    top = data.access_pivots.table.head(spec.top)
    fig = plotting.forest(top.assign(option="engaged", mean=top["effect"], label=top["name"]), "label", "option",
                          "delegation", "movement of the COSP chair's draft access rule towards open (points of the "
                          "0-100 access scale)", data.access_pivots.replicates,
                          f"Where one more unit of engagement pays most: top {spec.top} delegations")
    fig.axes[0].get_legend().remove()
    save(fig, "pivotal_delegations", f"The {spec.top} delegations where more stakeholder engagement (their uptake "
         f"of stakeholder input raised by {spec.pivot_step:.0%}) moves the COSP chair's draft access rule furthest "
         f"towards open, in points of the 0-100 access scale; paired finite differences with common random numbers "
         f"over {data.access_pivots.replicates} replicates, 95% intervals, at the configured parameters.")

    if data.shapley is not None and len(data.shapley):
        sh = data.shapley
        rows = pd.DataFrame({"label": sh["player"].str.replace("_", " "), "option": "Shapley value",
                             "mean": sh["shapley"], "lo": sh["shapley_lo"], "hi": sh["shapley_hi"]})
        fig = plotting.forest(rows, "label", "option", "", "Shapley value (weighted points of influence)",
                              spec.coalition_replicates, "What each coalition contributes to stakeholder influence")
        fig.axes[0].get_legend().remove()
        save(fig, "coalition_shapley", "Shapley values of the named coalitions (and of the unaffiliated organisations) "
             "in the influence of all stakeholders on the protocol under the reference rule: each one's average "
             "marginal contribution over every order of arrival, in weighted points towards the organisations' "
             f"preferences; 95% intervals over {spec.coalition_replicates} replicates, configured parameters.")

    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    share = data.adoption.set_index("rule")["share"]
    ax.barh([RULE_TEXT_LABELS.get(r, r) for r in share.index], share.to_numpy(), color=plotting.SERIES[0])
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of runs adopting the rule text")
    ax.set_title("Which access rule does the COSP adopt?", loc="left", fontsize=9)
    fig.tight_layout()
    save(fig, "rule_adopted", f"Share of runs ({n}: replicates x parameter sets) in which the COSP's rules "
         "negotiation adopts each access rule text, against draft rule 17(2) as the text on the table.")
    return captions


def _limits(data: BriefData) -> list[str]:
    return [
        "The COSP's sessions are simulated on the Ad Hoc Committee scenario's provisions: the protocol's agenda is "
        "not known yet, so 'the protocol text' stands for a negotiation like the AHC's under the rule.",
        "How a rule text maps onto the model's levers (accreditation procedure, speaking time, closed informals) is "
        "an assumption written in each preset (configs/rules/cosp_*.yaml).",
        "The fit to the record is weak (docs/FIT.md): the posterior's effective sample size is small, and the model "
        "misses several recorded texts by more than one coding step. "
        + (f"The {len(data.posterior['from_prior'])} parameters the fit left out, which the record does not inform, "
           "are drawn from their priors in each posterior draw, so the ranges over the posterior are wide mostly "
           "for that reason." if data.posterior.get("from_prior") else
           "The parameters the fit left out are held at their configured values, so the ranges over the posterior "
           "understate what is not known."),
        "Pivotal delegations are ranked at the configured parameters, not over the posterior; 'engagement' is a "
        "delegation listening more, not a modelled meeting (sim/advocacy/pivotal.py).",
        "Effects below 1 point on the 0-100 scale are within the coding precision of the record and should be read "
        "as 'no material difference', whatever their intervals.",
    ]


def write(data: BriefData, cfg: RunConfig, folder: Path, command: str) -> None:
    """The brief's folder: brief.md, brief.html (and brief.pdf where Chromium is installed), figures/, tables/,
    config.yaml, manifest.json."""
    from omegaconf import OmegaConf

    from sim import io

    spec, ref, t = data.spec, data.spec.options[0], data.table
    (folder / "figures").mkdir()
    (folder / "tables").mkdir()
    captions = _figures(data, folder / "figures")
    page = Page()
    page.h(1, f"Stakeholder access to the COSP: what each rule option would cost, and whom ({data.world_name})")
    page.p(f"Reference option: {option_label(ref)}. {_uncertainty_words(data)} All effects are in points of the "
           "0-100 scale unless said otherwise; an effect below 1 point is no material difference.")
    infl = {name: paired(t, "influence_all", ref, name) for name in spec.options[1:]}
    lead = max(infl, key=lambda k: abs(infl[k]["mean"])) if infl else None
    kept_ref = level(data.kept_out, "kept_out_human_rights", ref) if data.n_by_type.get("human_rights") else None
    findings = []
    if lead:
        findings.append(f"The largest change in stakeholder influence against {option_label(ref, True)}: "
                        f"{option_label(lead, True)}, {fmt(infl[lead], 2, True)} weighted points.")
    if kept_ref:
        findings.append(f"Under {option_label(ref, True)}, a human rights NGO is kept out with probability "
                        f"{fmt(kept_ref, 2)}.")
    adopt = data.adoption.set_index("rule")["share"]
    findings.append(f"The COSP's rules negotiation keeps the text on the table ({RULE_TEXT_LABELS.get(cfg.cosp.status_quo)}"
                    f") in {adopt.get(cfg.cosp.status_quo, 0):.0%} of runs (decision rule: "
                    f"{cfg.cosp.decision_rule.replace('_', ' ')}).")
    if (sentence := influence_finding(infl, ref)) is not None:
        findings.append(sentence)
    best = data.access_pivots.table.iloc[0]
    findings.append(f"The delegation where more engagement pays most for the access rule ({best['name']}) moves the "
                    f"chair's draft by {best['effect']:+.3f} points towards open"
                    + (": no delegation is pivotal in a material sense." if abs(best["effect"]) < MATERIAL else "."))
    findings.append(box_sentence(data))
    page.h(2, "In brief")
    page.bullets([f for f in findings if f])

    page.h(2, "1. Who gets in")
    rows = []
    for name in spec.options:
        row = {"access rule": option_label(name, True), "accredited (count)": fmt(level(t, "accredited", name), 1)}
        for key in TYPE_KEYS:
            if data.n_by_type[key]:
                row[f"P(kept out): {TYPE_LABELS[key]}"] = fmt(level(data.kept_out, f"kept_out_{key}", name), 2)
        rows.append(row)
    page.table(pd.DataFrame(rows))
    page.figure("kept_out_by_type", captions["kept_out_by_type"])

    page.h(2, "2. What the protocol's text would look like")
    rows = []
    for k, label in zip(data.issue_keys, data.issue_labels, strict=True):
        row = {"provision": label, option_label(ref, True): fmt(level(t, f"text_{k}", ref), 1)}
        for name in spec.options[1:]:
            row[f"{option_label(name, True)} - {option_label(ref, True)}"] = fmt(paired(t, f"text_{k}", ref, name), 1, True)
        rows.append(row)
    page.table(pd.DataFrame(rows))
    page.figure("protocol_text", captions["protocol_text"])

    page.h(2, "3. How far stakeholders move the text")
    rows = [{"access rule": option_label(n_, True), "influence of all stakeholders": fmt(level(t, "influence_all", n_), 2),
             f"against {option_label(ref, True)}": fmt(paired(t, "influence_all", ref, n_), 2, True) if n_ != ref else "-"}
            for n_ in spec.options]
    page.table(pd.DataFrame(rows))
    page.figure("influence_by_provision", captions["influence_by_provision"])

    page.h(2, "4. Which rule will the COSP adopt?")
    by_draw = data.adoption.attrs.get("by_draw")
    spread = (f"; over the posterior draws the share that changes the text on the table ranges from "
              f"{by_draw.min():.0%} to {by_draw.max():.0%}") if by_draw is not None and len(by_draw) > 1 else ""
    page.p(f"The COSP's rules negotiation (sim/cosp.py), with draft rule 17(2) on the table and the "
           f"{cfg.cosp.decision_rule.replace('_', ' ')} decision rule, adopts (share of runs){spread}:")
    page.table(pd.DataFrame({"rule text": [RULE_TEXT_LABELS.get(r, r) for r in data.adoption["rule"]],
                             "share of runs": data.adoption["share"].map("{:.0%}".format)}))
    page.figure("rule_adopted", captions["rule_adopted"])

    page.h(2, "5. Whom to talk to")
    page.p(f"Pivotal delegations for the access rule: {data.access_pivots.outcome}; baseline "
           f"{data.access_pivots.baseline:.1f}. For the provision '{_label(data, data.provision)}': "
           f"{data.pivots.outcome}.")
    both = data.access_pivots.table.head(spec.top).merge(data.pivots.table[["iso", "effect", "lo", "hi"]], on="iso",
                                                         suffixes=("", "_provision"), how="left")
    page.table(pd.DataFrame({"delegation": both["name"], "bloc": both["bloc"],
                             "access rule (points towards open)": [f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]" for m, lo, hi in
                                                                   zip(both["effect"], both["lo"], both["hi"], strict=True)],
                             f"'{_label(data, data.provision)}' (points)": [
                                 f"{m:+.3f}" for m in both["effect_provision"]]}))
    page.figure("pivotal_delegations", captions["pivotal_delegations"])
    for rule, dec in data.deciders.items():
        top = dec[dec["p_decides"] > 0].head(spec.top)
        if top.empty:
            page.p(f"Under {rule.replace('_', ' ')}, no single delegation's absence or abstention changes the rule "
                   f"adopted in any of the {spec.replicates} runs.")
        else:
            page.p(f"Under {rule.replace('_', ' ')}, the delegations whose absence or abstention alone changes the rule "
                   f"adopted (share of {spec.replicates} runs):")
            page.table(pd.DataFrame({"delegation": top["name"], "bloc": top["bloc"],
                                     "P(absence decides)": top["p_absence_decides"].map("{:.0%}".format),
                                     "P(abstention decides)": top["p_abstention_decides"].map("{:.0%}".format)}))

    page.h(2, "6. Does speaking jointly pay?")
    if data.joint is not None:
        allrow = data.joint[(data.joint["coalition"] == "all") & (data.joint["outcome"] == "effect")]
        if len(allrow):
            page.p(f"With the named coalitions speaking jointly, stakeholders move the text by "
                   f"{allrow['joint'].mean():.3f} points per provision on average; with every member speaking alone, "
                   f"by {allrow['separate'].mean():.3f} (paired, {int(allrow['replicates'].iloc[0])} replicates, "
                   "configured parameters; tables/joint_vs_separate.csv has every provision).")
        page.table(_coalition_table(data.joint))
    if "coalition_shapley" in captions:
        page.figure("coalition_shapley", captions["coalition_shapley"])
    if data.type_shapley is not None and len(data.type_shapley):
        ts = data.type_shapley
        page.p("The same attribution over organisation types (Shapley values over the 64 coalitions of types; weighted "
               "points of the influence of all stakeholders, 95% intervals over replicates; the shares add up to 1):")
        page.table(pd.DataFrame({"type": [TYPE_LABELS.get(p_, p_) for p_ in ts["player"]],
                                 "Shapley value": [f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]" for m, lo, hi in
                                                   zip(ts["shapley"], ts["shapley_lo"], ts["shapley_hi"], strict=True)],
                                 "share of the total": ts["share_of_total"].map("{:.0%}".format)}))

    page.h(2, f"7. When is stakeholder influence real? ('{_label(data, data.provision)}' moved by more than "
              f"{spec.points:g} point{'s' if spec.points != 1 else ''})")
    page.p(box_sentence(data))
    page.p(f"PRIM (Friedman & Fisher 1999; EMA workbench) over {spec.discovery_samples} Latin-hypercube parameter sets "
           f"within their plausible ranges x {len(spec.options)} rule options, {spec.discovery_replicates} paired "
           "replicates each; the outcome is the mean stakeholder effect on the provision in points.")

    page.h(2, "8. How robust is the ranking?")
    if data.robust is not None and len(data.robust):
        r = data.robust
        beats = f"P(beats {option_label(ref, True)})"
        page.table(pd.DataFrame({"access rule": [option_label(o, True) for o in r["option"]],
                                 f"{beats} over the posterior": r["p_posterior"].map("{:.0%}".format),
                                 f"by > {MATERIAL:g} point": r["p_posterior_material"].map("{:.0%}".format),
                                 "mean difference (posterior)": r["mean_posterior"].map("{:+.2f}".format),
                                 f"{beats} over the plausible ranges": r["p_ranges"].map("{:.0%}".format),
                                 f"by > {MATERIAL:g} point ": r["p_ranges_material"].map("{:.0%}".format),
                                 "mean difference (ranges)": r["mean_ranges"].map("{:+.2f}".format)}))
        page.p("Over the posterior, 'beats' means more influence of all stakeholders (weighted points) than the "
               "reference option, paired replicate by replicate within each draw; over the plausible ranges it means "
               f"a larger stakeholder effect on '{_label(data, data.provision)}' (points) in the scenario-discovery "
               "sample of section 7, paired sample by sample.")

    page.h(2, "Limits of this brief")
    page.bullets(_limits(data))
    page.h(2, "Provenance")
    page.p(f"Command: {command}. Seed {cfg.seed}; code {io.git_commit()}; the configuration is config.yaml, every "
           "table behind the numbers is in tables/, every figure in figures/ (PNG 300 dpi, SVG, PDF, caption).")
    (folder / "brief.md").write_text(page.markdown(), encoding="utf-8")
    (folder / "brief.html").write_text(page.html("Stakeholder access to the COSP"), encoding="utf-8")
    pdf = print_pdf(folder / "brief.html", folder / "brief.pdf")
    keep = [c for c in t.columns if c in ("option", "draw", "replicate", "mode", "accredited", "influence_all")
            or c.startswith(("text_", "effect_", "accredited_"))]
    t[keep].to_parquet(folder / "tables" / "options.parquet", index=False)   # the run rows behind every number
    data.kept_out.to_csv(folder / "tables" / "kept_out.csv", index=False)
    data.adoption.to_csv(folder / "tables" / "rule_adopted.csv", index=False)
    data.access_pivots.table.to_csv(folder / "tables" / "pivotal_access.csv", index=False)
    data.pivots.table.to_csv(folder / "tables" / "pivotal_provision.csv", index=False)
    for rule, dec in data.deciders.items():
        dec.to_csv(folder / "tables" / f"deciders_{rule}.csv", index=False)
    if data.joint is not None:
        data.joint.to_csv(folder / "tables" / "joint_vs_separate.csv", index=False)
    if data.shapley is not None:
        data.shapley.to_csv(folder / "tables" / "coalition_shapley.csv", index=False)
    if data.type_shapley is not None:
        data.type_shapley.to_csv(folder / "tables" / "type_shapley.csv", index=False)
    data.discovery.experiments.to_csv(folder / "tables" / "discovery.csv", index=False)
    if data.robust is not None:
        data.robust.to_csv(folder / "tables" / "robustness.csv", index=False)
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    io.write_manifest(folder, {"command": command, "seed": cfg.seed, "git_commit": io.git_commit(),
                               "versions": io.versions(), "brief": _jsonable(asdict(spec)), "posterior": data.posterior,
                               "provision": data.provision, "seconds": data.seconds,
                               "figures": sorted(captions), "options": list(spec.options), "pdf": pdf})


def box_sentence(data: BriefData) -> str:
    """The PRIM box in plain words (parameter labels, rule names), with its coverage and density."""
    box, spec = data.discovery.box, data.spec
    what = f"stakeholders move '{_label(data, data.provision)}' by more than {spec.points:g} point" + (
        "s" if spec.points != 1 else "")
    overall = float(data.discovery.experiments["y"].mean())
    if not box.found:
        return (f"No parameter and rule region was found where {what} in at least {box.threshold:.0%} of the runs "
                f"(it happens in {overall:.0%} of all {len(data.discovery.experiments)} runs).")
    parts = []
    for row in box.limits.itertuples():
        if row.parameter == "rule":
            chosen = [option_label(v, True) for v in row.values]
            rest = [option_label(o, True) for o in spec.options if o not in row.values]
            parts.append(f"the rule is {' or '.join(chosen)}" if len(chosen) <= len(rest) or not rest
                         else f"the rule is anything but {' or '.join(rest)}")
        else:
            label = PARAM_LABELS.get(row.parameter, row.parameter.replace("_", " "))
            lo, hi = discovery_range(row.parameter)
            bits = []
            if row.lower > lo + 1e-9:
                bits.append(f"at least {row.lower:.3g}")
            if row.upper < hi - 1e-9:
                bits.append(f"at most {row.upper:.3g}")
            parts.append(f"{label} is {' and '.join(bits) or 'anywhere'} (plausible range {lo:g}-{hi:g})")
    return (f"{what[0].upper() + what[1:]} in {box.density:.0%} of the runs where " + "; ".join(parts) +
            f". This region holds {box.coverage:.0%} of all the runs where it happens (coverage) and {box.mass:.0%} "
            f"of all {len(data.discovery.experiments)} runs; overall it happens in {overall:.0%}.")


def discovery_range(name: str) -> tuple[float, float]:
    from sim.advocacy.discovery import plausible_ranges

    return tuple(plausible_ranges([name])[name])


def _coalition_table(joint: pd.DataFrame) -> pd.DataFrame:
    """Per named coalition: the share of its members' gap closed, jointly against separately, and the mean over
    provisions of the text's movement towards its members (points)."""
    rows = []
    for name, grp in joint[joint["coalition"] != "all"].groupby("coalition", sort=False):
        gap = grp[grp["outcome"] == "gap_closed"]
        towards = grp[grp["outcome"] == "towards"]
        row = {"coalition": name.replace("_", " ")}
        if len(gap):
            g = gap.iloc[0]
            row.update({"gap closed, joint": f"{g.joint:+.2%}", "gap closed, separate": f"{g.separate:+.2%}",
                        "difference": f"{g.difference:+.2%} [{g.difference_lo:+.2%}, {g.difference_hi:+.2%}]"})
        if len(towards):
            row["movement towards its members, mean over provisions (points)"] = (
                f"{towards['joint'].mean():+.3f} joint, {towards['separate'].mean():+.3f} separate")
        rows.append(row)
    return pd.DataFrame(rows)


BROWSERS = ("chromium", "chromium-browser", "google-chrome")   # PLENARY_CHROMIUM overrides
PDF_TIMEOUT_S = 120


def print_pdf(html_file: Path, pdf_file: Path) -> str:
    """Print the brief's HTML to PDF with a headless Chromium when one is installed (offline: the page has no
    external resources). Returns the PDF's file name, or why none was written (the brief is complete without it)."""
    import os
    import shutil
    import subprocess
    import tempfile

    browser = os.environ.get("PLENARY_CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if not browser:
        return "not written: no Chromium found (install chromium, or print brief.html from a browser)"
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", f"--print-to-pdf={pdf_file}", html_file.resolve().as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"not written: {browser} failed ({type(exc).__name__})"
    if not pdf_file.is_file() or pdf_file.read_bytes()[:5] != b"%PDF-":
        pdf_file.unlink(missing_ok=True)
        return f"not written: {browser} produced no PDF"
    return pdf_file.name


def _label(data: BriefData, key: str) -> str:
    return data.issue_labels[data.issue_keys.index(key)] if key in data.issue_keys else key


def _round_frame(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    return frame.apply(lambda c: c.map(lambda v: f"{v:.{digits}f}" if isinstance(v, float) else v))


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def run(cfg: RunConfig, spec: BriefSpec, out: Path, command: str, progress=print) -> Path:
    """Compute and write the brief into ``out`` (made as a temporary sibling, renamed into place when complete)."""
    from sim import io

    out = Path(out)
    with io.atomic_dir(out, "--out") as tmp:
        data = compute(cfg, spec, progress)
        progress("writing the brief ...")
        write(data, cfg, tmp, command)
    return out
