"""The peer of bench_burgers_data.cpp: the viscous Burgers data set solved
the way the Lie-point-symmetry augmentation code (LPSDA) and most Python
users do it: pseudo-spectral derivatives by FFT (numpy.fft), time by
scipy.integrate.solve_ivp with dense output at the snapshot times.

    u_t = -(u^2 / 2)_x + nu u_xx   on the periodic [0, 1)

conservative form, the nonlinear term de-aliased by the 2/3 rule (without
it the solve goes unstable at coarse grids), the diffusion exact in Fourier
space inside the right-hand side. One function `solve(u0, points, method,
rtol, times)`; `method` is any of solve_ivp's (RK45, DOP853, Radau, BDF,
LSODA) - run_burgers_data.py tries them all and keeps the fastest one that
meets the accuracy target, so the peer runs at its best.
"""
import numpy as np
from scipy.integrate import solve_ivp

NU = 0.01


def rhs_factory(points, length=1.0):
    k = 2 * np.pi * np.fft.rfftfreq(points, d=length / points)
    ik = 1j * k
    diffusion = -NU * k * k
    keep = np.abs(np.fft.rfftfreq(points, d=1.0 / points)) < points / 3  # 2/3 de-aliasing

    def rhs(_t, u):
        u_hat = np.fft.rfft(u)
        flux_hat = np.fft.rfft(0.5 * u * u) * keep
        return np.fft.irfft(diffusion * u_hat - ik * flux_hat, n=points)

    return rhs


def solve(u0, method, rtol, times):
    rhs = rhs_factory(len(u0))
    sol = solve_ivp(rhs, (times[0], times[-1]), u0, method=method, t_eval=times, rtol=rtol, atol=rtol * 1e-3)
    if not sol.success:
        raise RuntimeError(sol.message)
    return sol.y.T  # snapshots x points
