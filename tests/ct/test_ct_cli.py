#!/usr/bin/env python3
"""Integration tests of the `ct.classical` experiment kind through the CLI.

Usage: test_ct_cli.py CASE   (the executable comes from $STRUCTURA)

Each case checks against an independent truth: the same run on another
number of ranks, PSNR and SSIM recomputed from the stored images in Python
(numpy; scikit-image where installed), the known ranking of TV over FBP on
sparse-view data of piecewise-constant phantoms.
"""
import pathlib
import sys
import tempfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from structura_cli import run  # noqa: E402

SMALL = HERE / "small.toml"
METHODS = ["fbp", "sirt", "lsqr", "tikhonov", "tv"]
# 1 vs 2 ranks: the sums over ranks change the rounding only. FBP, SIRT, TV
# and a converged Tikhonov-CG keep it at ~1e-13 or below; LSQR's
# unreorthogonalised Lanczos recurrence amplifies it about 7x per iteration
# on these ill-posed data (measured: 1e-14 after 6 iterations, 3e-10 after
# the 10 the discrepancy principle allows, 2e-3 after 30), so it gets 1e-8.
RANK_TOLERANCE = {"fbp": 1e-10, "sirt": 1e-10, "lsqr": 1e-8, "tikhonov": 1e-10, "tv": 1e-10}


def result_file(runs_dir):
    files = list(pathlib.Path(runs_dir).rglob("result.h5"))  # runs only: data sets write data.h5
    assert len(files) == 1, files
    return files[0]


def relative_difference(a, b):
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(a))), 1e-300)


def check_xdmf(result):
    """The sidecar is well-formed XML and points at /fields/truth of its result.h5, one grid per phantom."""
    root = ET.parse(result.parent / "truth.xdmf").getroot()
    grids = root.findall("./Domain/Grid/Grid")
    with h5py.File(result, "r") as f:
        truth = f["fields/truth"]
        assert len(grids) == truth.shape[0], f"{len(grids)} grids for {truth.shape[0]} phantoms"
        n = truth.shape[1]
        for g in grids:
            h5 = [d for d in g.iter("DataItem") if d.get("Format") == "HDF"]
            assert len(h5) == 1 and h5[0].text.strip() == "result.h5:/fields/truth", h5[0].text
            assert h5[0].get("Dimensions") == " ".join(map(str, truth.shape))
            assert g.find("Topology").get("Dimensions") == f"{n + 1} {n + 1}"


def case_ranks():
    """1 and 2 ranks: truth and sinograms bit for bit (noise is keyed by the
    global element, sums over ranks are ordered), reconstructions equal to
    rounding (RANK_TOLERANCE), metrics to 1e-8."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 1, f"experiment.runs_dir={d1}")
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d2}")
        a, b = result_file(d1), result_file(d2)
        check_xdmf(b)
        worst = 0.0
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for name in ["fields/truth", "sinograms/clean", "sinograms/noisy", "sinograms/angles",
                         "sinograms/noise_norm", "sinograms/sigma"]:
                assert np.array_equal(fa[name][()], fb[name][()]), f"{name} differs between 1 and 2 ranks"
            assert sorted(fa["reconstructions"]) == sorted(METHODS), list(fa["reconstructions"])
            for m in METHODS:
                x, y = fa[f"reconstructions/{m}/images"][()], fb[f"reconstructions/{m}/images"][()]
                assert x.shape == fa["fields/truth"].shape, (m, x.shape)
                d = relative_difference(x, y)
                worst = max(worst, d)
                print(f"  {m}: 1 vs 2 ranks differ by {d:.1e} (relative; allowed {RANK_TOLERANCE[m]:.0e})")
                assert d <= RANK_TOLERANCE[m], f"reconstructions/{m}: 1 vs 2 ranks differ by {d:.2e}"
                for name in ("psnr", "ssim", "psnr_mean", "ssim_mean"):
                    u, v = fa[f"metrics/{m}/{name}"][()], fb[f"metrics/{m}/{name}"][()]
                    assert np.all(np.abs(u - v) <= 1e-8 * np.abs(u)), f"metrics/{m}/{name}: {u} vs {v}"
            for m in ("sirt", "lsqr", "tikhonov", "tv"):  # histories exist where the method has one
                h = fa[f"reconstructions/{m}/history/0"]
                assert "residual" in h and h.attrs["iterations"] >= 1, m
            assert "objective" in fa["reconstructions/tv/history/1"] and "gap" in fa["reconstructions/tv/history/1"]
            assert "history" not in fa["reconstructions/fbp"]
            assert fa["metrics/fbp/psnr_mean"].attrs["unit"] in ("dB", b"dB")
    print(f"ranks: data bit for bit, reconstructions agree to {worst:.1e} (relative), metrics to 1e-8; XDMF valid")


def psnr(truth, test, data_range):
    return 10 * np.log10(data_range ** 2 / np.mean((truth - test) ** 2))


def case_metrics():
    """/metrics equals PSNR (numpy) and SSIM (scikit-image) recomputed from
    the stored images; TV beats FBP on this sparse-view case."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}")
        try:
            from skimage.metrics import structural_similarity
        except ImportError:
            structural_similarity = None
            print("metrics: scikit-image is not installed: SSIM not recomputed (PSNR only)")
        with h5py.File(result_file(d), "r") as f:
            truth = f["fields/truth"][()]
            for m in METHODS:
                images = f[f"reconstructions/{m}/images"][()]
                g = f[f"metrics/{m}"]
                p = [psnr(t, x, t.max() - t.min()) for t, x in zip(truth, images)]
                assert np.allclose(g["psnr"][()], p, rtol=1e-6, atol=0), (m, g["psnr"][()], p)
                assert abs(g["psnr_mean"][0] - np.mean(p)) <= 1e-6 * abs(np.mean(p)), m
                if structural_similarity is not None:
                    s = [structural_similarity(t, x, data_range=t.max() - t.min(), gaussian_weights=True, sigma=1.5,
                                               use_sample_covariance=False) for t, x in zip(truth, images)]
                    assert np.allclose(g["ssim"][()], s, rtol=1e-6, atol=0), (m, g["ssim"][()], s)
                    assert abs(g["ssim_mean"][0] - np.mean(s)) <= 1e-6 * abs(np.mean(s)), m
            fbp, tv = f["metrics/fbp/psnr"][()], f["metrics/tv/psnr"][()]
            assert np.all(tv > fbp), f"TV {tv} dB does not beat FBP {fbp} dB"
    print(f"metrics: PSNR{' and SSIM' if structural_similarity else ''} agree with Python; "
          f"TV {np.mean(tv):.1f} dB vs FBP {np.mean(fbp):.1f} dB")


