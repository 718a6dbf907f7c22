// The learned regularisers' keys (see regulariser_params.hpp): defaults
// from the reference code of AR (lunz-s/DeepAdverserialRegulariser) and ACR
// (Subhadip-1/data_driven_convex_regularization); the IWCNN and the CNC
// (no public code) train as the ACR does.
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline {

namespace {

using V = std::vector<std::string>;

// regularisers/ar_critic.hpp: four stride-2 convolutions need sizes that
// are multiples of 16 (the critic library checks it again when it builds).
constexpr std::int64_t kArMultiple = 16;

void add_common(Schema& s, const std::string& r, const nn::OptimizerOptions& optimizer, double penalty_weight,
                const std::string& penalty, std::int64_t iterations, const RegulariserWording& w) {
  add_optimizer_params(s, r, optimizer);
  s.add({r + ".penalty_weight", Type::Float, penalty_weight, penalty, 0.0});
  s.add({r + ".lambda", Type::Float, 0.0,
         "reconstruction: weight of the regulariser in ||A x - y||^2 + lambda R(x) (0: the heuristic "
         "2 E||A^T(A x* - y)|| over the training pairs, recorded in the result)",
         0.0});
  s.add({r + ".step", Type::Float, 0.0,
         "reconstruction: gradient descent step (armijo: the largest trial step); 0: 1/||A||^2 (||A|| by power "
         "iteration)",
         0.0});
  s.add({r + ".step_rule",
         Type::String,
         std::string("armijo"),
         "reconstruction: fixed step, or Armijo backtracking (never increases the energy)",
         {},
         {},
         V{"fixed", "armijo"}});
  s.add({r + ".iterations", Type::Int, iterations, "reconstruction: gradient descent iterations from " + w.start, 1.0});
}

nn::OptimizerOptions adam_reference() {  // Subhadip-1/data_driven_convex_regularization: Adam 2e-5, betas (0.5, 0.99)
  nn::OptimizerOptions adam;
  adam.learning_rate = 2e-5;
  adam.beta1 = 0.5;
  adam.beta2 = 0.99;
  return adam;
}

void add_ar(Schema& s, const RegulariserWording& w) {
  nn::OptimizerOptions rmsprop;  // lunz-s/DeepAdverserialRegulariser: RMSProp, 1e-4
  rmsprop.kind = nn::OptimizerKind::RMSprop;
  rmsprop.learning_rate = 1e-4;
  add_common(s, "ar", rmsprop, 20.0,
             "AR: weight of the one-sided gradient penalty max(|grad R| - 1, 0)^2 (reference: 20)", 100, w);
  s.add({"ar.leaky_slope", Type::Float, 0.1, "AR critic: leaky ReLU slope (reference: 0.1)", 0.0, below(1.0)});
  s.add({"ar.dense", Type::Int, std::int64_t{256}, "AR critic: width of the hidden dense layer", 1.0, 65536.0});
}

void add_acr(Schema& s, const RegulariserWording& w) {
  add_common(s, "acr", adam_reference(), 5.0,
             "ACR: weight of the two-sided gradient penalty (|grad ICNN| - 1)^2 on the ICNN part "
             "(reference: 5)",
             100, w);
  s.add({"acr.sfb_weight_decay", Type::Float, 1.0,
         "ACR: weight decay of the SFB and L2 weights, Adam's second parameter group (reference: 1.0)", 0.0});
  s.add({"acr.layers", Type::Int, std::int64_t{10}, "ACR: ICNN layers (reference: 10)", 1.0, 1000.0});
  s.add({"acr.channels", Type::Int, std::int64_t{48}, "ACR: ICNN channels (reference: 48)", 1.0, 4096.0});
  s.add({"acr.kernel", Type::Int, std::int64_t{5}, "ACR: ICNN kernel size, odd (reference: 5)", 1.0, 63.0});
  s.add({"acr.banks", Type::Int, std::int64_t{10}, "ACR: sparsifying filter banks (reference: 10)", 1.0, 1000.0});
  s.add({"acr.filters", Type::Int, std::int64_t{32}, "ACR: 7 x 7 filters per bank (reference: 32)", 1.0, 4096.0});
}

// IWCNN (Shumaylov et al.; no public reference code): trained as the ACR,
// whose ICNN it contains, but the two-sided penalty sees the whole model.
void add_iwcnn(Schema& s, const RegulariserWording& w) {
  add_common(s, "iwcnn", adam_reference(), 5.0,
             "IWCNN: weight of the two-sided gradient penalty (|grad R| - 1)^2 on the whole IWCNN", 100, w);
  s.add({"iwcnn.layers", Type::Int, std::int64_t{10}, "IWCNN: layers of its ICNN", 1.0, 1000.0});
  s.add({"iwcnn.channels", Type::Int, std::int64_t{48}, "IWCNN: channels of its ICNN", 1.0, 4096.0});
  s.add({"iwcnn.kernel", Type::Int, std::int64_t{5}, "IWCNN: kernel size of its ICNN, odd", 1.0, 63.0});
  s.add({"iwcnn.smooth_layers", Type::Int, std::int64_t{1}, "IWCNN: convolution + SiLU layers of the smooth part S",
         1.0, 100.0});
  s.add({"iwcnn.smooth_channels", Type::Int, std::int64_t{128}, "IWCNN: channels of every layer of S", 1.0, 4096.0});
  s.add({"iwcnn.smooth_kernel", Type::Int, std::int64_t{5}, "IWCNN: kernel size of S, odd", 1.0, 63.0});
}

// CNC = ACR + t IWCNN (regularisers/cnc.hpp), t kept at the largest value
// for which ||A x - y||^2 + lambda R(x) stays convex; trained as the IWCNN.
void add_cnc(Schema& s, const RegulariserWording& w, const std::string& data_curvature_meaning) {
  add_common(s, "cnc", adam_reference(), 5.0,
             "CNC: weight of the two-sided gradient penalty (|grad R| - 1)^2 on the whole CNC", 100, w);
  s.add({"cnc.layers", Type::Int, std::int64_t{10}, "CNC: layers of both ICNNs (the ACR's and the IWCNN's)", 1.0,
         1000.0});
  s.add({"cnc.channels", Type::Int, std::int64_t{48}, "CNC: channels of both ICNNs", 1.0, 4096.0});
  s.add({"cnc.kernel", Type::Int, std::int64_t{5}, "CNC: kernel size of both ICNNs, odd", 1.0, 63.0});
  s.add({"cnc.banks", Type::Int, std::int64_t{10}, "CNC: sparsifying filter banks of its ACR", 1.0, 1000.0});
  s.add({"cnc.filters", Type::Int, std::int64_t{32}, "CNC: 7 x 7 filters per bank of its ACR", 1.0, 4096.0});
  s.add(
      {"cnc.smooth_layers", Type::Int, std::int64_t{1}, "CNC: convolution + SiLU layers of its IWCNN's S", 1.0, 100.0});
  s.add({"cnc.smooth_channels", Type::Int, std::int64_t{128}, "CNC: channels of its IWCNN's S", 1.0, 4096.0});
  s.add({"cnc.smooth_kernel", Type::Int, std::int64_t{5}, "CNC: kernel size of its IWCNN's S, odd", 1.0, 63.0});
  s.add({"cnc.data_curvature", Type::Float, 0.0,
         data_curvature_meaning.empty()
             ? std::string("CNC: kappa = mu / lambda with A^T A >= mu I, the data term's share of the convexity budget")
             : data_curvature_meaning,
         0.0});
}

}  // namespace

const std::vector<std::string>& learned_regulariser_names() {
  static const std::vector<std::string> names{"ar", "acr", "iwcnn", "cnc"};
  return names;
}

void add_regulariser_params(Schema& s, const std::string& r, const RegulariserWording& w,
                            const std::string& data_curvature_meaning) {
  if (r == "ar") return add_ar(s, w);
  if (r == "acr") return add_acr(s, w);
  if (r == "iwcnn") return add_iwcnn(s, w);
  if (r == "cnc") return add_cnc(s, w, data_curvature_meaning);
  throw Error(fmt::format("add_regulariser_params: no learned regulariser '{}'", r));
}

RegulariserSettings read_regulariser(const Config& c, const std::string& r) {
  RegulariserSettings s;
  s.name = r;
  s.optimizer = read_optimizer(c, r);
  s.penalty_weight = c.get_float(r + ".penalty_weight");
  s.lambda = c.get_float(r + ".lambda");
  s.step = c.get_float(r + ".step");
  s.step_rule = c.get_string(r + ".step_rule");
  s.iterations = static_cast<int>(c.get_int(r + ".iterations"));
  if (r == "ar") {
    s.leaky_slope = c.get_float("ar.leaky_slope");
    s.dense = c.get_int("ar.dense");
  } else if (r == "iwcnn" || r == "cnc") {
    s.layers = c.get_int(r + ".layers");
    s.channels = c.get_int(r + ".channels");
    s.kernel = c.get_int(r + ".kernel");
    s.smooth_layers = c.get_int(r + ".smooth_layers");
    s.smooth_channels = c.get_int(r + ".smooth_channels");
    s.smooth_kernel = c.get_int(r + ".smooth_kernel");
    for (const char* key : {".kernel", ".smooth_kernel"})
      if (c.get_int(r + key) % 2 == 0)
        c.fail(r + key, fmt::format("must be odd (same padding), got {}", c.get_int(r + key)));
    if (r == "cnc") {
      s.banks = c.get_int("cnc.banks");
      s.filters = c.get_int("cnc.filters");
      s.data_curvature = c.get_float("cnc.data_curvature");
    }
  } else {
    s.layers = c.get_int("acr.layers");
    s.channels = c.get_int("acr.channels");
    s.kernel = c.get_int("acr.kernel");
    s.banks = c.get_int("acr.banks");
    s.filters = c.get_int("acr.filters");
    s.sfb_weight_decay = c.get_float("acr.sfb_weight_decay");
    if (s.kernel % 2 == 0) c.fail("acr.kernel", fmt::format("must be odd (same padding), got {}", s.kernel));
    if (s.sfb_weight_decay != 0 && s.optimizer.kind != nn::OptimizerKind::Adam)
      c.fail("acr.sfb_weight_decay",
             "applies through a second parameter group of Adam (the reference's second optimizer); set it to 0 "
             "for another acr.optimizer");
  }
  return s;
}

void no_repeats(const Config& c, const std::string& key, const std::vector<std::string>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j)
      if (v[i] == v[j]) c.fail(key, fmt::format("lists \"{}\" twice", v[i]));
}

const RegulariserSettings& find_settings(const std::vector<RegulariserSettings>& learned, const std::string& name) {
  for (const RegulariserSettings& r : learned)
    if (r.name == name) return r;
  throw InputError(fmt::format("training.regularisers: \"{}\" is not trained in this run", name));
}

void check_ar_image_size(const Config& c, const std::vector<std::string>& regularisers, std::int64_t n,
                         const std::string& size_key) {
  if (std::find(regularisers.begin(), regularisers.end(), "ar") == regularisers.end() || n % kArMultiple == 0)
    return;
  c.fail(size_key, fmt::format("the AR critic (training.regularisers has \"ar\") needs a multiple of {}, got {} "
                               "(e.g. {} or {})",
                               kArMultiple, n, std::max<std::int64_t>(kArMultiple, n / kArMultiple * kArMultiple),
                               (n / kArMultiple + 1) * kArMultiple));
}

}  // namespace structura::pipeline
