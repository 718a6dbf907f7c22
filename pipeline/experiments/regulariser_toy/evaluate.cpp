// Stage `evaluate` of `regulariser.toy`: every trained critic on a grid
// against the distance to the curve, and the (weak) convexity check of
// regularisers/convexity.hpp on nearby pairs. The grid and the checks are
// small, so every rank computes all of it (identical numbers) and the
// collective writes store rank 0's copy. A NaN value stops the stage before
// /metrics is touched.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "experiments/regulariser_toy/models.hpp"
#include "experiments/regulariser_toy/settings.hpp"
#include "experiments/regulariser_toy/stages.hpp"
#include "experiments/shared/figures.hpp"
#include "nn/device.hpp"
#include "regularisers/convexity.hpp"
#include "regularisers/toy_curves.hpp"
#include "run/log.hpp"

namespace structura::pipeline::regulariser_toy {

using namespace regularisers;

namespace {

constexpr double kPairDistance = 0.05;  // nearby pairs: short segments find local non-convexity

std::vector<double> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat64).contiguous().reshape({-1});
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

}  // namespace

void evaluate(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const nn::TorchSettings torch_settings =
      nn::parse_torch_settings(s.training.device, s.training.dtype, s.training.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const ToyCurve curve = parse_toy_curve(s.curve, "data.curve");

  // Grid point (i, j) = (x_j, y_i), row-major, y ascending.
  const std::int64_t n = s.resolution;
  const torch::Tensor axis = torch::linspace(-s.extent, s.extent, n, torch::kFloat64);
  const auto mesh = torch::meshgrid({axis, axis}, "ij");  // mesh[0]: y_i, mesh[1]: x_j
  const torch::Tensor points = torch::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})}, 1);
  const torch::Tensor distance = distance_to_curve(curve, points);
  const torch::Tensor band = distance <= s.band * s.noise;

  struct Scores {
    std::vector<double> values;
    DistanceMatch all, in_band;
    ConvexityReport convexity;
    double seconds = 0;
  };
  std::vector<Scores> scores;
  const h5::Group models = ctx.file.open_group("/models");
  const auto [px, py] = nearby_pairs(s.convexity_pairs, {1, 1, 2}, 1.0, kPairDistance,
                                     s.training.seed * 16 + kConvexityPairs, dtype);
  for (const std::string& name : s.regularisers) {
    auto critic = load_critic(models, s, name, dtype);
    critic->to(torch_settings.device);
    Scores& sc = scores.emplace_back();
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor r =
          per_image(critic->forward(as_point_images(points.to(dtype)).to(torch_settings.device))).to(torch::kCPU);
      sc.values = values_of(r);
    }
    for (double v : sc.values)
      if (!std::isfinite(v))
        throw NumericalError(fmt::format("evaluate/{}: the critic is not finite on the grid (value {})", name, v));
    const torch::Tensor r = torch::tensor(sc.values, torch::kFloat64);
    sc.all = match_distance(r, distance);
    sc.in_band = match_distance(r, distance, band);
    ConvexityCheckOptions co;
    co.relative_tolerance = dtype == torch::kFloat64 ? 1e-9 : 1e-4;
    sc.convexity = check_convexity([&](const torch::Tensor& x) { return critic->forward(x.to(torch_settings.device)); },
                                   px, py, co);
    sc.seconds = ctx.file.open_group("/training/" + name).double_attribute("seconds");
  }

  h5::Group ev = ctx.fresh_group("/evaluation");
  ev.set_attribute("curve", s.curve);
  ev.set_attribute("noise", s.noise);
  ev.set_attribute("grid", "values[i, j] at (x[j], y[i])");
  const auto nn_ = static_cast<std::size_t>(n);
  const std::vector<double> a = values_of(axis);
  ev.write_dataset("x", a, h5::Dims{nn_});
  ev.write_dataset("y", a, h5::Dims{nn_});
  ev.write_dataset("distance", values_of(distance), h5::Dims{nn_, nn_});
  for (std::size_t k = 0; k < s.regularisers.size(); ++k) {
    h5::Group g = ev.require_group(s.regularisers[k]);
    g.write_dataset("values", scores[k].values, h5::Dims{nn_, nn_});
  }
  h5::Group all = ctx.fresh_group("/metrics");
  for (std::size_t k = 0; k < s.regularisers.size(); ++k) {
    const Scores& sc = scores[k];
    h5::Group g = all.require_group(s.regularisers[k]);
    write_figure(g, "distance_error", {sc.all.error}, "1",
                "|(R - mean R) - (d - mean d)| / |d - mean d| over the grid (0: R is the distance up to a constant)");
    write_figure(g, "distance_error_band", {sc.in_band.error}, "1",
                "the same over the band d <= evaluation.band x data.noise, where the noisy samples live");
    write_figure(g, "correlation", {sc.all.correlation}, "1", "Pearson correlation of R and d over the grid");
    write_figure(g, "correlation_band", {sc.in_band.correlation}, "1", "Pearson correlation of R and d in the band");
    write_figure(g, "needed_modulus", {sc.convexity.needed_modulus}, "1/length",
                "smallest rho with R + (rho/2)|x|^2 convex on the checked pairs (0: convex on them)");
    write_figure(g, "convexity_violations",
                {double(sc.convexity.midpoint_violations + sc.convexity.monotonicity_violations)}, "pairs",
                "nearby pairs violating the midpoint or the monotonicity inequality of convexity");
    write_figure(g, "training_time", {sc.seconds}, "s", "wall-clock seconds of the training stage");
    log::info("evaluate/{}: distance error {:.3f} (band {:.3f}), correlation {:.3f}, needed modulus {:.3g}", s.regularisers[k],
              sc.all.error, sc.in_band.error, sc.all.correlation, sc.convexity.needed_modulus);
  }
}

}  // namespace structura::pipeline::regulariser_toy
