#include "experiments/deblur_learned/methods.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "experiments/shared/learned_regularisers/trained_regulariser.hpp"
#include "imaging/gaussian_blur.hpp"
#include "nn/device.hpp"
#include "regularisers/total_variation.hpp"
#include "variational/gradient_descent.hpp"

namespace structura::pipeline::deblur_learned {

namespace {

imaging::GaussianBlur make_blur(const Settings& s, torch::Dtype dtype) {
  return imaging::GaussianBlur(s.data.size, s.data.size, s.data.blur_sigma, dtype, 4.0, "blur");
}

// The observation itself: what the methods must improve on.
class ObservationMethod : public Method {
public:
  explicit ObservationMethod(const MethodInput&) {}
  Reconstruction reconstruct(const torch::Tensor& y) override { return {y.clone(), {}, {}}; }
};

// Smoothed TV (regularisers/total_variation.hpp) by gradient descent with
// Armijo steps from the observation, float64: the classical baseline under
// the same solver and energy convention as the learned regularisers.
class TvMethod : public Method {
public:
  explicit TvMethod(const MethodInput& in)
      : s_(in.settings.tv), K_(make_blur(in.settings, torch::kFloat64)), tv_(s_.eps, "tv") {
    norm_ = variational::operator_norm(K_);
    options_.iterations = s_.iterations;
    options_.step = 1.0 / (norm_ * norm_);
    options_.rule = variational::StepRule::Armijo;
    options_.validate("tv");
  }
  Reconstruction reconstruct(const torch::Tensor& y) override {
    const variational::Problem problem(K_, y, variational::regulariser_of(tv_), s_.lambda);
    const variational::GradientDescentResult r = variational::gradient_descent(problem, y, options_);
    return {r.x, history_values(r.energy, history_length()), history_values(r.gradient_norm, history_length())};
  }
  int history_length() const override { return s_.iterations + 1; }
  void describe(h5::Group& g) const override {
    g.set_attribute("lambda", s_.lambda);
    g.set_attribute("eps", s_.eps);
    g.set_attribute("iterations", s_.iterations);
    g.set_attribute("step", options_.step);
    g.set_attribute("step_rule", "armijo");
    g.set_attribute("operator_norm", norm_);
  }

private:
  TvSettings s_;
  imaging::GaussianBlur K_;
  regularisers::SmoothedTotalVariation tv_;
  double norm_ = 0;
  variational::GradientDescentOptions options_;
};

// Gradient descent from the observation with a trained regulariser
// (the shared GradientDescentReconstruction on the blur, in training.dtype).
class LearnedMethod : public Method {
public:
  LearnedMethod(const MethodInput& in, const std::string& name)
      : K_(make_blur(in.settings, nn::parse_torch_settings("cpu", in.settings.training.dtype, 1, "training").dtype)),
        trained_(in.file, in.settings.regulariser(name), in.settings.training.dtype, in.settings.data.size, K_),
        descent_(trained_) {}
  Reconstruction reconstruct(const torch::Tensor& y) override {
    GradientDescentReconstruction::Result r = descent_.reconstruct(y, y);
    return {r.x, std::move(r.energy), std::move(r.gradient_norm)};
  }
  int history_length() const override { return descent_.history_length(); }
  void describe(h5::Group& g) const override { descent_.describe(g); }

private:
  imaging::GaussianBlur K_;
  TrainedRegulariser trained_;
  GradientDescentReconstruction descent_;
};

template <class M>
std::unique_ptr<Method> make(const MethodInput& in) {
  return std::make_unique<M>(in);
}

const std::vector<MethodEntry>& table() {
  static const std::vector<MethodEntry> entries{
      {"observation", make<ObservationMethod>},
      {"tv", make<TvMethod>},
      {"ar", [](const MethodInput& in) { return std::make_unique<LearnedMethod>(in, "ar"); }},
      {"acr", [](const MethodInput& in) { return std::make_unique<LearnedMethod>(in, "acr"); }}};
  return entries;
}

}  // namespace

const MethodEntry& find_method(const std::string& name) {
  for (const MethodEntry& e : table())
    if (name == e.name) return e;
  throw InputError(fmt::format("reconstruction.methods: unknown method '{}'", name));
}

}  // namespace structura::pipeline::deblur_learned
