"""The live dashboard for workshops: one negotiation per browser session, played session by session.

    plenary dashboard                    # http://127.0.0.1:8765 (localhost only by default)
    solara run sim/dashboard.py          # the same page

Each browser (each participant, or the trainer's projector) gets its own model: Solara keeps the state of a
component per browser session, and the model is created inside the page, never at import. Controls: the
accreditation procedure, the share of closed informals, stakeholder speaking time, the stakeholders' status in
informals and the seed, each showing its value; Step (one session), Run to the end, Reset. Changing a control
starts the negotiation again under the new rules. Charts, one per tab, sized for a projector (12 pt text at
1280x720): the draft per provision against bloc and stakeholder positions, accredited organisations by type,
speaking minutes per session, and who objected to whom. The page needs no internet (its front end comes from the
pinned ``solara-assets`` package, STACK.md) and uses no Markdown, whose maths renderer would be fetched from a CDN.
"""

from __future__ import annotations

import numpy as np
import solara
import solara.lab
from matplotlib.figure import Figure

from sim import presets
from sim.config import AccreditationRule, rule_names
from sim.enums import OrgType
from sim.model import NegotiationModel
from sim.plotting import OKABE_ITO, SERIES
from sim.runner import TYPE_KEYS

MODES = ("pending", "consensus", "consensus after votes", "vote", "failed")
FONT = 12                 # points: legible from the back of a room on a 1280x720 projector
DPI = 100


class DashboardModel(NegotiationModel):
    """The negotiation model with the levers a workshop plays with as plain keyword arguments."""

    def __init__(self, procedure: str = "non_objection_vote", informal_share: float = 0.6,
                 speaking_minutes: int = 30, informals: str = "excluded", seed: int = 1, rng=None):
        rules = presets.rules("ahc_2022_2024", accreditation=AccreditationRule(procedure),
                              informal_share=float(informal_share), speaking_minutes=float(speaking_minutes),
                              informals=informals)
        super().__init__(rules=rules, seed=int(seed))


DEFAULTS = {"procedure": "non_objection_vote", "informal_share": 0.6, "speaking_minutes": 30,
            "informals": "excluded", "seed": 1}


