"""The ``plenary`` command: thin entry points that compose a config and call an importable ``run``.

    plenary run [override ...]      e.g. plenary run rules=cosp_draft_rule_17 seed=7 replicates=200
    plenary run --cfg [override ...] the composed config, nothing run
    plenary list [section]          presets (scenario, rules, params, experiment) and rule levers' values
    plenary sweep [override ...]    e.g. plenary sweep experiment=cosp_access hydra/launcher=joblib
    plenary report SWEEP_DIR        tables and charts of a finished (or partly finished) sweep
    plenary compare FILE            bargaining models side by side on Decide-format actor-issue data
    plenary validate [override ...] the model against the real record and its stylised facts (exit 1 on a miss)
    plenary calibrate [--budget quick] fit the parameters to the record by ABC-SMC -> a named posterior
    plenary sensitivity             Morris screening of the behavioural parameters
    plenary dashboard               the live workshop dashboard on http://127.0.0.1:8765

Any bad config, data file or command line gives one message naming what is wrong and what is allowed, and exit
status 2, before anything is written.
"""

from __future__ import annotations

import argparse
import sys

USAGE_EXIT = 2


def _explain(exc: BaseException) -> str:
    """One line from a Hydra/OmegaConf error and its cause (the part that names the key)."""
    parts = [str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__]
    text = str(exc)
    if "Available options" in text:
        parts.append("available: " + ", ".join(ln.strip() for ln in text.split("Available options")[1].splitlines()[1:]
                                              if ln.startswith("\t") and not ln.strip().startswith("provider")))
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause).strip():
        parts.append(str(cause).strip().splitlines()[0])
    return "; ".join(p for p in parts if p)


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
    from experiments.config import load

    cfg = load(args.overrides)
    if args.cfg:                                       # the composed, validated config; nothing is run
        from omegaconf import OmegaConf

        print(OmegaConf.to_yaml(OmegaConf.structured(cfg)), end="")
        return 0
    _compile_notice()
    from experiments.run import run

    run(cfg, formats=tuple(args.format))
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


def _compare(args) -> int:
    from experiments.compare import compare

    compare(args.file, args.out, args.decide_python)
    return 0


def _validate(args) -> int:
    from experiments.config import load
    from experiments.validate import validate

    _, found = validate(load(args.overrides), args.replicates, args.out)
    return 0 if all(t.passed for t in found) else 1


def _calibrate(args) -> int:
    from experiments.calibrate import calibrate
    from experiments.config import load

    cfg = load(args.overrides)
    _compile_notice()
    calibrate(cfg, args.parameters, args.budget, args.name, args.install, args.resume, args.engine, args.cores,
              args.scheduler, args.out, args.work)
    return 0


def _sensitivity(args) -> int:
    from experiments.config import load
    from experiments.sensitivity import sensitivity, sobol

    cfg = load(args.overrides)
    if args.method == "sobol":
        sobol(cfg, args.budget, [f for f in (args.factors or "").split(",") if f], args.replicates, args.out)
    else:
        sensitivity(cfg, args.trajectories, args.replicates, args.out)
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
    p.add_argument("--replicates", type=int, default=replicates, help=f"replicates (default {replicates})")
    p.add_argument("--out", default=None, help=f"output (default: {out})")
    p.add_argument("overrides", nargs="*", help=overrides_help)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plenary", description="Simulate treaty negotiations and the stakeholder "
                                     "participation rules that shape them.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a scenario (default: the AHC cybercrime negotiation) and chart it",
                           description="Hydra overrides: group=option (rules=open_door) or key=value (seed=7, "
                           "replicates=200, rules.informal_share=0.8, params.susceptibility=0.5).")
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
    p_cmp.set_defaults(handler=_compare)
    _study(sub, "validate", "the model against the 74/247 vote, the AHC outcome and MODEL.md §6; exit 1 if a "
           "target is missed", 200, "outputs/validation", "Hydra overrides, e.g. params=calibrated"
           ).set_defaults(handler=_validate)
    p_cal = sub.add_parser("calibrate", help="fit the uncertain parameters to the record by ABC-SMC (pyabc); write "
                           "a new named posterior", description="Priors: the plausible ranges of sim/config.py. "
                           "Writes configs/params/posterior/<name>/ (never over an existing one); --install also "
                           "replaces the shipped default posterior and params=posterior.")
    p_cal.add_argument("--parameters", default=None, help="comma list of parameters to fit (default: every one "
                       "with a plausible range)")
    p_cal.add_argument("--budget", default="default", help="quick | default | POPULATION,GENERATIONS,REPLICATES "
                       "(default: 200,6,16; quick: 40,3,4)")
    p_cal.add_argument("--name", default=None, help="the posterior's name (default: fit_<date>_<time>)")
    p_cal.add_argument("--install", action="store_true", help="also replace the shipped default posterior")
    p_cal.add_argument("--resume", action="store_true", help="continue the interrupted fit --name")
    p_cal.add_argument("--engine", default="local", choices=("local", "dask"), help="local cores or a dask cluster")
    p_cal.add_argument("--cores", type=int, default=1, help="processes (default 1: reproducible from the seed)")
    p_cal.add_argument("--scheduler", default=None, help="dask: a scheduler address (default: a local cluster)")
    p_cal.add_argument("--out", default=None, help="folder of posteriors (default: configs/params/posterior)")
    p_cal.add_argument("--work", default=None, help="folder of fit histories (default: outputs/calibrate)")
    p_cal.add_argument("overrides", nargs="*", help="Hydra overrides (fixed values of the parameters not fitted, seed)")
    p_cal.set_defaults(handler=_calibrate)
    p_sen = _study(sub, "sensitivity", "Morris screening (or Sobol indices) of the behavioural parameters (SALib)",
                   16, "outputs/sensitivity")
    p_sen.add_argument("--method", choices=("morris", "sobol"), default="morris", help="screening (default) or Sobol")
    p_sen.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    p_sen.add_argument("--budget", type=int, default=None, help="Sobol: base sample size N, a power of two "
                       "(evaluations = N x (factors + 2)); required")
    p_sen.add_argument("--factors", default=None, help="Sobol: comma list of parameters, e.g. "
                       "stakeholder_weight_max,saturation,confidence_political")
    p_sen.set_defaults(handler=_sensitivity)
    p_dash = sub.add_parser("dashboard", help="the live workshop dashboard (Mesa SolaraViz), offline, localhost")
    p_dash.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p_dash.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p_dash.set_defaults(handler=_dashboard)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # imported here, after parsing, so that --help stays quick; charts are files here (notebooks keep inline)
    import matplotlib
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.config import ConfigError

    matplotlib.use("Agg")
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"plenary: error: {exc}", file=sys.stderr)
    except (HydraException, OmegaConfBaseException) as exc:
        print(f"plenary: error: {_explain(exc)}", file=sys.stderr)
    except FileExistsError as exc:
        print(f"plenary: error: {exc} (allowed: a run_dir that does not exist yet)", file=sys.stderr)
    return USAGE_EXIT


if __name__ == "__main__":
    sys.exit(main())
