#include "experiments/ct_learned/learned_method.hpp"

#include <fmt/format.h>

#include <limits>
#include <vector>

#include "core/error.hpp"
#include "experiments/ct_learned/models.hpp"
#include "nn/device.hpp"
#include "regularisers/iwcnn.hpp"
#include "tomography_torch/projector_autograd.hpp"
#include "variational/gradient_descent.hpp"
#include "variational/primal_dual.hpp"
#include "variational/projector_operators.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {

// A host view's values as a (1, 1, rows, cols) tensor of `dtype` (a copy).
torch::Tensor as_tensor(const Kokkos::View<double**, Kokkos::LayoutRight, MemSpace>& v, torch::Dtype dtype) {
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return torch::from_blob(host.data(),
                          {1, 1, static_cast<std::int64_t>(host.extent(0)), static_cast<std::int64_t>(host.extent(1))},
                          torch::kFloat64)
      .to(dtype, /*non_blocking=*/false, /*copy=*/true);
}

// A 1-image history tensor (rows, 1) as `length` values, NaN after its rows.
std::vector<double> history(const torch::Tensor& h, int length) {
  std::vector<double> out(static_cast<std::size_t>(length), std::numeric_limits<double>::quiet_NaN());
  const torch::Tensor c = h.to(torch::kFloat64).contiguous();
  for (std::int64_t k = 0; k < c.size(0) && k < length; ++k) out[static_cast<std::size_t>(k)] = c[k][0].item<double>();
  return out;
}

// What every method on a trained regulariser shares: the model in
// training.dtype, the operator as a variational::LinearOperator, lambda and ||A||.
class TrainedRegulariserMethod : public Method {
public:
  TrainedRegulariserMethod(const MethodInput& in, const std::string& name)
      : r_(in.settings.regulariser(name)),
        dtype_(nn::parse_torch_settings("cpu", in.settings.training.dtype, 1, "training").dtype),
        n_(in.settings.data.image.nx),
        projector_(in.settings.data.image, in.settings.data.beam, in.A.comm()),
        op_(projector_),
        model_(load_model(in.file, r_, n_, dtype_)) {
    model_->eval();
    for (auto& p : model_->parameters()) p.requires_grad_(false);  // x alone is differentiated
    lambda_source_ = r_.lambda > 0 ? r_.name + ".lambda" : "heuristic";
    lambda_ = r_.lambda > 0 ? r_.lambda : in.file.open_dataset("/data/lambda_heuristic").read_all<double>().at(0);
    norm_ = variational::operator_norm(op_);
  }

  void describe(h5::Group& g) const override {
    g.set_attribute("lambda", lambda_);
    g.set_attribute("lambda_source", lambda_source_);
    g.set_attribute("operator_norm", norm_);
  }

protected:
  variational::Problem problem(const Sinogram<double>& y) const {
    return variational::Problem(op_, as_tensor(y, dtype_), variational::regulariser_of(*model_), lambda_);
  }
  torch::Tensor start(const Image<double>& fbp) const { return as_tensor(fbp, dtype_); }
  static void store(const torch::Tensor& result, Image<double>& x) {
    const torch::Tensor out = result.to(torch::kFloat64).contiguous();
    auto host = Kokkos::create_mirror_view(x);
    std::copy(out.data_ptr<double>(), out.data_ptr<double>() + out.numel(), host.data());
    Kokkos::deep_copy(x, host);
  }

  const RegulariserSettings& r_;
  torch::Dtype dtype_;
  std::int64_t n_;
  tomography_torch::TorchProjector projector_;
  variational::TorchProjectorOperator op_;
  std::shared_ptr<regularisers::Regulariser> model_;
  double lambda_ = 0, norm_ = 0;
  std::string lambda_source_;
};

class GradientDescentMethod : public TrainedRegulariserMethod {
public:
  GradientDescentMethod(const MethodInput& in, const std::string& name) : TrainedRegulariserMethod(in, name) {
    options_.iterations = r_.iterations;
    options_.step = r_.step > 0 ? r_.step : 1.0 / (norm_ * norm_);
    options_.rule = r_.step_rule == "fixed" ? variational::StepRule::Fixed : variational::StepRule::Armijo;
    options_.validate(r_.name);
  }

