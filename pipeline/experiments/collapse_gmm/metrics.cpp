// The `metrics` stage of collapse.gmm: the generations' measurements as
// series against the generation (/recursion) and the figures of merit
// (/metrics/gmm). The spread of a generation is the mean over components
// and axes of the components' standard deviations.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "experiments/collapse_gmm/model_io.hpp"
#include "experiments/collapse_gmm/settings.hpp"
#include "experiments/collapse_gmm/stages.hpp"
#include "experiments/shared/generations.hpp"

namespace structura::pipeline::collapse_gmm {

using h5::Dims;

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const std::int64_t n = s.generations + 1;
  const int k = s.em.components, d = s.dimension;
  std::vector<std::int64_t> generation(n), iterations(n), converged(n);
  std::vector<double> l2(n), log_likelihood(n), spread(n), stds, weights, means;
  for (std::int64_t g = 0; g < n; ++g) {
    const h5::Group in = ctx.file.open_group(generation_group(g, s.generations));
    generation[g] = g;
    l2[g] = in.double_attribute("l2_distance");
    log_likelihood[g] = in.double_attribute("log_likelihood");
    iterations[g] = in.int_attribute("em_iterations");
    converged[g] = in.int_attribute("em_converged");
    const std::vector<double> sd = in.doubles_attribute("component_std");
    spread[g] = std::accumulate(sd.begin(), sd.end(), 0.0) / static_cast<double>(sd.size());
    stds.insert(stds.end(), sd.begin(), sd.end());
    const collapse::GaussianMixture m = read_model(in);
    weights.insert(weights.end(), m.weights.begin(), m.weights.end());
    means.insert(means.end(), m.means.begin(), m.means.end());
  }
  const hsize_t N = static_cast<hsize_t>(n), K = static_cast<hsize_t>(k), D = static_cast<hsize_t>(d);
  const std::string density_unit = fmt::format("x^-{}", d);  // ∫(p − q)² dx: a density squared times a volume
  h5::Group r = ctx.fresh_group("/recursion");
  r.write_dataset("generation", generation, Dims{N});
  r.write_dataset("l2_distance", l2, Dims{N}, {{}, 0, density_unit});
  r.write_dataset("log_likelihood", log_likelihood, Dims{N}, {{}, 0, "nats/point"});
  r.write_dataset("em_iterations", iterations, Dims{N});
  r.write_dataset("em_converged", converged, Dims{N});
  r.write_dataset("spread", spread, Dims{N}, {{}, 0, "x"});
  r.write_dataset("component_std", stds, Dims{N, K, D}, {{}, 0, "x"});
  r.write_dataset("weights", weights, Dims{N, K});
  r.write_dataset("means", means, Dims{N, K, D}, {{}, 0, "x"});

  h5::Group m = ctx.fresh_group("/metrics/gmm");
  auto metric = [&](const std::string& name, double value, const std::string& unit) {
    m.write_dataset(name, std::vector<double>{value}, Dims{1}, {{}, 0, unit});
  };
  metric("final_l2_distance", l2.back(), density_unit);
  metric("max_l2_distance", *std::max_element(l2.begin(), l2.end()), density_unit);
  metric("first_spread", spread.front(), "x");
  metric("final_spread", spread.back(), "x");
  metric("spread_ratio", spread.back() / spread.front(), "1");
  metric("generations", static_cast<double>(s.generations), "1");
  metric("unconverged_generations",
         static_cast<double>(std::count(converged.begin(), converged.end(), std::int64_t{0})), "1");
  metric("mean_em_iterations",
         std::accumulate(iterations.begin(), iterations.end(), 0.0) / static_cast<double>(n), "1");
}

}  // namespace structura::pipeline::collapse_gmm
