#!/usr/bin/env python3
"""Integration tests of the `ct.learned` experiment kind through the CLI.

Usage: test_ct_learned_cli.py CASE   (the executable comes from $STRUCTURA)

Each case checks against an independent truth: the same training on
another number of ranks, an uninterrupted training, a run alone, the
settings' own shapes.
"""
import pathlib
import sys
import tempfile

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "common"))
from structura_cli import run  # noqa: E402

SMALL = HERE / "small.toml"
BEATS_FBP = HERE / "beats_fbp.toml"


def result_file(runs_dir):
    files = [p for p in pathlib.Path(runs_dir).rglob("result.h5")]
    assert len(files) == 1, files
    return files[0]


def parameters(path):
    """regulariser -> {parameter name: array} of every trained model."""
    with h5py.File(path, "r") as f:
        return {r: {k: d[()] for k, d in g["parameters"].items()} for r, g in f["models"].items()}


# Every regulariser the kind trains, each tiny (small.toml), for the cases
# that check the training itself: 1 vs 2 ranks, interrupt and resume.
ALL_FOUR = ["ar", "acr", "iwcnn", "cnc"]
FOUR = ["training.regularisers=[\"ar\", \"acr\", \"iwcnn\", \"cnc\"]",
        "reconstruction.methods=[\"fbp\", \"tv\", \"ar\", \"acr\", \"iwcnn\", \"awcr-pd\", \"cnc\"]"]


def compare_parameters(a, b, what, rtol, models=("acr", "ar")):
    pa, pb = parameters(a), parameters(b)
    assert sorted(pa) == sorted(pb) == sorted(models), f"{what}: models {sorted(pa)} / {sorted(pb)}"
    worst = 0.0
    for r in pa:
        for k in pa[r]:
            x, y = pa[r][k], pb[r][k]
            d = float(np.max(np.abs(x - y))) / max(1.0, float(np.max(np.abs(x))))
            worst = max(worst, d)
            assert d <= rtol, f"{what}: {r}/{k} differs by {d:.3e} (allowed {rtol:.0e})"
    print(f"{what}: {sum(len(p) for p in pa.values())} parameter tensors agree, largest difference {worst:.2e}")
    return worst


def trained(path, models=("ar", "acr")):
    """Every model has a full, finite loss history (6 steps of small.toml)."""
    with h5py.File(path, "r") as f:
        for r in models:
            loss = f[f"training/{r}/loss"][()]
            assert loss.size == 6 and np.all(np.isfinite(loss)), f"{r}: loss history {loss}"


