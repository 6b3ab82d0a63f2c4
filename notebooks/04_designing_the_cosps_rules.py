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
# # 4. Designing the COSP's rules
# **Time:** about 50 minutes (the code runs in under a minute).
#
# **Learning goals**
# - Run a small sweep of participation rules for the Conference of States Parties, and chart it.
# - Build an argument for one set of rules from paired effects with intervals.
# - Name what the model cannot tell you: its assumptions and their ranges.
#
# The full sweep runs from the command line, resumable and in parallel:
# `plenary sweep experiment=cosp_access hydra/launcher=joblib`, then `plenary report outputs/sweeps/cosp_access`.
# Here is a small version of it.

# %%
from dataclasses import fields, replace

import pandas as pd

from sim import presets
from sim.analysis import lever_curve, mean_ci, paired_effects
from sim.config import AccreditationRule, CospSpec, Params
from sim.cosp import cosp_chain
from sim.plotting import dose_response, heatmap
from sim.runner import run_replicates
from sim.scenario import build_world

SEED, R = 20241224, 12
world = build_world(presets.scenario(), SEED)
params, draft = presets.params(), presets.rules("cosp_draft_rule_17")

# %% [markdown]
# ## A small sweep: accreditation procedure × speaking time
# Every cell runs the same replicate seeds, so the cells can be compared pair by pair.

# %%
tables = []
for proc in ["non_objection_vote", "single_state_veto", "ecosoc_only"]:
    for minutes in [0, 15, 45]:
        rules = replace(draft, accreditation=AccreditationRule(proc), speaking_minutes=float(minutes))
        t = run_replicates(world, params, rules, SEED, range(R), "all_vs_none").table
        tables.append(t.assign(cell=f"{proc}/{minutes}", procedure=proc, minutes=minutes))
sweep = pd.concat(tables, ignore_index=True)
grid = sweep.groupby(["procedure", "minutes"], sort=False)["influence_all"].mean().unstack("minutes")
fig = heatmap(grid, "accreditation procedure", "stakeholder minutes per item", "influence (scale points)", R,
              "Stakeholder influence by COSP rule")

# %%
curve = lever_curve(sweep, "minutes", "influence_all", group="procedure")
fig = dose_response(curve, "minutes", "stakeholder minutes per agenda item", "influence (scale points)", R,
                    group="procedure", group_label="accreditation")

# %% [markdown]
# ## The argument: paired effects against draft rule 17(2)
# The baseline is the draft rule: a single-state veto with 15 minutes of speaking time.

# %%
effects = paired_effects(sweep, ["procedure", "minutes"], {"procedure": "single_state_veto", "minutes": 15},
                         ["influence_all", "accredited"])
display(effects[["procedure", "minutes", "delta_influence_all", "delta_influence_all_lo", "delta_influence_all_hi",
                 "delta_accredited"]].round(4))
best = effects.sort_values("delta_influence_all", ascending=False).iloc[0]
print(f"Largest gain over the draft rule: {best['procedure']} with {best['minutes']} minutes, "
      f"{best['delta_influence_all']:+.4f} [{best['delta_influence_all_lo']:+.4f}, {best['delta_influence_all_hi']:+.4f}]")

# %% [markdown]
# ## Who decides the COSP's access rule?
# The rules of procedure are negotiated in closed informal rounds. Does letting stakeholders observe them change
# the rule the COSP adopts? The chain negotiates the access rule first, then the COSP's first protocol under it.

# %%
chain = {}
for informals in ("excluded", "observers"):
    c = cosp_chain(world, params, presets.rules(), CospSpec(informals=informals), SEED, range(R))
    chain[informals] = c
    print(informals, c["access_rule"].value_counts().to_dict(),
          f"access position {c['access_position'].mean():.2f}")
shift = mean_ci(chain["observers"]["access_position"] - chain["excluded"]["access_position"])
print(f"Observers move the access position by {shift[0]:+.3f} [{shift[1]:+.3f}, {shift[2]:+.3f}] points")

# %% [markdown]
# ## What the model cannot tell you
# Every behavioural parameter is an assumption with a plausible range and a source (`docs/ODD.md`). Before you
# argue for a rule, check that your conclusion holds across the ranges of the parameters it depends on
# (`plenary sensitivity` screens them all). The ones behind stakeholder influence:

# %%
meta = {f.name: f.metadata for f in fields(Params)}
keys = ["stakeholder_weight_max", "saturation", "confidence_political", "indirect_channel", "susceptibility"]
assumptions = pd.DataFrame({k: {"value": getattr(params, k), "plausible range": meta[k]["plausible"],
                                "source": meta[k]["source"]} for k in keys}).T
display(assumptions)

# %% [markdown]
# Limits, in plain words:
# - The states' positions are mapped from a few public facts (votes, groups, Budapest status), not measured.
# - Persuasion is a stylised exchange of arguments. The model has no money, no side deals and no trust built up
#   over years.
# - The effects are small on a 0–100 scale, and their direction is more robust than their size.
#
# ## Exercises
# 1. Redo the sweep with `stakeholder_weight_max` at both ends of its plausible range. Does the ranking of the rules
#    change?
# 2. Write a three-sentence argument for one COSP rule, with one number and its interval.
# 3. Which assumption would you most want to measure in the field, and how?
