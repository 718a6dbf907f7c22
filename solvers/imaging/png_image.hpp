// Grey-scale images from PNG files (libpng), for data sets made of natural
// images such as the samples scikit-image ships (Debian python3-skimage,
// natural_images.hpp). No libtorch here.
//
// Values in [0, 1]: 8- or 16-bit samples divided by 255 or 65535; colour
// images converted to luma as scikit-image's rgb2gray does,
//   Y = 0.2125 R + 0.7154 G + 0.0721 B,
// so that a test can compare with skimage.color.rgb2gray(skimage.io.imread(f))
// exactly. Palette images are expanded; an alpha channel is refused (its
// meaning, a background to blend with, is not ours to choose).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace structura::imaging {

struct GrayImage {
  std::int64_t height = 0, width = 0;
  std::vector<double> values;  // row-major, row 0 at the top
};

// InputError naming the file when it cannot be opened, is not a PNG, or
// has an alpha channel.
GrayImage read_png_gray(const std::filesystem::path& file);

}  // namespace structura::imaging
