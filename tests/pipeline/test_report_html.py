#!/usr/bin/env python3
"""report_html: `structura report` writes one self-contained report.html,
checked as headless Chromium renders it.

Runs small experiments of four kinds (tests/pipeline/report_html_*.toml:
a dt sweep of hamiltonian.ensemble, a noise-level sweep of ct.classical, one
sympflow run, one ct.learned run), reports them, and checks:
- the page needs no other file: every image is a base64 PNG, no external
  style, script, font or image;
- rendered by `chromium --headless --dump-dom`: one table per experiment
  whose rows are exactly the (run, method) pairs of the runs' /metrics, and
  every metric cell equals the value read from result.h5 with h5py (the
  full-precision data-value exactly, the shown text to 4 digits); the swept
  keys are columns holding each run's value from its own /config;
- per run of the CT kinds, a comparison table: rows the methods in the run's
  reconstruction.methods order, cells "mean ± std" equal to numpy's mean and
  sample standard deviation of the per-image PSNR/SSIM in result.h5;
- every image decoded in Chromium (naturalWidth > 0, marked by the page's
  load script), each run has its plots and each sweep its sweep plots; a
  copy of the page with one image's data cut short is caught as broken (the
  check can fail);
- each run's links lead, relative to report.html, to its run directory
  (holding the result.h5 of that run id);
- a screenshot of the page is drawn (not blank).

Exits 77 (ctest: skipped) with a message when no Chromium is installed
(cmake/install-deps.sh installs Debian's `chromium`).

Environment: STRUCTURA (the executable), STRUCTURA_SOURCE_DIR.
"""
import base64
import html.parser
import io
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.parse

import h5py
import matplotlib.image
import numpy as np

