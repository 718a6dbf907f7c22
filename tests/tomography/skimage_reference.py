"""scikit-image's values for tests/tomography/test_data.cpp and test_fbp.cpp (an independent truth).

Arrays travel as raw little-endian float64 files.
  metrics ROWS COLS TRUTH TEST   -> prints "psnr ssim" (data_range = max - min of TRUTH)
  filter NAME DETECTORS ROWS IN OUT_ROWS OUT_FILTER
      -> filters IN's rows exactly as skimage.transform.iradon does (pad,
         fft * _get_fourier_filter, real(ifft), crop) and writes them, and
         the full-length filter, to the two output files.
  iradon NAME DETECTORS ANGLES OUTPUT_SIZE CIRCLE IN THETA OUT
      -> skimage.transform.iradon(IN.T, theta=degrees(THETA), output_size,
         filter_name=NAME, interpolation="linear", circle=bool(CIRCLE)) for
         IN (ANGLES, DETECTORS) in pixel units and THETA in radians; writes
         the (OUTPUT_SIZE, OUTPUT_SIZE) image.
Exit status 3 when scikit-image cannot be imported (the test then skips).
"""
import sys

try:
    import numpy as np
    from scipy.fft import fft, ifft
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    from skimage.transform import iradon
    from skimage.transform.radon_transform import _get_fourier_filter
except ImportError as e:  # the C++ test reports this as a skip
    print(f"scikit-image unavailable: {e}")
    sys.exit(3)


def main(argv):
    mode = argv[1]
    if mode == "metrics":
        rows, cols = int(argv[2]), int(argv[3])
        truth = np.fromfile(argv[4], dtype="<f8").reshape(rows, cols)
        test = np.fromfile(argv[5], dtype="<f8").reshape(rows, cols)
        data_range = truth.max() - truth.min()
        psnr = peak_signal_noise_ratio(truth, test, data_range=data_range)
        ssim = structural_similarity(truth, test, data_range=data_range, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, K1=0.01, K2=0.03)
        print(repr(float(psnr)), repr(float(ssim)))
    elif mode == "filter":
        name, n, rows = argv[2], int(argv[3]), int(argv[4])
        sino = np.fromfile(argv[5], dtype="<f8").reshape(rows, n).T  # skimage: (detectors, angles)
        padded = max(64, int(2 ** np.ceil(np.log2(2 * n))))  # as in iradon
        img = np.pad(sino, ((0, padded - n), (0, 0)), mode="constant", constant_values=0)
        fourier_filter = _get_fourier_filter(padded, name)
        filtered = np.real(ifft(fft(img, axis=0) * fourier_filter, axis=0)[:n, :])
        np.ascontiguousarray(filtered.T).astype("<f8").tofile(argv[6])
        fourier_filter[:, 0].astype("<f8").tofile(argv[7])
    elif mode == "iradon":
        name, n, angles, size, circle = argv[2], int(argv[3]), int(argv[4]), int(argv[5]), bool(int(argv[6]))
        sino = np.fromfile(argv[7], dtype="<f8").reshape(angles, n).T  # skimage: (detectors, angles)
        theta = np.rad2deg(np.fromfile(argv[8], dtype="<f8"))
        image = iradon(sino, theta=theta, output_size=size, filter_name=name, interpolation="linear", circle=circle)
        np.ascontiguousarray(image).astype("<f8").tofile(argv[9])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