def fan_short_scan_minimum_degrees(size=48, extent=2.0):
    """pi + 2 gamma_max in degrees for ct.classical's default fan geometry
    (source at 2 x extent, detector at the centre, image.size detectors just
    covering the image's bounding circle), computed independently of the C++."""
    so, r = 2 * extent, extent / np.sqrt(2)
    spacing = 2 * so * r / np.sqrt(so ** 2 - r ** 2) / size
    gamma_max = np.arctan((size - 1) / 2 * spacing / so)
    return 180 + 2 * np.degrees(gamma_max)


def case_config_errors():
    """Bad input exits with status 2 naming the key; nothing is created. A
    fan-beam range below the short-scan minimum names the value and the minimum."""
    minimum = fan_short_scan_minimum_degrees()  # 220.618 degrees
    shown = f"{np.floor(minimum * 1000) / 1000:.3f}"  # the message has 4 decimals, rounded up
    with tempfile.TemporaryDirectory() as d:
        for overrides, key, words in [
                (['reconstruction.methods=["fbp", "art"]'], "reconstruction.methods", []),
                (["beam.kind=fan", "beam.range_degrees=180"], "beam.range_degrees", ["got 180", shown]),
                (["beam.kind=fan", "beam.range_degrees=219"], "beam.range_degrees", ["got 219", shown]),
                (["image.size=0"], "image.size", [])]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", *overrides, expect=2)
            assert key in p.stderr, f"{overrides}: the error does not name {key}:\n{p.stderr}"
            for w in words:
                assert w in p.stderr, f"{overrides}: the error does not say {w!r}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
    print(f"config_errors: each error names its key (fan short scan: the value and the minimum "
          f"{minimum:.4f} degrees); nothing written")


def case_short_scan():
    """A fan-beam short scan just above pi + 2 gamma_max (222 degrees, 74
    angles, 2 ranks) reconstructs by FBP with Parker weights to within 1.5 dB
    of the full 360-degree scan at the same 3-degree step (120 angles, 1
    rank); its angles are k * 3 degrees, uniform from 0, the endpoint excluded."""
    minimum = fan_short_scan_minimum_degrees()
    short, full, step = 222.0, 360.0, 3.0
    assert minimum < short < minimum + 2, (minimum, short)
    common = ["beam.kind=fan", 'reconstruction.methods=["fbp"]']
    psnrs = {}
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        for d, rng, ranks in [(d1, short, 2), (d2, full, 1)]:
            n = round(rng / step)
            run("run", SMALL, "--ranks", ranks, f"experiment.runs_dir={d}", *common, f"beam.range_degrees={rng:g}",
                f"beam.angles={n}")
            with h5py.File(result_file(d), "r") as f:
                angles = f["sinograms/angles"][()]
                assert np.allclose(angles, np.radians(step) * np.arange(n), rtol=0, atol=1e-12), (rng, angles)
                images = f["reconstructions/fbp/images"][()]
                assert np.all(np.isfinite(images)), rng
                psnrs[rng] = f["metrics/fbp/psnr"][()]
    difference = psnrs[full] - psnrs[short]
    print(f"  FBP PSNR: {short:g} degrees {psnrs[short]} dB, {full:g} degrees {psnrs[full]} dB")
    assert np.all(np.abs(difference) <= 1.5), f"short scan vs full scan: {difference} dB apart (allowed 1.5)"
    print(f"short_scan: {short:g} degrees (minimum {minimum:.2f}) FBP {np.mean(psnrs[short]):.2f} dB vs "
          f"360 degrees {np.mean(psnrs[full]):.2f} dB")


