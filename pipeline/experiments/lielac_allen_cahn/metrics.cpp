// Stage `metrics` of `lielac.allen_cahn`: the figures of merit under
// /metrics, recomputed from the per-sample errors of the evaluate and
// canonicalise stages. Methods:
//   model   the model alone (trained on the restricted distribution)
//   lielac  the model, canonicalised
// each with in_distribution_error and ood_error (mean relative L2) and their
// sample standard deviations. A non-finite figure stops the stage before
// /metrics is written.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "experiments/lielac_allen_cahn/settings.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "experiments/shared/figures.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_allen_cahn {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  struct Method {
    std::string name, test, ood, meaning;
  };
  const std::vector<Method> methods = {
      {"model", "/evaluation/test_error", "/evaluation/ood_error", "the model alone"},
      {"lielac", "/canonicalisation/test/error", "/canonicalisation/ood/error", "the model canonicalised by LieLAC"}};
  auto read = [&](const std::string& path) { return ctx.file.open_dataset(path).read_all<double>(); };
  std::vector<std::pair<std::vector<double>, std::vector<double>>> figures;
  for (const Method& m : methods) {
    auto test = read(m.test), ood = read(m.ood);
    for (double v : test)
      if (!std::isfinite(v)) throw NumericalError(fmt::format("metrics: {}: a test error is not finite", m.name));
    for (double v : ood)
      if (!std::isfinite(v)) throw NumericalError(fmt::format("metrics: {}: an OOD error is not finite", m.name));
    figures.emplace_back(std::move(test), std::move(ood));
  }
  h5::Group all = ctx.fresh_group("/metrics");
  for (std::size_t k = 0; k < methods.size(); ++k) {
    h5::Group g = all.require_group(methods[k].name);
    const auto& [test, ood] = figures[k];
    write_figure(g, "in_distribution_error", {mean_of(test)}, "1",
                 methods[k].meaning + ": mean relative L2 error on the in-distribution test pairs");
    write_figure(g, "in_distribution_error_std", {sample_stddev_of(test)}, "1", "its sample standard deviation");
    write_figure(g, "ood_error", {mean_of(ood)}, "1",
                 methods[k].meaning + ": mean relative L2 error on the out-of-distribution pairs");
    write_figure(g, "ood_error_std", {sample_stddev_of(ood)}, "1", "its sample standard deviation");
    log::info("metrics/{}: in distribution {:.4f}, out of distribution {:.4f}", methods[k].name, mean_of(test),
              mean_of(ood));
  }
  h5::Group l = all.require_group("lielac");
  write_figure(l, "seconds_per_input",
               {ctx.file.open_group("/canonicalisation/ood").double_attribute("seconds_per_input")}, "s",
               "wall-clock seconds of one canonicalisation (search, model, map back) on one rank");
  write_figure(l, "ood_error_reduction", {mean_of(figures[0].second) / mean_of(figures[1].second)}, "1",
               "the model's OOD error over the canonicalised one");
}

}  // namespace structura::pipeline::lielac_allen_cahn
