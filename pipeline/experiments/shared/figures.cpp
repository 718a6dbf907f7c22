#include "experiments/shared/figures.hpp"

#include <cmath>

namespace structura::pipeline {

void write_figure(h5::Group& g, const std::string& name, const std::vector<double>& v, const std::string& unit,
                  const std::string& meaning) {
  h5::Dataset d = g.write_dataset(name, v, h5::Dims{v.size()});
  d.set_attribute("unit", unit);
  d.set_attribute("meaning", meaning);
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double sample_stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

}  // namespace structura::pipeline
