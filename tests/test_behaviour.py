"""Stylised facts of MODEL.md §6 over batches of seeds (pattern-oriented validation, Grimm et al. 2005).

Each test compares paired replicates (same seeds, common random numbers) and asserts the direction of an effect
with a margin of its paired 95% interval, not a hard-coded number.
"""

from dataclasses import replace

import numpy as np

from conftest import SEED
from sim import presets
from sim.engine import Negotiation
from sim.enums import Vote
from sim.metrics import predicted_vote
from sim.runner import run_replicates

R = np.arange(48)


def influence(world, rules, params=None, variants="all_vs_none"):
    return run_replicates(world, params or presets.params(), rules, SEED, R, variants).table


def paired_greater(a, b):
    """a > b in the mean, with the paired difference's 95% interval above zero."""
    diff = np.asarray(a) - np.asarray(b)
    return diff.mean() - 1.96 * diff.std(ddof=1) / np.sqrt(len(diff)) > 0


def test_fact1_without_stakeholders_the_text_lands_at_the_compromise(world, params, rules):
    # where no state would block (no treaty is worse than every text), the chair has nobody to accommodate
    none = np.zeros((1, world.n_orgs), bool)
    # and no red line on a single provision is heeded (chair_redline_share = 0 leaves only the whole-text pull)
    nobody_blocks = replace(world, no_treaty_loss=np.full(world.n_states, 1000.0))
    neg = Negotiation(nobody_blocks, replace(params, chair_redline_share=0.0), rules, SEED, R, none).run()
    gap = np.abs(neg.d - neg.compromise_x)
    assert gap.mean() < 1.0 and gap.max() < 3.0            # scale points on 0-100; DEU-class error is ~20
    spread = np.abs(neg.x - neg.compromise_x[:, None]).mean()
    assert gap.mean() < spread / 20                         # far closer than states are to each other
    # with the scenario's disagreement point (issue 11) the chair drafts to pass: the text leaves the compromise
    # towards the states with the best outside option, the Budapest parties, so the scope narrows
    neg = Negotiation(world, params, rules, SEED, R, none).run()
    k = world.issue_keys.index("scope")
    assert paired_greater(neg.compromise_x[:, k], neg.d[:, k])


def test_fact2_influence_rises_with_speaking_time_with_diminishing_returns(world):
    doses = [0, 15, 30, 60, 120]
    means, tables = [], []
    for minutes in doses:
        t = influence(world, presets.rules(speaking_minutes=minutes, informal_share=0.2))
        tables.append(t["influence_all"].to_numpy())
        means.append(t["influence_all"].mean())
    for lo, hi in zip(tables, tables[1:], strict=False):
        assert paired_greater(hi, lo)
    slopes = np.diff(means) / np.diff(doses)
    # diminishing returns: the first minutes count most, the next less, and from 30 minutes on the marginal return
    # is a plateau (< a tenth of the first). Not strictly concave on the plateau: with persuasion that sticks and
    # bounded confidence, a delegation pulled into a window hears more from then on (issue 11, anchor_persistence).
    assert slopes[0] > slopes[1] > max(slopes[2:])
    assert max(slopes[2:]) < slopes[0] / 10


def test_fact2_access_is_necessary_more_accredited_more_influence(world):
    # 200 replicates: where stakeholders tip a concluding session into or out of suspension the text moves by
    # tenths of a point (issue 11's decision stage), which widens the paired interval at 48
    reps = np.arange(200)
    open_, veto = (run_replicates(world, presets.params(), presets.rules(accreditation={"procedure": p}), SEED, reps,
                                  "all_vs_none").table for p in ("open", "single_state_veto"))
    assert paired_greater(open_["influence_all"], veto["influence_all"])


def test_fact4_closed_informals_lower_influence_and_allies_soften_it(world):
    def infl(phi, kind):
        rules = presets.rules(informal_share=phi)
        return influence(world, rules, presets.params(indirect_channel=kind))["influence_all"].to_numpy()
    open_room, closed = infl(0.2, 0.0), infl(0.8, 0.0)
    assert paired_greater(open_room, closed)
    closed_with_allies = infl(0.8, 0.6)
    assert paired_greater(closed_with_allies, closed)
    assert (open_room - closed_with_allies).mean() < (open_room - closed).mean()


def test_fact5_accreditation_orders_open_vote_veto(world):
    res = {p: influence(world, presets.rules(accreditation={"procedure": p}), variants="none")
           for p in ("open", "non_objection_vote", "single_state_veto")}
    acc = {p: t["accredited"].to_numpy() for p, t in res.items()}
    share = {p: t["rights_share"].to_numpy() for p, t in res.items()}
    assert (acc["open"] >= acc["non_objection_vote"]).all()
    assert (acc["non_objection_vote"] >= acc["single_state_veto"]).all()
    assert paired_greater(acc["non_objection_vote"], acc["single_state_veto"])
    assert share["open"].mean() >= share["non_objection_vote"].mean() - 1e-12
    assert paired_greater(share["non_objection_vote"], share["single_state_veto"])


def test_fact6_initial_positions_reproduce_the_74_247_vote(world):
    recorded = world.vote74 != Vote.NOT_RECORDED
    assert recorded.sum() == 172
    plurality = max((world.vote74[recorded] == v).sum() for v in (Vote.YES, Vote.NO, Vote.ABSTAIN))
    anchored = (predicted_vote(world, world.x_base)[recorded] == world.vote74[recorded]).sum()
    held_out = (predicted_vote(world, world.x_novote)[recorded] == world.vote74[recorded]).sum()
    print(f"74/247 votes matched: {anchored}/172 with the vote in the mapping, {held_out}/172 without it "
          f"(plurality baseline {plurality})")
    assert anchored >= 160                     # the mapping is consistent with the data it is anchored on
    assert held_out > plurality + 15           # Budapest, region and co-sponsorship alone beat the baseline


def test_fact6_vote_reproduction_survives_replicate_noise(world, params, rules):
    neg = Negotiation(world, params, rules, SEED, R)
    recorded = world.vote74 != Vote.NOT_RECORDED
    matches = [(predicted_vote(world, neg.x[r])[recorded] == world.vote74[recorded]).sum() for r in range(len(R))]
    assert np.mean(matches) >= 140


def test_fact6_concluding_session_consensus_after_failed_deletion_votes_on_rights(world, params, rules):
    t = run_replicates(world, params, rules, SEED, R, "none").table
    assert (t["mode"] == "consensus_after_votes").mean() > 0.5
    for k in ("hr_clause", "safeguards"):
        assert (t[f"deletion_vote_{k}"] == 1).mean() > 0.5     # held and failed in most replicates
