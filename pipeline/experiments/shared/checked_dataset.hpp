// Reading a kind's own data back from result.h5: a missing dataset or one of
// another shape than the settings describe is an InputError naming the file
// and the dataset, before anything is written. No libtorch here.
#pragma once

#include <string>

#include "core/h5.hpp"

namespace structura::pipeline {

// `path` checked against `dims`: InputError naming the file, the dataset,
// the expected and the found shape (or that it is missing).
h5::Dataset open_checked(const h5::File& file, const std::string& path, const h5::Dims& dims);

}  // namespace structura::pipeline
