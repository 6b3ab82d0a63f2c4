"""After adoption: signature, ratification, reservations, entry into force, implementation (MODEL.md §4 step 7).

Everything is vectorised over replicates R and states N, with its own random streams (draw, then mask), so the
negotiation's draws are untouched. Quarterly steps from the opening for signature.

- **Signature.** State i signs if S_i + g_i + e_i > nu_sig, with e_i ~ N(0, sd_sig). S_i = U_i(d) - U0_i is the net
  gain of the text over no treaty (U0_i = U_i(CM(x)) - v_i, the reservation utility of the decision stage). g_i
  holds the seed's reasons why states that opposed the mandate sign anyway:
  - proximity to existing frameworks: Budapest parties, half for signatories and invitees;
  - cooperation with states outside their framework: the share of states not in it;
  - influence from within on implementation and protocols: a share of the text's loss, within * L_i(d).
- **Win-set gate** (Putnam 1988). Domestic ratifiers have ideal points z = x + delta, delta ~ N(0, sd_dom). Ratifying
  is feasible if U(d; z) >= U(CM(x); z) - w v_i. If the gate fails, the state reserves on reservable provisions,
  largest domestic loss first, until it passes. If it cannot pass, the state never ratifies.
- **Voluntary reservations** (Neumayer 2007; Zvobgo et al. 2020): on each other reservable provision, with
  probability base * democracy * d_k / 100 (broader provisions are more demanding).
- **Ratification hazard** (Bernauer et al. 2010; cloglog event-history form), per quarter, for feasible signatories:
  h = 1 - exp(-exp(b0 + b1 S + b2 Dem + b3 Peer + b4 BC + b5 Cap)). Peer is the share of the bloc that has already
  ratified (its sign is free: Campbell et al. 2019).
- **Entry into force**: ``eif_delay_days`` after the quarter in which the ``eif_ratifications``-th ratification
  is deposited (ratifications are dated at the end of their quarter).
- **Implementation index** = ratified x capacity x share of provisions not reserved. **Misuse risk** =
  ratified x breadth of the powers x thinness of the safeguards x (1 - democracy), all on [0, 1]: broad powers x
  thin safeguards x low checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Params
from sim.core import kernels as kn
from sim.core.seeds import Purpose, draw_normal, draw_uniform
from sim.scenario import World

POWERS = ("scope", "realtime", "cooperation", "e_evidence")
SAFEGUARDS = ("hr_clause", "safeguards")


@dataclass
class Aftermath:
    """Per replicate (R) and state (N) outcomes after adoption."""

    signed: np.ndarray            # (R,N) bool
    feasible: np.ndarray          # (R,N) bool, the win-set gate passes (with the needed reservations)
    ratified_quarter: np.ndarray  # (R,N) int, 1-based quarter of ratification, 0 if none within the horizon
    reservations: np.ndarray      # (R,N,K) bool
    curve: np.ndarray             # (R,Q+1) cumulative ratifications after each quarter (curve[:, 0] = 0)
    eif_quarter: np.ndarray       # (R,) quarter of the Nth ratification, 0 if not reached
    eif_days: np.ndarray          # (R,) days from opening to entry into force, NaN if not reached
    implementation: np.ndarray    # (R,N)
    misuse: np.ndarray            # (R,N)

    @property
    def ratified(self) -> np.ndarray:
        return self.ratified_quarter > 0


def framework_gains(world: World, params: Params) -> np.ndarray:
    """g_i without the within-influence term: proximity and cooperation gains, (N,)."""
    party = world.budapest == "party"
    near = np.isin(world.budapest, ["signatory", "invited"])
    proximity = params.proximity_gain * (party + 0.5 * near)
    outside = np.where(party, 1.0 - party.mean(), party.mean())   # share of states outside i's framework
    return proximity + params.cooperation_gain * outside


def signatures(world: World, params: Params, d, x, u_reserve, shock) -> np.ndarray:
    """Who signs, (R,N): net gain + framework gains + within influence + shock > threshold."""
    util = kn.utility(d, x, world.salience)
    gain = util - u_reserve + framework_gains(world, params)[None] + params.within_influence * (-util)
    return gain + params.signature_noise * shock > params.signature_threshold


def gate_and_reservations(world: World, params: Params, d, x, delta, u_res):
    """The win-set gate with the reservations it needs, plus voluntary ones: (feasible (R,N), reserve (R,N,K)).

    The domestic reference is no treaty, as in the decision stage (sim/decision.py): the ratifiers (ideal points z)
    accept the text when U(d; z) >= winset_tolerance * U0_i, U0_i = -L0_i the state's no-treaty utility."""
    from sim.decision import no_treaty_utility

    s = world.salience
    z = np.clip(x + params.domestic_sd * delta, 0.0, 100.0)
    loss = s * np.abs(d[:, None, :] - z) / s.sum(axis=1)[None, :, None]                # (R,N,K)
    slack = kn.utility(d, z, s) - params.winset_tolerance * no_treaty_utility(world)[None]   # >= 0 passes
    reservable = np.zeros(world.n_issues, bool) if world.reservable is None else world.reservable
    order = np.argsort(-np.where(reservable, loss, -np.inf), axis=2, kind="stable")     # largest domestic loss first
    sorted_loss = np.take_along_axis(np.where(reservable, loss, 0.0), order, axis=2)
    cum = np.cumsum(sorted_loss, axis=2)                                                 # gain of reserving the top j
    needed = np.where(slack >= 0, 0, 1 + (cum < -slack[..., None]).sum(axis=2))          # reservations needed
    feasible = needed <= reservable.sum()
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(world.n_issues)[None, None, :], axis=2)
    forced = reservable & (rank < needed[..., None]) & feasible[..., None]
    voluntary = reservable & (u_res < params.reservation_base * world.democracy[None, :, None] * d[:, None, :] / 100.0)
    return feasible, forced | (voluntary & feasible[..., None])


