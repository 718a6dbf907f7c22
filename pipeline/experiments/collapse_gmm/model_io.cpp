#include "experiments/collapse_gmm/model_io.hpp"

#include <cmath>

namespace structura::pipeline::collapse_gmm {

void write_model(h5::Group& g, const collapse::GaussianMixture& m) {
  g.set_attribute("dimension", static_cast<std::int64_t>(m.dimension));
  g.set_attribute("components", static_cast<std::int64_t>(m.components()));
  g.set_attribute("weights", m.weights);
  g.set_attribute("means", m.means);
  g.set_attribute("covariances", m.covariances);
}

collapse::GaussianMixture read_model(const h5::Group& g) {
  collapse::GaussianMixture m;
  m.dimension = static_cast<int>(g.int_attribute("dimension"));
  m.weights = g.doubles_attribute("weights");
  m.means = g.doubles_attribute("means");
  m.covariances = g.doubles_attribute("covariances");
  m.validate("the stored mixture");
  return m;
}

std::vector<double> component_std(const collapse::GaussianMixture& m) {
  const int d = m.dimension;
  std::vector<double> out;
  for (int k = 0; k < m.components(); ++k)
    for (int i = 0; i < d; ++i) out.push_back(std::sqrt(m.covariance(k)[i * d + i]));
  return out;
}

}  // namespace structura::pipeline::collapse_gmm
