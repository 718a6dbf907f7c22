// scikit-learn's handwritten digits (the UCI optical recognition test set
// that sklearn.datasets.load_digits returns), read from the file the Debian
// package python3-sklearn ships: 1797 rows of 64 pixel counts 0..16 (8 x 8,
// row-major) and the label 0..9, comma-separated, gzip-compressed.
// Pixels are returned as count / 16.
#pragma once

#include <filesystem>

#include "datasets/image_set.hpp"

namespace structura::datasets {

inline const std::filesystem::path sklearn_digits_file =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

// InputError naming the file (and the row) for a missing, non-gzip or
// truncated file, a row without 65 integers, a pixel outside 0..16 or a
// label outside 0..9.
ImageSet load_digits(const std::filesystem::path& file = sklearn_digits_file);

}  // namespace structura::datasets
