"""report.html: every table and plot of `structura report` on one page that
needs no other file to be read (styles inline, images embedded as base64
PNG), with relative links to the run directories it was made from.

One section per experiment (name and kind): its table (one row per run and
method, the config keys that vary between its runs, every metric with its
unit), its sweep plots, then each run's plots under a link to the run's
directory. Cells carry their raw values in data-* attributes (data-value
in full precision, data-run-id and data-method on rows), so that a program
can read the page as well as a person.
"""

import base64
import datetime
import html
import os
import urllib.parse

import comparison
import plotting
from formats import cell_text, raw_value


class Experiment:
    """What one section of the page shows: the runs of one experiment, their
    table as build_table() returns it, the sweep plots and slope notes."""

    def __init__(self, name, kind, records, table, sweeps, notes, comparisons=()):
        self.name, self.kind, self.records = name, kind, records
        self.header, self.rows, self.keys, self.columns = table
        self.sweeps, self.notes = sweeps, notes
        self.comparisons = list(comparisons)  # comparison.Table per setting


STYLE = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 80em; padding: 0 1em; color: #222; }
h1, h2, h3 { font-weight: 600; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
.kind { color: #666; font-weight: normal; font-size: 0.8em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; white-space: nowrap; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 0.15em; margin-right: 0.35em;
          vertical-align: -0.05em; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; max-width: calc(50% - 2em); }
figure.wide { max-width: 100%; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; }
details > summary { cursor: pointer; font-weight: 600; margin: 0.6em 0; }
.broken { color: #b00; font-weight: 600; }
.muted { color: #666; font-size: 0.9em; }
"""

# Marks every embedded image with whether it decoded (data-decoded, and its
# data-natural-width), and says so in the page where one did not: a reader
# sees a broken figure named, and a program reading the rendered page (the
# report_html test in headless Chromium) can check every image.
SCRIPT = """
window.addEventListener("load", () => {
  let broken = 0;
  for (const img of document.images) {
    const ok = img.complete && img.naturalWidth > 0;
    img.dataset.decoded = ok ? "yes" : "no";
    img.dataset.naturalWidth = String(img.naturalWidth);
    if (!ok) {
      broken += 1;
      const note = document.createElement("p");
      note.className = "broken";
      note.textContent = "This image could not be decoded: " + img.alt;
      img.after(note);
    }
  }
  document.body.dataset.images = String(document.images.length);
  document.body.dataset.brokenImages = String(broken);
});
"""


def esc(value):
    return html.escape(str(value), quote=True)


def href(target, out_dir):
    """A relative URL from report.html (in out_dir) to the path target."""
    rel = os.path.relpath(target, out_dir).replace(os.sep, "/")
    return urllib.parse.quote(rel)


# Figures wider than this many pixels (image grids, rows of panels) take a
# whole row of the page; narrower ones sit two in a row.
WIDE = 1000


def figure(path, caption):
    with open(path, "rb") as f:
        png = f.read()
    # The width from the PNG's IHDR chunk (bytes 16-20, big-endian).
    width = int.from_bytes(png[16:20], "big") if png[12:16] == b"IHDR" else 0
    name = os.path.splitext(os.path.basename(path))[0]
    data = base64.b64encode(png).decode("ascii")
    wide = ' class="wide"' if width > WIDE else ""
    return (f'<figure{wide}><img src="data:image/png;base64,{data}" alt="{esc(caption + ": " + name)}">'
            f"<figcaption>{esc(name)}</figcaption></figure>")


def swatch(method):
    """The method's colour square (none for the run-wide row "-")."""
    if method == "-":
        return ""
    return f'<span class="swatch" style="background:{plotting.method_colour(method)}"></span>'


def experiment_table(e, out_dir):
    """The experiment's runs and methods: the run id links the run directory."""
    dirs = {r.run_id: r.dir for r in e.records}
    shown = [i for i, (role, _) in enumerate(e.columns) if role not in ("experiment", "kind")]
    out = ['<div class="scroll"><table class="runs" data-experiment="' + esc(e.name) + '">', "<thead><tr>"]
    out += [f'<th data-role="{esc(e.columns[i][0])}" data-name="{esc(e.columns[i][1])}">{esc(e.header[i])}</th>'
            for i in shown]
    out.append("</tr></thead><tbody>")
    run_col = next(i for i, (role, _) in enumerate(e.columns) if role == "run")
    method_col = next(i for i, (role, _) in enumerate(e.columns) if role == "method")
    for row in e.rows:
        run_id, method = row[run_col], row[method_col]
        out.append(f'<tr data-run-id="{esc(run_id)}" data-method="{esc(method)}">')
        for i in shown:
            role, name = e.columns[i]
            v = row[i]
            attrs = f' data-role="{role}" data-name="{esc(name)}" data-value="{esc(raw_value(v))}"'
            if role == "run":
                link = href(dirs[run_id], out_dir) + "/"
                out.append(f'<td{attrs}><a class="run-dir" href="{link}">{esc(run_id)}</a></td>')
            elif role == "method":
                out.append(f"<td{attrs}>{swatch(v)}{esc(v)}</td>")
            else:
                number = isinstance(v, (int, float)) and not isinstance(v, bool)
                title = f' title="{esc(raw_value(v))}"' if isinstance(v, float) else ""
                cls = ' class="number"' if number else ""
                out.append(f"<td{attrs}{cls}{title}>{esc(cell_text(v))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def run_table(title, header, rows):
    """One of a run's own tables (its kind's TABLES)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(cell_text(v))}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h4>{esc(title)}</h4>"
            f'<div class="scroll"><table class="run-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def run_section(r, plots, out_dir, tables=()):
    link = href(r.dir, out_dir)
    parts = [f'<details open class="run" id="run-{esc(r.run_id)}" data-run-id="{esc(r.run_id)}">',
             f'<summary>run {esc(r.run_id)}</summary>',
             f'<p class="muted"><a class="run-dir" href="{link}/">run directory</a> · '
             f'<a href="{link}/result.h5">result.h5</a> · <a href="{link}/config.toml">config.toml</a>'
             + (f" · {plotting.plural(r.mpi_size, 'rank')}" if isinstance(r.mpi_size, int) else "") + "</p>"]
    parts += [run_table(*t) for t in tables]
    if plots:
        parts += [figure(p, f"run {r.run_id}") for p in plots]
    else:
        parts.append('<p class="muted">no plots for this run</p>')
    parts.append("</details>")
    return "\n".join(parts)


def page(experiments, dirs, out_dir, plots, tables=None):
    """The whole page as text. experiments: Experiment sections in order;
    plots: {run id: PNG paths} of each run; tables: {run id: the kind's
    TABLES of the run}."""
    tables = tables or {}
    runs = sum(len(e.records) for e in experiments)
    written = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    where = ", ".join(os.path.abspath(d) for d in dirs)
    body = ["<h1>structura report</h1>",
            f"<p>{plotting.plural(runs, 'run')} of {plotting.plural(len(experiments), 'experiment')} found under "
            f"{esc(where)}, {esc(written)}. One row per run and method; the config keys that vary between an "
            "experiment's runs are columns; units in brackets ([1] is dimensionless). The same tables as "
            '<a href="report.csv">report.csv</a> and <a href="report.md">report.md</a>.</p>',
            "<nav><ul>"]
    for i, e in enumerate(experiments):
        body.append(f'<li><a href="#experiment-{i}">{esc(e.name)}</a> <span class="kind">{esc(e.kind)}, '
                    f"{plotting.plural(len(e.records), 'run')}</span></li>")
    body.append("</ul></nav>")
    for i, e in enumerate(experiments):
        body.append(f'<section class="experiment" id="experiment-{i}" data-experiment="{esc(e.name)}" '
                    f'data-kind="{esc(e.kind)}">')
        body.append(f'<h2>{esc(e.name)} <span class="kind">{esc(e.kind)}</span></h2>')
        swept = ", ".join(e.keys) if e.keys else "none"
        body.append(f"<p>{plotting.plural(len(e.records), 'run')}; swept (varying) config keys: {esc(swept)}.</p>")
        body.append(experiment_table(e, out_dir))
        if e.comparisons:
            body.append("<h3>Methods compared, per setting</h3>")
            body.append('<p class="muted">Mean ± standard deviation over each run\'s test set.</p>')
            body += [comparison.html(t, esc, swatch) for t in e.comparisons]
        if e.sweeps:
            body.append("<h3>Sweep</h3>")
            if e.notes:
                body.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in e.notes) + "</ul>")
            body += [figure(p, f"sweep of {e.name}") for p in e.sweeps]
        body.append("<h3>Runs</h3>")
        order = list(dict.fromkeys(row[e.columns.index(("run", "run id"))] for row in e.rows))
        for r in sorted(e.records, key=lambda r: order.index(r.run_id)):  # the table's order
            body.append(run_section(r, plots.get(r.run_id, []), out_dir, tables.get(r.run_id, [])))
        body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>structura report: {esc(', '.join(e.name for e in experiments))}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) +
            f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
