"""The live dashboard for workshops: a Mesa SolaraViz page over the negotiation model.

    plenary dashboard                    # http://127.0.0.1:8765 (localhost only by default)
    solara run sim/dashboard.py          # the same page

Controls: the accreditation procedure, the share of closed informals, stakeholder speaking time, the stakeholders'
status in informals and the seed; Step / Play / Reset. Live charts: the draft per provision against bloc and
stakeholder positions, accredited organisations by type, speaking minutes per session, and who objected to whom.
The page needs no internet: its front end comes from the pinned ``solara-assets`` package (STACK.md).
"""

from __future__ import annotations

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim import presets
from sim.config import AccreditationRule
from sim.enums import OrgType
from sim.model import NegotiationModel
from sim.plotting import OKABE_ITO, SERIES, STYLE
from sim.runner import TYPE_KEYS

PROCEDURES = ["non_objection_vote", "single_state_veto", "open", "ecosoc_only"]
INFORMALS = ["excluded", "observers", "participants"]


class DashboardModel(NegotiationModel):
    """The negotiation model with the levers a workshop plays with as plain keyword arguments."""

    def __init__(self, procedure: str = "non_objection_vote", informal_share: float = 0.6,
                 speaking_minutes: int = 30, informals: str = "excluded", seed: int = 1, rng=None):
        rules = presets.rules("ahc_2022_2024", accreditation=AccreditationRule(procedure),
                              informal_share=float(informal_share), speaking_minutes=float(speaking_minutes),
                              informals=informals)
        super().__init__(rules=rules, seed=int(seed))


MODEL_PARAMS = {
    "procedure": {"type": "Select", "value": "non_objection_vote", "values": PROCEDURES,
                  "label": "Accreditation procedure"},
    "informal_share": {"type": "SliderFloat", "value": 0.6, "min": 0.0, "max": 0.95, "step": 0.05,
                       "label": "Share of work in closed informals"},
    "speaking_minutes": {"type": "SliderInt", "value": 30, "min": 0, "max": 90, "step": 5,
                         "label": "Stakeholder minutes per agenda item"},
    "informals": {"type": "Select", "value": "excluded", "values": INFORMALS, "label": "Stakeholders in informals"},
    "seed": {"type": "SliderInt", "value": 1, "min": 1, "max": 50, "step": 1, "label": "Seed"},
}


def _panel(width: float, height: float):
    """A matplotlib figure (not pyplot: nothing global, nothing to close) and its one axes."""
    fig = Figure(figsize=(width, height), dpi=STYLE["figure.dpi"])
    return fig, fig.subplots()


def _show(fig: Figure):
    fig.tight_layout()
    return solara.FigureMatplotlib(fig, format="png")


def status(model: DashboardModel):
    e, w = model.engine, model.world
    mode = ["pending", "consensus", "consensus after votes", "vote", "failed"][int(e.mode[0])]
    return solara.Markdown(
        f"**Session {e.t} of {w.n_sessions}** · accredited organisations: **{int(e.accredited[0].sum())}** · "
        f"stakeholder minutes so far: **{e.minutes[0].sum():.0f}** · outcome: **{mode}**")


def draft_view(model: DashboardModel):
    """The draft per provision (black) against the bloc positions (coloured) and the organisation types (grey)."""
    e, w = model.engine, model.world
    fig, ax = _panel(6.4, 4.2)
    ys = np.arange(w.n_issues)
    blocs = e.positions[0, e.t]                 # after the last session run
    for b, key in enumerate(w.bloc_keys):
        ax.plot(blocs[b], ys, "|", ms=9, mew=2, color=OKABE_ITO[b % len(OKABE_ITO)], label=key)
    for g, t in enumerate(OrgType):
        sel = w.org_type == g
        if sel.any():
            ax.plot(w.y[sel].mean(axis=0), ys, "osv^D*"[g], ms=4, color="0.55", ls="none",
                    label=t.key.replace("_", " "))
    ax.plot(e.d[0], ys, "o", ms=8, color="black", label="draft text")
    ax.set_yticks(ys, list(w.issue_keys), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("position (0 narrow, rights-protective .. 100 broad)", fontsize=8)
    ax.set_title(f"The draft after session {e.t}", loc="left", fontsize=9)
    ax.legend(fontsize=6, ncol=2, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _show(fig)


def accredited_view(model: DashboardModel):
    e, w = model.engine, model.world
    fig, ax = _panel(4.6, 2.8)
    counts = [int(e.accredited[0][w.org_type == g].sum()) for g in range(len(OrgType))]
    totals = [int((w.org_type == g).sum()) for g in range(len(OrgType))]
    ax.barh(TYPE_KEYS, totals, color="0.88", label="applied")
    ax.barh(TYPE_KEYS, counts, color=SERIES[0], label="accredited")
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
    ax.set_xlabel("organisations (count)", fontsize=8)
    ax.set_title(f"Accredited: {sum(counts)} of {sum(totals)}", loc="left", fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return _show(fig)


def minutes_view(model: DashboardModel):
    e, w = model.engine, model.world
    fig, ax = _panel(4.6, 2.6)
    ax.bar([k[:6] for k in w.session_keys], e.minutes[0], color=SERIES[2])
    ax.tick_params(labelsize=7)
    ax.set_ylabel("minutes", fontsize=8)
    ax.set_title("Stakeholder speaking minutes per session", loc="left", fontsize=9)
    return _show(fig)


def objections_view(model: DashboardModel):
    """Objections raised at accreditation: blocs (rows) against organisation types (columns)."""
    e, w = model.engine, model.world
    obj = e.objection_matrix[0]
    grid = np.array([[obj[np.ix_(w.bloc == b, w.org_type == g)].sum() for g in range(len(OrgType))]
                     for b in range(len(w.bloc_keys))])
    fig, ax = _panel(4.6, 2.8)
    im = ax.imshow(grid, cmap="Oranges", aspect="auto")
    ax.set_xticks(range(len(OrgType)), [k.replace("_", "\n") for k in TYPE_KEYS], fontsize=6)
    ax.set_yticks(range(len(w.bloc_keys)), list(w.bloc_keys), fontsize=7)
    for (i, j), v in np.ndenumerate(grid):
        ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title("Who objected to whom (objections)", loc="left", fontsize=9)
    return _show(fig)


page = SolaraViz(DashboardModel(), components=[(status, 0), (draft_view, 0), (accredited_view, 0),
                                               (minutes_view, 0), (objections_view, 0)],
                 model_params=MODEL_PARAMS, name="Plenary: the rules of the room")
