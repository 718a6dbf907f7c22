#!/usr/bin/env python3
"""scikit-image's radon, iradon (FBP) and unfiltered iradon (backprojection) on the sizes of bench_projector.cpp,
timed in the same run: n x n Shepp-Logan, n angles over [0, 180) degrees,
circle=True (n detectors, as structura's run). Prints RESULT lines.

Usage: skimage_peer.py [--sizes 256,512] [--reps 3] [--clock wall|cpu]
"""
import argparse
import resource
import time

import numpy as np
from skimage.data import shepp_logan_phantom
from skimage.transform import iradon, radon, resize


def median_time(f, reps, clock):
    f()  # warm-up
    times = []
    for _ in range(reps):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return float(np.median(times))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="256,512")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: elapsed time; cpu: this process's CPU time (for a shared machine)")
    a = p.parse_args()
    clock = time.perf_counter if a.clock == "wall" else time.process_time
    for n in (int(s) for s in a.sizes.split(",")):
        image = resize(shepp_logan_phantom(), (n, n), anti_aliasing=True)
        theta = np.arange(n) * 180.0 / n
        t_radon = median_time(lambda: radon(image, theta=theta, circle=True), a.reps, clock)
        sino = radon(image, theta=theta, circle=True)
        t_iradon = median_time(lambda: iradon(sino, theta=theta, circle=True, filter_name="ramp"), a.reps, clock)
        # Unfiltered: the backprojection alone, the peer of the adjoint.
        t_back = median_time(lambda: iradon(sino, theta=theta, circle=True, filter_name=None), a.reps, clock)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"RESULT part=skimage n={n} radon_s={t_radon:.6g} iradon_s={t_iradon:.6g} backprojection_s={t_back:.6g} "
              f"radon_gups={n**3 / t_radon / 1e9:.4g} rss_mib={rss:.1f}", flush=True)


if __name__ == "__main__":
    main()
