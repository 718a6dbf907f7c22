// Stage `metrics` of `lielac.images`: accuracies recomputed from the stored
// predictions and labels.
//   model      the plain classifier on the test and the moved test images
//   augmented  the augmented classifier (if trained)
//   lielac     the plain classifier on the canonicalised moved images, and
//              beside it the model and the oracle (each image mapped back by
//              the inverse of its own map) on the same images
#include <fmt/format.h>

#include "experiments/lielac_images/settings.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "experiments/shared/figures.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_images {

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  auto read = [&](const std::string& path) { return ctx.file.open_dataset(path).read_all<std::int64_t>(); };
  const auto labels = read("/data/test/labels");
  auto accuracy = [&](const std::vector<std::int64_t>& predicted) {
    std::int64_t c = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i) c += predicted[i] == labels[i];
    return predicted.empty() ? 0.0 : double(c) / double(predicted.size());
  };
  h5::Group all = ctx.fresh_group("/metrics");
  for (const std::string& v : s.variants) {
    h5::Group g = all.require_group(v == "plain" ? "model" : v);
    const double a = accuracy(read("/evaluation/" + v + "/test_predicted"));
    const double b = accuracy(read("/evaluation/" + v + "/moved_predicted"));
    write_figure(g, "test_accuracy", {a}, "1", "accuracy on the untransformed test images");
    write_figure(g, "moved_accuracy", {b}, "1", "accuracy on the moved test images");
    log::info("metrics/{}: accuracy {:.4f}, moved {:.4f}", v == "plain" ? "model" : v, a, b);
  }
  h5::Group l = all.require_group("lielac");
  const double after = accuracy(read("/canonicalisation/predicted"));
  const double before = accuracy(read("/canonicalisation/raw_predicted"));
  const double oracle = accuracy(read("/canonicalisation/oracle_predicted"));
  write_figure(l, "moved_accuracy", {after}, "1", "the plain classifier on the canonicalised moved images");
  write_figure(l, "model_moved_accuracy", {before}, "1", "the plain classifier on the same moved images as they are");
  write_figure(l, "oracle_moved_accuracy", {oracle}, "1",
               "the plain classifier on the same images mapped back by the inverses of their own maps");
  write_figure(l, "seconds_per_image", {ctx.file.open_group("/canonicalisation").double_attribute("seconds_per_image")},
               "s", "wall-clock seconds of one canonicalisation on one rank");
  log::info("metrics/lielac: moved accuracy {:.4f} (the model alone {:.4f}, the oracle {:.4f})", after, before, oracle);
}

}  // namespace structura::pipeline::lielac_images
