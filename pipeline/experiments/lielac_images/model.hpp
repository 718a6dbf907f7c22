// The `lielac.images` classifier (canonicalisation/images/classifier.hpp's
// SmallCnn) and its storage under /models/<variant>.
#pragma once

#include <string>

#include "canonicalisation/images/classifier.hpp"
#include "core/h5.hpp"
#include "experiments/lielac_images/settings.hpp"

namespace structura::pipeline::lielac_images {

canonicalisation::images::SmallCnn make_model(const Settings& s, std::uint64_t seed);
void save_model(h5::Group& models, const std::string& variant, const Settings& s,
                canonicalisation::images::SmallCnn& model);
canonicalisation::images::SmallCnn load_model(const h5::Group& models, const std::string& variant, const Settings& s,
                                              torch::Dtype dtype);

}  // namespace structura::pipeline::lielac_images
