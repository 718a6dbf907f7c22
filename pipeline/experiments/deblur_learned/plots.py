"""Plots of experiment kind `deblur.learned` (see layout.md for its result.h5):

  reconstructions.png  up to MAX_IMAGES test patches, one row each: the truth,
                       the observation and every other method's reconstruction
                       (PSNR/SSIM in the title), on the truth's grey scale
  training.png         per learned regulariser: the critic's training loss per
                       optimizer step and its validation Wasserstein estimate

The grid and training plots are ct.learned's (its plots module, imported):
only the subtitle and the name of x_gen (the observation) differ.
"""

import importlib.util
import os

import plotting

_CT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "ct_learned", "plots.py")
_spec = importlib.util.spec_from_file_location("ct_learned_plots", _CT)
ct = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ct)

SWEEP_KEYS = ["acr.lambda", "ar.lambda", "blur.sigma", "noise.sigma", "tv.lambda", "training.epochs"]
SWEEP_METRICS = ct.SWEEP_METRICS
SWEEP_LINEAR_METRICS = ct.SWEEP_LINEAR_METRICS
COMPARISON = ct.COMPARISON
order_methods = ct.order_methods


def _subtitle(run):
    return (f"{run.get('image.size', '?')}² patches, Gaussian blur σ = {run.get('blur.sigma', '?')} px, "
            f"noise σ = {run.get('noise.sigma', '?')}  (run {run.run_id})")


def plot_run(run, out_dir):
    """Draws every plot of the run into out_dir; returns the paths written."""
    ct._subtitle = _subtitle
    ct.X_GEN = "observation"
    written = []
    for draw in (ct.reconstructions_plot, ct.training_plot):
        path = draw(run, out_dir)
        if path:
            written.append(path)
    return written
