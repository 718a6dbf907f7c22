// Natural images for deblurring data sets: the sample images scikit-image
// ships, read from the Debian package python3-skimage (nothing downloaded),
// and square patches cut from them at random, keyed by (seed, index) so that
// patch i is the same on any rank and in any batch. No libtorch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "imaging/png_image.hpp"

namespace structura::imaging {

// Where python3-skimage puts them on Debian 12.
std::filesystem::path default_sample_directory();

// The opaque natural photographs among them (grey-scale or colour; colour
// converted as png_image.hpp says): camera, astronaut, coffee, chelsea,
// coins, moon, brick, grass, gravel, motorcycle_left, cell, clock_motion.
const std::vector<std::string>& natural_sample_names();

// <directory>/<name>.png. InputError naming `key` for a name not in the
// list, and naming the file when it is missing (with the Debian package
// that provides it).
GrayImage sample_image(const std::string& name, const std::filesystem::path& directory, const std::string& key);

// Patches first .. first + count - 1 (size x size each, one after another):
// patch i comes from images[k] with k uniform, at a top-left corner uniform
// over the positions where it fits, both drawn from (seed, stream, i).
// InputError when an image is smaller than the patch.
std::vector<double> random_patches(const std::vector<GrayImage>& images, std::int64_t size, std::uint64_t seed,
                                   std::uint64_t stream, std::uint64_t first, std::int64_t count);

}  // namespace structura::imaging
