"""Helpers shared by the plots of every experiment kind: opening a run,
decoding its attributes and /config, a stable colour per method, and
writing figures atomically (a crash never leaves a truncated PNG)."""

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

# The same method gets the same colour in every plot of a report.
_METHOD_COLOURS = {
    "reference": "black",
    "symplectic-euler": "tab:purple",
    "verlet": "tab:blue",
    "triple-jump4": "tab:green",
    "implicit-midpoint": "tab:orange",
    "rk4": "tab:red",
    # Trained variants of the `sympflow` kind (beside the reference and
    # verlet or implicit-midpoint; the integrators above never share a run
    # with them, so their colours may repeat).
    "residual": "tab:cyan",
    "residual+matching": "tab:red",
    "matching": "tab:olive",
    "mixed": "tab:purple",
    "supervised": "tab:green",
    "baseline": "tab:brown",
    "supervised-baseline": "tab:pink",
}
_FALLBACK = ["tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray"]


def method_colour(name):
    if name not in _METHOD_COLOURS:
        _METHOD_COLOURS[name] = _FALLBACK[len(_METHOD_COLOURS) % len(_FALLBACK)]
    return _METHOD_COLOURS[name]


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
