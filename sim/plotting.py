"""The house chart style and chart functions (results -> Figure).

Okabe-Ito colour-blind-safe palette, readable fonts, axis labels with units, the number of replicates on the
chart. Every chart function takes results and returns a matplotlib Figure; saving is the caller's business.
Importing this module leaves matplotlib's backend alone (a notebook keeps its inline charts); the command line
selects Agg itself.
"""

from __future__ import annotations

import contextlib
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from sim.enums import OrgType

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")  # Okabe-Ito minus yellow
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
STYLE = {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "axes.spines.top": False,
         "axes.spines.right": False, "legend.frameon": False, "figure.dpi": 100, "savefig.dpi": 300}



@contextlib.contextmanager
def _style():
    """The house style for one chart. ``interactive`` as it stands at the end is kept: a notebook's first chart
    turns the inline backend's integration on inside the context, and ``rc_context`` would restore
    ``interactive = False`` on exit, so that no later chart of the session would be shown."""
    with plt.rc_context(STYLE):
        yield
        interactive = matplotlib.is_interactive()
    matplotlib.interactive(interactive)


def _draw_record(ax, points, first: bool) -> None:
    """The coded texts of the record (black crosses) at their place on the session axis."""
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], "x", ms=6, mew=1.8, color="black", ls="none",
                label="recorded text (docs/RECORD.md)" if first else None, zorder=5, clip_on=False)


