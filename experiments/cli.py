"""The ``plenary`` command: thin entry points that compose a config and call an importable ``run``.

    plenary run [override ...]      e.g. plenary run rules=cosp_draft_rule_17 seed=7 replicates=200
    plenary run --cfg [override ...] the composed config, nothing run
    plenary list [section]          presets (scenario, rules, params, experiment) and rule levers' values
    plenary sweep [override ...]    e.g. plenary sweep experiment=cosp_access hydra/launcher=joblib
    plenary report SWEEP_DIR        tables and charts of a finished (or partly finished) sweep
    plenary compare FILE            bargaining models side by side on Decide-format actor-issue data
    plenary validate [override ...] the model against the real record and its stylised facts (exit 1 on a miss)
    plenary calibrate [--budget quick] fit the parameters to the record by ABC-SMC -> a named posterior
    plenary brief cosp [--rules ..]  a brief on the COSP's stakeholder-access rule options (issue 13)
    plenary sensitivity             Morris screening of the behavioural parameters
    plenary dashboard               the live workshop dashboard on http://127.0.0.1:8765

Any bad config, data file or command line gives one message naming what is wrong and what is allowed, and exit
status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import re
import sys

from sim.errors import FAILURE_EXIT, USAGE_EXIT, ConfigError, OutputError, nearest


class UsageError(Exception):
    """A command line that argparse refuses (unknown option, bad number): one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``plenary: error: ...``) instead of usage + exit, and a did-you-mean."""

    def error(self, message: str):
        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            found = nearest(m[1], re.findall(r"'([^']*)'", m[2]))
            message += f"; did you mean {found[0]!r}?" if found else ""
        m = re.search(r"unrecognized arguments: (\S+)", message)
        if m:
            found = nearest(m[1].split("=")[0], _option_strings(self))
            message += f"; did you mean {found[0]!r}?" if found else ""
        raise UsageError(f"{message} (see plenary {self.prog.split(' ', 1)[-1] if ' ' in self.prog else ''} --help)"
                         .replace("plenary  --help", "plenary --help"))


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    names = [s for a in parser._actions for s in a.option_strings]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names += _option_strings(sub)
    return sorted(set(names))


def _whole(value: str, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number (allowed: a whole number >= {minimum})"
                                         ) from None
    if number < minimum:
        raise argparse.ArgumentTypeError(f"{number} is too small (allowed: a whole number >= {minimum})")
    return number


def positive(value: str) -> int:
    """An argparse type: a whole number >= 1."""
    return _whole(value, 1)


def nonnegative(value: str) -> int:
    """An argparse type: a whole number >= 0."""
    return _whole(value, 0)


def _explain(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf error and its cause (the part that names the key)."""
    parts = [str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__]
    override = getattr(exc, "override", None)             # hydra.errors.OverrideParseException
    if isinstance(override, str):
        parts.insert(0, f"cannot read the override {override!r} (allowed: key=value; quote a value with spaces or "
                        "brackets, e.g. key='a (b)')")
    text = str(exc)
    if "Available options" in text:
        parts.append("available: " + ", ".join(ln.strip() for ln in text.split("Available options")[1].splitlines()[1:]
                                              if ln.startswith("\t") and not ln.strip().startswith("provider")))
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        key = re.sub(r"\[(\w+)\]", r".\1", getattr(cause, "full_key", None) or "") or None   # a[0] -> a.0
        first = (str(cause).strip().splitlines() or [""])[0]
        if first and "$VALUE" not in first:
            parts.append(f"{key}: {first}" if key and key not in first else first)
        if key:                                   # the part that names the key: enough
            break
        cause = cause.__cause__ or cause.__context__
    return "; ".join(dict.fromkeys(p for p in parts if p and p != "None"))


def _compile_notice() -> None:
    """Say so when the compiled kernels are not cached for this source yet (the first run on a machine, or after
    the kernels changed): numba then compiles for ~30 s before any replicate runs, which would look like a hang."""
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("sim.core.fast")
    if spec is None or spec.origin is None:
        return
    source = Path(spec.origin)
    index = list((source.parent / "__pycache__").glob(f"{source.stem}.*.nbi"))
    if not index or max(p.stat().st_mtime for p in index) < source.stat().st_mtime:
        print("plenary: compiling the engine for this machine (first run only, about 30 s) ...", file=sys.stderr,
              flush=True)


