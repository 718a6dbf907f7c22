#include "experiments/shared/learned_regularisers/trained_regulariser.hpp"

#include <limits>

#include "experiments/shared/learned_regularisers/models.hpp"
#include "nn/device.hpp"

namespace structura::pipeline {

TrainedRegulariser::TrainedRegulariser(const h5::File& file, const RegulariserSettings& r, const std::string& dtype,
                                       std::int64_t n, const variational::LinearOperator& A)
    : r_(r),
      dtype_(nn::parse_torch_settings("cpu", dtype, 1, "training").dtype),
      n_(n),
      a_(A),
      model_(load_model(file, r_, n_, dtype_)) {
  model_->eval();
  for (auto& p : model_->parameters()) p.requires_grad_(false);  // x alone is differentiated
  lambda_source_ = r_.lambda > 0 ? r_.name + ".lambda" : "heuristic";
  lambda_ = r_.lambda > 0 ? r_.lambda : file.open_dataset("/data/lambda_heuristic").read_all<double>().at(0);
  norm_ = variational::operator_norm(a_);
}

variational::Problem TrainedRegulariser::problem(const torch::Tensor& y) const {
  return variational::Problem(a_, in_dtype(y), variational::regulariser_of(*model_), lambda_);
}

void TrainedRegulariser::describe(h5::Group& g) const {
  g.set_attribute("lambda", lambda_);
  g.set_attribute("lambda_source", lambda_source_);
  g.set_attribute("operator_norm", norm_);
}

std::vector<double> history_values(const torch::Tensor& h, int length) {
  std::vector<double> out(static_cast<std::size_t>(length), std::numeric_limits<double>::quiet_NaN());
  const torch::Tensor c = h.to(torch::kFloat64).contiguous();
  for (std::int64_t k = 0; k < c.size(0) && k < length; ++k) out[static_cast<std::size_t>(k)] = c[k][0].item<double>();
  return out;
}

GradientDescentReconstruction::GradientDescentReconstruction(const TrainedRegulariser& trained) : trained_(trained) {
  const RegulariserSettings& r = trained.settings();
  const double norm = trained.operator_norm();
  options_.iterations = r.iterations;
  options_.step = r.step > 0 ? r.step : 1.0 / (norm * norm);
  options_.rule = r.step_rule == "fixed" ? variational::StepRule::Fixed : variational::StepRule::Armijo;
  options_.validate(r.name);
}

GradientDescentReconstruction::Result GradientDescentReconstruction::reconstruct(const torch::Tensor& y,
                                                                                 const torch::Tensor& start) const {
  const variational::GradientDescentResult result =
      variational::gradient_descent(trained_.problem(y), trained_.in_dtype(start), options_);
  return {result.x, history_values(result.energy, history_length()),
          history_values(result.gradient_norm, history_length())};
}

void GradientDescentReconstruction::describe(h5::Group& g) const {
  trained_.describe(g);
  g.set_attribute("step", options_.step);
  g.set_attribute("step_rule", trained_.settings().step_rule);
  g.set_attribute("iterations", trained_.settings().iterations);
}

}  // namespace structura::pipeline