def text_trajectory(results, title: str = "", record: list | None = None) -> plt.Figure:
    """The chair's draft per provision across sessions (median and 5-95% band over replicates), with bloc
    positions (coloured ticks, right) and stakeholder-type ideals (grey markers, right) after the last session.
    ``record``: per provision (in the world's order) a list of (session x, position, label) of the coded texts
    (``sim.record.on_sessions``), drawn as black crosses beside the model."""
    w = results.world
    draft = results.draft
    r_, t1, k_ = draft.shape
    with _style():
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
            _draw_record(ax, record[j] if record else None, first=not any(record[:j]) if record else False)
            ax.set_title(textwrap.fill(w.issue_labels[j], 26), loc="left")
            ax.set_ylim(0, 100)
            ax.set_xticks(xs, [str(x) for x in xs])
            ax.grid(axis="y", color="0.9", lw=0.6)
        fig.supylabel("position on the provision (0 narrow, rights-protective .. 100 broad)", fontsize=9)
        fig.supxlabel("after session (0: the first draft)", fontsize=9, y=0.07)
        handles, labels = _legend_entries(axes)
        fig.legend(handles, labels, loc="lower center", ncol=8, fontsize=8, bbox_to_anchor=(0.5, -0.02))
        fig.suptitle(title or f"Draft text per provision across sessions (R = {r_} replicates)", x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


SAVE_FORMATS = ("png", "svg", "pdf")

# The narrowest value axis (in points of the 0-100 provision scale) on which an effect is drawn. The record codes the
# texts in steps of 12.5 points (docs/RECORD.md) and issue 11 asks whether effects reach 10 points, so an axis at
# least 10 points wide shows a 0.05-point effect as what it is: flat. Wider data widen the axis; ``min_span=None``
# (counts, shares, other units) draws the data's own range.
EFFECT_SPAN = 10.0
NEGLIGIBLE = 1.0           # points: below this everywhere, the chart says so in words


def honest_limits(values, min_span: float | None = EFFECT_SPAN, margin: float = 0.04) -> tuple[float, float] | None:
    """Axis limits that include 0 and are at least ``min_span`` wide (None: no constraint, return None).

    All-positive data extend upwards from 0, all-negative downwards, signed data on both sides in proportion."""
    if min_span is None:
        return None
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (min(0.0, v.min()), max(0.0, v.max())) if v.size else (0.0, 0.0)
    if hi - lo < min_span:
        extra = min_span - (hi - lo)
        if lo < 0 < hi:
            share = hi / (hi - lo)
            lo, hi = lo - extra * (1 - share), hi + extra * share
        elif lo < 0:
            lo -= extra
        else:
            hi += extra
    pad = margin * (hi - lo)
    return lo - (pad if lo < 0 else 0.0), hi + (pad if hi > 0 else 0.0)


def _negligible_note(ax, values, min_span: float | None) -> None:
    """Say in words, on the chart, when every value is below NEGLIGIBLE points (only for point-scale charts)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if min_span is not None and v.size and np.abs(v).max() < NEGLIGIBLE:
        ax.text(0.5, 0.5, f"every value is below {NEGLIGIBLE:g} point on the 0-100 scale\n(largest "
                f"{np.abs(v).max():.2f})", transform=ax.transAxes, ha="center", va="center", fontsize=9,
                color="0.25", bbox={"facecolor": "white", "edgecolor": "0.7", "alpha": 0.85})


def save(fig: plt.Figure, folder, name: str, caption: str) -> list:
    """Write ``name`` as PNG (300 dpi), SVG and PDF plus ``name.caption.txt``; returns the paths.

    The tight bounding box is computed once, from the figure as drawn, and used for every format (``bbox_inches=
    "tight"`` would lay the figure out again for each). Each file is written to a temporary sibling and renamed
    into place (sim.io.write_atomic), so a kill or a full disk never leaves a truncated chart under its final name.
    """
    return save_all([(fig, name, caption)], folder, jobs=1)


def _write_format(fig: plt.Figure, box, path, ext: str):
    from sim import io

    meta = {"Creator": "plenary"} if ext != "pdf" else None
    return io.write_atomic(path, lambda tmp: fig.savefig(tmp, format=ext, bbox_inches=box, dpi=300, metadata=meta))


def _forked(tasks: list[tuple], jobs: int) -> list[tuple]:
    """Run ``_write_format(*task)`` for each task in up to ``jobs`` forked children at a time; the tasks whose
    child failed are returned (to be redone here, where their error is raised). A child writes through
    sim.io.write_atomic, so a file is either whole under its name or absent; an interrupt here stops and reaps
    the children before it propagates."""
    import os
    import signal

    pending, running, failed = list(tasks), {}, []
    try:
        while pending or running:
            while pending and len(running) < jobs:
                task = pending.pop(0)
                pid = os.fork()
                if pid == 0:                                          # the child: one file, then out at once
                    code = 1
                    try:
                        _write_format(*task)
                        code = 0
                    finally:
                        os._exit(code)
                running[pid] = task
            pid = next(iter(running))                                 # oldest first: the tasks are alike
            _, status = os.waitpid(pid, 0)
            task = running.pop(pid)
            if os.waitstatus_to_exitcode(status) != 0:
                failed.append(task)
    finally:
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
    return failed


def save_all(charts: list[tuple[plt.Figure, str, str]], folder, jobs: int | None = None) -> list:
    """:func:`save` for several ``(figure, name, caption)``: every format of every figure is written by one of up
    to ``jobs`` forked processes (default: this machine's cores), since rendering the formats is most of a chart's
    time (the default run's three charts, 9 files: 1.3-1.9x faster on 2 cores, benchmarks/bench_cli.py). ``jobs=1``,
    or a system without ``fork``, writes them one after the other as :func:`save` does; the files are the same.
    A file whose child failed is written again in this process, so its error is raised as :func:`save` raises it.
    Returns the chart paths in order (the formats of the first figure first)."""
    import os
    from pathlib import Path

    from sim import io

    folder = Path(folder)
    jobs = (os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
    try:
        tasks = [(fig, _tight_box(fig), folder / f"{name}.{ext}", ext)
                 for fig, name, _ in charts for ext in SAVE_FORMATS]
        folder.mkdir(parents=True, exist_ok=True)
        redo = _forked(tasks, jobs) if jobs > 1 and len(tasks) > 1 and hasattr(os, "fork") else tasks
        for task in redo:
            _write_format(*task)
        for _, name, caption in charts:
            io.write_text_atomic(folder / f"{name}.caption.txt", " ".join(caption.split()) + "\n")
    finally:
        for fig, _, _ in charts:
            plt.close(fig)
    return [task[2] for task in tasks]


def _tight_box(fig: plt.Figure):
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(matplotlib.rcParams["savefig.pad_inches"])


def _note(fig, text: str) -> None:
    fig.text(0.99, 0.005, text, ha="right", va="bottom", fontsize=7, color="0.4")


def heatmap(grid, row_label: str, col_label: str, value_label: str, replicates: int, title: str = "",
            min_span: float | None = EFFECT_SPAN) -> plt.Figure:
    """A lever x lever heatmap of a mean outcome; ``grid`` is a DataFrame (rows = row lever values, columns =
    column lever values). Each square is annotated with its value. The colour scale spans at least ``min_span``
    points and includes 0 (``honest_limits``), so that near-equal cells look near-equal."""
    values = grid.to_numpy(dtype=float)
    limits = honest_limits(values, min_span) or (None, None)
    with _style():
        fig, ax = plt.subplots(figsize=(1.1 * values.shape[1] + 3.2, 0.55 * values.shape[0] + 1.8))
        im = ax.imshow(values, cmap="viridis", aspect="auto", vmin=limits[0], vmax=limits[1])
        ax.set_xticks(range(values.shape[1]), [str(c) for c in grid.columns])
        ax.set_yticks(range(values.shape[0]), [str(r).replace("_", " ") for r in grid.index])
        ax.set_xlabel(col_label)
        ax.set_ylabel(row_label)
        lo, hi = im.norm.vmin, im.norm.vmax
        for (i, j), v in np.ndenumerate(values):
            light = hi > lo and (v - lo) / (hi - lo) < 0.55
            ax.text(j, i, f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if light else "black")
        cbar = fig.colorbar(im, ax=ax, shrink=0.9)
        cbar.set_label(value_label)
        ax.spines[:].set_visible(False)
        finite = values[np.isfinite(values)]
        small = min_span is not None and finite.size and np.abs(finite).max() < NEGLIGIBLE
        ax.set_title(title + (f" (every value below {NEGLIGIBLE:g} point)" if small else ""), loc="left")
        _note(fig, f"R = {replicates} paired replicates per cell; mean over the other levers")
        fig.tight_layout()
    return fig


def dose_response(curve, x: str, x_label: str, y_label: str, replicates: int, group: str | None = None,
                  group_label: str = "", title: str = "", min_span: float | None = EFFECT_SPAN) -> plt.Figure:
    """Mean outcome against a numeric lever with 95% interval ribbons, one line per ``group`` value; the value
    axis spans at least ``min_span`` points and includes 0."""
    with _style():
        fig, ax = plt.subplots(figsize=(6.2, 3.8))
        groups = [(None, curve)] if group is None else list(curve.groupby(group, sort=False))
        for i, (name, part) in enumerate(groups):
            part = part.sort_values(x)
            colour = SERIES[i % len(SERIES)]
            ax.fill_between(part[x], part["lo"], part["hi"], color=colour, alpha=0.2, lw=0)
            ax.plot(part[x], part["mean"], marker=MARKERS[i % len(MARKERS)], ms=3.5, color=colour, lw=1.6,
                    ls=LINESTYLES[i % len(LINESTYLES)],
                    label=None if name is None else str(name).replace("_", " "))
        ax.axhline(0, color="0.6", lw=0.6)
        limits = honest_limits(np.r_[curve["lo"], curve["hi"]], min_span)
        if limits:
            ax.set_ylim(*limits)
        _negligible_note(ax, curve["mean"], min_span)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.grid(color="0.92", lw=0.6)
        if group is not None:
            ax.legend(title=group_label, fontsize=8, title_fontsize=8)
        ax.set_title(title, loc="left")
        _note(fig, f"R = {replicates} paired replicates per cell; ribbons: 95% intervals")
        fig.tight_layout()
    return fig


def forest(rows, label_col: str, series_col: str, series_label: str, x_label: str, replicates: int,
           title: str = "", min_span: float | None = EFFECT_SPAN) -> plt.Figure:
    """Point estimates with 95% intervals: one row per ``label_col`` value (e.g. organisation type), one marker
    per ``series_col`` value (e.g. rule), dodged vertically. ``rows`` has columns mean, lo, hi."""
    labels = list(dict.fromkeys(rows[label_col]))
    series = list(dict.fromkeys(rows[series_col]))
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.42 * len(labels) * max(1, len(series)) ** 0.5 + 1.6))
        step = 0.8 / max(len(series), 1)
        for s, name in enumerate(series):
            part = rows[rows[series_col] == name].set_index(label_col).reindex(labels)
            ys = np.arange(len(labels)) + (s - (len(series) - 1) / 2) * step
            colour = SERIES[s % len(SERIES)]
            err = np.vstack([part["mean"] - part["lo"], part["hi"] - part["mean"]])
            ax.errorbar(part["mean"], ys, xerr=np.nan_to_num(err), fmt=MARKERS[s % len(MARKERS)], ms=3.5, color=colour,
                        elinewidth=1.2, capsize=2, label=str(name).replace("_", " "))
        ax.axvline(0, color="0.5", lw=0.8)
        limits = honest_limits(np.r_[rows["lo"], rows["hi"]], min_span)
        if limits:
            ax.set_xlim(*limits)
        _negligible_note(ax, rows["mean"], min_span)
        ax.set_yticks(range(len(labels)), [str(lab).replace("_", " ") for lab in labels])
        ax.invert_yaxis()
        ax.set_xlabel(x_label)
        ax.grid(axis="x", color="0.92", lw=0.6)
        ax.legend(title=series_label, fontsize=8, title_fontsize=8, loc="best")
        ax.set_title(title, loc="left")
        _note(fig, f"R = {replicates} paired replicates per cell; bars: 95% intervals")
        fig.tight_layout()
    return fig


def accredited_mix(mix, group_label: str, replicates: int, n_orgs: int, title: str = "") -> plt.Figure:
    """Stacked bars of the mean number of accredited organisations of each type per group (e.g. procedure);
    ``mix`` is a DataFrame indexed by group with one column per organisation type."""
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(mix) + 1.8))
        left = np.zeros(len(mix))
        ys = np.arange(len(mix))
        for g, col in enumerate(mix.columns):
            ax.barh(ys, mix[col], left=left, color=OKABE_ITO[g % len(OKABE_ITO)], label=col.replace("_", " "),
                    height=0.7)
            left += mix[col].to_numpy(float)
        for y, total in zip(ys, left, strict=True):
            ax.text(total + n_orgs * 0.01, y, f"{total:.0f}", va="center", fontsize=8)
        ax.set_yticks(ys, [str(i).replace("_", " ") for i in mix.index])
        ax.invert_yaxis()
        ax.set_xlim(0, n_orgs * 1.08)
        ax.set_xlabel(f"accredited organisations (mean count, of {n_orgs} applicants)")
        ax.set_ylabel(group_label)
        ax.legend(ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25))
        ax.set_title(title, loc="left")
        _note(fig, f"R = {replicates} replicates per cell")
        fig.tight_layout()
    return fig


def _legend_entries(axes):
    """Legend handles and labels gathered over all panels, each label once."""
    seen = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen)


def trajectories(cells, issue_labels, session_labels, title: str = "", min_span: float = EFFECT_SPAN,
                 record: list | None = None) -> plt.Figure:
    """The draft per provision across sessions for chosen cells: median and 5-95% band over replicates.
    ``cells`` is a list of (label, draft (R, T+1, K)). Each panel's axis spans the data and the record (at least
    ``min_span`` points; the label says the axes are not 0-100). ``record`` as in ``text_trajectory``."""
    k_ = len(issue_labels)
    with _style():
        cols = 5
        rows = int(np.ceil(k_ / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows + 0.6), sharex=True, squeeze=False)
        for j, ax in enumerate(axes.flat):
            if j >= k_:
                ax.set_visible(False)
                continue
            for c, (label, draft) in enumerate(cells):
                xs = np.arange(draft.shape[1])
                lo, mid, hi = np.nanpercentile(draft[:, :, j], [5, 50, 95], axis=0)
                colour = SERIES[c % len(SERIES)]
                ax.fill_between(xs, lo, hi, color=colour, alpha=0.15, lw=0)
                ax.plot(xs, mid, color=colour, lw=1.5, ls=LINESTYLES[c % len(LINESTYLES)],
                        label=textwrap.fill(label, 60) if j == 0 else None)
            points = record[j] if record else []
            _draw_record(ax, points, first=not any(record[:j]) if record else False)
            ax.set_title(textwrap.fill(issue_labels[j], 26), loc="left")
            lo_all = min([np.nanpercentile(d[:, :, j], 5) for _, d in cells] + [p[1] for p in points])
            hi_all = max([np.nanpercentile(d[:, :, j], 95) for _, d in cells] + [p[1] for p in points])
            centre, span = (lo_all + hi_all) / 2, max(hi_all - lo_all + 2.0, min_span)
            low = min(max(0.0, centre - span / 2), 100.0 - span)
            ax.set_ylim(max(0.0, low), min(100.0, max(0.0, low) + span))
            ticks = list(range(len(session_labels) + 1))
            ax.set_xticks(ticks, [str(x) for x in ticks])
            ax.grid(axis="y", color="0.9", lw=0.6)
        fig.supylabel(f"position (0 narrow .. 100 broad; each axis spans at least {min_span:g} points, not 0-100)",
                      fontsize=9)
        handles, labels = _legend_entries(axes)
        fig.legend(handles, labels, loc="lower center", ncol=1, fontsize=8, bbox_to_anchor=(0.5, -0.01))
        r_ = min(d.shape[0] for _, d in cells)
        fig.suptitle(title or f"Draft text per provision (median and 5-95% band, R = {r_} replicates per cell)",
                     x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0.04 + 0.025 * len(cells), 1, 0.97))
    return fig


def model_comparison(table, models, data, observed: str | None = None) -> plt.Figure:
    """Predicted outcome per issue by model (markers) over the actors' positions (grey ticks sized by weight), and
    the observed outcome (black crosses, column ``observed`` of ``table``) where one is known."""
    k_ = len(table)
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 0.45 * k_ + 1.6))
        w = np.where(data.present, data.power[:, None] * data.salience, 0.0)
        wmax = w.max() if w.max() > 0 else 1.0
        for k in range(k_):
            for a in np.flatnonzero(data.present[:, k]):
                h = 0.1 + 0.3 * w[a, k] / wmax
                ax.plot([data.position[a, k]] * 2, [k - h, k + h], color="0.7", lw=1.2)
        for m, (col, label) in enumerate(models):
            ax.plot(table[col], np.arange(k_) + (m - (len(models) - 1) / 2) * 0.08, MARKERS[m % len(MARKERS)],
                    color=SERIES[m % len(SERIES)], ms=5, ls="none", label=label)
        if observed is not None:
            ax.plot(table[observed], np.arange(k_), "x", color="black", ms=7, mew=1.8, ls="none", label="observed")
        ax.set_yticks(range(k_), list(table["issue"]))
        ax.invert_yaxis()
        ax.set_xlabel("position on the issue's scale")
        ax.grid(axis="x", color="0.92", lw=0.6)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        ax.set_title(f"Predicted outcomes: {data.name}", loc="left")
        fig.tight_layout()
    return fig


def vote_by_group(rows) -> plt.Figure:
    """Recorded vs predicted yes / no / abstain counts per group; ``rows``: group, vote, model, record."""
    groups = list(dict.fromkeys(rows["group"]))
    votes = ("yes", "no", "abstain")
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 3.6))
        width = 0.13
        for v, vote in enumerate(votes):
            part = rows[rows["vote"] == vote].set_index("group").reindex(groups)
            xs = np.arange(len(groups)) + (v - 1) * 2.2 * width
            ax.bar(xs - width / 2, part["record"], width, color=SERIES[v], alpha=0.45, hatch="///", lw=0,
                   label=f"{vote}: recorded")
            ax.bar(xs + width / 2, part["model"], width, color=SERIES[v], label=f"{vote}: model")
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylabel("states (count)")
        ax.legend(ncol=3, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12))
        ax.set_title("UNGA 74/247 by regional group: recorded and predicted from initial positions", loc="left")
        fig.tight_layout()
    return fig


def text_profile(prof) -> plt.Figure:
    """First draft and final text per provision (dumbbell), grouped as powers / safeguards / other."""
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(prof) + 1.4))
        ys = np.arange(len(prof))
        ax.hlines(ys, prof["first_draft"], prof["final_text"], color="0.6", lw=1.5)
        ax.plot(prof["first_draft"], ys, "o", color=SERIES[5], ms=5, label="first draft", mfc="white")
        ax.plot(prof["final_text"], ys, "o", color=SERIES[0], ms=5, label="final text")
        ax.axvline(50, color="0.7", lw=0.8, ls="--")
        ax.set_yticks(ys, [f"{p} ({g})" for p, g in zip(prof["provision"], prof["group"], strict=True)])
        ax.invert_yaxis()
        ax.set_xlabel("position (0 narrow, rights-protective .. 100 broad)")
        ax.legend(fontsize=8)
        ax.set_title("The text per provision: first draft and final text", loc="left")
        fig.tight_layout()
    return fig


# The narrowest x-axis each unit of a stylised fact may have: wide enough that an effect a referee would call
# negligible looks negligible (10 points on the 0-100 scale, as EFFECT_SPAN; a point per 10 minutes; 20
# organisations of about 200; a tenth of a share).
UNIT_SPANS = {"points": EFFECT_SPAN, "points per minute": 0.1, "organisations": 20.0, "share": 0.1}


def effects_forest(effects) -> plt.Figure:
    """Paired effects with 95% intervals, one row each (columns: fact, effect, mean, lo, hi, and unit).

    Each row has its own axis in its own unit, at least UNIT_SPANS[unit] wide and including 0, so that no row zooms
    in on a negligible effect; a row in points whose every value is below NEGLIGIBLE says so beside it."""
    units = effects["unit"] if "unit" in effects else ["points"] * len(effects)
    with _style():
        fig, axes = plt.subplots(len(effects), 1, figsize=(7.2, 0.62 * len(effects) + 0.9), squeeze=False)
        for ax, row, unit in zip(axes[:, 0], effects.itertuples(), units, strict=True):
            colour = SERIES[0] if (row.lo > 0 or row.hi < 0) else "0.5"
            ax.errorbar([row.mean], [0], xerr=[[row.mean - row.lo], [row.hi - row.mean]], fmt="o", color=colour,
                        capsize=3, ms=4)
            ax.axvline(0, color="0.6", lw=0.8)
            ax.set_yticks([0], [textwrap.fill(f"{row.fact} {row.effect}", 60)], fontsize=7)
            ax.set_xlim(*honest_limits([row.lo, row.hi, row.mean], UNIT_SPANS.get(unit, EFFECT_SPAN)))
            ax.tick_params(axis="x", labelsize=7)
            ax.set_xlabel(unit, fontsize=7, labelpad=1)
            ax.spines[["left"]].set_visible(False)
            if unit == "points" and max(abs(row.lo), abs(row.hi)) < NEGLIGIBLE:
                left = row.hi <= 0                      # the data sit at the right end: say it on the left
                ax.text(0.0 if left else 1.0, 0.5, "below 1 point", transform=ax.transAxes,
                        ha="left" if left else "right", va="center", fontsize=7, color="0.35")
        axes[0, 0].set_title("Stylised facts as paired effects, 95% intervals\n(each row in its own unit, never "
                             "narrower than a material effect)", loc="left", fontsize=8)
        fig.tight_layout()
    return fig


# Panels of the posterior-predictive chart: the statistic's name prefix -> (panel title, axis label, axis limits)
PREDICTIVE_PANELS = (("text_", "The chair's texts", "position on the provision's 0-100 scale", (0.0, 100.0)),
                     ("share_", "The process", "share of replicates", (0.0, 1.0)),
                     ("signatories", "Signature", "states signing at the opening (of 193)", (0.0, 193.0)))


def posterior_predictive(table, draws: int | None = None) -> plt.Figure:
    """The record on the distribution the fitted model predicts: one row per statistic (columns statistic, record,
    mean, lo, hi: the 5-95% range over posterior draws), in panels by unit on their whole natural axis; a record
    outside the range is marked "miss" (said plainly, never hidden by a zoomed axis)."""
    panels = [(title, label, lim, table[table["statistic"].str.startswith(prefix)])
              for prefix, title, label, lim in PREDICTIVE_PANELS]
    panels = [p for p in panels if len(p[3])]
    heights = [len(p[3]) + 1.2 for p in panels]
    with _style():
        fig, axes = plt.subplots(len(panels), 1, figsize=(7.2, 0.32 * sum(heights) + 1.0), squeeze=False,
                                 gridspec_kw={"height_ratios": heights})
        for ax, (title, label, lim, part) in zip(axes[:, 0], panels, strict=True):
            ys = np.arange(len(part))
            miss = (part["record"] < part["lo"]) | (part["record"] > part["hi"])
            ax.hlines(ys, part["lo"], part["hi"], color=SERIES[0], lw=4, alpha=0.45, label="model: 5-95% over draws")
            ax.plot(part["mean"], ys, "o", color=SERIES[0], ms=4, label="model: mean")
            ax.plot(part["record"], ys, "x", color="black", ms=6, mew=1.6, ls="none", label="record")
            for y, bad in zip(ys, miss, strict=True):
                if bad:
                    ax.text(1.01, y, "miss", transform=ax.get_yaxis_transform(), va="center", fontsize=7,
                            color=SERIES[1])
            ax.set_yticks(ys, [textwrap.shorten(str(s).replace("_", " "), 48) for s in part["statistic"]], fontsize=7)
            ax.set_ylim(len(part) - 0.4, -0.6)
            ax.set_xlim(*lim)
            ax.set_xlabel(label, fontsize=8)
            ax.set_title(f"{title}: the record inside the model's range on {int((~miss).sum())} of {len(part)}",
                         loc="left", fontsize=8)
            ax.grid(axis="x", color="0.92", lw=0.6)
        axes[0, 0].legend(fontsize=7, loc="lower right", ncol=3, bbox_to_anchor=(1.0, 1.12))
        if draws:
            _note(fig, f"{draws} posterior draws")
        fig.tight_layout()
    return fig


def morris(part, label: str, evaluations: int, replicates: int, top: int = 8) -> plt.Figure:
    """Morris screening: mu* (with its interval) against sigma, the ``top`` parameters labelled."""
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.errorbar(part["mu_star"], part["sigma"], xerr=part["mu_star_conf"], fmt="o", ms=4, color=SERIES[0],
                    ecolor="0.75", elinewidth=1)
        best = part.nlargest(top, "mu_star")
        place_labels(ax, best["mu_star"], best["sigma"], [p.replace("_", " ") for p in best["parameter"]])
        ax.set_xlabel(f"mu* (mean |elementary effect|) on {label}")
        ax.set_ylabel("sigma (interaction / non-linearity)")
        ax.grid(color="0.92", lw=0.6)
        ax.set_title("Which assumptions drive the result? Morris screening", loc="left")
        _note(fig, f"{evaluations} evaluations x R = {replicates} paired replicates")
        fig.tight_layout()
    return fig


LABEL_TRIES = 8           # lines above and below a point that its label may move
LABEL_CLASH = 100         # the cost of two labels overlapping, against 1 per line moved


def place_labels(ax, xs, ys, labels, fontsize: float = 7) -> list:
    """Annotate points so that no two labels overlap and each stays near its point: every label tries offsets to
    the right of its point (level, a line lower, a line higher, two lines lower, ...; then the same on the left)
    and takes the cheapest, where an overlap with a label already placed costs LABEL_CLASH and each line away from
    the point costs 1 (a label may cover another point: nearness matters more); a label moved off its point gets a
    leader line.
    Returns the annotations."""
    renderer = ax.figure.canvas.get_renderer()
    steps = [0] + [k * sign for k in range(1, LABEL_TRIES) for sign in (-1, 1)]      # 0, -1, +1, -2, +2, ...
    offsets = [(side, 3 + k * fontsize * 1.3, abs(k) + (side < 0)) for side in (4, -4) for k in steps]
    placed, out = [], []
    for x, y, text in zip(xs, ys, labels, strict=True):
        best = None
        for dx, dy, distance in offsets:
            if best is not None and distance >= best[0]:
                continue                              # cannot beat the best found so far
            moved = (dx, dy) != offsets[0][:2]
            ann = ax.annotate(text, (x, y), fontsize=fontsize, xytext=(dx, dy), textcoords="offset points",
                              ha="left" if dx >= 0 else "right", va="center" if moved else "baseline",
                              arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.5, "shrinkA": 0, "shrinkB": 2}
                              if moved else None)
            box = matplotlib.text.Text.get_window_extent(ann, renderer).expanded(1.05, 1.15)   # the text, not its line
            cost = LABEL_CLASH * sum(box.overlaps(b) for b in placed) + distance
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, ann, box)
            else:
                ann.remove()
        placed.append(best[2])
        out.append(best[1])
    return out


def ratification_curve(curve, threshold: int, days_per_quarter: float, delay_days: float, title: str = "") -> plt.Figure:
    """Cumulative ratifications per quarter after the opening for signature: median with 5-95% band, the entry-
    into-force threshold as a line. ``curve`` is (R, Q+1)."""
    r_, q1 = curve.shape
    years = np.arange(q1) * days_per_quarter / 365.25
    lo, mid, hi = np.percentile(curve, [5, 50, 95], axis=0)
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        ax.fill_between(years, lo, hi, color=SERIES[0], alpha=0.2, lw=0, label="5-95% of replicates")
        ax.step(years, mid, where="post", color=SERIES[0], lw=1.8, label="median")
        ax.axhline(threshold, color=SERIES[1], lw=1, ls="--", label=f"entry-into-force threshold ({threshold})")
        reached = np.argmax(mid >= threshold) if (mid >= threshold).any() else None
        if reached is not None:
            eif = (reached * days_per_quarter + delay_days) / 365.25
            ax.axvline(eif, color="0.5", lw=0.8, ls=":")
            ax.text(eif, threshold, f"  in force ~{eif:.1f} y\n  (median)", fontsize=7, va="bottom", color="0.3")
        ax.set_xlabel("years after the opening for signature")
        ax.set_ylabel("ratifications (cumulative count)")
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(color="0.92", lw=0.6)
        ax.set_title(title or "Ratification curve", loc="left")
        _note(fig, f"R = {r_} replicates")
        fig.tight_layout()
    return fig


def signatures_by_group(signed, groups, title: str = "", reference: int | None = None) -> plt.Figure:
    """Share of each group's states that sign (mean with 95% interval over replicates); ``signed`` (R,N) bool,
    ``groups`` (N,) labels."""
    names = sorted(set(groups))
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 3.2))
        for g, name in enumerate(names):
            share = signed[:, groups == name].mean(axis=1)
            m = share.mean()
            half = 1.96 * share.std(ddof=1) / np.sqrt(len(share)) if len(share) > 1 else 0.0
            ax.bar(g, m, color=SERIES[g % len(SERIES)], width=0.65)
            ax.errorbar(g, m, yerr=half, color="0.2", capsize=3)
            ax.text(g, m + half + 0.02, f"{signed[:, groups == name].sum(axis=1).mean():.0f} of {(groups == name).sum()}",
                    ha="center", fontsize=7)
        ax.set_xticks(range(len(names)), names)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("share of the group's states that sign")
        total = f"{signed.sum(axis=1).mean():.0f} signatories in total (mean)"
        ax.set_title((title or "Signature by regional group") + f": {total}"
                     + (f"; {reference} at Hanoi" if reference else ""), loc="left")
        _note(fig, f"R = {len(signed)} replicates; bars: 95% intervals")
        fig.tight_layout()
    return fig


def rule_distribution(shares, group_label: str, replicates: int) -> plt.Figure:
    """Stacked horizontal bars: share of replicates adopting each access rule per negotiation format."""
    order = [c for c in ("open", "limited", "none") if c in shares.columns]
    colours = {"open": SERIES[2], "limited": SERIES[4], "none": SERIES[1]}
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(shares) + 1.8))
        left = np.zeros(len(shares))
        ys = np.arange(len(shares))
        for rule in order:
            ax.barh(ys, shares[rule], left=left, color=colours[rule], label=rule, height=0.7)
            left += shares[rule].to_numpy(float)
        ax.set_yticks(ys, [str(i).replace("_", " ") for i in shares.index])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of replicates")
        ax.set_ylabel(group_label)
        ax.legend(title="access rule adopted", ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25))
        ax.set_title("Which access rule does the COSP adopt?", loc="left")
        _note(fig, f"R = {replicates} replicates per format")
        fig.tight_layout()
    return fig


def sobol(part, label: str, evaluations: int, replicates: int) -> plt.Figure:
    """First-order and total Sobol indices per parameter, with their intervals."""
    part = part.sort_values("ST", ascending=True)
    ys = np.arange(len(part))
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(part) + 1.6))
        ax.barh(ys + 0.2, part["ST"], 0.38, xerr=part["ST_conf"], color=SERIES[0], label="total (ST)", ecolor="0.4")
        ax.barh(ys - 0.2, part["S1"], 0.38, xerr=part["S1_conf"], color=SERIES[4], label="first order (S1)",
                ecolor="0.4")
        ax.set_yticks(ys, [p.replace("_", " ") for p in part["parameter"]])
        ax.set_xlabel(f"share of the variance of {label}")
        ax.legend(fontsize=8)
        ax.set_title("Sobol indices", loc="left")
        _note(fig, f"{evaluations} evaluations x R = {replicates} paired replicates; bars: 95% intervals")
        fig.tight_layout()
    return fig


def speed_comparison(times_ms: dict, note: str, title: str = "One session step, per replicate") -> plt.Figure:
    """Horizontal bars on a log scale: time per replicate of the same work by each implementation (label -> ms),
    fastest at the bottom, each bar labelled with its time and how many times slower than the fastest it is."""
    labels = sorted(times_ms, key=times_ms.get, reverse=True)
    values = np.array([times_ms[k] for k in labels])
    with _style():
        fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(labels) + 1.5))
        ys = np.arange(len(labels))
        ax.barh(ys, values, color=[SERIES[1] if v > values.min() else SERIES[0] for v in values], height=0.6)
        ax.set_xscale("log")
        ax.set_yticks(ys, labels)
        ax.set_xlim(values.min() / 3, values.max() * 30)
        for y, v in zip(ys, values, strict=True):
            ratio = v / values.min()
            ax.text(v * 1.15, y, f"{v:.3g} ms" + (f"  ({ratio:,.0f}× slower)" if ratio > 1.5 else ""), va="center",
                    fontsize=8)
        ax.set_xlabel("milliseconds per replicate (log scale)")
        ax.set_title(title, loc="left")
        _note(fig, note)
        fig.tight_layout()
    return fig


PAIR_BINS = 12           # bins of each marginal histogram over the parameter's whole prior range
PAIR_PANEL = 0.62        # inches per parameter: 13 parameters make an 8.9-inch square
PAIR_AREA = 40.0         # marker area (points^2) of the heaviest particle; the others in proportion to their weight
PAIR_MIN_AREA = 0.6      # every particle stays visible as a speck, however small its weight


def posterior_pairs(samples, ranges: dict, note: str = "") -> plt.Figure:
    """Pairwise plot of a weighted posterior (columns: the parameters and ``weight``). Diagonal: each parameter's
    weighted marginal histogram (posterior mass per bin; dashed: the uniform prior's); below it: the particles of
    each pair, marker area in proportion to the weight. Every axis spans the parameter's whole prior range
    (``ranges``: name -> (lo, hi)), so a posterior that fills its range looks as wide as it is."""
    names = list(ranges)
    w = samples["weight"].to_numpy(float)
    w = w / w.sum()
    area = np.maximum(PAIR_AREA * w / w.max(), PAIR_MIN_AREA)
    n = len(names)
    masses = {k: np.histogram(samples[k].to_numpy(float), np.linspace(*ranges[k], PAIR_BINS + 1), weights=w)[0]
              for k in names}
    top = 1.1 * max(max(m.max() for m in masses.values()), 1.0 / PAIR_BINS)
    with _style():
        fig, axes = plt.subplots(n, n, figsize=(PAIR_PANEL * n + 0.8, PAIR_PANEL * n + 0.8), squeeze=False)
        for i, row in enumerate(names):
            for j, col in enumerate(names):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                if i == j:
                    ax.hist(samples[col].to_numpy(float), np.linspace(*ranges[col], PAIR_BINS + 1), weights=w,
                            color=SERIES[0], alpha=0.75)
                    ax.axhline(1.0 / PAIR_BINS, color="0.3", lw=0.8, ls="--")
                    ax.set_ylim(0, top)
                    ax.tick_params(labelleft=False)
                else:
                    ax.scatter(samples[col], samples[row], s=area, color=SERIES[0], alpha=0.5, lw=0,
                               rasterized=True)
                    ax.set_ylim(*ranges[row])
                ax.set_xlim(*ranges[col])
                ax.tick_params(labelsize=4, length=2, pad=1)
                if i < n - 1:
                    ax.tick_params(labelbottom=False)
                else:
                    ax.set_xlabel(textwrap.fill(col.replace("_", " "), 14), fontsize=5)
                if j > 0 and i != j:
                    ax.tick_params(labelleft=False)
                elif j == 0 and i > 0:
                    ax.set_ylabel(textwrap.fill(row.replace("_", " "), 14), fontsize=5)
        fig.suptitle(f"Posterior, pair by pair ({len(w)} weighted particles); every axis spans the prior range",
                     x=0.01, y=0.995, ha="left")
        fig.text(0.01, 0.962, f"diagonal: posterior mass per bin ({PAIR_BINS} bins); dashed: the uniform prior's",
                 ha="left", va="top", fontsize=7, color="0.3")
        if note:
            _note(fig, note)
        fig.subplots_adjust(left=0.07, bottom=0.07, right=0.99, top=0.93, wspace=0.08, hspace=0.08)
    return fig
