"""Independent references for tests/datasets: scikit-learn's own loader.

reference.py digits OUT   writes load_digits().images / 16 then .target,
                          float64 little-endian, to OUT
"""
import sys

import numpy as np
from sklearn.datasets import load_digits

if __name__ == "__main__":
    what, out = sys.argv[1], sys.argv[2]
    if what != "digits":
        sys.exit(f"unknown reference {what}")
    d = load_digits()
    values = np.concatenate([d.images.reshape(-1) / 16.0, d.target.astype(np.float64)])
    values.astype("<f8").tofile(out)
    print(d.images.shape[0])