def _run(args) -> int:
    import time

    started = time.perf_counter()
    from experiments.config import load
    from experiments.phases import PHASES, phase

    PHASES.clear()                                     # this command's phases; run() adds its own
    PHASES["imports"] = round(time.perf_counter() - started, 3)
    overrides = list(args.overrides) + ([f"replicates={args.replicates}"] if args.replicates else [])
    with phase("compose"):
        cfg = load(overrides)
    if args.cfg:                                       # the composed, validated config; nothing is run
        from omegaconf import OmegaConf

        print(OmegaConf.to_yaml(OmegaConf.structured(cfg)), end="")
        return 0
    from experiments.run import check

    if args.dry_run:
        print(f"plenary run --dry-run: {check(cfg)}")
        return 0
    _compile_notice()
    from experiments.run import run
    from sim.io import interruptible

    with interruptible():
        run(cfg, formats=tuple(args.format), phases=dict(PHASES))
    return 0


def _list(args) -> int:
    from experiments.listing import render

    print(render(args.what), end="")
    return 0


def _sweep(args) -> int:
    import os

    from experiments.sweep import sweep, verify

    overrides = list(args.overrides)
    if isinstance(args.verify, str) and "=" in args.verify:      # --verify followed by an override, not a folder
        overrides.insert(0, args.verify)
        args.verify = True
    if args.verify:
        return verify(args.verify if isinstance(args.verify, str) else None, overrides)
    from experiments.launchers import Interrupted, signals

    if not args.dry_run:
        _compile_notice()

    try:
        with signals():                  # while planning too: Ctrl-C or SIGTERM exits 130/143 without a traceback
            outcome = sweep(overrides, progress=not args.quiet, dry_run=args.dry_run, reuse_stale=args.reuse_stale,
                            extend=args.extend)
    except Interrupted as exc:
        print(f"plenary sweep: interrupted ({exc}) before any cell ran", file=sys.stderr)
        return 128 + exc.signum
    code = 128 + int(outcome.interrupted) if outcome.interrupted else 1 if outcome.failed or outcome.unfinished else 0
    if outcome.abandoned:               # a launcher thread still waits on its jobs: leave without joining it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _report(args) -> int:
    from experiments.report import report

    report(args.sweep_dir, trajectories=args.trajectory, out=args.out)
    return 0


def _check_out(out) -> None:
    """Before any work: ``--out`` (a folder, or a file for calibrate) must be writable (ConfigError, exit 2)."""
    if out:
        from pathlib import Path

        from sim import io

        path = Path(out)
        io.check_writable(path.parent if path.suffix else path, "--out")


def _compare(args) -> int:
    from experiments.compare import compare

    _check_out(args.out)
    compare(args.file, args.out, args.decide_python, args.observed)
    return 0


def _validate(args) -> int:
    from experiments.config import load
    from experiments.run import check_model
    from experiments.validate import validate

    _check_out(args.out)
    cfg = load(args.overrides)
    check_model(cfg)
    _, found = validate(cfg, args.replicates, args.out, args.heldout)
    return 0 if all(t.passed for t in found) else 1


def _calibrate(args) -> int:
    from experiments.calibrate import calibrate
    from experiments.config import load
    from experiments.run import check_model

    _check_out(args.out)
    cfg = load(args.overrides)
    check_model(cfg)
    _compile_notice()
    calibrate(cfg, args.parameters, args.budget, args.name, args.install, args.resume, args.engine, args.cores,
              args.scheduler, args.out, args.work, prior_specs=args.prior)
    return 0


def _sensitivity(args) -> int:
    from experiments.config import load
    from experiments.run import check_model
    from experiments.sensitivity import sensitivity, sobol

    _check_out(args.out)
    cfg = load(args.overrides)
    check_model(cfg)
    if args.method == "sobol":
        sobol(cfg, args.budget, [f for f in (args.factors or "").split(",") if f], args.replicates, args.out)
    else:
        sensitivity(cfg, args.trajectories, args.replicates, args.out)
    return 0


