// Stage `metrics` of `lielac.pde`: the figures of merit under /metrics,
// recomputed from the per-sample errors of the evaluate and canonicalise
// stages. Methods:
//   model        the plain model alone (trained on the restricted distribution)
//   lielac       the plain model, canonicalised
//   augmented    trained with symmetry data augmentation (if trained)
//   fine-tuned   the plain model fine-tuned on transformed pairs (if trained)
// each with in_distribution_error and ood_error (mean relative L2) and their
// sample standard deviations. A non-finite figure stops the stage before
// /metrics is written.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "experiments/lielac_pde/settings.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "experiments/shared/figures.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_pde {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  struct Method {
    std::string name, source, meaning;
  };
  std::vector<Method> methods = {{"model", "/evaluation/plain", "the plain model alone"},
                                 {"lielac", "/canonicalisation", "the plain model canonicalised by LieLAC"}};
  for (const std::string& v : s.variants)
    if (v != "plain") methods.push_back({v, "/evaluation/" + v, v == "augmented" ? "trained with symmetry augmentation"
                                                                                   : "fine-tuned on transformed pairs"});
  auto read = [&](const std::string& path) { return ctx.file.open_dataset(path).read_all<double>(); };
  struct Figures {
    std::vector<double> test, ood;
  };
  std::vector<Figures> figures;
  for (const Method& m : methods) {
    Figures f;
    if (m.name == "lielac") {
      f.test = read(m.source + "/test/error");
      f.ood = read(m.source + "/ood/error");
    } else {
      f.test = read(m.source + "/test_error");
      f.ood = read(m.source + "/ood_error");
    }
    for (double v : f.test) if (!std::isfinite(v)) throw NumericalError(fmt::format("metrics: {}: a test error is not finite", m.name));
    for (double v : f.ood) if (!std::isfinite(v)) throw NumericalError(fmt::format("metrics: {}: an OOD error is not finite", m.name));
    figures.push_back(std::move(f));
  }
  h5::Group all = ctx.fresh_group("/metrics");
  for (std::size_t k = 0; k < methods.size(); ++k) {
    h5::Group g = all.require_group(methods[k].name);
    const Figures& f = figures[k];
    write_figure(g, "in_distribution_error", {mean_of(f.test)}, "1",
                 methods[k].meaning + ": mean relative L2 error on the in-distribution test pairs");
    write_figure(g, "in_distribution_error_std", {sample_stddev_of(f.test)}, "1", "its sample standard deviation");
    write_figure(g, "ood_error", {mean_of(f.ood)}, "1",
                 methods[k].meaning + ": mean relative L2 error on the out-of-distribution pairs");
    write_figure(g, "ood_error_std", {sample_stddev_of(f.ood)}, "1", "its sample standard deviation");
    log::info("metrics/{}: in distribution {:.4f}, out of distribution {:.4f}", methods[k].name, mean_of(f.test),
              mean_of(f.ood));
  }
  h5::Group l = all.require_group("lielac");
  write_figure(l, "seconds_per_input", {ctx.file.open_group("/canonicalisation/ood").double_attribute("seconds_per_input")},
               "s", "wall-clock seconds of one canonicalisation (search, model, map back) on one rank");
  write_figure(l, "ood_error_reduction", {mean_of(figures[0].ood) / mean_of(figures[1].ood)}, "1",
               "the plain model's OOD error over the canonicalised one");
}

}  // namespace structura::pipeline::lielac_pde
