#!/usr/bin/python3
"""scikit-learn's GaussianMixture (covariance_type="full"): the peer of
structura_bench_mixture_em. Loads the points and the initial mixture the C++
benchmark wrote (--peer-dir), fits from exactly that initialisation
(weights_init, means_init, precisions_init) with tol = 0, on one thread
(threadpoolctl and the *_NUM_THREADS variables the driver sets).

sklearn's fit has fixed costs besides its iterations (input validation, the
initialisation, a final E-step for the labels), so the time per iteration is
(T(N + 1 iterations) - T(1 iteration)) / N, each T the best of --reps fits.
Prints the fit's mean log-likelihood after N iterations (lower_bound_) for
the driver's agreement check, and a RESULT line.
"""
import argparse
import os
import resource
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits


def fit(x, w, m, prec, iterations):
    gm = GaussianMixture(n_components=w.size, covariance_type="full", tol=0.0, max_iter=iterations, reg_covar=1e-6,
                         weights_init=w, means_init=m, precisions_init=prec)
    t0 = time.perf_counter()
    gm.fit(x)
    return time.perf_counter() - t0, gm


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer-dir", required=True)
    ap.add_argument("--dimension", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    load = lambda name: np.fromfile(os.path.join(a.peer_dir, name), dtype=np.float64)  # noqa: E731
    x = load("points").reshape(-1, a.dimension)
    w = load("weights")
    m = load("means").reshape(w.size, a.dimension)
    prec = np.linalg.inv(load("covariances").reshape(w.size, a.dimension, a.dimension))
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1):
        one = min(fit(x, w, m, prec, 1)[0] for _ in range(a.reps))
        runs = [fit(x, w, m, prec, a.iterations + 1) for _ in range(a.reps)]
        _, reference = fit(x, w, m, prec, a.iterations)
    many = min(t for t, _ in runs)
    per_iteration = (many - one) / a.iterations
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"scikit-learn {__import__('sklearn').__version__} EM: {x.shape[0]} points, K = {w.size}: "
          f"{per_iteration:.4f} s per iteration ({1 / per_iteration:.2f} iterations/s), peak RSS {rss:.0f} MiB")
    print(f"RESULT sklearn seconds_per_iteration={per_iteration:.6g} rss_mib={rss:.1f} "
          f"log_likelihood={reference.lower_bound_:.17g}")


if __name__ == "__main__":
    main(sys.argv[1:])