def _brief(args) -> int:
    """``plenary brief cosp``: the rule options' brief (sim/advocacy/brief.py) into --out."""
    from datetime import datetime
    from pathlib import Path

    from experiments.config import load
    from experiments.run import check_model
    from sim import presets
    from sim.advocacy import brief
    from sim.errors import nearest

    out = Path(args.out or Path("outputs") / "briefs" / f"{args.topic}_{datetime.now():%Y-%m-%d_%H-%M-%S}")
    if out.exists():
        raise FileExistsError(f"{out} already exists")
    _check_out(str(out.parent))
    overrides = list(args.overrides) + ([f"scenario={args.scenario}"] if args.scenario else [])
    cfg = load(overrides)
    check_model(cfg)
    known = sorted(p.stem for p in (presets.config_dir() / "rules").glob("*.yaml"))
    options = tuple(o.strip() for o in args.rules.split(",") if o.strip()) if args.rules else brief.DEFAULT_OPTIONS
    for o in options:
        if o not in known:
            found = nearest(o, known)
            raise ConfigError("--rules", f"no rules preset {o!r}", " | ".join(known), found[0] if found else None)
    if len(options) < 2 or len(set(options)) != len(options):
        raise ConfigError("--rules", f"{args.rules!r} does not name two or more different presets",
                          "a comma list of rules presets, the reference first, e.g. cosp_rule_17_2,cosp_open")
    brief.check_options(cfg, options)
    issues = [i.key for i in cfg.scenario.issues]
    if args.provision and args.provision not in issues:
        found = nearest(args.provision, issues)
        raise ConfigError("--provision", f"no provision {args.provision!r}", " | ".join(issues),
                          found[0] if found else None)
    sizes = dict(brief.QUICK) if args.quick else {}
    sizes.update({k: getattr(args, k) for k in ("replicates", "draws") if getattr(args, k) is not None})
    spec = brief.BriefSpec(options=options, provision=args.provision, points=args.points, **sizes)
    if spec.draws:
        from sim import posterior

        if cfg.posterior.name not in posterior.available():
            found = nearest(cfg.posterior.name, posterior.available())
            raise ConfigError("posterior.name", f"no posterior {cfg.posterior.name!r}",
                              " | ".join(posterior.available()), found[0] if found else None)
    _compile_notice()
    from sim.io import interruptible

    command = "plenary " + " ".join(sys.argv[1:] if sys.argv[1:2] == ["brief"] else ["brief", args.topic])
    with interruptible():
        brief.run(cfg, spec, out, command, progress=lambda m: print(m, file=sys.stderr, flush=True))
    import json

    pdf = json.loads((out / "manifest.json").read_text())["pdf"]
    print(f"Brief in {out}/brief.md, brief.html" + (", brief.pdf" if pdf == "brief.pdf" else f" (PDF {pdf})")
          + ", figures/ and tables/")
    return 0


def _dashboard(args) -> int:
    import importlib.util
    import subprocess
    from pathlib import Path

    import sim

    missing = [m for m in ("solara", "altair") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"plenary: error: the dashboard needs {', '.join(missing)} (allowed: install the workshop extra, "
              f"pip install -e '.[workshop]')", file=sys.stderr)
        return USAGE_EXIT
    page = Path(sim.__file__).parent / "dashboard.py"
    cmd = [sys.executable, "-m", "solara", "run", str(page), "--host", args.host, "--port", str(args.port),
           "--production"]
    print(f"Plenary dashboard on http://{args.host}:{args.port} (Ctrl+C to stop)")
    return subprocess.call(cmd)


