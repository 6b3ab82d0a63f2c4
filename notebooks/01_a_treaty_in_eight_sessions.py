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
# # 1. A treaty in eight sessions
# **Time:** about 30 minutes (the code runs in under a minute).
#
# **Learning goals**
# - Run the UN cybercrime negotiation (Ad Hoc Committee, 2022–2024) as an agent-based model, session by session.
# - See the states, blocs and stakeholder organisations as agents with positions on ten provisions.
# - Watch the chair's draft move, and see who got what in the end.
#
# Everything here comes from the `sim` package; the notebook only calls it.

# %%
import pandas as pd

from sim import presets
from sim.enums import OrgType
from sim.model import NegotiationModel
from sim.plotting import text_trajectory
from sim.runner import run_replicates

model = NegotiationModel(rules=presets.rules("ahc_2022_2024"), seed=20241224)
world = model.world
print(f"{world.n_states} state delegations in {len(world.bloc_keys)} blocs, {world.n_orgs} organisations, "
      f"{world.n_issues} provisions, {world.n_sessions} sessions")

# %% [markdown]
# ## The agents
# Each state delegation and organisation is a Mesa agent. Its state lives in the engine's arrays, and the agent is
# a view on them.

# %%
states = [a for a in model.agents if type(a).__name__ == "StateDelegation"]
orgs = [a for a in model.agents if type(a).__name__ == "Organisation"]
blocs = pd.Series([world.bloc_keys[world.bloc[a.index]] for a in states]).value_counts()
types = pd.Series([OrgType(world.org_type[a.index]).key for a in orgs]).value_counts()
display(blocs.rename("states per bloc").to_frame())
display(types.rename("organisations per type").to_frame())
accredited_at_start = int(model.engine.accredited[0].sum())
print(f"Accredited before the first session: {accredited_at_start} of {world.n_orgs}")

# %% [markdown]
# ## Step through the sessions
# One `step()` is one session: written submissions, plenary, closed informals, persuasion, the chair's draft and,
# at the concluding session, the decision.

# %%
while model.running:
    model.step()
frame = model.datacollector.get_model_vars_dataframe()
display(frame[["session", "accredited", "minutes", "distance_to_compromise", "mode"]])
final_mode = frame["mode"].iloc[-1]
sessions_run = int(frame["session"].iloc[-1])
print(f"Outcome: {final_mode} after {sessions_run} sessions")

# %% [markdown]
# ## Watch the draft move
# 16 replicates (different draws of the same scenario). The line is the median draft per provision. The ticks on
# the right are where the blocs and the organisation types stand after the last session.

# %%
results = run_replicates(world, presets.params(), presets.rules(), 20241224, range(16), "leave_one_type_out")
fig = text_trajectory(results)

# %% [markdown]
# ## Who got what?
# Two measures:
# - **Preference attainment**: how much closer the final text is to an organisation's preferences than the first
#   draft was.
# - **Counterfactual influence**: how much closer it is than the same negotiation without that organisation type
#   (same draws).
#
# Notebook 3 explains why they differ.

# %%
t = results.table
who = pd.DataFrame({key: {"attainment": t[f"attainment_{key}"].mean(), "influence": t[f"influence_{key}"].mean()}
                    for key in (o.key for o in OrgType)}).T.round(3)
display(who)

# %% [markdown]
# ## Exercises
# 1. Run the same negotiation under `presets.rules("open_door")` and under `presets.rules("closed_door")`. Which
#    provisions move?
# 2. Change the seed. Which results are stable across seeds, and which are not?
# 3. Which blocs ended closest to the final text? Hint: `results.positions[:, -1]` holds the bloc positions after
#    the last session.
