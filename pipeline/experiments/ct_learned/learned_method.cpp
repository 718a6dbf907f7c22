#include "experiments/ct_learned/learned_method.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/error.hpp"
#include "experiments/ct_learned/models.hpp"
#include "nn/device.hpp"
#include "tomography_torch/projector_autograd.hpp"
#include "variational/gradient_descent.hpp"
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

class LearnedMethod : public Method {
public:
  LearnedMethod(const MethodInput& in, const std::string& name)
      : r_(in.settings.regulariser(name)),
        dtype_(nn::parse_torch_settings("cpu", in.settings.training.dtype, 1, "training").dtype),
        projector_(in.settings.data.image, in.settings.data.beam, in.A.comm()),
        op_(projector_),
        model_(load_model(in.file, r_, in.settings.data.image.nx, dtype_)) {
    model_->eval();
    for (auto& p : model_->parameters()) p.requires_grad_(false);  // x alone is differentiated
    lambda_source_ = r_.lambda > 0 ? r_.name + ".lambda" : "heuristic";
    lambda_ = r_.lambda > 0 ? r_.lambda : in.file.open_dataset("/data/lambda_heuristic").read_all<double>().at(0);
    norm_ = variational::operator_norm(op_);
    options_.iterations = r_.iterations;
    options_.step = r_.step > 0 ? r_.step : 1.0 / (norm_ * norm_);
    options_.rule = r_.step_rule == "fixed" ? variational::StepRule::Fixed : variational::StepRule::Armijo;
    options_.validate(r_.name);
  }

  Trace reconstruct(const Sinogram<double>& y, const Image<double>& fbp, Image<double>& x) override {
    const variational::Problem problem(op_, as_tensor(y, dtype_), variational::regulariser_of(*model_), lambda_);
    const variational::GradientDescentResult result =
        variational::gradient_descent(problem, as_tensor(fbp, dtype_), options_);
    const torch::Tensor out = result.x.to(torch::kFloat64).contiguous();
    auto host = Kokkos::create_mirror_view(x);
    std::copy(out.data_ptr<double>(), out.data_ptr<double>() + out.numel(), host.data());
    Kokkos::deep_copy(x, host);
    Trace trace;
    trace.energy.assign(static_cast<std::size_t>(history_length()), std::numeric_limits<double>::quiet_NaN());
    trace.gradient_norm = trace.energy;
    const torch::Tensor e = result.energy.contiguous(), g = result.gradient_norm.contiguous();  // (K + 1, 1)
    for (std::int64_t k = 0; k < e.size(0) && k < history_length(); ++k) {
      trace.energy[static_cast<std::size_t>(k)] = e[k][0].item<double>();
      trace.gradient_norm[static_cast<std::size_t>(k)] = g[k][0].item<double>();
    }
    return trace;
  }
  int history_length() const override { return r_.iterations + 1; }
  void describe(h5::Group& g) const override {
    g.set_attribute("lambda", lambda_);
    g.set_attribute("lambda_source", lambda_source_);
    g.set_attribute("step", options_.step);
    g.set_attribute("step_rule", r_.step_rule);
    g.set_attribute("iterations", r_.iterations);
    g.set_attribute("operator_norm", norm_);
  }

private:
  const RegulariserSettings& r_;
  torch::Dtype dtype_;
  tomography_torch::TorchProjector projector_;
  variational::TorchProjectorOperator op_;
  std::shared_ptr<regularisers::Regulariser> model_;
  double lambda_ = 0, norm_ = 0;
  std::string lambda_source_;
  variational::GradientDescentOptions options_;
};

}  // namespace

std::unique_ptr<Method> make_learned(const MethodInput& in, const std::string& regulariser) {
  return std::make_unique<LearnedMethod>(in, regulariser);
}

}  // namespace structura::pipeline::ct_learned