def _study(sub, name: str, help_: str, replicates: int, out: str, overrides_help: str = "Hydra overrides"):
    """A subcommand that runs the scenario R times and writes into a folder: --replicates, --out, overrides."""
    p = sub.add_parser(name, help=help_)
    p.add_argument("--replicates", type=positive, default=replicates, help=f"replicates (default {replicates})")
    p.add_argument("--out", default=None, help=f"output (default: {out})")
    p.add_argument("overrides", nargs="*", help=overrides_help)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="plenary", description="Simulate treaty negotiations and the stakeholder "
                                     "participation rules that shape them.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a scenario (default: the AHC cybercrime negotiation) and chart it",
                           description="Hydra overrides: group=option (rules=open_door) or key=value (seed=7, "
                           "replicates=200, rules.informal_share=0.8, params.susceptibility=0.5).")
    p_run.add_argument("--replicates", type=positive, default=None, help="replicates (same as replicates=N)")
    p_run.add_argument("--dry-run", action="store_true", help="check the config, data, memory estimate and run "
                       "folder; run and write nothing")
    p_run.add_argument("--cfg", action="store_true", help="print the composed, validated config and stop")
    p_run.add_argument("--format", action="append", choices=("parquet", "csv"), default=["parquet"],
                       help="table formats to write (repeatable; parquet always; csv beside it)")
    p_run.add_argument("overrides", nargs="*", help="Hydra overrides")
    p_run.set_defaults(handler=_run)
    p_list = sub.add_parser("list", help="presets (scenarios, rules, params, experiments) and rule values")
    p_list.add_argument("what", nargs="?", default="all", choices=("all", "scenario", "rules", "params",
                                                                   "experiment", "levers"),
                        help="one section only (default: all)")
    p_list.set_defaults(handler=_list)
    p_sweep = sub.add_parser("sweep", help="run a grid of participation rules (Hydra multirun), resumable",
                             description="Hydra overrides; comma lists sweep (rules.informal_share=0.2,0.5,0.8). "
                             "Presets: experiment=cosp_access | speaking_time | closed_door | ahc_counterfactuals. "
                             "Launchers: hydra/launcher=joblib (cores of this machine), submitit_local, "
                             "submitit_slurm. Re-running the same command reuses finished (and checked) cells. "
                             "Ctrl-C or SIGTERM gathers the finished cells and exits 130/143.")
    p_sweep.add_argument("--dry-run", action="store_true", help="list the cells (run or reuse) and stop")
    p_sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    p_sweep.add_argument("--verify", nargs="?", const=True, default=None, metavar="FOLDER",
                         help="check the cells of FOLDER (or of the command's folder) without running anything; "
                         "exit 1 if any cell is bad")
    p_sweep.add_argument("--reuse-stale", action="store_true",
                         help="reuse cells computed by another model version (recorded in the manifest)")
    p_sweep.add_argument("--extend", action="store_true",
                         help="add cells of another design or model version to a folder that holds one")
    p_sweep.add_argument("overrides", nargs="*", help="Hydra overrides")
    p_sweep.set_defaults(handler=_sweep)
    p_rep = sub.add_parser("report", help="summary tables and publication charts of a sweep folder")
    p_rep.add_argument("sweep_dir", help="a sweep folder, e.g. outputs/sweeps/cosp_access")
    p_rep.add_argument("--trajectory", action="append", default=[], metavar="LEVER=VALUE[,LEVER=VALUE]",
                       help="cells whose text trajectory to chart (repeatable; default: the baseline cell and "
                       "the cell with the highest influence)")
    p_rep.add_argument("--out", default=None, help="output folder (default: SWEEP_DIR/report)")
    p_rep.set_defaults(handler=_report)
    p_cmp = sub.add_parser("compare", help="bargaining models side by side on Decide-format actor-issue data")
    p_cmp.add_argument("file", help="a Decide-format file (#A, #P, #M, #D rows), e.g. copenhagen.csv")
    p_cmp.add_argument("--out", default=None, help="output folder (default: outputs/compare/<file name>)")
    p_cmp.add_argument("--decide-python", default=None,
                       help="a Python 3.13 with decide-exchange-model installed (default: $PLENARY_DECIDE_PYTHON)")
    p_cmp.add_argument("--observed", default=None, help="a CSV of the observed outcomes (columns issue, observed, "
                       "optionally source), drawn beside the predictions")
    p_cmp.set_defaults(handler=_compare)
    p_val = _study(sub, "validate", "the model against the 74/247 vote, the AHC outcome and MODEL.md §6; exit 1 if "
                   "a target is missed", 200, "outputs/validation", "Hydra overrides, e.g. params=calibrated")
    p_val.add_argument("--heldout", nargs="?", const="150,4,4", default=None, metavar="BUDGET",
                       help="also recompute the held-out table (leave one pattern of the record out: five ABC fits, "
                       "about 5 minutes at the default budget 150,4,4) instead of showing the shipped one")
    p_val.set_defaults(handler=_validate)
    p_cal = sub.add_parser("calibrate", help="fit the uncertain parameters to the record by ABC-SMC (pyabc); write "
                           "a new named posterior", description="Priors: the plausible ranges of sim/config.py "
                           "(or --prior). Writes configs/params/posterior/<name>/ (never over an existing one); "
                           "--install also replaces the shipped default posterior and params=posterior.")
    p_cal.add_argument("--parameters", default=None, help="comma list of parameters to fit (default: every one "
                       "with a plausible range)")
    p_cal.add_argument("--budget", default="default", help="quick | default | POPULATION,GENERATIONS,REPLICATES "
                       "(default: 200,6,16; quick: 40,3,4)")
    p_cal.add_argument("--prior", action="append", default=[], metavar="NAME=LO:HI",
                       help="a fitted parameter's prior range instead of its plausible one (uniform; inside its hard "
                       "bounds; repeatable), e.g. --prior chair_rate=0.2:0.9")
    p_cal.add_argument("--name", default=None, help="the posterior's name (default: fit_<date>_<time>)")
    p_cal.add_argument("--install", action="store_true", help="also replace the shipped default posterior")
    p_cal.add_argument("--resume", action="store_true", help="continue the interrupted fit --name")
    p_cal.add_argument("--engine", default="local", choices=("local", "dask"), help="local cores or a dask cluster")
    p_cal.add_argument("--cores", type=positive, default=1, help="processes (default 1: reproducible from the seed)")
    p_cal.add_argument("--scheduler", default=None, help="dask: a scheduler address (default: a local cluster)")
    p_cal.add_argument("--out", default=None, help="folder of posteriors (default: configs/params/posterior)")
    p_cal.add_argument("--work", default=None, help="folder of fit histories (default: outputs/calibrate)")
    p_cal.add_argument("overrides", nargs="*", help="Hydra overrides (fixed values of the parameters not fitted, seed)")
    p_cal.set_defaults(handler=_calibrate)
    p_sen = _study(sub, "sensitivity", "Morris screening (or Sobol indices) of the behavioural parameters (SALib)",
                   16, "outputs/sensitivity")
    p_sen.add_argument("--method", choices=("morris", "sobol"), default="morris", help="screening (default) or Sobol")
    p_sen.add_argument("--trajectories", type=positive, default=10, help="Morris trajectories (default 10)")
    p_sen.add_argument("--budget", type=positive, default=None, help="Sobol: base sample size N, a power of two "
                       "(evaluations = N x (factors + 2)); required")
    p_sen.add_argument("--factors", default=None, help="Sobol: comma list of parameters, e.g. "
                       "stakeholder_weight_max,saturation,confidence_political")
    p_sen.set_defaults(handler=_sensitivity)
    p_briefs = sub.add_parser("brief", help="a short brief for advocates (plenary brief cosp: the COSP's "
                              "stakeholder-access rule options; Markdown, HTML, charts with captions)")
    topics = p_briefs.add_subparsers(dest="topic", required=True)
    p_brief = topics.add_parser("cosp", help="the COSP's stakeholder-access rule options", description="Every rule "
                                "option against the first, paired, with intervals over replicates and posterior "
                                "draws; pivotal delegations, coalition value, scenario discovery and robustness. "
                                "Hydra overrides as for plenary run.")
    p_brief.add_argument("--scenario", default=None, help="scenario preset (default: ahc_cybercrime)")
    p_brief.add_argument("--rules", default=None, help="comma list of rules presets to compare, the reference first "
                         "(default: the seven COSP options, draft rule 17(2) first)")
    p_brief.add_argument("--replicates", type=positive, default=None, help="paired replicates per option and draw "
                         "(default 64)")
    p_brief.add_argument("--draws", type=nonnegative, default=None, help="posterior draws (default 16; 0: the "
                         "parameters as configured)")
    p_brief.add_argument("--provision", default=None, help="provision of the pivot and discovery questions (default: "
                         "the one stakeholders move most)")
    p_brief.add_argument("--points", type=float, default=1.0, help="'moved by more than X points' (default 1)")
    p_brief.add_argument("--quick", action="store_true", help="small sizes for a first look (about a minute)")
    p_brief.add_argument("--out", default=None, help="output folder (default: outputs/briefs/cosp_<time>)")
    p_brief.add_argument("overrides", nargs="*", help="Hydra overrides (seed=7, params=posterior, cosp.decision_rule=...)")
    p_brief.set_defaults(handler=_brief)
    p_dash = sub.add_parser("dashboard", help="the live workshop dashboard (Mesa SolaraViz), offline, localhost")
    p_dash.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p_dash.add_argument("--port", type=positive, default=8765, help="port (default 8765)")
    p_dash.set_defaults(handler=_dashboard)
    return parser


