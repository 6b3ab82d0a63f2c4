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
# # 2. The rules of the room
# **Time:** about 40 minutes (the code runs in under a minute).
#
# **Learning goals**
# - Compare the accreditation procedures: who gets in, who is kept out, and by whom.
# - See what speaking time buys stakeholders, and where it stops buying more.
# - See what moving the work into closed informals does.
#
# All runs share their random draws (common random numbers), so differences come from the rules, not from luck.

# %%
from dataclasses import replace

import numpy as np
import pandas as pd

from sim import presets
from sim.analysis import mean_ci
from sim.config import AccreditationRule
from sim.engine import Negotiation
from sim.enums import OrgType
from sim.runner import run_replicates
from sim.scenario import build_world

SEED, R = 20241224, 16
world = build_world(presets.scenario(), SEED)
params, ahc = presets.params(), presets.rules("ahc_2022_2024")

# %% [markdown]
# ## Who gets in?
# The four accreditation procedures, on the same draws:
# - `open`: everyone is accredited.
# - `ecosoc_only`: only organisations with ECOSOC status.
# - `non_objection_vote`: the AHC's rule, where an objection goes to a vote of the body.
# - `single_state_veto`: draft COSP rule 17(2), where one objection keeps a non-ECOSOC organisation out.

# %%
procedures = ["open", "non_objection_vote", "single_state_veto", "ecosoc_only"]
rows = {}
for proc in procedures:
    rules = replace(ahc, accreditation=AccreditationRule(proc))
    t = run_replicates(world, params, rules, SEED, range(R), "none").table
    rows[proc] = {"accredited": t["accredited"].mean(), "rights NGOs' share": t["rights_share"].mean(),
                  **{k: t[f"accredited_{k}"].mean() for k in (o.key for o in OrgType)}}
accredited = pd.DataFrame(rows).T.round(2)
display(accredited)

# %% [markdown]
# ## Who is kept out, and by whom?
# Under the single-state veto, count the objections each bloc's states raise against each type of organisation.
# One replicate is shown.

# %%
veto = Negotiation(world, params, replace(ahc, accreditation=AccreditationRule("single_state_veto")), SEED, [0])
objections = veto.objection_matrix[0]                      # (states, organisations): who objected to whom
table = pd.DataFrame(0, index=list(world.bloc_keys), columns=[o.key for o in OrgType])
for b, bloc in enumerate(world.bloc_keys):
    for o in OrgType:
        table.loc[bloc, o.key] = int(objections[np.ix_(world.bloc == b, world.org_type == o)].sum())
display(table)
kept_out = int((~veto.accredited[0]).sum())
print(f"Kept out under the veto: {kept_out} organisations")

# %% [markdown]
# ## What does speaking time buy?
# Influence of all stakeholders is how far the text moves towards their preferences compared with the same
# negotiation without them. It is shown for 0 to 60 minutes per agenda item, in every session.

# %%
minutes = [0, 5, 15, 30, 60]
dose = {}
for m in minutes:
    t = run_replicates(world, params, replace(ahc, speaking_minutes=float(m)), SEED, range(R), "all_vs_none").table
    dose[m] = mean_ci(t["influence_all"])[:3]
dose = pd.DataFrame(dose, index=["influence", "low", "high"]).T
display(dose.round(4))
ax = dose["influence"].plot(marker="o", xlabel="stakeholder minutes per agenda item",
                            ylabel="influence (weighted scale points)")

# %% [markdown]
# ## Closing the door
# The same negotiation with 20% and with 80% of the work in closed informals, stakeholders excluded.

# %%
closed = {}
for share in (0.2, 0.8):
    t = run_replicates(world, params, replace(ahc, informal_share=share), SEED, range(R), "all_vs_none").table
    closed[share] = t["influence_all"].to_numpy()
door_effect = mean_ci(closed[0.8] - closed[0.2])
print(f"80% vs 20% closed informals: influence changes by {door_effect[0]:+.4f} "
      f"[{door_effect[1]:+.4f}, {door_effect[2]:+.4f}] (paired, 95% interval)")

# %% [markdown]
# ## Exercises
# 1. With `majority="two_thirds"` in `AccreditationRule`, does the non-objection vote admit fewer organisations?
# 2. Which bloc raises most objections against digital-rights NGOs, and why might that be (see `docs/ASSUMPTIONS.md`)?
# 3. Rerun "closing the door" with `informals="observers"`. How much of the loss comes back?
