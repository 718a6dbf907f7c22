"""Comparison tables: for kinds that compare methods on one data set (the CT
kinds, the deblurring kind), one table per setting (per run: a sweep's runs
are its settings), rows the methods in the kind's order, each column a
figure shown as "mean ± std" over the test set with its unit.

A kind opts in with COMPARISON in its plots module: a list of
(label, mean metric, std metric or None) under /metrics/<method>/, e.g.
("PSNR", "psnr_mean", "psnr_std"). The methods come in the order of the
kind's order_methods (the run's records are already in it).

Shared by report.py (report.md) and html_page.py (report.html)."""

import json

from formats import cell_text, raw_value


class Table:
    """One run's comparison: header labels, rows (method, [(mean, std)]),
    the run and the values of the experiment's swept keys for the title."""

    def __init__(self, record, columns, setting):
        self.record, self.setting = record, setting
        self.labels = []
        for label, mean, _ in columns:
            unit = next((f[mean][1] for f in record.methods.values() if mean in f), "")
            self.labels.append(f"{label} [{unit}]" if unit else label)
        self.rows = []
        for method, figures in record.methods.items():
            if method == "-" or not any(mean in figures for _, mean, _ in columns):
                continue
            cells = []
            for _, mean, std in columns:
                m = figures.get(mean, (None, ""))[0]
                s = figures.get(std, (None, ""))[0] if std else None
                cells.append((m, s))
            self.rows.append((method, cells))

    def title(self):
        where = ", ".join(f"{k} = {cell_text(v)}" for k, v in self.setting)
        return f"run {self.record.run_id}" + (f" ({where})" if where else "")


def cell(mean, std):
    """ "mean ± std" to 4 digits; the mean alone without a std; "" without either."""
    if mean is None:
        return ""
    return cell_text(mean) if std is None else f"{cell_text(mean)} ± {cell_text(std)}"


def tables(records, module, swept_keys):
    """The comparison tables of one experiment's runs (records in the report's
    order), or [] when its kind has no COMPARISON."""
    columns = getattr(module, "COMPARISON", None) if module is not None else None
    if not columns:
        return []
    out = []
    for r in records:
        setting = [(k, r.config.get(k)) for k in swept_keys]
        t = Table(r, columns, setting)
        if t.rows:
            out.append(t)
    return out


def markdown(t):
    header = ["method"] + t.labels
    lines = [f"### {t.record.name}, {t.title()}\n",
             "| " + " | ".join(h.replace("|", "\\|") for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for method, cells in t.rows:
        lines.append("| " + " | ".join([method] + [cell(m, s) for m, s in cells]) + " |")
    return "\n".join(lines) + "\n"


def html(t, esc, swatch):
    """The table as HTML; every cell carries data-mean and data-std in full
    precision so that a program can read the page."""
    out = [f'<h4>{esc(t.title())}</h4>',
           f'<div class="scroll"><table class="comparison" data-run-id="{esc(t.record.run_id)}" '
           f'data-setting="{esc(json.dumps([[k, v] for k, v in t.setting]))}">',
           "<thead><tr><th>method</th>" + "".join(f"<th>{esc(h)}</th>" for h in t.labels) + "</tr></thead><tbody>"]
    for method, cells in t.rows:
        out.append(f'<tr data-method="{esc(method)}"><td>{swatch(method)}{esc(method)}</td>')
        for m, s in cells:
            out.append(f'<td class="number" data-mean="{esc(raw_value(m))}" data-std="{esc(raw_value(s))}">'
                       f"{esc(cell(m, s))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)