def _message(exc: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit status of an error a user can act on, or None for a bug (traceback)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(exc, (ConfigError, UsageError)):
        return str(exc), USAGE_EXIT
    if isinstance(exc, (HydraException, OmegaConfBaseException)):
        return _explain(exc), USAGE_EXIT
    if isinstance(exc, FileExistsError):
        return f"{exc} (allowed: a run_dir that does not exist yet)", USAGE_EXIT
    if isinstance(exc, OutputError):
        return str(exc), FAILURE_EXIT
    from sim.io import is_write_failure

    if is_write_failure(exc):
        where = f" {exc.filename}" if exc.filename else ""
        return (f"could not write{where}: {exc.strerror or exc} (allowed: free space or write permission, then "
                f"run again)", FAILURE_EXIT)
    if isinstance(exc, MemoryError):
        return ("out of memory (allowed: a smaller run: fewer replicates, a smaller chunk_size or scenario, or "
                "memory_budget_gb below what the machine has)", FAILURE_EXIT)
    return None


def main(argv: list[str] | None = None) -> int:
    """The ``plenary`` command. Bad input: one line ``plenary: error: ...`` on stderr and exit status 2; a
    failure during work (a write failed): exit status 1; never a traceback for either."""
    try:
        args = build_parser().parse_args(argv)
        # charts are files here: the Agg backend, chosen when (and only if) matplotlib is imported, so that an error
        # found before any chart is drawn does not wait 0.3 s for matplotlib
        import os

        if "matplotlib" in sys.modules:
            import matplotlib

            matplotlib.use("Agg")
        else:
            os.environ["MPLBACKEND"] = "Agg"
        if getattr(args, "overrides", None):
            from experiments.checks import check_overrides

            check_overrides(args.overrides)
        return args.handler(args)
    except Exception as exc:
        found = _message(exc)
        if found is None:
            raise
        text, status = found
        print(f"plenary: error: {' '.join(text.split())}", file=sys.stderr)
        return status


# Commands that start no processes or threads that need joining: after them the console script leaves at once.
FAST_EXIT = frozenset({"run", "list", "report", "compare"})


def entry() -> None:
    """The console script: ``main``, then, after the commands of FAST_EXIT, leave at once. Every file is closed and
    renamed into place by then, so the interpreter's tear-down of numba, pandas and matplotlib (about 0.5 s) is only
    waiting. Anything else (a traceback, Ctrl-C, --help, a live child process or thread) exits the ordinary way."""
    import os
    import threading

    argv = sys.argv[1:]
    code = main(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in FAST_EXIT and threading.active_count() == 1 and not _children():
        import logging

        logging.shutdown()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:                       # a closed pipe (plenary run | head): as Python's own exit does
            code = code or 120
        os._exit(int(code or 0))
    sys.exit(code)


def _children() -> bool:
    """Whether this process has live multiprocessing children (only if multiprocessing was imported at all)."""
    mp = sys.modules.get("multiprocessing")
    return bool(mp and mp.active_children())


if __name__ == "__main__":
    entry()
