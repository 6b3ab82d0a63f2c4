"""Named outcome functions (MODEL.md §5), used by the DataCollector, the runner and the reports alike.

Each takes a finished (or running) ``Negotiation`` batch and returns one value per row (B,) or per row and
organisation/type. Influence functions compare rows of the same replicate across variants (draw, then mask).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.enums import AdoptionMode, OrgType


def final_text(neg) -> np.ndarray:
    """The draft text per provision, (B,K)."""
    return neg.d


def compromise_of_ideals(neg) -> np.ndarray:
    """The capability x salience compromise of the states' ideal points, (B,K) (Achen 2006)."""
    return neg.compromise_x


def distance_to_compromise(neg) -> np.ndarray:
    """Mean absolute distance of the text from CM(x), in scale points, (B,)."""
    return np.abs(neg.d - neg.compromise_x).mean(axis=1)


def _attainment(y, sigma, before, after):
    """sum_k sigma (|y - before| - |y - after|) / sum_k sigma, for texts (B,K) -> (B,O)."""
    gain = np.abs(y[None] - before[:, None, :]) - np.abs(y[None] - after[:, None, :])
    return (sigma[None] * gain).sum(axis=2) / sigma.sum(axis=1)[None]


def preference_attainment(neg) -> np.ndarray:
    """PA_o = sum sigma(|y - d_first| - |y - d_final|) / sum sigma per organisation, (B,O) (Dür 2008;
    Bernhagen, Dür & Marshall 2014)."""
    w = neg.world
    return _attainment(w.y, w.sigma, neg.draft[:, 0], neg.d)


def by_type(neg, per_org: np.ndarray) -> np.ndarray:
    """Mean of a per-organisation quantity over each organisation type, (B, n_types)."""
    t = neg.world.org_type
    return np.stack([per_org[:, t == g].mean(axis=1) if (t == g).any() else np.full(len(per_org), np.nan)
                     for g in range(len(OrgType))], axis=1)


def attainment_by_bloc(neg) -> np.ndarray:
    """Preference attainment of each bloc's states (mean over members), (B, nb): the same formula with x, s."""
    w = neg.world
    gain = np.abs(neg.x - neg.draft[:, 0][:, None]) - np.abs(neg.x - neg.d[:, None])
    pa = (w.salience[None] * gain).sum(axis=2) / w.salience.sum(axis=1)[None]
    return np.stack([pa[:, w.bloc == b].mean(axis=1) if (w.bloc == b).any() else np.full(len(pa), np.nan)
                     for b in range(len(w.bloc_keys))], axis=1)


def counterfactual_influence(world, text, text_without, orgs: np.ndarray) -> np.ndarray:
    """I = mean over ``orgs`` of sum sigma(|y - d_without| - |y - d|) / sum sigma, (R,).

    Positive: the organisations' presence moved the text towards what they want, relative to the same replicate
    without them (every other draw identical). References: Dahl/Nagel causal power; Betsill & Corell 2008.
    """
    if not orgs.any():
        return np.full(len(text), np.nan)
    return _attainment(world.y[orgs], world.sigma[orgs], text_without, text).mean(axis=1)


def accredited_count(neg) -> np.ndarray:
    return neg.accredited.sum(axis=1)


def accredited_by_type(neg) -> np.ndarray:
    """Accredited organisations of each type, (B, n_types)."""
    t = neg.world.org_type
    return np.stack([neg.accredited[:, t == g].sum(axis=1) for g in range(len(OrgType))], axis=1)


def rights_share(neg) -> np.ndarray:
    """Share of accredited organisations that are human-rights or digital-rights NGOs, (B,)."""
    t = neg.world.org_type
    rights = np.isin(t, [OrgType.HUMAN_RIGHTS, OrgType.DIGITAL_RIGHTS])
    n = neg.accredited.sum(axis=1)
    return np.where(n > 0, (neg.accredited & rights).sum(axis=1) / np.maximum(n, 1), np.nan)


def speaking_minutes(neg) -> np.ndarray:
    """Stakeholder minutes used in plenary over the whole negotiation, (B,)."""
    return neg.minutes.sum(axis=1)


def informal_settlement_share(neg) -> np.ndarray:
    """Share of the states' total position movement that happened in closed informals, (B,)."""
    total = neg.total_move.sum(axis=1)
    return np.where(total > 0, neg.informal_move.sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)


def adoption_mode(neg) -> list[str]:
    """How each negotiation ended: pending | consensus | consensus_after_votes | vote | failed."""
    return [AdoptionMode(m).label for m in neg.mode]


def sessions_needed(neg) -> np.ndarray:
    """Sessions run until the decision (the resumed session counts), (B,); -1 if undecided."""
    return np.where(neg.decided_in >= 0, neg.decided_in + 1, -1)


