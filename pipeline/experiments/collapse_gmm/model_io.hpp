// A generation's mixture in result.h5: the attributes weights [K], means
// [K·d] and covariances [K·d·d] (row-major) of its /generations/<g> group,
// with `dimension` and `components`: small enough for attributes, which keeps
// thousands of generations cheap to write and to read back.
#pragma once

#include <vector>

#include "collapse/gaussian_mixture.hpp"
#include "core/h5.hpp"

namespace structura::pipeline::collapse_gmm {

void write_model(h5::Group& g, const collapse::GaussianMixture& m);
// InputError naming the group when the stored mixture is not valid.
collapse::GaussianMixture read_model(const h5::Group& g);
// √Σ_k,ii: each component's standard deviation along each axis, [K·d].
std::vector<double> component_std(const collapse::GaussianMixture& m);

}  // namespace structura::pipeline::collapse_gmm