  Trace reconstruct(const Sinogram<double>& y, const Image<double>& fbp, Image<double>& x) override {
    const variational::GradientDescentResult result = variational::gradient_descent(problem(y), start(fbp), options_);
    store(result.x, x);
    return {history(result.energy, history_length()), history(result.gradient_norm, history_length()), {}};
  }
  int history_length() const override { return r_.iterations + 1; }
  void describe(h5::Group& g) const override {
    TrainedRegulariserMethod::describe(g);
    g.set_attribute("step", options_.step);
    g.set_attribute("step_rule", r_.step_rule);
    g.set_attribute("iterations", r_.iterations);
  }

private:
  variational::GradientDescentOptions options_;
};

// AWCR-PD on the IWCNN. rho (the certified modulus of the stored weights)
// does not enter the steps; it is recorded, and checked against a given L_R.
class AwcrPdMethod : public TrainedRegulariserMethod {
public:
  explicit AwcrPdMethod(const MethodInput& in) : TrainedRegulariserMethod(in, "iwcnn"), s_(in.settings.awcr_pd) {
    rho_ = dynamic_cast<regularisers::Iwcnn&>(*model_).weak_convexity_modulus(n_, n_);
    options_.iterations = s_.iterations;
    options_.operator_norm = norm_;
    options_.regulariser_lipschitz = s_.lipschitz;
    options_.weak_convexity = rho_;
    options_.sigma = s_.sigma;
    options_.extrapolation = s_.extrapolation;
    options_.step_fraction = s_.step_fraction;
    if (s_.lipschitz > 0 && rho_ > s_.lipschitz)
      throw InputError(
          fmt::format("awcr_pd.lipschitz: {} is below the trained IWCNN's certified weak-convexity "
                      "modulus {} (a smooth rho-weakly convex R has rho <= L_R); raise it or set 0",
                      s_.lipschitz, rho_));
    options_.validate("awcr_pd");
  }

  Trace reconstruct(const Sinogram<double>& y, const Image<double>& fbp, Image<double>& x) override {
    const variational::PrimalDualResult result = variational::primal_dual(problem(y), start(fbp), options_);
    store(result.x, x);
    return {history(result.energy, history_length()),
            history(result.gradient_norm, history_length()),
            {history(result.ergodic_residual, s_.iterations), {result.tau}, {result.regulariser_lipschitz}}};
  }
  int history_length() const override { return s_.iterations + 1; }
  std::vector<SeriesSpec> extra_series() const override {
    return {{"ergodic_residual", s_.iterations,
             "(1/(k+1)) sum_{j<=k} r_j, r_j = ||x_{j+1} - x_j||^2/tau^2 + ||p_{j+1} - p_j||^2/sigma^2, k = 0 .. "
             "iterations - 1, NaN after the stop"},
            {"tau", 1, "primal step tau of the image (from ||A|| and its L_R)"},
            {"regulariser_lipschitz", 1, "L_R the image's steps used (awcr_pd.lipschitz or the Hessian estimate)"}};
  }
  void describe(h5::Group& g) const override {
    TrainedRegulariserMethod::describe(g);
    g.set_attribute("iterations", s_.iterations);
    g.set_attribute("sigma", s_.sigma);
    g.set_attribute("extrapolation", s_.extrapolation);
    g.set_attribute("step_fraction", s_.step_fraction);
    g.set_attribute("lipschitz_source", s_.lipschitz > 0 ? "awcr_pd.lipschitz" : "hessian-estimate");
    g.set_attribute("weak_convexity_modulus", rho_);
  }

private:
  PrimalDualSettings s_;
  variational::PrimalDualOptions options_;
  double rho_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_learned(const MethodInput& in, const std::string& regulariser) {
  return std::make_unique<GradientDescentMethod>(in, regulariser);
}

std::unique_ptr<Method> make_awcr_pd(const MethodInput& in) { return std::make_unique<AwcrPdMethod>(in); }

}  // namespace structura::pipeline::ct_learned
