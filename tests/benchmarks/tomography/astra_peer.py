#!/usr/bin/env python3
"""ASTRA Toolbox's CPU projectors on the sizes of bench_projector.cpp, timed in
the same run: n x n Shepp-Logan, n detectors of one pixel, n angles over
[0, 180) degrees (parallel beam) or [0, 360) (flat fan beam, the geometry of
bench_projector.cpp in pixel units: source 2n and detector n pixels from the
centre, detectors 2.25 pixels wide). Prints RESULT lines.

As ASTRA's users write it at its best: geometries and a CPU projector
(`linear` is Joseph's method, the matrix of structura's projector; `line`
and `strip` are ASTRA's other CPU models; fan beam has `line_fanflat` and
`strip_fanflat`), numpy arrays linked as ASTRA data (no copies), and the
FP/BP algorithms created once and run per product. Set-up counts all of
that, the first product excluded. ASTRA's CPU algorithms run on one thread
and in float32 only.

Usage: astra_peer.py [--sizes 256,512] [--reps 3] [--clock wall|cpu]
"""
import argparse
import resource
import time

import astra
import numpy as np
from skimage.data import shepp_logan_phantom
from skimage.transform import resize


def median_time(f, reps, clock):
    f()  # warm-up
    times = []
    for _ in range(reps):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return float(np.median(times))


def set_up(n, beam, kind, image):
    """Everything a user creates before the first product; returns the algorithms and the ids to free."""
    vol = astra.create_vol_geom(n, n)
    if beam == "parallel":
        proj = astra.create_proj_geom("parallel", 1.0, n, np.arange(n) * np.pi / n)
    else:
        proj = astra.create_proj_geom("fanflat", 2.25, n, np.arange(n) * 2 * np.pi / n, 2.0 * n, 1.0 * n)
    projector = astra.create_projector(kind, proj, vol)
    sino = np.zeros((n, n), np.float32)
    back = np.zeros((n, n), np.float32)
    image_id = astra.data2d.link("-vol", vol, image)
    sino_id = astra.data2d.link("-sino", proj, sino)
    back_id = astra.data2d.link("-vol", vol, back)
    cfg = astra.astra_dict("FP")
    cfg.update(ProjectorId=projector, VolumeDataId=image_id, ProjectionDataId=sino_id)
    fp = astra.algorithm.create(cfg)
    cfg = astra.astra_dict("BP")
    cfg.update(ProjectorId=projector, ReconstructionDataId=back_id, ProjectionDataId=sino_id)
    bp = astra.algorithm.create(cfg)
    return fp, bp, (projector, [image_id, sino_id, back_id])


def free(fp, bp, ids):
    astra.algorithm.delete([fp, bp])
    astra.data2d.delete(ids[1])
    astra.projector.delete(ids[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="256,512")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: elapsed time; cpu: this process's CPU time (for a shared machine)")
    a = p.parse_args()
    clock = time.perf_counter if a.clock == "wall" else time.process_time
    for n in (int(s) for s in a.sizes.split(",")):
        image = resize(shepp_logan_phantom(), (n, n), anti_aliasing=True).astype(np.float32)
        for beam, kinds in (("parallel", ("linear", "line", "strip")), ("fan", ("line_fanflat", "strip_fanflat"))):
            for kind in kinds:
                setups = []
                for _ in range(a.reps):
                    t0 = clock()
                    made = set_up(n, beam, kind, image)
                    setups.append(clock() - t0)
                    free(*made)
                fp, bp, ids = set_up(n, beam, kind, image)
                t_fp = median_time(lambda: astra.algorithm.run(fp), a.reps, clock)
                t_bp = median_time(lambda: astra.algorithm.run(bp), a.reps, clock)
                free(fp, bp, ids)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
                print(f"RESULT part=astra n={n} beam={beam} projector={kind} setup_s={float(np.median(setups)):.6g} "
                      f"forward_s={t_fp:.6g} adjoint_s={t_bp:.6g} rss_mib={rss:.1f}", flush=True)


if __name__ == "__main__":
    main()
