"""Organisations that choose whom to lobby, and the credibility of cross-sector coalitions (issue 11, item 3).

Two mechanisms, both numpy on small static arrays (the per-session work is in the compiled persuasion kernel):

- **A lobbying budget spent across delegations and the chair.** An accredited organisation has
  ``lobby_contacts * resources`` corridor contacts per session. A share ``lobby_chair_share`` goes to the chair
  (information for access: Tallberg, Dellmuth, Agné & Duit 2018); the rest is split over blocs of delegations by
  a mix of two motives: subsidising allies (Hall & Deardorff 2006; groups lobby mostly their friends: Hojnacki &
  Kimball 1998) and moving swing delegations (the expected movement of the text: distance times the bloc's weight
  in the compromise, where the bloc would listen at all). The campaign is planned once, from the known opening
  positions. Within a bloc the contacts are spread evenly over its delegations, so the budget is conserved:
  sum over delegations + chair = budget.
- **Cross-sector coalitions.** A coalition whose active members span more than one sector (civil society,
  business, law enforcement: the seed's civil-society x industry joint positions) speaks with one joint position,
  heard with a premium weight and a wider confidence window (diverse coalitions are more credible and more
  successful: Junk 2019; "unlikely allies": Phinney 2017). Its members no longer count one by one.
"""

from __future__ import annotations

import numpy as np

from sim.core.kernels import row_bincount
from sim.enums import OrgType

# The sector of each organisation type: civil society (0), business (1), law enforcement (2).
SECTOR = {OrgType.HUMAN_RIGHTS: 0, OrgType.DIGITAL_RIGHTS: 0, OrgType.CHILD_PROTECTION: 0, OrgType.ACADEMIA: 0,
          OrgType.INDUSTRY: 1, OrgType.LAW_ENFORCEMENT: 2}
N_SECTORS = 3


def _normalised(score: np.ndarray) -> np.ndarray:
    """Each column (organisation) of ``score`` (G,O) divided by its sum; columns summing to 0 stay 0."""
    total = score.sum(axis=0)
    return np.where(total > 0, score / np.where(total > 0, total, 1.0), 0.0)


def allocation(bloc_x, bloc_weight, y, sigma, eps, ally_share: float, chair_share: float):
    """Shares of each organisation's lobbying budget spent on each bloc (G,O) and on the chair (O,).

    ``bloc_x`` (G,K) bloc mean ideal points; ``bloc_weight`` (G,K) each bloc's share of the compromise weight
    (capability x salience); ``y``, ``sigma`` (O,K) organisation ideals and focus; ``eps`` (K,) confidence windows.
    Ally score: sum_k sigma W (1 - |y - m| / 100) over provisions where the bloc would listen (|y - m| < eps);
    swing score: sum_k sigma W |y - m| over the same provisions. Each is normalised over blocs and mixed by
    ``ally_share``; a motive with no bloc in reach passes its part to the other; an organisation no bloc would
    hear spends everything on the chair. Shares are >= 0 and sum to 1 per organisation.
    """
    dist = np.abs(y[None, :, :] - bloc_x[:, None, :])                                 # (G,O,K)
    heard = sigma[None] * bloc_weight[:, None, :] * (dist < eps)
    ally = _normalised((heard * (1.0 - dist / 100.0)).sum(axis=2))
    swing = _normalised((heard * dist).sum(axis=2))
    has_ally, has_swing = ally.sum(axis=0) > 0, swing.sum(axis=0) > 0
    a = np.where(has_ally & has_swing, ally_share, np.where(has_ally, 1.0, 0.0))
    blocs = (1.0 - chair_share) * (a * ally + (1.0 - a) * swing)
    return blocs, 1.0 - blocs.sum(axis=0)


def cross_sector(active, coalition, sector, n_named: int):
    """Which organisations speak through a cross-sector coalition in each row, (B,O) bool.

    ``active`` (B,O) accredited and present; ``coalition`` (O,) index (named coalitions are 0..n_named-1, the
    rest are solo); ``sector`` (O,) in [0, N_SECTORS). A named coalition is cross-sector in a row when its active
    members span at least two sectors.
    """
    named = coalition < n_named
    if n_named == 0 or not named.any():
        return np.zeros(active.shape, bool)
    index = np.where(named, coalition * N_SECTORS + sector, 0)
    counts = row_bincount(np.broadcast_to(index, active.shape), (active & named).astype(float), n_named * N_SECTORS)
    sectors = (counts.reshape(len(active), n_named, N_SECTORS) > 0).sum(axis=2)          # (B,C)
    cross = sectors[:, np.where(named, coalition, 0)] >= 2
    return cross & active & named