def objections_count(neg) -> np.ndarray:
    """Objections raised at accreditation (state x organisation pairs), per replicate (R,)."""
    r_, n_, o_ = neg.objection_matrix.shape
    return np.bincount(neg.flat_objections // (n_ * o_), minlength=r_)


def shapley_values(values: dict[int, np.ndarray], n_players: int) -> np.ndarray:
    """Shapley attribution of a coalition game, (R, n_players) (Shapley 1953).

    ``values[S]`` is v(S) per replicate (R,) for every coalition S given as a bitmask over the players (all 2^n
    subsets, v(0) included). phi_g = sum over S without g of |S|! (n-|S|-1)! / n! (v(S + g) - v(S)); the values
    sum to v(all) - v(none) (efficiency).
    """
    from math import factorial

    full = (1 << n_players) - 1
    missing = [s for s in range(full + 1) if s not in values]
    if missing:
        raise ValueError(f"shapley_values needs all {full + 1} coalitions; missing bitmasks {missing[:5]}...")
    out = np.zeros((len(values[full]), n_players))
    for g in range(n_players):
        bit = 1 << g
        for s in range(full + 1):
            if s & bit:
                continue
            size = s.bit_count()
            weight = factorial(size) * factorial(n_players - size - 1) / factorial(n_players)
            out[:, g] += weight * (values[s | bit] - values[s])
    return out


def predicted_vote(world, x: np.ndarray) -> np.ndarray:
    """A state's vote on a resolution like UNGA 74/247 from its ideal points (N,K): yes above the scenario's
    threshold on the mean of the political provisions, no below the lower one, abstain between."""
    from sim.enums import Vote

    m = x[:, ~world.technical].mean(axis=1)
    return np.where(m > world.vote_yes_above, Vote.YES, np.where(m < world.vote_no_below, Vote.NO, Vote.ABSTAIN))


# ------------------------------------------------------------------ magnitudes in points (issue 11, item 7)
def text_effect(text: np.ndarray, text_without: np.ndarray) -> np.ndarray:
    """|final text with - without| per provision in scale points, (R,K): the same replicate, every draw identical."""
    return np.abs(text - text_without)


def gap_closed(world, text: np.ndarray, text_without: np.ndarray) -> np.ndarray:
    """Share of each organisation's gap to its ideal that the text closed, (R,O).

    gap = sum_k sigma_ok |y_ok - text_k| / sum_k sigma_ok; share = (gap without - gap with) / gap without (negative
    when the text moved away; NaN when the text without stakeholders already sat at the ideal). After Dür 2008.
    """
    gap0 = (world.sigma[None] * np.abs(world.y[None] - text_without[:, None])).sum(axis=2)
    gap1 = (world.sigma[None] * np.abs(world.y[None] - text[:, None])).sum(axis=2)
    return np.where(gap0 > 0, (gap0 - gap1) / np.where(gap0 > 0, gap0, 1.0), np.nan)


def row_nanmean(values: np.ndarray) -> np.ndarray:
    """Mean of each row over its finite entries (NaN for a row with none), computed row by row so that a row's
    value never depends on how many rows share its batch (numpy's axis reductions may vectorise differently)."""
    out = np.full(len(values), np.nan)
    for r, row in enumerate(values):
        finite = row[np.isfinite(row)]
        if len(finite):
            out[r] = finite.mean()
    return out


def unmoved_asks(world, text: np.ndarray, text_without: np.ndarray, points: float = 1.0) -> np.ndarray:
    """Share of organisation asks that moved the text less than ``points`` towards the ask, (R,).

    An ask is a provision an organisation gives above-average attention (sigma_ok >= 1/K); it moved nothing when
    |y - text without| - |y - text with| < ``points`` (Baumgartner et al. 2009: most campaigns change nothing).
    """
    asks = world.sigma >= 1.0 / world.n_issues                                          # (O,K)
    gain = np.abs(world.y[None] - text_without[:, None]) - np.abs(world.y[None] - text[:, None])   # (R,O,K)
    return ((gain < points) & asks[None]).sum(axis=(1, 2)) / max(int(asks.sum()), 1)


def magnitude_by_provision(table, issue_keys) -> pd.DataFrame:
    """Per provision: the mean and largest |text with - without stakeholders| in points beside the
    replicate-to-replicate sd of the final text, from a run table with ``effect_<k>`` and ``text_<k>`` columns."""
    rows = [{"provision": k, "effect_mean": table[f"effect_{k}"].mean(), "effect_max": table[f"effect_{k}"].max(),
             "replicate_sd": table[f"text_{k}"].std(ddof=1) if len(table) > 1 else float("nan")}
            for k in issue_keys if f"effect_{k}" in table]
    return pd.DataFrame(rows)