def case_ranks():
    """Data-parallel training of all four regularisers (AR, ACR, IWCNN, CNC)
    on 1 and 2 ranks ends at the same parameters (float64, to 1e-12: only
    the order of the gradient sums differs); the pairs are bit for bit the
    same (made by index)."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={d1}", *FOUR)
        run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d2}", *FOUR)
        a, b = result_file(d1), result_file(d2)
        trained(a, ALL_FOUR)
        compare_parameters(a, b, "1 vs 2 ranks", 1e-12, ALL_FOUR)
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for split in ("train", "validation", "test"):
                for name in ("truth", "sinogram", "fbp"):
                    path = f"data/{split}/{name}"
                    assert np.array_equal(fa[path][()], fb[path][()]), f"{path} differs between 1 and 2 ranks"
            assert fa["data/lambda_heuristic"][0] == fb["data/lambda_heuristic"][0]
            for r in ALL_FOUR:
                la, lb = fa[f"training/{r}/loss"][()], fb[f"training/{r}/loss"][()]
                assert np.allclose(la, lb, rtol=1e-12, atol=1e-14), f"{r} loss {la} vs {lb}"
            # The CNC's weight t of its IWCNN and its certified rho are
            # functions of the parameters: equal too.
            for key in ("weak_scale", "weak_convexity_modulus"):
                x, y = fa["models/cnc"].attrs[key], fb["models/cnc"].attrs[key]
                assert np.isclose(x, y, rtol=1e-12, atol=0), f"cnc {key}: {x} vs {y}"
            # fbp and tv do not depend on the split of the test images at
            # all; the learned methods only through their critics (equal to
            # ~1e-15), amplified a little by 10 iterations.
            for m, atol in (("fbp", 1e-12), ("tv", 1e-12), ("ar", 1e-10), ("acr", 1e-10), ("iwcnn", 1e-10),
                            ("awcr-pd", 1e-10), ("cnc", 1e-10)):
                x, y = fa[f"reconstructions/{m}/images"][()], fb[f"reconstructions/{m}/images"][()]
                assert np.allclose(x, y, rtol=0, atol=atol), f"{m}: 1 vs 2 ranks differ by {np.abs(x - y).max()}"
    print("ranks: pairs bit for bit, loss histories and reconstructions of all four regularisers equal to rounding")


def case_resume():
    """A training interrupted by a signal and resumed ends at exactly the
    parameters of an uninterrupted one (same rank count), for an interrupt
    in each of train/ar, train/acr, train/iwcnn and train/cnc (the polls
    count over the whole run: each training of small.toml makes 5)."""
    with tempfile.TemporaryDirectory() as d1:
        run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d1}", *FOUR)
        for polls, stage in (("3", "train/ar"), ("8", "train/acr"), ("13", "train/iwcnn"), ("18", "train/cnc")):
            with tempfile.TemporaryDirectory() as d2:
                p = run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d2}", *FOUR,
                        env={"STRUCTURA_TEST_SIGNAL_AFTER_POLLS": polls}, expect=3)
                assert f"{stage}: checkpoint" in (p.stdout + p.stderr), p.stdout + p.stderr
                run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d2}", *FOUR)
                worst = compare_parameters(result_file(d1), result_file(d2), f"interrupted after {polls} polls", 0.0,
                                           ALL_FOUR)
                assert worst == 0.0
                with h5py.File(result_file(d1), "r") as fa, h5py.File(result_file(d2), "r") as fb:
                    for r in ALL_FOUR:
                        for name in ("loss", "gradient_norm", "validation"):
                            assert np.array_equal(fa[f"training/{r}/{name}"][()], fb[f"training/{r}/{name}"][()],
                                                  equal_nan=True), f"training/{r}/{name}"
                    for key in ("weak_scale", "weak_convexity_modulus"):
                        assert fa["models/cnc"].attrs[key] == fb["models/cnc"].attrs[key], f"cnc {key}"
    print("resume: parameters and histories identical bit for bit after interrupts in each of the four trainings")


def case_shared_data_set():
    """A sweep over keys that do not define the data (training.seed, a
    reconstruction weight) makes the pairs once, and every run copies them:
    the same bytes as a run alone in another directory makes."""
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as alone:
        sweep = pathlib.Path(d) / "sweep.toml"
        sweep.write_text(SMALL.read_text() + '\n[sweep]\n"training.seed" = [3, 4]\n')
        run("run", sweep, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}/runs")
        runs = sorted(pathlib.Path(d, "runs").rglob("result.h5"))
        sets = sorted(pathlib.Path(d, "runs").rglob("data.h5"))
        assert len(runs) == 2 and len(sets) == 1, (runs, sets)
        made = sum(p.read_text().count("stage data: starting") for p in pathlib.Path(d, "runs").rglob("log.txt"))
        assert made == 1, f"the pairs were made {made} times, expected once"
        with h5py.File(runs[0], "r") as a, h5py.File(runs[1], "r") as b:
            assert a["stages/data"].attrs["data_set"] == b["stages/data"].attrs["data_set"]
            for split in ("train", "test"):
                assert np.array_equal(a[f"data/{split}/sinogram"][()], b[f"data/{split}/sinogram"][()])
            assert not np.array_equal(a["models/ar/parameters/head.weight"][()],
                                      b["models/ar/parameters/head.weight"][()]), "two training seeds, one model"
            shared = a["data/train/sinogram"][()]
        run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={alone}", "training.seed=3",
            "training.regularisers=[\"acr\"]", "reconstruction.methods=[\"fbp\", \"acr\"]")
        with h5py.File(result_file(alone), "r") as f:
            assert np.array_equal(f["data/train/sinogram"][()], shared), "a run alone made other pairs"
    print("shared_data_set: a training.seed sweep of 2 runs made its pairs once; a run alone agrees bit for bit")


def case_config_errors():
    """Bad settings name their key, exit 2, and nothing is created."""
    with_iwcnn = "training.regularisers=[\"ar\", \"acr\", \"iwcnn\"]"
    with tempfile.TemporaryDirectory() as d:
        for overrides, key in [(["image.size=24"], "image.size"),  # the AR critic needs a multiple of 16
                               (["ar.lambda=-1"], "ar.lambda"),
                               (["acr.lambda=-0.5"], "acr.lambda"),
                               (["training.regularisers=[\"ar\", \"nonsense\"]"], "training.regularisers"),
                               (["acr.kernel=4"], "acr.kernel"),
                               (["beam.range_degrees=0"], "beam.range_degrees"),
                               (["beam.range_degrees=200"], "beam.range_degrees"),
                               (["reconstruction.methods=[]"], "reconstruction.methods"),
                               ([with_iwcnn, "iwcnn.smooth_kernel=4"], "iwcnn.smooth_kernel"),
                               ([with_iwcnn, "iwcnn.kernel=2"], "iwcnn.kernel"),
                               (["training.regularisers=[\"cnc\"]", "reconstruction.methods=[\"cnc\"]",
                                 "cnc.smooth_kernel=2"], "cnc.smooth_kernel"),
                               (["training.regularisers=[\"cnc\"]", "reconstruction.methods=[\"cnc\"]",
                                 "cnc.data_curvature=-1"], "cnc.data_curvature"),
                               # awcr-pd runs on the trained IWCNN, which this run does not train
                               (["reconstruction.methods=[\"fbp\", \"awcr-pd\"]"], "reconstruction.methods"),
                               (["awcr_pd.sigma=0"], "awcr_pd.sigma"),
                               (["awcr_pd.step_fraction=1"], "awcr_pd.step_fraction"),
                               (["awcr_pd.lipschitz=-1"], "awcr_pd.lipschitz")]:
            p = run("run", SMALL, f"experiment.runs_dir={d}", *overrides, expect=2)
            assert key in p.stderr, f"{overrides}: the error does not name {key}:\n{p.stderr}"
        assert not any(pathlib.Path(d).iterdir()), "a failed validation wrote files"
        # Without "ar" the size is the ICNN's to take: valid.
        run("validate", SMALL, "image.size=24", "training.regularisers=[\"acr\"]", "reconstruction.methods=[\"acr\"]")
    print("config_errors: each error names its key; nothing written")


# A tiny IWCNN trained alone, reconstructed by gradient descent and AWCR-PD.
IWCNN = ["training.regularisers=[\"iwcnn\"]", "reconstruction.methods=[\"fbp\", \"iwcnn\", \"awcr-pd\"]",
         "iwcnn.layers=2", "iwcnn.channels=4", "iwcnn.kernel=3", "iwcnn.smooth_channels=4", "iwcnn.smooth_kernel=3",
         "iwcnn.learning_rate=1e-3", "awcr_pd.iterations=25"]


def case_weakly_convex():
    """The IWCNN trains and the AWCR primal-dual method runs on it, checked
    against independent truths:
    - 2 ranks vs 1 rank: the same trained IWCNN (float64, to 1e-12);
    - sigma theta = 2 makes AWCR-PD gradient descent with step tau
      (solvers/variational/README.md): run 1 does AWCR-PD with sigma = 1,
      theta = 2 and a given L_R (so tau is the same for every image); run 2
      does fixed-step gradient descent with that tau on the same critic,
      and the images agree;
    - with the default sigma = theta = 1 and the estimated L_R, the ergodic
      residual is finite, lower at the end than at the start on every image
      and its second half lower than its first on average; the energy falls
      from the FBP; the certified rho is recorded and >= 0; the ICNN's
      constrained weights are non-negative; an awcr_pd.lipschitz below rho
      is refused."""
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d1}", *IWCNN, "awcr_pd.extrapolation=2",
            "awcr_pd.lipschitz=1")
        with h5py.File(result_file(d1), "r") as f:
            g = f["reconstructions/awcr-pd"]
            tau = g["tau"][()]
            assert g.attrs["lipschitz_source"] == "awcr_pd.lipschitz" and np.all(tau == tau[0]), tau
            pd_images = g["images"][()]
            params1 = {k: v[()] for k, v in f["models/iwcnn/parameters"].items()}
        run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={d2}", *IWCNN, "iwcnn.step_rule=fixed",
            f"iwcnn.step={float(tau[0])!r}", "iwcnn.iterations=25")
        with h5py.File(result_file(d2), "r") as f:
            for k, v in params1.items():
                w = f[f"models/iwcnn/parameters/{k}"][()]
                assert np.allclose(v, w, rtol=0, atol=1e-12), f"iwcnn {k}: 1 vs 2 ranks differ by {np.abs(v - w).max()}"
            gd = f["reconstructions/iwcnn/images"][()]
            gap = float(np.abs(gd - pd_images).max())
            assert gap <= 1e-9, f"AWCR-PD with sigma theta = 2 differs from gradient descent with its tau by {gap}"
            rho = f["models/iwcnn"].attrs["weak_convexity_modulus"]
            assert np.isfinite(rho) and rho >= 0, rho
            g = f["reconstructions/awcr-pd"]
            assert g.attrs["weak_convexity_modulus"] == rho and g.attrs["lipschitz_source"] == "hessian-estimate"
            ergodic, energy = g["ergodic_residual"][()], g["energy"][()]
            assert ergodic.shape == (5, 25) and np.all(np.isfinite(ergodic)), ergodic
            assert np.all(ergodic[:, -1] < ergodic[:, 0]), f"ergodic residual does not fall: {ergodic[:, [0, -1]]}"
            assert ergodic[:, 13:].mean() < ergodic[:, :12].mean(), "ergodic residual not decreasing on average"
            assert np.all(energy[:, -1] < energy[:, 0]), f"energy {energy[:, [0, -1]]}"
            p = f["models/iwcnn/parameters"]
            for k in [k for k in p if k.startswith("icnn.wz") or k == "icnn.out.weight"]:
                assert np.all(p[k][()] >= 0), f"iwcnn {k} has negative entries"
            print(f"weakly_convex: rho {rho:.3e}, sigma theta = 2 equals gradient descent to {gap:.1e}; "
                  f"ergodic residual {ergodic[:, 0].mean():.3e} -> {ergodic[:, -1].mean():.3e} (mean over images)")
    # A given L_R below the certified rho contradicts it (a smooth rho-weakly
    # convex R has rho <= L_R): the stage refuses it, naming the key.
    with tempfile.TemporaryDirectory() as d3:
        p = run("run", SMALL, "--ranks", 1, "--no-plots", f"experiment.runs_dir={d3}", *IWCNN,
                f"awcr_pd.lipschitz={rho / 10!r}", expect=2)
        assert "awcr_pd.lipschitz" in p.stderr and "weak-convexity" in p.stderr, p.stderr


def case_bad_data():
    """A data set of the wrong shape or missing in result.h5: the stage that
    reads it fails naming the file and the dataset, and what the file held
    before (reconstructions, models, metrics) is untouched."""
    with tempfile.TemporaryDirectory() as d:
        run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}")
        path = result_file(d)
        with h5py.File(path, "r") as f:
            before = {k: f[k][()] for k in ("reconstructions/fbp/images", "models/ar/parameters/head.weight",
                                            "metrics/tv/psnr")}
        for dataset, change, stage_group in [("data/test/sinogram", "shape", "reconstruct"),
                                             ("data/test/truth", "missing", "evaluate")]:
            with h5py.File(path, "r+") as f:
                good = f[dataset][()]
                del f[dataset]
                if change == "shape":
                    f[dataset] = good[:, :-1, :]
            p = run("run", SMALL, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}", "--force", "--group",
                    stage_group, expect=2)  # an InputError: exit 2
            assert "/" + dataset in p.stderr and "result.h5" in p.stderr, p.stderr
            assert ("missing" if change == "missing" else "shape") in p.stderr, p.stderr
            with h5py.File(path, "r") as f:
                for k, v in before.items():
                    assert np.array_equal(f[k][()], v), f"{k} changed after the failed stage"
            with h5py.File(path, "r+") as f:
                if dataset in f:
                    del f[dataset]
                f[dataset] = good
            print(f"bad_data: {change} {dataset}: {p.stderr.strip().splitlines()[-1]}")
    print("bad_data: each error names the file and the dataset; nothing already written changed")


def case_beats_fbp():
    """After a short training (beats_fbp.toml), gradient descent with the AR
    and the ACR critic beats FBP on every one of the 12 held-out test images
    by more than 1 dB. That gain could be the 30 data-term steps alone, so a
    second run with lambda = 1e-12 (the same start, steps and step rule, the
    regulariser switched off) is the control: the learned regularisers must
    beat it on every image in PSNR and SSIM, and by 0.2 dB on the mean (measured
    when written: 0.2-0.9 dB per image, 0.47 dB mean, FBP +1.4 dB at least)."""
    with tempfile.TemporaryDirectory() as d:
        run("run", BEATS_FBP, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}")
        run("run", BEATS_FBP, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d}", "ar.lambda=1e-12",
            "acr.lambda=1e-12")
        files = sorted(pathlib.Path(d).rglob("result.h5"))
        assert len(files) == 2, files
        opened = [h5py.File(f, "r") for f in files]
        learned, control = sorted(opened, key=lambda f: f["reconstructions/ar"].attrs["lambda"], reverse=True)
        assert learned["reconstructions/ar"].attrs["lambda_source"] == "heuristic"
        fbp = learned["metrics/fbp/psnr"][()]
        for m in ("ar", "acr"):
            psnr, ssim = learned[f"metrics/{m}/psnr"][()], learned[f"metrics/{m}/ssim"][()]
            c_psnr, c_ssim = control[f"metrics/{m}/psnr"][()], control[f"metrics/{m}/ssim"][()]
            assert psnr.size == 12
            assert np.all(psnr > fbp + 1.0), f"{m}: PSNR gain over FBP per image {psnr - fbp}"
            assert np.all(psnr > c_psnr) and np.all(ssim > c_ssim), (
                f"{m}: not better than lambda ~ 0 on every image: dPSNR {psnr - c_psnr}, dSSIM {ssim - c_ssim}")
            assert psnr.mean() > c_psnr.mean() + 0.2, f"{m}: mean gain over lambda ~ 0 {psnr.mean() - c_psnr.mean()}"
            print(f"beats_fbp: {m} {psnr.mean():.2f} dB (FBP {fbp.mean():.2f}, lambda ~ 0 {c_psnr.mean():.2f}), "
                  f"SSIM {ssim.mean():.3f} (lambda ~ 0 {c_ssim.mean():.3f})")
        for f in opened:
            f.close()


def case_beats_fbp_weakly_convex():
    """The weakly convex regularisers after the same short training at 32^2
    (beats_fbp.toml, [iwcnn] and [cnc]): the CNC beats FBP on every one of
    the 12 held-out images by more than 1 dB and beats the same 30 gradient
    steps without a regulariser (lambda = 1e-12) on every image in PSNR and
    SSIM, and by 0.3 dB on the mean (measured when written: +1.8 dB over FBP
    on the mean, +0.6 dB over lambda ~ 0, 0.4-1.1 dB per image). Its weight
    t of the IWCNN is ~1e-3 here (mu = 0 for CT with 16 angles, and rho_W is
    a loose bound), so this gain is mostly its ACR's.

    The IWCNN by gradient descent and AWCR-PD on it beat FBP on every image
    by more than 0.5 dB, but that is the data-term iterations': the briefly
    trained IWCNN is nearly affine (validation Wasserstein estimate -0.08,
    the CNC's -0.57) and they equal the lambda ~ 0 control to 0.05 dB
    (22.59 vs 22.59 dB, AWCR-PD 22.39 vs 22.39; a learning rate up to 1e-2,
    3x the epochs, twice the channels, two smooth layers: the same; 10x the
    heuristic lambda makes it worse). What is asserted of them is that they
    stay within 0.1 dB of the control on the mean and beat FBP; beating the
    control needs longer training than a test has.

    The control run trains the IWCNN alone for one epoch: with lambda = 1e-12
    the images do not depend on the regulariser's weights (gradient descent:
    the same Armijo steps on ||Ax - y||^2; AWCR-PD: tau from ||A|| alone, as
    l_E = lambda L_R + 2||A||^2), and the CNC's control is the IWCNN's, whose
    iterations, step rule and first step the test checks are the CNC's."""
    weak = ["training.regularisers=[\"iwcnn\", \"cnc\"]",
            "reconstruction.methods=[\"fbp\", \"iwcnn\", \"awcr-pd\", \"cnc\"]"]
    control = ["training.regularisers=[\"iwcnn\"]", "training.epochs=1", "iwcnn.lambda=1e-12",
               "reconstruction.methods=[\"fbp\", \"iwcnn\", \"awcr-pd\"]"]
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        run("run", BEATS_FBP, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d1}", *weak)
        run("run", BEATS_FBP, "--ranks", 2, "--no-plots", f"experiment.runs_dir={d2}", *control)
        with h5py.File(result_file(d1), "r") as learned, h5py.File(result_file(d2), "r") as zero:
            assert learned["reconstructions/cnc"].attrs["lambda_source"] == "heuristic"
            assert zero["reconstructions/iwcnn"].attrs["lambda"] == 1e-12
            for key in ("iterations", "step_rule", "step"):
                assert learned["reconstructions/cnc"].attrs[key] == zero["reconstructions/iwcnn"].attrs[key], key
            assert np.array_equal(learned["metrics/fbp/psnr"][()], zero["metrics/fbp/psnr"][()])
            fbp = learned["metrics/fbp/psnr"][()]
            for m, c, gain in (("cnc", "iwcnn", 1.0), ("iwcnn", "iwcnn", 0.5), ("awcr-pd", "awcr-pd", 0.5)):
                psnr, ssim = learned[f"metrics/{m}/psnr"][()], learned[f"metrics/{m}/ssim"][()]
                c_psnr, c_ssim = zero[f"metrics/{c}/psnr"][()], zero[f"metrics/{c}/ssim"][()]
                assert psnr.size == 12 and np.all(np.isfinite(psnr))
                assert np.all(psnr > fbp + gain), f"{m}: PSNR gain over FBP per image {psnr - fbp}"
                if m == "cnc":
                    assert np.all(psnr > c_psnr) and np.all(ssim > c_ssim), (
                        f"{m}: not better than lambda ~ 0 on every image: dPSNR {psnr - c_psnr}, dSSIM {ssim - c_ssim}")
                    assert psnr.mean() > c_psnr.mean() + 0.3, f"{m}: mean gain over lambda ~ 0 {psnr.mean() - c_psnr.mean()}"
                else:
                    assert abs(psnr.mean() - c_psnr.mean()) < 0.1, f"{m}: {psnr.mean()} vs lambda ~ 0 {c_psnr.mean()}"
                print(f"beats_fbp_weakly_convex: {m} {psnr.mean():.2f} dB (FBP {fbp.mean():.2f}, lambda ~ 0 "
                      f"{c_psnr.mean():.2f}), SSIM {ssim.mean():.4f} (lambda ~ 0 {c_ssim.mean():.4f})")
            print(f"beats_fbp_weakly_convex: cnc t = {learned['models/cnc'].attrs['weak_scale']:.2e}; "
                  f"validation Wasserstein estimate iwcnn {learned['training/iwcnn/validation'][-1]:.3f}, "
                  f"cnc {learned['training/cnc/validation'][-1]:.3f}")


if __name__ == "__main__":
    cases = {name[5:]: f for name, f in globals().items() if name.startswith("case_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(cases)}}}")
    cases[sys.argv[1]]()
