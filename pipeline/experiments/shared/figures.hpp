// Figures of merit as the kinds write them under /metrics: a small float64
// dataset with its unit and meaning, and the statistics over a test set.
#pragma once

#include <string>
#include <vector>

#include "core/h5.hpp"

namespace structura::pipeline {

// `values` as the dataset `name` of `group` (shape (values.size(),)) with
// attributes unit and meaning.
void write_figure(h5::Group& group, const std::string& name, const std::vector<double>& values, const std::string& unit,
                  const std::string& meaning);

double mean_of(const std::vector<double>& values);
// The sample standard deviation (n - 1); 0 for fewer than two values.
double sample_stddev_of(const std::vector<double>& values);

}  // namespace structura::pipeline
