# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. The advocates' brief: rule 17(2) and what else could be written
# **Time:** about 45 minutes (the code runs in about a minute).
#
# **Learning goals**
# - Read the numbers of `plenary brief cosp`: who gets in, what the text would say, how far stakeholders move it,
#   and how sure the model is (replicates beside the posterior).
# - Write your own rule text, run it against draft rule 17(2), and judge whether the difference is material.
# - Find whom to talk to, and say honestly when no delegation is pivotal.
#
# The full brief is one command: `plenary brief cosp` (about a minute on two cores; `docs/examples/brief_cosp/`
# has the default one). Here is a small version, built from the same functions.

# %%
from dataclasses import replace

import pandas as pd

from sim import plotting, presets
from sim.advocacy import brief
from sim.config import AccreditationRule, RunConfig
from sim.cosp import protocol_world
from sim.posterior import draws, run_over_posterior
from sim.scenario import build_world

SEED = 20241224
cfg = RunConfig(scenario=presets.scenario(), rules=presets.rules(), params=presets.params(), seed=SEED)
spec = brief.BriefSpec(options=("cosp_rule_17_2", "cosp_two_thirds_override", "cosp_open"), **brief.QUICK)
data = brief.compute(cfg, spec, progress=print)

# %% [markdown]
# ## Who gets in
# P(an organisation of each type is kept out) under each option. Each cell reads: mean [95% interval over the
# replicates] {2.5-97.5% range over the posterior draws}. Accreditation depends on no fitted parameter, but on
# parameters the record does not inform (the states' admission thresholds); each posterior draw
# takes those from their priors, so the range over the posterior shows how much they matter.

# %%
kept = pd.DataFrame({brief.option_label(o, True): {brief.TYPE_LABELS[k]: brief.fmt(brief.level(
    data.kept_out, f"kept_out_{k}", o), 2) for k in brief.TYPE_KEYS} for o in spec.options})
display(kept)

# %% [markdown]
# ## Your own rule text
# Draft rule 17(2) lets one objection refer an application to the COSP, which decides by consensus: one state can
# keep an organisation out. Suppose you propose instead that an objection is put to a vote and overridden by a
# simple majority, with 30 minutes of speaking time per agenda item. Change the lines below to try other texts
# (`plenary list rules` shows every lever and its values).

# %%
reference = presets.rules("cosp_rule_17_2")
mine = replace(reference, accreditation=AccreditationRule("non_objection_vote", majority="simple"),
               speaking_minutes=30.0)
pw = protocol_world(build_world(cfg.scenario, SEED), cfg.cosp)
plist = draws("default", spec.draws, SEED, cfg.params)
reps = range(spec.replicates)
both = pd.concat([run_over_posterior(pw, plist, rules, SEED, reps, "all_vs_none")[0].assign(option=name)
                  for name, rules in (("reference", reference), ("mine", mine))], ignore_index=True)
gain = {col: brief.paired(both, col, "reference", "mine") for col in ["accredited", "influence_all"]}
per_pair = both[both["option"] == "mine"]["accredited"].to_numpy() - both[both["option"] == "reference"][
    "accredited"].to_numpy()
print(f"More organisations accredited: {brief.fmt(gain['accredited'], 1, True)}; in every paired run at least "
      f"{per_pair.min():+.0f}")
print(f"Stakeholder influence: {brief.fmt(gain['influence_all'], 3, True)} weighted points")
material = abs(gain["influence_all"]["mean"]) >= brief.MATERIAL
print("Material (at least 1 point)?", material)

# %% [markdown]
# Per provision: how much further do stakeholders move the text under your rule? The axis spans at least 10
# points, so that an effect of a tenth of a point looks like what it is.

# %%
rows = pd.DataFrame([{"label": label, "series": "your rule - rule 17(2)", **{
    k: v for k, v in zip(("mean", "lo", "hi"), (s["mean"], min(s["replicates_lo"], s["posterior_lo"]),
                                                 max(s["replicates_hi"], s["posterior_hi"])), strict=True)}}
    for key, label in zip(pw.issue_keys, pw.issue_labels, strict=True)
    for s in [brief.paired(both, f"effect_{key}", "reference", "mine")]])
fig = plotting.forest(rows, "label", "series", "", "change in stakeholder influence on the provision (points)",
                      spec.replicates * spec.draws, "Your rule against draft rule 17(2)")

# %% [markdown]
# ## Whom to talk to
# The delegations where one more unit of engagement moves the COSP chair's draft access rule most (paired finite
# differences), and the PRIM box: where in the parameter ranges stakeholders move a provision by more than a point.

# %%
display(data.access_pivots.table.head(5)[["name", "bloc", "effect", "lo", "hi"]].round(4))
print(brief.box_sentence(data))

# %% [markdown]
# Limits, in plain words:
# - The protocol's agenda is not known; the COSP's sessions are run on the Ad Hoc Committee's provisions.
# - How a rule text maps onto the model's levers is an assumption (`configs/rules/cosp_*.yaml`).
# - The fit to the record is weak (`docs/FIT.md`): 14 parameters are fitted, the other 50 are drawn from their
#   priors because the record does not inform them; the posterior ranges are wide for that reason.
# - An effect below 1 point on the 0-100 scale is within the record's coding precision: no material difference.
#
# ## Exercises
# 1. Make your rule a two-thirds override (`majority="two_thirds"`). Does it still accredit at least as many
#    organisations as rule 17(2) in every paired run? Why must it?
# 2. Give stakeholders 0 minutes but keep the override. Which matters more for influence, getting in or speaking?
# 3. Write the one sentence you would put in a letter to a delegation, with one number and its interval, and say
#    whether the difference is material.
