#!/usr/bin/env python3
"""Independent references for tests/imaging/test_imaging.cpp, written as raw
little-endian float64 to OUT:

  reference.py gray NAME DIR OUT            skimage.color.rgb2gray(skimage.io.imread(DIR/NAME.png)),
                                            or img_as_float for a grey image
  reference.py blur IN H W SIGMA OUT        scipy.ndimage.gaussian_filter of the (H, W) image in IN,
                                            mode "constant" (zero outside), truncate 4
"""
import sys

import numpy as np


def main(argv):
    if argv[1] == "gray":
        import skimage.color
        import skimage.io
        import skimage.util
        name, directory, out = argv[2:5]
        image = skimage.io.imread(f"{directory}/{name}.png")
        gray = skimage.util.img_as_float(image) if image.ndim == 2 else skimage.color.rgb2gray(image)
        np.asarray(gray, dtype="<f8").tofile(out)
        print(gray.shape[0], gray.shape[1])
    elif argv[1] == "blur":
        import scipy.ndimage
        src, h, w, sigma, out = argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6]
        image = np.fromfile(src, dtype="<f8").reshape(h, w)
        scipy.ndimage.gaussian_filter(image, sigma, mode="constant", cval=0.0, truncate=4.0).astype("<f8").tofile(out)
    else:
        sys.exit(f"unknown command {argv[1]}")


if __name__ == "__main__":
    main(sys.argv)
