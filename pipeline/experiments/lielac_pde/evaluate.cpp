// Stage `evaluate` of `lielac.pde`: every trained variant on the
// in-distribution test pairs and on the out-of-distribution pairs, the
// relative L2 error of each sample (the samples in blocks over the ranks,
// written as hyperslabs: the same file on any rank count). A non-finite
// prediction stops the stage before anything is written.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "experiments/lielac_pde/model.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_pde {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

// This rank's block of per-sample errors of `model` on `pairs`.
std::vector<double> block_errors(neural_operators::Fno1d& model, const Pairs& pairs, Range mine, torch::Dtype dtype,
                                 const std::string& what) {
  torch::NoGradGuard no_grad;
  if (mine.count == 0) return {};
  const torch::Tensor prediction = model->forward(pairs.u0.narrow(0, mine.begin, mine.count).to(dtype)).to(torch::kFloat64);
  const torch::Tensor e = neural_operators::relative_l2_per_sample(prediction, pairs.uT.narrow(0, mine.begin, mine.count));
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
  const std::int64_t P = s.data.pde.model_points();
  const Pairs test = read_pairs(ctx.file, "test", s.data.test, P);
  const Pairs ood = read_pairs(ctx.file, "ood", s.data.ood, P);
  const h5::Group models = ctx.file.open_group("/models");

  struct Errors {
    std::vector<double> test, ood;
    double test_sum = 0, ood_sum = 0;
  };
  std::vector<Errors> all;
  const Range mine_test = ctx.comm.block(s.data.test), mine_ood = ctx.comm.block(s.data.ood);
  std::string failure;
  for (const std::string& v : s.variants) {
    Errors& e = all.emplace_back();
    try {
      auto model = load_model(models, v, s, torch_settings.dtype);
      e.test = block_errors(model, test, mine_test, torch_settings.dtype, v + " in distribution");
      e.ood = block_errors(model, ood, mine_ood, torch_settings.dtype, v + " out of distribution");
    } catch (const Error& error) {
      if (failure.empty()) failure = error.what();
    }
    for (double x : e.test) e.test_sum += x;
    for (double x : e.ood) e.ood_sum += x;
  }
  // One rank's non-finite prediction stops every rank, before any write.
  failure = ctx.comm.first_error(failure);
  if (!failure.empty()) throw NumericalError(failure);

  h5::Group root = ctx.fresh_group("/evaluation");
  for (std::size_t k = 0; k < s.variants.size(); ++k) {
    h5::Group g = root.require_group(s.variants[k]);
    auto write = [&](const std::string& name, std::int64_t n, Range mine, const std::vector<double>& values,
                     const std::string& meaning) {
      h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(n)});
      double none = 0;
      d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, values.empty() ? &none : values.data());
      d.set_attribute("meaning", meaning);
      d.set_attribute("unit", "1");
    };
    write("test_error", s.data.test, mine_test, all[k].test,
          "relative L2 error |f(u0) - u(T)| / |u(T)| of each in-distribution test pair");
    write("ood_error", s.data.ood, mine_ood, all[k].ood, "relative L2 error of each out-of-distribution pair");
    const double test_mean = ctx.comm.sum(all[k].test_sum) / double(s.data.test);
    const double ood_mean = ctx.comm.sum(all[k].ood_sum) / double(s.data.ood);
    g.set_attribute("test_mean", test_mean);
    g.set_attribute("ood_mean", ood_mean);
    log::info("evaluate/{}: relative L2 in distribution {:.4f}, out of distribution {:.4f}", s.variants[k], test_mean,
              ood_mean);
  }
}

}  // namespace structura::pipeline::lielac_pde
