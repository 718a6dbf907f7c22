#include "experiments/ct_learned/learned_method.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/error.hpp"
#include "experiments/shared/learned_regularisers/trained_regulariser.hpp"
#include "regularisers/iwcnn.hpp"
#include "tomography_torch/projector_autograd.hpp"
#include "variational/primal_dual.hpp"
#include "variational/projector_operators.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {

// A host view's values as a (1, 1, rows, cols) float64 tensor (a copy).
torch::Tensor as_tensor(const Kokkos::View<double**, Kokkos::LayoutRight, MemSpace>& v) {
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), v);
  return torch::from_blob(host.data(),
                          {1, 1, static_cast<std::int64_t>(host.extent(0)), static_cast<std::int64_t>(host.extent(1))},
                          torch::kFloat64)
      .clone();
}

// What every method on a trained regulariser shares: the projector as a
// variational::LinearOperator, the model in training.dtype with its lambda
// and ||A|| (experiments/shared/learned_regularisers/trained_regulariser.hpp).
class TrainedRegulariserMethod : public Method {
public:
  TrainedRegulariserMethod(const MethodInput& in, const std::string& name)
      : projector_(in.settings.data.image, in.settings.data.beam, in.A.comm()),
        op_(projector_),
        trained_(in.file, in.settings.regulariser(name), in.settings.training.dtype, in.settings.data.image.nx, op_) {}

  void describe(h5::Group& g) const override { trained_.describe(g); }

protected:
  static void store(const torch::Tensor& result, Image<double>& x) {
    const torch::Tensor out = result.to(torch::kFloat64).contiguous();
    auto host = Kokkos::create_mirror_view(x);
    std::copy(out.data_ptr<double>(), out.data_ptr<double>() + out.numel(), host.data());
    Kokkos::deep_copy(x, host);
  }

  tomography_torch::TorchProjector projector_;
  variational::TorchProjectorOperator op_;
  TrainedRegulariser trained_;
};

class GradientDescentMethod : public TrainedRegulariserMethod {
public:
  GradientDescentMethod(const MethodInput& in, const std::string& name)
      : TrainedRegulariserMethod(in, name), descent_(trained_) {}

  Trace reconstruct(const Sinogram<double>& y, const Image<double>& fbp, Image<double>& x) override {
    GradientDescentReconstruction::Result result = descent_.reconstruct(as_tensor(y), as_tensor(fbp));
    store(result.x, x);
    return {std::move(result.energy), std::move(result.gradient_norm), {}};
  }
  int history_length() const override { return descent_.history_length(); }
  void describe(h5::Group& g) const override { descent_.describe(g); }

private:
  GradientDescentReconstruction descent_;
};

// AWCR-PD on the IWCNN. rho (the certified modulus of the stored weights)
// does not enter the steps; it is recorded, and checked against a given L_R.
class AwcrPdMethod : public TrainedRegulariserMethod {
public:
  explicit AwcrPdMethod(const MethodInput& in) : TrainedRegulariserMethod(in, "iwcnn"), s_(in.settings.awcr_pd) {
    const std::int64_t n = trained_.image_size();
    rho_ = dynamic_cast<regularisers::Iwcnn&>(trained_.model()).weak_convexity_modulus(n, n);
    options_.iterations = s_.iterations;
    options_.operator_norm = trained_.operator_norm();
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
    const variational::PrimalDualResult result =
        variational::primal_dual(trained_.problem(as_tensor(y)), trained_.in_dtype(as_tensor(fbp)), options_);
    store(result.x, x);
    return {history_values(result.energy, history_length()),
            history_values(result.gradient_norm, history_length()),
            {history_values(result.ergodic_residual, s_.iterations), {result.tau}, {result.regulariser_lipschitz}}};
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
