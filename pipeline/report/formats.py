"""How report values are written: in tables (4 significant digits) and in
full (CSV cells, the HTML page's data-value attributes). Shared by report.py
and html_page.py."""

import json


def cell_text(v):
    """A value as the tables show it (4 significant digits)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


def raw_value(v):
    """A value in full: numbers in full precision (repr), lists as JSON."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, list):
        return json.dumps(v)
    return str(v)
