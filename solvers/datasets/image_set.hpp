// A labelled set of grey images as plain arrays (no libtorch): what the
// packaged data sets (Fashion-MNIST, scikit-learn's digits) read into.
#pragma once

#include <cstdint>
#include <vector>

namespace structura::datasets {

struct ImageSet {
  std::int64_t count = 0, height = 0, width = 0;
  std::vector<float> pixels;  // count x height x width, row-major, in [0, 1]
  std::vector<int> labels;    // count entries, 0 .. classes - 1

  const float* image(std::int64_t i) const { return pixels.data() + i * height * width; }
};

// How many images carry each label 0 .. classes - 1.
std::vector<std::int64_t> label_histogram(const ImageSet& set, int classes);

}  // namespace structura::datasets