def _panel(width: float = 9.0, height: float = 5.0):
    """A matplotlib figure (not pyplot: nothing global, nothing to close) and its one axes, projector-sized."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.subplots()
    ax.tick_params(labelsize=FONT)
    return fig, ax


def _show(fig: Figure):
    fig.tight_layout()
    return solara.FigureMatplotlib(fig, format="png")


def status_text(model: DashboardModel) -> str:
    """One line on where the negotiation stands; says plainly when it is over and why."""
    e, w = model.engine, model.world
    mode = MODES[int(e.mode[0])]
    line = (f"Session {e.t} of {w.n_sessions} · accredited organisations: {int(e.accredited[0].sum())} · "
            f"stakeholder minutes so far: {e.minutes[0].sum():.0f} · outcome: {mode}")
    if not model.running:
        line += f" · the negotiation is over after session {e.t} (Reset to play again)"
    return line


def draft_view(model: DashboardModel):
    """The draft per provision (black) against the bloc positions (coloured) and the organisation types (grey)."""
    e, w = model.engine, model.world
    fig, ax = _panel(10.0, 5.2)
    ys = np.arange(w.n_issues)
    blocs = e.positions[0, e.t]                 # after the last session run
    for b, key in enumerate(w.bloc_keys):
        ax.plot(blocs[b], ys, "|", ms=14, mew=3, color=OKABE_ITO[b % len(OKABE_ITO)], label=key)
    for g, t in enumerate(OrgType):
        sel = w.org_type == g
        if sel.any():
            ax.plot(w.y[sel].mean(axis=0), ys, "osv^D*"[g], ms=7, color="0.55", ls="none",
                    label=t.key.replace("_", " "))
    ax.plot(e.d[0], ys, "o", ms=11, color="black", label="draft text")
    ax.set_yticks(ys, list(w.issue_labels), fontsize=FONT)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("position (0 narrow, rights-protective .. 100 broad)", fontsize=FONT)
    ax.set_title(f"The draft after session {e.t}", loc="left", fontsize=FONT + 2)
    ax.legend(fontsize=FONT, ncol=1, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _show(fig)


def accredited_view(model: DashboardModel):
    e, w = model.engine, model.world
    fig, ax = _panel()
    counts = [int(e.accredited[0][w.org_type == g].sum()) for g in range(len(OrgType))]
    totals = [int((w.org_type == g).sum()) for g in range(len(OrgType))]
    labels = [k.replace("_", " ") for k in TYPE_KEYS]
    ax.barh(labels, totals, color="0.88", label="applied")
    ax.barh(labels, counts, color=SERIES[0], label="accredited")
    ax.invert_yaxis()
    ax.set_xlabel("organisations (count)", fontsize=FONT)
    ax.set_title(f"Accredited: {sum(counts)} of {sum(totals)}", loc="left", fontsize=FONT + 2)
    ax.legend(fontsize=FONT, frameon=False)
    return _show(fig)


def minutes_view(model: DashboardModel):
    e, w = model.engine, model.world
    fig, ax = _panel()
    ax.bar(list(range(1, len(w.session_keys) + 1)), e.minutes[0], color=SERIES[2])
    ax.set_ylabel("minutes", fontsize=FONT)
    ax.set_xlabel("session", fontsize=FONT)
    ax.set_title("Stakeholder speaking minutes per session", loc="left", fontsize=FONT + 2)
    return _show(fig)


def objections_view(model: DashboardModel):
    """Objections raised at accreditation: blocs (rows) against organisation types (columns)."""
    e, w = model.engine, model.world
    obj = e.objection_matrix[0]
    grid = np.array([[obj[np.ix_(w.bloc == b, w.org_type == g)].sum() for g in range(len(OrgType))]
                     for b in range(len(w.bloc_keys))])
    fig, ax = _panel()
    im = ax.imshow(grid, cmap="Oranges", aspect="auto")
    ax.set_xticks(range(len(OrgType)), [k.replace("_", "\n") for k in TYPE_KEYS], fontsize=FONT)
    ax.set_yticks(range(len(w.bloc_keys)), list(w.bloc_keys), fontsize=FONT)
    for (i, j), v in np.ndenumerate(grid):
        ax.text(j, i, str(int(v)), ha="center", va="center", fontsize=FONT)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title("Who objected to whom (objections)", loc="left", fontsize=FONT + 2)
    return _show(fig)


VIEWS = {"The draft": draft_view, "Who is in the room": accredited_view, "Speaking time": minutes_view,
         "Objections": objections_view}


@solara.component
def Page():
    """The page. Every ``use_*`` state below lives in this browser session only."""
    procedure = solara.use_reactive(DEFAULTS["procedure"])
    informal_share = solara.use_reactive(DEFAULTS["informal_share"])
    speaking_minutes = solara.use_reactive(DEFAULTS["speaking_minutes"])
    informals = solara.use_reactive(DEFAULTS["informals"])
    seed = solara.use_reactive(DEFAULTS["seed"])
    resets = solara.use_reactive(0)
    steps = solara.use_reactive(0)            # bumped after each step so the charts are redrawn
    levers = (procedure.value, informal_share.value, speaking_minutes.value, informals.value, seed.value)
    model = solara.use_memo(lambda: DashboardModel(*levers), dependencies=[*levers, resets.value])
    _ = steps.value

    def step():
        if model.running:
            model.step()
            steps.set(steps.value + 1)

    def run_to_end():
        while model.running:
            model.step()
        steps.set(steps.value + 1)

    with solara.AppBar():
        solara.AppBarTitle("Plenary: the rules of the room")
    with solara.Sidebar():
        with solara.Card("Rules"):
            solara.Select("Accreditation procedure", values=list(rule_names("rules.accreditation.procedure")),
                          value=procedure)
            solara.SliderFloat(f"Closed informals: {informal_share.value:.0%}",
                               value=informal_share, min=0.0, max=0.95, step=0.05, thumb_label=False)
            solara.SliderInt(f"Minutes per item: {speaking_minutes.value}",
                             value=speaking_minutes, min=0, max=90, step=5, thumb_label=False)
            solara.Select("Stakeholders in informals", values=list(rule_names("rules.informals")), value=informals)
            solara.SliderInt(f"Seed: {seed.value}", value=seed, min=1, max=50, step=1, thumb_label=False)
        with solara.Card("Play"), solara.Row():
            solara.Button("Step", on_click=step, disabled=not model.running, color="primary")
            solara.Button("Run to the end", on_click=run_to_end, disabled=not model.running)
            solara.Button("Reset", on_click=lambda: resets.set(resets.value + 1))
    solara.Text(status_text(model), style={"font-size": f"{FONT + 6}px", "font-weight": "bold"},
                classes=["plenary-status"])
    with solara.lab.Tabs():
        for label, view in VIEWS.items():
            with solara.lab.Tab(label):
                view(model)
