// The learned regularisers' keys, shared by the kinds that train them
// (ct.learned, deblur.learned): for each of ar, acr, iwcnn, cnc its
// optimizer, gradient penalty, reconstruction weight and gradient-descent
// keys and its architecture, declared once (add_regulariser_params) and read
// once (read_regulariser). No libtorch here: `structura validate` checks the
// values without it; models.hpp builds the models from RegulariserSettings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "nn/settings.hpp"

namespace structura::pipeline {

// One learned regulariser: its training and its reconstruction.
struct RegulariserSettings {
  std::string name;  // "ar", "acr", "iwcnn", "cnc"
  nn::OptimizerOptions optimizer;
  double penalty_weight = 0;         // gradient penalty weight (AR one-sided 20, ACR two-sided 5)
  double sfb_weight_decay = 0;       // acr: weight decay of SFB + L2 (a second Adam parameter group)
  double lambda = 0;                 // reconstruction weight; 0: the heuristic 2 E|A^T(A x* - y)|
  double step = 0;                   // gradient descent step (Armijo: the first trial); 0: 1/||A||^2
  std::string step_rule = "armijo";  // fixed, armijo
  int iterations = 0;                // gradient descent iterations
  // Architecture. ar: leaky slope, dense width; acr: ICNN layers, channels,
  // kernel and the SFB banks and filters; iwcnn: ICNN layers, channels,
  // kernel and the smooth network S (layers, channels, kernel); cnc: both
  // ICNNs (layers, channels, kernel), the ACR's SFB, the IWCNN's S and the
  // data curvature kappa of the convexity condition.
  double leaky_slope = 0.1;
  std::int64_t dense = 256;
  std::int64_t layers = 10, channels = 48, kernel = 5, banks = 10, filters = 32;
  std::int64_t smooth_layers = 1, smooth_channels = 128, smooth_kernel = 5;
  double data_curvature = 0;
};

// Every learned regulariser the table of models.hpp knows: ar, acr, iwcnn, cnc.
const std::vector<std::string>& learned_regulariser_names();

// What a kind's reconstructions start from, for the keys' meanings ("the FBP").
struct RegulariserWording {
  std::string start = "the FBP";
};

// The keys of regulariser `r` (one of learned_regulariser_names()) with the
// reference defaults (optimizer, penalty weight, architecture) and, for
// cnc, the meaning of cnc.data_curvature in the kind's words.
void add_regulariser_params(Schema& schema, const std::string& r, const RegulariserWording& wording,
                            const std::string& data_curvature_meaning = "");

// Validated as it is read: ConfigError (Config::fail) naming the key.
RegulariserSettings read_regulariser(const Config& config, const std::string& r);

// ConfigError naming `key` when the list `values` has an entry twice.
void no_repeats(const Config& config, const std::string& key, const std::vector<std::string>& values);

// The settings of `name` among `learned`; InputError naming
// training.regularisers when this run does not train it.
const RegulariserSettings& find_settings(const std::vector<RegulariserSettings>& learned, const std::string& name);

// ConfigError naming `size_key` when `regularisers` has "ar" and the n x n
// images do not fit the AR critic's strides (a multiple of 16).
void check_ar_image_size(const Config& config, const std::vector<std::string>& regularisers, std::int64_t n,
                         const std::string& size_key);

}  // namespace structura::pipeline