def ratify(world: World, params: Params, eligible, net_gain, u_quarter) -> np.ndarray:
    """Quarter of ratification (1-based, 0 = not within the horizon) for eligible states, (R,N)."""
    r_, n_ = eligible.shape
    quarter = np.zeros((r_, n_), int)
    member = (world.bloc[:, None] == np.arange(len(world.bloc_keys))[None]).astype(float)   # (N, nb)
    size = np.maximum(member.sum(axis=0), 1.0)
    static = (params.ratify_base + params.ratify_utility * net_gain + params.ratify_democracy * world.democracy
              + params.ratify_budapest * (world.budapest == "party") + params.ratify_capacity * world.capacity)
    for q in range(1, world.quarters + 1):
        done = quarter > 0
        peer = ((done.astype(float) @ member) / size)[:, world.bloc]          # share of the bloc that has ratified
        hazard = -np.expm1(-np.exp(static + params.ratify_peer * peer))
        new = eligible & ~done & (u_quarter[:, q - 1] < hazard)
        quarter[new] = q
    return quarter


def entry_into_force(world: World, quarter: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative ratifications per quarter (R,Q+1), the quarter of the Nth ratification and the EIF day."""
    q_ = world.quarters
    per_quarter = np.stack([(quarter == q).sum(axis=1) for q in range(1, q_ + 1)], axis=1)
    curve = np.concatenate([np.zeros((len(quarter), 1), int), np.cumsum(per_quarter, axis=1)], axis=1)
    reached = curve[:, -1] >= world.eif_ratifications
    eif_q = np.where(reached, np.argmax(curve >= world.eif_ratifications, axis=1), 0)
    days = np.where(reached, eif_q * world.days_per_quarter + world.eif_delay_days, np.nan)
    return curve, eif_q, days


def implementation_and_misuse(world: World, d, ratified, reservations) -> tuple[np.ndarray, np.ndarray]:
    keys = list(world.issue_keys)
    covered = 1.0 - reservations.mean(axis=2)
    implementation = ratified * world.capacity[None] * covered
    powers = [keys.index(k) for k in POWERS if k in keys]
    guards = [keys.index(k) for k in SAFEGUARDS if k in keys]
    breadth = d[:, powers].mean(axis=1) / 100.0 if powers else np.zeros(len(d))
    thin = d[:, guards].mean(axis=1) / 100.0 if guards else np.zeros(len(d))
    misuse = ratified * (breadth * thin)[:, None] * (1.0 - world.democracy)[None]
    return implementation, misuse


def after_adoption(world: World, params: Params, seed: int, replicates, d, x, u_reserve, adopted) -> Aftermath:
    """Signature, ratification, reservations and entry into force for adopted texts d (R,K); x, u_reserve per
    replicate; ``adopted`` (R,) bool (nothing is signed where the negotiation failed)."""
    reps = np.asarray(replicates)
    n_, k_ = world.n_states, world.n_issues
    shock = draw_normal(seed, Purpose.SIGNATURE, reps, (n_,))
    delta = draw_normal(seed, Purpose.DOMESTIC, reps, (n_, k_))
    u_res = draw_uniform(seed, Purpose.RESERVATION, reps, (n_, k_))
    u_quarter = draw_uniform(seed, Purpose.RATIFICATION, reps, (world.quarters, n_))
    signed = signatures(world, params, d, x, u_reserve, shock) & adopted[:, None]
    feasible, reservations = gate_and_reservations(world, params, d, x, delta, u_res)
    net = kn.utility(d, x, world.salience) - u_reserve
    quarter = ratify(world, params, signed & feasible, net, u_quarter)
    reservations &= (quarter > 0)[..., None]
    curve, eif_q, days = entry_into_force(world, quarter)
    implementation, misuse = implementation_and_misuse(world, d, quarter > 0, reservations)
    return Aftermath(signed, feasible & signed, quarter, reservations, curve, eif_q, days, implementation, misuse)