STRUCTURA = os.environ["STRUCTURA"]
SOURCE = pathlib.Path(os.environ.get("STRUCTURA_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])
JOBS = [SOURCE / "tests" / "pipeline" / f"report_html_{k}.toml" for k in ("ensemble", "ct", "sympflow", "ct_learned")]
SKIP = 77
# Plots each run of a kind has at least (its plots module draws them).
RUN_PLOTS = {"hamiltonian.ensemble": {"energy_error", "state_error", "phase_space"},
             "ct.classical": {"reconstructions", "convergence", "metrics"},
             "sympflow": {"energy_error", "state_error", "training", "phase_space"},
             "ct.learned": {"reconstructions", "training"}}
# Kinds whose report compares methods per setting: the columns (mean, std)
# of the comparison table (their plots modules' COMPARISON).
COMPARED = {"ct.classical": [("psnr_mean", "psnr_std"), ("ssim_mean", "ssim_std"), ("seconds_per_image", None)],
            "ct.learned": [("psnr_mean", "psnr_std"), ("ssim_mean", "ssim_std"), ("seconds_per_image", None),
                           ("training_seconds", None)]}

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def structura(*args):
    p = subprocess.run([STRUCTURA, *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: structura {' '.join(map(str, args))} exited {p.returncode}\n"
                 f"--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}")
    return p


def render(browser, page, profile, *extra):
    """Chromium's command line for a page, headless, as root in a container."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *extra, page.as_uri()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stderr[-3000:]}")
    return p.stdout


class Dom(html.parser.HTMLParser):
    """What the checks need of the rendered page: tables, images, links."""

    def __init__(self):
        super().__init__()
        self.tables = []  # {experiment, columns: [(role, name)], rows: [{run, method, cells: {(role, name): (value, text)}}]}
        self.comparisons = []  # {run, rows: [(method, [(data-mean, data-std, text)])]}
        self.in_comparison = False
        self.images = []  # attribute dicts of <img>
        self.links = []  # (href, class, run id of the enclosing run section)
        self.body = {}
        self.section = None  # data-run-id of the enclosing <details class="run">
        self.cell = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "table" and "comparison" in a.get("class", ""):
            self.in_comparison = True
            self.comparisons.append({"run": a.get("data-run-id"), "rows": []})
        elif self.in_comparison:
            if tag == "tr" and "data-method" in a:
                self.comparisons[-1]["rows"].append((a["data-method"], []))
            elif tag == "td" and "data-mean" in a:
                self.cell = ("comparison", a["data-mean"], a.get("data-std", ""))
                self.text = []
        elif tag == "table" and "runs" in a.get("class", ""):
            self.tables.append({"experiment": a.get("data-experiment"), "columns": [], "rows": []})
        elif tag == "th" and self.tables:
            self.tables[-1]["columns"].append((a.get("data-role"), a.get("data-name")))
        elif tag == "tr" and self.tables and "data-run-id" in a:
            self.tables[-1]["rows"].append({"run": a["data-run-id"], "method": a["data-method"], "cells": {}})
        elif tag == "td" and self.tables and self.tables[-1]["rows"]:
            self.cell = ((a.get("data-role"), a.get("data-name")), a.get("data-value"))
            self.text = []
        elif tag == "img":
            self.images.append(a)
        elif tag == "details" and "run" in a.get("class", ""):
            self.section = a.get("data-run-id")
        elif tag == "a":
            self.links.append((a.get("href", ""), a.get("class", ""), self.section))

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None and self.cell[0] == "comparison":
            self.comparisons[-1]["rows"][-1][1].append((self.cell[1], self.cell[2], "".join(self.text).strip()))
            self.cell = None
        elif tag == "td" and self.cell is not None:
            key, value = self.cell
            self.tables[-1]["rows"][-1]["cells"][key] = (value, "".join(self.text).strip())
            self.cell = None
        elif tag == "details":
            self.section = None
        elif tag == "table":
            self.cell = None
            self.in_comparison = False

    def handle_data(self, data):
        if self.cell is not None:
            self.text.append(data)


def truth(run_dirs):
    """Independent reading of every run: {run id: {dir, experiment, kind, config,
    metrics: {(method, metric): value}}} straight from result.h5."""
    out = {}
    for d in run_dirs:
        with h5py.File(d / "result.h5", "r") as f:
            attr = lambda k: f.attrs[k].decode() if isinstance(f.attrs[k], bytes) else str(f.attrs[k])  # noqa: E731
            metrics = {}
            for name, obj in f["metrics"].items():
                if isinstance(obj, h5py.Group):
                    for metric, ds in obj.items():
                        if isinstance(ds, h5py.Dataset) and ds.size == 1 and ds.dtype.kind in "iuf":
                            metrics[(name, metric)] = ds[()].reshape(()).item()
                elif obj.size == 1 and obj.dtype.kind in "iuf":
                    metrics[("-", name)] = obj[()].reshape(()).item()
            config_text = f["config"][()]
            config = tomllib.loads(config_text.decode() if isinstance(config_text, bytes) else str(config_text))
            out[attr("run_id")] = {"dir": d, "experiment": attr("experiment_name"), "kind": attr("experiment_kind"),
                                   "config": config, "metrics": metrics}
    return out


def dotted(table, key):
    for part in key.split("."):
        table = table[part]
    return table


def same_number(shown, expected):
    value = float(shown)
    if math.isnan(expected):
        return math.isnan(value)
    return value == float(expected)


def check_tables(dom, runs, swept):
    by_experiment = {t["experiment"]: t for t in dom.tables}
    experiments = {r["experiment"] for r in runs.values()}
    check(set(by_experiment) == experiments and len(dom.tables) == len(experiments),
          f"tables for {sorted(t['experiment'] for t in dom.tables)}, expected one each for {sorted(experiments)}")
    cells = 0
    for experiment, table in by_experiment.items():
        mine = {rid: r for rid, r in runs.items() if r["experiment"] == experiment}
        expected_rows = {(rid, m) for rid, r in mine.items() for (m, _) in r["metrics"]}
        rows = [(row["run"], row["method"]) for row in table["rows"]]
        check(len(rows) == len(set(rows)) and set(rows) == expected_rows,
              f"{experiment}: rows {sorted(rows)}, expected one per run and method {sorted(expected_rows)}")
        for key in swept.get(experiment, []):
            check(("config", key) in table["columns"], f"{experiment}: swept key {key} is not a column")
        for row in table["rows"]:
            run = mine.get(row["run"])
            if run is None:
                continue
            got = row["cells"]
            for (method, metric), value in run["metrics"].items():
                if method != row["method"]:
                    continue
                cell = got.get(("metric", metric))
                if not check(cell is not None, f"{experiment} {row['run']} {method}: no cell for {metric}"):
                    continue
                raw, text = cell
                check(same_number(raw, value), f"{row['run']} {method} {metric}: page {raw}, result.h5 {value!r}")
                if isinstance(value, float) and math.isfinite(value):
                    check(text == f"{value:.4g}", f"{row['run']} {method} {metric}: shown {text!r}, expected {value:.4g}")
                cells += 1
            for key in swept.get(experiment, []):
                raw, _ = got.get(("config", key), (None, None))
                check(raw is not None and same_number(raw, dotted(run["config"], key)),
                      f"{row['run']}: {key} is {raw} in the page, {dotted(run['config'], key)} in /config")
            check(got.get(("run", "run id"), ("", ""))[1] == row["run"], f"{row['run']}: run id cell")
    return cells


def check_comparisons(dom, runs):
    """One comparison table per run of a kind in COMPARED: its rows the
    methods in the order of the run's own reconstruction.methods, each cell
    the mean and standard deviation that numpy computes from the per-image
    figures in result.h5 (psnr, ssim), or the scalar figure itself."""
    by_run = {}
    for t in dom.comparisons:
        check(t["run"] not in by_run, f"run {t['run']}: two comparison tables")
        by_run[t["run"]] = t
    for rid, r in runs.items():
        columns = COMPARED.get(r["kind"])
        if columns is None:
            check(rid not in by_run, f"run {rid} ({r['kind']}): a comparison table for a kind without one")
            continue
        table = by_run.get(rid)
        if not check(table is not None, f"run {rid} ({r['kind']}): no comparison table"):
            continue
        methods = list(r["config"]["reconstruction"]["methods"])
        check([m for m, _ in table["rows"]] == methods,
              f"run {rid}: comparison rows {[m for m, _ in table['rows']]}, reconstruction.methods {methods}")
        with h5py.File(r["dir"] / "result.h5", "r") as f:
            for method, cells in table["rows"]:
                check(len(cells) == len(columns), f"run {rid} {method}: {len(cells)} cells, {len(columns)} columns")
                for (mean_name, std_name), (mean, std, text) in zip(columns, cells):
                    g = f["metrics"][method]
                    if mean_name not in g:
                        check(mean == "" and text == "", f"run {rid} {method}: {mean_name} shown but not in result.h5")
                        continue
                    per_image = mean_name.removesuffix("_mean")
                    if per_image != mean_name:
                        values = g[per_image][()]
                        expected_mean = float(np.mean(values))
                        expected_std = float(np.std(values, ddof=1)) if values.size > 1 else 0.0
                        check(abs(float(mean) - expected_mean) <= 1e-12 * abs(expected_mean),
                              f"run {rid} {method} {mean_name}: page {mean}, numpy {expected_mean}")
                        check(abs(float(std) - expected_std) <= 1e-10 * abs(expected_std) + 1e-14,
                              f"run {rid} {method} {std_name}: page {std}, numpy {expected_std}")
                        check(text == f"{float(mean):.4g} ± {float(std):.4g}",
                              f"run {rid} {method} {mean_name}: shown {text!r}")
                    else:
                        value = float(g[mean_name][()].reshape(()))
                        check(float(mean) == value and std == "" and text == f"{value:.4g}",
                              f"run {rid} {method} {mean_name}: page {mean!r} {std!r} {text!r}, result.h5 {value}")
    return sum(len(t["rows"]) for t in dom.comparisons)


def check_images(dom, runs, sweeps):
    check(len(dom.images) > 0 and dom.body.get("data-images") == str(len(dom.images)),
          f"page's load script counted {dom.body.get('data-images')} images, the DOM has {len(dom.images)}")
    check(dom.body.get("data-broken-images") == "0", f"{dom.body.get('data-broken-images')} images did not decode")
    for img in dom.images:
        check(img.get("src", "").startswith("data:image/png;base64,"), f"image {img.get('alt')} is not embedded")
        check(img.get("data-decoded") == "yes" and int(img.get("data-natural-width", "0")) >= 200,
              f"image {img.get('alt')} did not decode (naturalWidth {img.get('data-natural-width')})")
        # Decoded a second time, by matplotlib (Pillow), whole: a PNG cut
        # short may still show its top in a browser.
        try:
            data = base64.b64decode(img["src"].split(",", 1)[1], validate=True)
            width = matplotlib.image.imread(io.BytesIO(data), format="png").shape[1]
            check(str(width) == img.get("data-natural-width"),
                  f"image {img.get('alt')}: {width} pixels wide, Chromium says {img.get('data-natural-width')}")
        except Exception as e:  # noqa: BLE001  (any decoding error is a failure)
            check(False, f"image {img.get('alt')} does not decode as a whole PNG: {e}")
    for rid, r in runs.items():
        names = {re.sub(r"^run \S+: ", "", img.get("alt", "")) for img in dom.images
                 if img.get("alt", "").startswith(f"run {rid}: ")}
        check(RUN_PLOTS[r["kind"]] <= names, f"run {rid} ({r['kind']}): plots {sorted(names)}")
    for experiment, count in sweeps.items():
        shown = [img for img in dom.images if img.get("alt", "").startswith(f"sweep of {experiment}: ")]
        check(len(shown) >= count, f"{experiment}: {len(shown)} sweep plots, expected at least {count}")


def check_links(dom, runs, page):
    linked = {}
    for link, cls, section in dom.links:
        if "run-dir" not in cls:
            continue
        check(not re.match(r"^[a-z]+:|^/", link), f"link {link} is not relative")
        target = (page.parent / urllib.parse.unquote(link)).resolve()
        linked.setdefault(target, []).append(section)
    for rid, r in runs.items():
        target = r["dir"].resolve()
        check(target in linked, f"run {rid}: no link to {target}")
        with h5py.File(target / "result.h5", "r") as f:
            got = f.attrs["run_id"]
            check((got.decode() if isinstance(got, bytes) else str(got)) == rid, f"{target}: another run")
    check(all(t.is_dir() and (t / "result.h5").is_file() for t in linked), "a run link leads nowhere")


def main():
    browser = chromium()
    if browser is None:
        print("skipped: no chromium on the PATH (Debian: apt install chromium; cmake/install-deps.sh installs it)")
        return SKIP
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="structura-report-html-"))
    try:
        rc = run_checks(browser, tmp)
    except BaseException:
        print(f"files kept in {tmp}", file=sys.stderr)
        raise
    if rc == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"files kept in {tmp}", file=sys.stderr)
    return rc


def run_checks(browser, tmp):
    runs_dir = tmp / "runs"
    swept, expected_runs = {}, 0
    for job in JOBS:
        sweep = tomllib.loads(job.read_text()).get("sweep", {})
        zipped, crossed = sweep.get("zip", {}), {k: v for k, v in sweep.items() if k != "zip"}
        swept[tomllib.loads(job.read_text())["experiment"]["name"]] = list(zipped) + list(crossed)
        expected_runs += (len(next(iter(zipped.values()))) if zipped else 1) * math.prod(map(len, crossed.values()))
        structura("run", job, "--runs-dir", runs_dir, "--no-plots")
    p = structura("report", runs_dir)
    page = runs_dir / "report" / "report.html"
    check(page.is_file() and f"wrote {page}" in p.stdout, f"report.html not written or not listed:\n{p.stdout}")

    # Self-contained: nothing the page loads comes from elsewhere.
    source = page.read_text(encoding="utf-8")
    for pattern, what in ((r"<img\b(?![^>]*\bsrc=\"data:image/png;base64,)", "an image not embedded"),
                          (r"<link\b", "a <link> (external style or font)"),
                          (r"<script\b[^>]*\bsrc=", "an external script"),
                          (r"url\(", "a CSS url()"),
                          (r"\b(?:src|href)=\"(?:https?:)?//", "an absolute URL")):
        check(not re.search(pattern, source), f"report.html has {what}")

    runs = truth(sorted(d.parent for d in runs_dir.rglob("result.h5")))
    check(len(runs) == expected_runs, f"{len(runs)} runs, expected {expected_runs}")

    dom = Dom()
    dom.feed(render(browser, page, tmp / "profile", "--dump-dom"))
    cells = check_tables(dom, runs, swept)
    compared = check_comparisons(dom, runs)
    # Sweep plots: ensemble final_error_max/mean and relative_energy_error_max/mean against dt,
    # ct psnr_mean and ssim_mean against noise.level.
    check_images(dom, runs, {"html-ensemble": 4, "html-ct": 2})
    check_links(dom, runs, page)

    # The image check can fail: a copy with one image's data replaced by
    # bytes that are no PNG is caught.
    broken = page.with_name("broken.html")
    junk = base64.b64encode(b"this is not a PNG file " * 40).decode()
    broken.write_text(re.sub(r'src="data:image/png;base64,[^"]*"', f'src="data:image/png;base64,{junk}"', source,
                             count=1), encoding="utf-8")
    bad = Dom()
    bad.feed(render(browser, broken, tmp / "profile", "--dump-dom"))
    check(bad.body.get("data-broken-images") == "1" and sum(i.get("data-decoded") == "no" for i in bad.images) == 1,
          f"a truncated image was not caught: {bad.body}")

    # A screenshot is drawn, and not blank.
    shot = tmp / "page.png"
    render(browser, page, tmp / "profile", f"--screenshot={shot}", "--window-size=1280,2000")
    pixels = matplotlib.image.imread(shot)[..., :3]
    ink = float(np.mean(np.any(pixels < 0.9, axis=-1)))
    check(pixels.shape[0] >= 1000 and ink > 0.02, f"screenshot {pixels.shape}, {ink:.1%} non-white")

    if failures:
        print("\n".join(f"FAIL: {m}" for m in failures), file=sys.stderr)
        return 1
    print(f"report_html: {len(runs)} runs of 4 kinds, {sum(len(t['rows']) for t in dom.tables)} table rows, "
          f"{compared} rows of per-setting comparison tables equal to numpy over result.h5, "
          f"{cells} metric cells equal to result.h5, {len(dom.images)} images decoded in {browser}, "
          f"screenshot {ink:.0%} non-white")
    return 0


if __name__ == "__main__":
    sys.exit(main())