PLOTS = ["reconstructions.png", "convergence.png", "metrics.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def case_shared_data_set():
    """A sweep over a solver parameter (tikhonov.alpha) makes its phantoms
    and sinograms once, in data-sets/, and every run copies them: the same
    bytes as a run alone in another directory makes. A sweep over a key the
    data depend on (noise.level) makes one data set per value."""
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as alone:
        sweep = pathlib.Path(d) / "sweep.toml"
        sweep.write_text(SMALL.read_text() + '\n[sweep]\n"tikhonov.alpha" = [0.01, 0.1]\n"noise.level" = [0.01, 0.02]\n')
        run("run", sweep, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}/runs",
            "reconstruction.methods=[\"fbp\", \"tikhonov\"]")
        runs = sorted(pathlib.Path(d, "runs").rglob("result.h5"))
        sets = sorted(pathlib.Path(d, "runs").rglob("data.h5"))
        assert len(runs) == 4 and len(sets) == 2, (runs, sets)
        made = sum(p.read_text().count("stage phantoms: starting") for p in pathlib.Path(d, "runs").rglob("log.txt"))
        assert made == 2, f"phantoms made {made} times, expected once per data set"
        by_noise = {}
        for r in runs:
            with h5py.File(r, "r") as f:
                link = f["stages/sinograms"].attrs["data_set"]
                assert (r.parent / link / "data.h5").exists(), link
                assert (r.parent / "truth.xdmf").exists()
                by_noise.setdefault(link, []).append((f["sinograms/noisy"][()], f["fields/truth"][()],
                                                      f["reconstructions/tikhonov/images"][()]))
        assert len(by_noise) == 2, list(by_noise)
        noisy = []
        for link, entries in by_noise.items():
            assert len(entries) == 2, (link, len(entries))
            (y0, t0, x0), (y1, t1, x1) = entries
            assert np.array_equal(y0, y1) and np.array_equal(t0, t1), f"{link}: runs differ in their shared data"
            assert not np.array_equal(x0, x1), f"{link}: both alphas gave the same Tikhonov image"
            noisy.append(y0)
        assert not np.array_equal(noisy[0], noisy[1]), "two noise levels gave the same noisy sinograms"
        # The same run alone, elsewhere: its own data set, the same bytes.
        run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={alone}", "noise.level=0.02",
            "tikhonov.alpha=0.1", "reconstruction.methods=[\"fbp\"]")
        with h5py.File(result_file(alone), "r") as f:
            y = f["sinograms/noisy"][()]
        assert any(np.array_equal(y, n) for n in noisy), "a run alone made other data than the sweep's data set"
    print("shared_data_set: 4 runs, 2 data sets made once each, copied bit for bit; a run alone agrees")


def case_plots():
    """A run draws the plots of pipeline/experiments/ct_classical/plots.py into
    its plots/ directory: every expected file a real PNG of a plausible size
    (header and IHDR dimensions), and no "no plots" warning."""
    with tempfile.TemporaryDirectory() as d:
        p = run("run", SMALL, "--ranks", 2, f"experiment.runs_dir={d}")
        output = p.stdout + p.stderr
        assert "no plots" not in output, f"the run did not draw its plots:\n{output}"
        plots = result_file(d).parent / "plots"
        assert plots.is_dir(), f"no {plots}:\n{output}"
        present = sorted(q.name for q in plots.iterdir())
        for name in PLOTS:
            path = plots / name
            assert path.is_file(), f"{name} missing; plots/ holds {present}"
            data = path.read_bytes()
            assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{name} is not a PNG"
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
            assert 300 <= width <= 6000 and 200 <= height <= 6000, f"{name}: {width}x{height} pixels"
            assert 10_000 <= len(data) <= 5_000_000, f"{name}: {len(data)} bytes"
            assert str(path) in output, f"the run does not report {name}"
            print(f"  {name}: {width}x{height} pixels, {len(data) // 1024} KiB")
        assert not any(name.endswith(".tmp") for name in present), present
    print(f"plots: {', '.join(PLOTS)} drawn, no 'no plots' warning")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
