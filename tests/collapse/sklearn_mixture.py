#!/usr/bin/python3
"""scikit-learn's GaussianMixture as the reference of tests/collapse/test_mixture_em.cpp.

Usage: sklearn_mixture.py DIR D K TOL MAX_ITER REG_COVAR
DIR holds raw float64 files written by the test: points (n x D), weights (K),
means (K x D), covariances (K x D x D) of the initialisation. The fit starts
from exactly that mixture (weights_init, means_init, precisions_init = the
inverse covariances) and writes fit_weights, fit_means, fit_covariances into
DIR; prints "lower_bound <value> n_iter <n>". Exits 3 when scikit-learn is
missing, so that the test skips the comparison instead of failing.
"""
import os
import sys
import warnings

try:
    import numpy as np
    from sklearn.mixture import GaussianMixture
    from sklearn.exceptions import ConvergenceWarning
except ImportError as e:
    print(f"scikit-learn not importable: {e}")
    sys.exit(3)


def main(argv):
    directory, d, k = argv[0], int(argv[1]), int(argv[2])
    tol, max_iter, reg = float(argv[3]), int(argv[4]), float(argv[5])
    load = lambda name: np.fromfile(os.path.join(directory, name), dtype=np.float64)  # noqa: E731
    x = load("points").reshape(-1, d)
    weights, means = load("weights"), load("means").reshape(k, d)
    covariances = load("covariances").reshape(k, d, d)
    gm = GaussianMixture(n_components=k, covariance_type="full", tol=tol, max_iter=max_iter, reg_covar=reg,
                         weights_init=weights, means_init=means, precisions_init=np.linalg.inv(covariances))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol = 0 runs max_iter on purpose
        gm.fit(x)
    gm.weights_.astype(np.float64).tofile(os.path.join(directory, "fit_weights"))
    gm.means_.astype(np.float64).tofile(os.path.join(directory, "fit_means"))
    gm.covariances_.astype(np.float64).tofile(os.path.join(directory, "fit_covariances"))
    print(f"lower_bound {gm.lower_bound_:.17g} n_iter {gm.n_iter_}")


if __name__ == "__main__":
    main(sys.argv[1:])
