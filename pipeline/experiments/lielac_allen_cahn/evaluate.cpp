// Stage `evaluate` of `lielac.allen_cahn`: the trained model on the
// in-distribution test pairs and on the out-of-distribution pairs, the
// relative L2 error of each sample (the samples in blocks over the ranks,
// written as hyperslabs: the same file on any rank count). A non-finite
// prediction stops the stage on every rank before anything is written.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "experiments/lielac_allen_cahn/model.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_allen_cahn {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

std::vector<double> block_errors(neural_operators::Fno2d& model, const Pairs& pairs, Range mine, torch::Dtype dtype,
                                 const std::string& what) {
  torch::NoGradGuard no_grad;
  if (mine.count == 0) return {};
  const torch::Tensor prediction =
      model->forward(pairs.u0.narrow(0, mine.begin, mine.count).to(dtype)).to(torch::kFloat64);
  const torch::Tensor e =
      neural_operators::relative_l2_per_sample(prediction, pairs.uT.narrow(0, mine.begin, mine.count));
  std::vector<double> out(e.data_ptr<double>(), e.data_ptr<double>() + e.numel());
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!std::isfinite(out[i]))
      throw NumericalError(fmt::format("evaluate: {}: the prediction of sample {} is not finite", what,
                                       mine.begin + static_cast<std::int64_t>(i)));
  return out;
}

}  // namespace

void evaluate(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const nn::TorchSettings torch_settings =
      nn::parse_torch_settings(s.training.device, s.training.dtype, s.training.threads, "training");
  nn::apply(torch_settings);
  const std::int64_t M = s.data.pde.model_points();
  const Pairs test = read_pairs(ctx.file, "test", s.data.test, M);
  const Pairs ood = read_pairs(ctx.file, "ood", s.data.ood_count, M);
  const Range mine_test = ctx.comm.block(s.data.test), mine_ood = ctx.comm.block(s.data.ood_count);
  std::vector<double> e_test, e_ood;
  std::string failure;
  try {
    auto model = load_model(ctx.file, s, torch_settings.dtype);
    e_test = block_errors(model, test, mine_test, torch_settings.dtype, "in distribution");
    e_ood = block_errors(model, ood, mine_ood, torch_settings.dtype, "out of distribution");
  } catch (const Error& error) {
    failure = error.what();
  }
  failure = ctx.comm.first_error(failure);
  if (!failure.empty()) throw NumericalError(failure);

  h5::Group g = ctx.fresh_group("/evaluation");
  auto write = [&](const std::string& name, std::int64_t n, Range mine, const std::vector<double>& values,
                   const std::string& meaning) {
    h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(n)});
    double none = 0;
    d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, values.empty() ? &none : values.data());
    d.set_attribute("meaning", meaning);
    d.set_attribute("unit", "1");
    double sum = 0;
    for (double v : values) sum += v;
    return ctx.comm.sum(sum) / double(n);
  };
  const double test_mean = write("test_error", s.data.test, mine_test, e_test,
                                 "relative L2 error |f(u0) - u(T)| / |u(T)| of each in-distribution test pair");
  const double ood_mean =
      write("ood_error", s.data.ood_count, mine_ood, e_ood, "relative L2 error of each out-of-distribution pair");
  g.set_attribute("test_mean", test_mean);
  g.set_attribute("ood_mean", ood_mean);
  log::info("evaluate: relative L2 in distribution {:.4f}, out of distribution {:.4f}", test_mean, ood_mean);
}

}  // namespace structura::pipeline::lielac_allen_cahn
