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
# # 3. Measuring influence honestly
# **Time:** about 40 minutes (the code runs in under a minute).
#
# **Learning goals**
# - Tell *preference attainment* (did the text end up where you wanted it?) from *counterfactual influence* (did
#   your presence move it there?).
# - See why "success" is not "power": a group can get what it wants because powerful states wanted it too.
# - Use paired replicates and 95% intervals, and see why pairing makes rule comparisons sharp.

# %%
import numpy as np
import pandas as pd

from sim import presets
from sim.analysis import mean_ci
from sim.enums import OrgType
from sim.runner import run_replicates
from sim.scenario import build_world

SEED, R = 20241224, 32
world = build_world(presets.scenario(), SEED)
params, rules = presets.params(), presets.rules("ahc_2022_2024")
results = run_replicates(world, params, rules, SEED, range(R), "leave_one_type_out")
t = results.table

# %% [markdown]
# ## Success vs power
# For each organisation type, compare:
# - **attainment**: the final text against the first draft, measured on the type's preferences;
# - **influence**: the final text against the same replicate without that type.

# %%
rows = []
for o in OrgType:
    a, i = mean_ci(t[f"attainment_{o.key}"]), mean_ci(t[f"influence_{o.key}"])
    rows.append({"type": o.key, "attainment": a[0], "attainment 95%": f"[{a[1]:.3f}, {a[2]:.3f}]",
                 "influence": i[0], "influence 95%": f"[{i[1]:.3f}, {i[2]:.3f}]"})
success_vs_power = pd.DataFrame(rows).set_index("type")
display(success_vs_power.round(3))
ax = success_vs_power.plot.scatter(x="influence", y="attainment")
for name, row in success_vs_power.iterrows():
    ax.annotate(name, (row["influence"], row["attainment"]), fontsize=8)
gap = (success_vs_power["attainment"] - success_vs_power["influence"]).abs().max()
print(f"Largest gap between attainment and influence: {gap:.3f} scale points")

# %% [markdown]
# Attainment can be positive (or negative) even where influence is close to zero. The text moved with the states,
# and the type's preferences happened to lie, or not lie, in that direction. Only the counterfactual, the same
# draws without the type, isolates what its presence did.
#
# ## Why pair replicates?
# Compare 30 and 60 stakeholder minutes per item. *Unpaired*, the two sets of replicates are treated as
# independent samples. *Paired*, replicate r under one rule is compared with replicate r under the other: the same
# draws, so only the rule differs.

# %%
from dataclasses import replace

a = run_replicates(world, params, replace(rules, speaking_minutes=30.0), SEED, range(R), "all_vs_none").table
b = run_replicates(world, params, replace(rules, speaking_minutes=60.0), SEED, range(R), "all_vs_none").table
diff = b["influence_all"].to_numpy() - a["influence_all"].to_numpy()
paired = mean_ci(diff)
se_unpaired = np.sqrt(a["influence_all"].var(ddof=1) / R + b["influence_all"].var(ddof=1) / R)
unpaired_width = 2 * 1.96 * se_unpaired
paired_width = paired[2] - paired[1]
print(f"Effect of 60 vs 30 minutes: {paired[0]:+.4f}")
print(f"95% interval width: paired {paired_width:.4f}, unpaired {unpaired_width:.4f} "
      f"({unpaired_width / paired_width:.1f} times wider)")

# %% [markdown]
# ## Exercises
# 1. Which type has the largest influence but the smallest attainment? What does that say about its allies?
# 2. Run with `attribution="shapley"` (`run_replicates(..., attribution="shapley")`). Do the Shapley values add up
#    to `influence_all`?
# 3. How many replicates do you need for the paired interval to exclude zero for 30 vs 45 minutes?
