"""The house chart style and chart functions (results -> Figure).

Okabe-Ito colour-blind-safe palette, readable fonts, axis labels with units, the number of replicates on the
chart. Every chart function takes results and returns a matplotlib Figure; saving is the caller's business.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import textwrap  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.enums import OrgType  # noqa: E402

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
STYLE = {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "axes.spines.top": False,
         "axes.spines.right": False, "legend.frameon": False, "figure.dpi": 100, "savefig.dpi": 300}


def text_trajectory(results, title: str = "") -> plt.Figure:
    """The chair's draft per provision across sessions (median and 5-95% band over replicates), with bloc
    positions (coloured ticks, right) and stakeholder-type ideals (grey markers, right) after the last session."""
    w = results.world
    draft = results.draft
    r_, t1, k_ = draft.shape
    with plt.rc_context(STYLE):
        cols = 5
        rows = int(np.ceil(k_ / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), sharex=True, sharey=True, squeeze=False)
        xs = np.arange(t1)
        blocs = np.nanmean(results.positions[:, -1], axis=0)
        for j, ax in enumerate(axes.flat):
            if j >= k_:
                ax.set_visible(False)
                continue
            lo, mid, hi = np.nanpercentile(draft[:, :, j], [5, 50, 95], axis=0)
            ax.fill_between(xs, lo, hi, color=OKABE_ITO[4], alpha=0.2, lw=0)
            ax.plot(xs, mid, color=OKABE_ITO[4], lw=1.8, label="draft (median, 5-95%)")
            for b, key in enumerate(w.bloc_keys):
                ax.plot([t1 - 0.6], [blocs[b, j]], marker="_", ms=10, mew=2, color=OKABE_ITO[b % 8],
                        label=key if j == 0 else None, ls="none")
            for g, t in enumerate(OrgType):
                sel = w.org_type == g
                if sel.any():
                    ax.plot([t1 - 0.25], [w.y[sel, j].mean()], marker="osv^D*"[g % 6], ms=4, color="0.35",
                            ls="none", label=t.key.replace("_", " ") if j == 0 else None)
            ax.set_title(textwrap.fill(w.issue_labels[j], 26), loc="left")
            ax.set_ylim(0, 100)
            ax.set_xticks(xs, ["start", *[k[:4] for k in w.session_keys]][:t1], rotation=60)
            ax.grid(axis="y", color="0.9", lw=0.6)
        fig.supylabel("position on the provision (0 narrow, rights-protective .. 100 broad)", fontsize=9)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=8, fontsize=8, bbox_to_anchor=(0.5, -0.02))
        fig.suptitle(title or f"Draft text per provision across sessions (R = {r_} replicates)", x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig
