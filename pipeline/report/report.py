#!/usr/bin/env python3
"""structura's report and plots (called by `structura run` and `structura report`).

  report.py plots RUN_DIR [--out DIR]    the plots of one run (default DIR: RUN_DIR/plots)
  report.py report OUT_DIR DIR...        report.md, report.csv, per-run plots in OUT_DIR/<run-id>/,
                                         for sweeps the error metrics against the swept key, and
                                         report.html: all of it on one self-contained page

Every file written is printed as a line "wrote PATH" on stdout. Exit status:
0 success, 1 failure, 2 usage error, 3 a needed Python module is missing
(the caller may try another interpreter).

Plots are organised per experiment kind: the kind's folder (its name with
dots as underscores) holds a module plots.py that provides plot_run(run,
out_dir) and, optionally, SWEEP_KEYS, SWEEP_METRICS, SWEEP_LINEAR_METRICS
(drawn on a linear axis without a log-log slope; figures in dB always are)
order_methods(run, names), COMPARISON (the columns of its per-setting
comparison tables, see comparison.py) and TABLES(run), a run's own tables
as [(title, header, rows)] (the collapse kinds' statistics per generation). It is found in kinds/<folder>/ beside this script (an installed
tree) or in ../experiments/<folder>/ (the source tree).
"""

import sys

sys.dont_write_bytecode = True  # never litter the install or source tree

try:
    import tomllib  # noqa: F401  (Python >= 3.11)
    import h5py  # noqa: F401
    import matplotlib  # noqa: F401
    import numpy as np
except ImportError as e:  # reported on stdout, which the caller reads
    print(f"missing-module: {e.name} (Python {sys.version.split()[0]} at {sys.executable})")
    sys.exit(3)

import argparse
import csv
import importlib
import importlib.util
import io
import json
import math
import os
import traceback

import matplotlib.ticker  # noqa: E402

import comparison
import html_page
from formats import cell_text, raw_value
import plotting
from plotting import plt


_kind_modules = {}


def kind_module(kind):
    """The plotting module of an experiment kind, or None if it has none."""
    folder = kind.replace(".", "_").replace("-", "_")
    if folder in _kind_modules:
        return _kind_modules[folder]
    here = os.path.dirname(os.path.abspath(__file__))
    module = None
    for path in (os.path.join(here, "kinds", folder, "plots.py"),
                 os.path.join(here, "..", "experiments", folder, "plots.py")):
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location("plots_" + folder, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            break
    _kind_modules[folder] = module
    return module


def wrote(path):
    print(f"wrote {path}", flush=True)


def warn(message):
    print(f"warning: {message}", file=sys.stderr, flush=True)


def plot_run(run_dir, out_dir):
    with plotting.Run(run_dir) as run:
        module = kind_module(run.kind)
        if module is None:
            warn(f"{run.dir}: no plots for experiment kind '{run.kind}'")
            return []
        return module.plot_run(run, out_dir)


def run_tables(run_dir):
    """The kind's TABLES(run) of one run: [(title, header, rows)], or []."""
    with plotting.Run(run_dir) as run:
        module = kind_module(run.kind)
        hook = getattr(module, "TABLES", None) if module is not None else None
        return hook(run) if hook else []


# ---- gathering runs ------------------------------------------------------------------------

def find_runs(dirs, skip):
    """Directories under dirs holding result.h5 and config.toml."""
    found = []
    skip = os.path.realpath(skip)
    for top in dirs:
        for root, subdirs, files in os.walk(top):
            if os.path.realpath(root) == skip:
                subdirs[:] = []
                continue
            if "result.h5" in files and "config.toml" in files:
                found.append(os.path.abspath(root))
                subdirs[:] = []
            subdirs.sort()
    return found


class RunRecord:
    """What the report needs of one run, read once."""

    def __init__(self, run_dir):
        with plotting.Run(run_dir) as run:
            self.dir = run.dir
            self.kind = run.kind
            self.name = run.name
            self.run_id = run.run_id
            self.mpi_size = run.mpi_size
            self.config = run.flat_config
            self.run_attrs = {}  # attributes of /metrics
            self.methods = {}  # method -> {metric: (value, unit)}
            metrics = run.file.get("metrics")
            if metrics is None:
                warn(f"{run.dir}: no /metrics (the run has not finished); listed without figures")
                return
            self.run_attrs = {k: plotting.scalar(v) for k, v in metrics.attrs.items()}
            for name, obj in metrics.items():
                if hasattr(obj, "items"):  # a method's group of scalar datasets
                    self.methods[name] = {k: _metric(d) for k, d in obj.items() if _is_scalar(d)}
                elif _is_scalar(obj):  # a run-wide figure directly under /metrics
                    self.methods.setdefault("-", {})[name] = _metric(obj)
            module = kind_module(run.kind)
            if module is not None and hasattr(module, "order_methods"):
                order = module.order_methods(run, list(self.methods))
                self.methods = {m: self.methods[m] for m in order}


def _is_scalar(obj):
    return not hasattr(obj, "items") and obj.size == 1 and obj.dtype.kind in "iuf"


def _metric(d):
    return plotting.scalar(d[()]), plotting.text(d.attrs.get("unit", ""))


def varying_keys(records, exclude=("experiment.name",)):
    """Config keys whose values differ between the records (missing counts as a value)."""
    keys = sorted({k for r in records for k in r.config})
    return [k for k in keys if k not in exclude and len({json.dumps(r.config.get(k), sort_keys=True) for r in records}) > 1]


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def sort_value(v):
    return (0, v, "") if is_number(v) else (1, 0, json.dumps(v))


def fmt_md(v):
    return cell_text(v).replace("|", "\\|")


def build_table(records):
    """Header, rows (lists of raw values: one row per run and method), the
    varying config keys and, per column, (role, name): role is one of
    experiment, run, kind, ranks, config, attribute, method, metric."""
    kinds = sorted({r.kind for r in records})
    keys = varying_keys(records)
    run_attr_names = list(dict.fromkeys(a for r in records for a in r.run_attrs))
    metric_names, units = [], {}
    for r in records:
        for figures in r.methods.values():
            for name, (_, unit) in figures.items():
                if name not in units:
                    metric_names.append(name)
                    units[name] = unit
                elif units[name] != unit:
                    warn(f"{r.dir}: metric {name} has unit '{unit}' here but '{units[name]}' elsewhere")
    header = ["experiment", "run id"] + (["kind"] if len(kinds) > 1 else []) + ["ranks"] + keys
    header += run_attr_names + ["method"] + [f"{m} [{units[m]}]" if units[m] else m for m in metric_names]
    columns = [("experiment", "experiment"), ("run", "run id")] + ([("kind", "kind")] if len(kinds) > 1 else [])
    columns += [("ranks", "ranks")] + [("config", k) for k in keys] + [("attribute", a) for a in run_attr_names]
    columns += [("method", "method")] + [("metric", m) for m in metric_names]
    records = sorted(records, key=lambda r: (r.name, [sort_value(r.config.get(k)) for k in keys], r.run_id))
    rows = []
    for r in records:
        prefix = [r.name, r.run_id] + ([r.kind] if len(kinds) > 1 else []) + [r.mpi_size]
        prefix += [r.config.get(k) for k in keys] + [r.run_attrs.get(a) for a in run_attr_names]
        for method, figures in (r.methods or {"-": {}}).items():
            rows.append(prefix + [method] + [figures.get(m, (None, ""))[0] for m in metric_names])
    return header, rows, keys, columns


def markdown_table(header, rows):
    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(fmt_md(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)
    wrote(path)


# ---- sweep plots ---------------------------------------------------------------------------

def _determines(records, x, key):
    """Whether the value of config key x fixes the value of `key` (zipped axes)."""
    seen = {}
    for r in records:
        a, b = json.dumps(r.config.get(x)), json.dumps(r.config.get(key))
        if seen.setdefault(a, b) != b:
            return False
    return True


def sweep_axes(records, module):
    """The numeric config keys an experiment's runs are plotted against."""
    numeric = [k for k in varying_keys(records) if all(is_number(r.config.get(k)) for r in records)]
    preferred = [k for k in getattr(module, "SWEEP_KEYS", []) if k in numeric]
    if preferred:
        return preferred
    axes = []
    for k in numeric:  # of keys zipped one-to-one, keep the first
        if not any(_determines(records, a, k) and _determines(records, k, a) for a in axes):
            axes.append(k)
    return axes


def sweep_metrics(records, module):
    names = list(dict.fromkeys(n for r in records for f in r.methods.values() for n in f))
    wanted = getattr(module, "SWEEP_METRICS", None)
    if wanted is not None:
        return [n for n in wanted if n in names]
    return [n for n in names if "error" in n and "exponent" not in n and "slope" not in n]


def sweep_plots(records, out_dir):
    """For each experiment with several runs: each error metric against each
    swept numeric key, one line per method (and per value of the other swept
    keys, told apart by line style and marker), log-log with the fitted
    slope. Returns ({(name, kind): paths}, {(name, kind): slope lines})."""
    written, notes = {}, {}
    by_experiment = {}
    for r in records:
        by_experiment.setdefault((r.name, r.kind), []).append(r)
    for (name, kind), group in sorted(by_experiment.items()):
        if len(group) < 2:
            continue
        module = kind_module(kind)
        for x in sweep_axes(group, module):
            others = [k for k in varying_keys(group) if k != x and not _determines(group, x, k)]
            for metric in sweep_metrics(group, module):
                series = {}
                unit = ""
                for r in group:
                    for method, figures in r.methods.items():
                        if metric not in figures or figures[metric][0] is None:
                            continue
                        unit = figures[metric][1]
                        label = method + "".join(f", {k} = {fmt_md(r.config.get(k))}" for k in others)
                        series.setdefault((method, label), []).append((r.config[x], figures[metric][0]))
                if not series:
                    continue
                fig, ax = plt.subplots(figsize=(7.0, 5.0))
                all_x = [v for pts in series.values() for v, _ in pts]
                all_y = [v for pts in series.values() for _, v in pts]
                # A figure already on a log scale (dB) or bounded (SSIM) is read
                # on a linear axis, without a log-log slope.
                linear = unit == "dB" or metric in getattr(module, "SWEEP_LINEAR_METRICS", ())
                slopes = []
                count = {}  # series drawn so far per method: their styles differ
                for (method, label), pts in series.items():
                    pts.sort()
                    xs, ys = np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)
                    slope = None if linear else plotting.loglog_slope(xs, ys)
                    if slope is not None:
                        slopes.append(f"{label} {slope:.2f}")
                    text = f"{label} (slope {slope:.2f})" if slope is not None else label
                    j = count[method] = count.get(method, -1) + 1
                    style = plotting.series_style(j, xs.size)
                    ax.plot(xs, ys, color=plotting.method_colour(method), label=text, **style)
                if min(all_x) > 0:
                    ax.set_xscale("log")
                    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
                if len(set(all_x)) <= 12:  # label the swept values themselves
                    ax.set_xticks(sorted(set(all_x)))
                    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
                if not linear and all(y > 0 for y in all_y if math.isfinite(y)):
                    ax.set_yscale("log")
                ax.set_xlabel(x)
                ax.set_ylabel(f"{metric} [{unit}]" if unit and unit != "1" else metric)
                title = f"{metric} against {x}: experiment {name}, {plotting.plural(len(group), 'run')}"
                if slopes:
                    title += f"\nslope: least-squares fit of log(metric) against log({x})"
                ax.set_title(title, fontsize="medium")
                ax.legend(loc="best")
                path = os.path.join(out_dir, "sweep", f"{name}_{metric}_vs_{x}.png")
                written.setdefault((name, kind), []).append(plotting.save(fig, path))
                if slopes:
                    notes.setdefault((name, kind), []).append(
                        f"{name}: {metric} against {x}, log-log slope: " + "; ".join(slopes))
    return written, notes


def report(out_dir, dirs):
    for d in dirs:
        if not os.path.isdir(d):
            print(f"error: {d}: no such directory", file=sys.stderr)
            return 2
    os.makedirs(out_dir, exist_ok=True)
    run_dirs = find_runs(dirs, out_dir)
    if not run_dirs:
        print(f"error: no runs (directories with result.h5 and config.toml) under {', '.join(dirs)}",
              file=sys.stderr)
        return 1
    records, ids = [], set()
    for d in run_dirs:
        try:
            r = RunRecord(d)
        except Exception as e:  # an unreadable file must not hide the others
            warn(f"{d}: skipped, cannot read result.h5 ({e})")
            continue
        if r.run_id in ids:
            warn(f"{d}: run {r.run_id} was found twice; this copy is skipped")
            continue
        ids.add(r.run_id)
        records.append(r)
    if not records:
        print("error: none of the runs found could be read", file=sys.stderr)
        return 1

    header, rows, keys, _ = build_table(records)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header] + [[raw_value(v) for v in row] for row in rows])
    write_text(os.path.join(out_dir, "report.csv"), buf.getvalue())

    plots, tables, failed = {}, {}, 0
    for r in sorted(records, key=lambda r: (r.name, r.run_id)):
        try:
            for p in plot_run(r.dir, os.path.join(out_dir, r.run_id)):
                wrote(p)
                plots.setdefault(r.run_id, []).append(p)
            tables[r.run_id] = run_tables(r.dir)
        except Exception:
            failed += 1
            warn(f"{r.dir}: plots failed:\n{traceback.format_exc()}")
    sweeps_by_experiment, notes_by_experiment = sweep_plots(records, out_dir)
    sweeps = [p for paths in sweeps_by_experiment.values() for p in paths]
    notes = [n for lines in notes_by_experiment.values() for n in lines]
    for p in sweeps:
        wrote(p)

    experiments = {}
    for r in records:
        experiments.setdefault((r.name, r.kind), []).append(r)
    comparisons = {}
    for (name, kind), group in experiments.items():
        swept = varying_keys(group)
        ordered = sorted(group, key=lambda r: ([sort_value(r.config.get(k)) for k in swept], r.run_id))
        comparisons[(name, kind)] = comparison.tables(ordered, kind_module(kind), swept)

    md = ["# structura report\n",
          f"{len(records)} run(s) found under {', '.join(os.path.abspath(d) for d in dirs)}; "
          f"one row per run and method. Swept (varying) config keys: "
          f"{', '.join(keys) if keys else 'none'}. Units in brackets; [1] is dimensionless.\n",
          markdown_table(header, rows)]
    rel = lambda p: os.path.relpath(p, out_dir)  # noqa: E731
    shown = [t for key in sorted(comparisons) for t in comparisons[key]]
    if shown:
        md.append("\n## Methods compared, per setting\n")
        md.append("Mean ± standard deviation over each run's test set.\n")
        md += [comparison.markdown(t) for t in shown]
    if sweeps:
        md.append("\n## Sweeps\n")
        md += [f"- {n}" for n in notes]
        md.append("")
        md += [f"![{os.path.basename(p)}]({rel(p)})" for p in sweeps]
    if any(tables.values()):
        md.append("\n## Tables per run\n")
        for r in sorted(records, key=lambda r: (r.name, r.run_id)):
            for title, head, body in tables.get(r.run_id, []):
                md.append(f"### {r.name}, run {r.run_id}: {title}\n")
                md.append(markdown_table(head, body))
    if plots:
        md.append("\n## Plots per run\n")
        for run_id, paths in plots.items():
            md.append(f"- {run_id}: " + ", ".join(f"[{os.path.basename(p)}]({rel(p)})" for p in paths))
    write_text(os.path.join(out_dir, "report.md"), "\n".join(md) + "\n")
    sections = [html_page.Experiment(name, kind, group, build_table(group), sweeps_by_experiment.get((name, kind), []),
                                     notes_by_experiment.get((name, kind), []), comparisons[(name, kind)])
                for (name, kind), group in sorted(experiments.items())]
    page = html_page.page(sections, dirs, out_dir, plots, tables)
    write_text(os.path.join(out_dir, "report.html"), page)
    for n in notes:
        print(n)
    return 1 if failed else 0


def main(argv):
    parser = argparse.ArgumentParser(prog="report.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plots", help="the plots of one run")
    p.add_argument("run_dir")
    p.add_argument("--out", help="output directory (default: RUN_DIR/plots)")
    r = sub.add_parser("report", help="table and plots of many runs")
    r.add_argument("out_dir")
    r.add_argument("dirs", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "plots":
        for path in plot_run(args.run_dir, args.out or os.path.join(args.run_dir, "plots")):
            wrote(path)
        return 0
    return report(args.out_dir, args.dirs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
