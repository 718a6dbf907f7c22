"""Helpers shared by the plots of every experiment kind: opening a run,
decoding its attributes and /config, a stable colour per method, and
writing figures atomically (a crash never leaves a truncated PNG)."""

import hashlib
import os
import tomllib

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402

plt.rcParams.update({
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": "small",
    "legend.frameon": False,
})

# One colour per method name, the same in every plot, run and report and
# for every kind (the kinds' plot modules all call method_colour): a fixed
# table, no two names alike, so that a report mixing kinds never shows two
# methods in one colour. A name not in the table gets a colour from a hash of
# the name (not of the order in which plots meet it), so it too is the same
# in every plot and run; add a new kind's methods here.
METHOD_COLOURS = {
    # the accurate reference of `hamiltonian.ensemble` and `sympflow`
    "reference": "#000000",
    # integrators (`hamiltonian.ensemble`; `sympflow`'s classical comparison)
    "symplectic-euler": "#9467bd",
    "verlet": "#1f77b4",
    "triple-jump4": "#2ca02c",
    "implicit-midpoint": "#ff7f0e",
    "rk4": "#d62728",
    # trained variants of `sympflow`
    "residual": "#17becf",
    "residual+matching": "#dc143c",
    "matching": "#bcbd22",
    "mixed": "#e377c2",
    "supervised": "#006d2c",
    "baseline": "#8c564b",
    "supervised-baseline": "#6b6ecf",
    # reconstructions of `ct.classical` and `ct.learned` (ar, acr: its learned regularisers)
    "fbp": "#7f7f7f",
    "ar": "#ff9896",
    "acr": "#393b79",
    "iwcnn": "#bd9e39",
    "cnc": "#17a2b8",
    "awcr-pd": "#d6616b",
    "sirt": "#637939",
    "lsqr": "#7b4173",
    "tikhonov": "#e7969c",
    "tv": "#3182bd",
    # `deblur.learned`'s blurred noisy observation (its tv, ar, acr as above)
    "observation": "#969696",
    # critics of `regulariser.toy`
    "convex": "#31a354",
    "plain": "#843c39",
    "weakly-convex": "#e6550d",
    # methods of `lielac.pde` (its `plain` training variant as above)
    "model": "#a50f15",
    "lielac": "#08519c",
    "augmented": "#54278f",
    "fine-tuned": "#b15928",
}
# Colours for names outside the table, none of them in it.
_FALLBACK = ["#5254a3", "#b5cf6b", "#ad494a", "#a55194", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8"]


def order_by_config(run, names, key="reconstruction.methods"):
    """names in the order the run's list-valued config key gives them, then
    the others by name (a kind's order_methods)."""
    first = list(run.get(key) or [])
    return sorted(names, key=lambda m: (first.index(m) if m in first else len(first), m))


def method_colour(name):
    """The colour of method `name`: its entry in METHOD_COLOURS, else one
    picked by a stable hash of the name (Python's hash() changes per process)."""
    if name in METHOD_COLOURS:
        return METHOD_COLOURS[name]
    digest = hashlib.sha1(str(name).encode("utf-8")).digest()
    return _FALLBACK[digest[0] % len(_FALLBACK)]


# Line styles and markers that tell series of one colour apart (the
# phantoms of one method, their noise levels): style(j) for series j.
_LINE_STYLES = ["-", "--", ":", "-."]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def series_style(j, points):
    """Line style and marker of the j-th series of one colour, with markers
    spaced to about a dozen along a curve of `points` points."""
    return {"ls": _LINE_STYLES[j % len(_LINE_STYLES)], "marker": _MARKERS[j % len(_MARKERS)],
            "markevery": max(1, points // 12), "ms": 4}


def plural(count, word, words=None):
    """'1 phantom', '3 phantoms', '1 trajectory', '2 trajectories'."""
    if words is None:
        words = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
    return f"{count} {word if count == 1 else words}"


def text(value):
    """An HDF5 string attribute (fixed-length UTF-8, read as bytes) as str."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return value


def scalar(value):
    """A numpy scalar or one-element array as a Python number or str."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return None
        value = value.reshape(())[()]
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def flatten(table, prefix=""):
    """A TOML document as {dotted key: value} over its leaves."""
    out = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


class Run:
    """One run directory: result.h5 (open read-only) and its canonical config."""

    def __init__(self, run_dir):
        self.dir = os.path.abspath(run_dir)
        self.result = os.path.join(self.dir, "result.h5")
        self.file = h5py.File(self.result, "r")
        attrs = self.file.attrs
        self.kind = text(attrs.get("experiment_kind", "")) or ""
        self.name = text(attrs.get("experiment_name", "")) or os.path.basename(os.path.dirname(self.dir))
        self.run_id = text(attrs.get("run_id", "")) or os.path.basename(self.dir)
        self.mpi_size = scalar(attrs["mpi_size"]) if "mpi_size" in attrs else None
        # /config is what the run used; config.toml beside it is the same text.
        if "config" in self.file:
            config_text = text(self.file["config"][()])
        else:
            with open(os.path.join(self.dir, "config.toml"), encoding="utf-8") as f:
                config_text = f.read()
        self.config = tomllib.loads(config_text)
        self.flat_config = flatten(self.config)

    def get(self, dotted, default=None):
        return self.flat_config.get(dotted, default)

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def save(fig, path):
    """Writes fig as PNG to path atomically and closes it; returns path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    fig.savefig(tmp, format="png", bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def positive(y):
    """y with non-positive entries as NaN, so that log axes break the line
    there instead of failing (an error of exactly 0 at t = 0)."""
    y = np.asarray(y, dtype=float).copy()
    y[~(y > 0)] = np.nan
    return y


def loglog_slope(x, y):
    """Least-squares slope of log y against log x over the positive points,
    or None with fewer than two."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(np.log(x[ok])) == 0:
        return None
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])
