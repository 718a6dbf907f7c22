// The `generation/<g>` stage of collapse.gmm: generation g's data and its
// EM fit. Rows are a pure function of (seed, g, generation g − 1's model):
//   g = 0   row i is row i of the real data, N(0, std² I), keyed (seed, REAL, i);
//   g ≥ 1   rows [0, kept) are real rows (a keyed random subset, another for
//           each g), rows [kept, n) are draws kept .. n − 1 − kept of the
//           previous model keyed (seed, g).
// Every rank makes only its own whole blocks of rows (distribute_rows), and
// the EM sums over fixed row blocks, so the recursion is the same on any
// number of ranks bit for bit, and a resumed one equals an uninterrupted one.
#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "collapse/gaussian_mixture.hpp"
#include "collapse/kept_rows.hpp"
#include "collapse/mixture_em.hpp"
#include "core/rng.hpp"
#include "experiments/collapse_gmm/model_io.hpp"
#include "experiments/collapse_gmm/settings.hpp"
#include "experiments/collapse_gmm/stages.hpp"
#include "experiments/shared/generations.hpp"
#include "run/log.hpp"

namespace structura::pipeline::collapse_gmm {

using h5::Dims;

namespace {

using collapse::GaussianMixture;

constexpr std::uint64_t kRealStream = 0x5245414C;    // "REAL": the real rows
constexpr std::uint64_t kKeptStream = 1ULL << 40;    // + g: which real rows generation g keeps
constexpr std::uint64_t kEmSeedStream = 0x454D5345;  // "EMSE": item g gives generation g's EM seed

GaussianMixture real_law(const Settings& s) {
  GaussianMixture m;
  m.dimension = s.dimension;
  m.weights = {1.0};
  m.means.assign(static_cast<std::size_t>(s.dimension), 0.0);
  m.covariances.assign(static_cast<std::size_t>(s.dimension) * s.dimension, 0.0);
  for (int i = 0; i < s.dimension; ++i) m.covariances[static_cast<std::size_t>(i) * (s.dimension + 1)] = s.spread * s.spread;
  return m;
}

// This rank's rows `mine` of generation g, [mine.count, d].
std::vector<double> generation_rows(const Settings& s, std::int64_t g, const GaussianMixture* previous, Range mine) {
  const GaussianMixture real = real_law(s);
  if (g == 0) return collapse::sample_mixture(real, s.seed, kRealStream, mine.begin, mine.count);
  const int d = s.dimension;
  std::vector<double> rows(static_cast<std::size_t>(mine.count) * d);
  const std::int64_t real_end = std::min(mine.end(), s.kept);
  if (mine.begin < real_end) {
    const std::vector<std::int64_t> kept = collapse::kept_rows(s.seed, kKeptStream + g, s.samples, s.kept);
    for (std::int64_t i = mine.begin; i < real_end; ++i) {
      const std::vector<double> x = collapse::sample_mixture(real, s.seed, kRealStream, kept[i], 1);
      std::copy(x.begin(), x.end(), rows.begin() + (i - mine.begin) * d);
    }
  }
  const std::int64_t first = std::max(mine.begin, s.kept);
  if (first < mine.end()) {
    const std::vector<double> x =
        collapse::sample_mixture(*previous, s.seed, static_cast<std::uint64_t>(g), first - s.kept, mine.end() - first);
    std::copy(x.begin(), x.end(), rows.begin() + (first - mine.begin) * d);
  }
  return rows;
}

}  // namespace

void generation(StageContext& ctx, const std::string& argument) {
  // Between generations is this stage's only safe point: a signal during the
  // previous one stops here, and the next run starts this generation again.
  if (ctx.checkpointer.stop_requested()) throw Interrupted();
  const Settings s = read_settings(ctx.config);
  const std::int64_t g = generation_argument(argument);
  std::optional<GaussianMixture> previous, first;
  if (g > 0) {
    previous = read_model(ctx.file.open_group(generation_group(g - 1, s.generations)));
    first = read_model(ctx.file.open_group(generation_group(0, s.generations)));
  }
  const Range mine = collapse::distribute_rows(s.samples, kRowBlock, ctx.comm);
  const std::vector<double> rows = generation_rows(s, g, previous ? &*previous : nullptr, mine);

  collapse::EmOptions em = s.em;
  em.seed = CounterRng(s.seed, kEmSeedStream).bits(static_cast<std::uint64_t>(g), 0).v[0];
  const GaussianMixture initial = collapse::initialise_mixture(rows, s.dimension, em, ctx.comm);
  const collapse::EmResult fit = collapse::fit_mixture(rows, s.dimension, initial, em, ctx.comm);

  h5::Group out = ctx.fresh_group(generation_group(g, s.generations));
  write_model(out, fit.mixture);
  out.set_attribute("generation", g);
  out.set_attribute("real_rows", g == 0 ? s.samples : s.kept);
  out.set_attribute("log_likelihood", fit.log_likelihood);
  out.set_attribute("em_iterations", static_cast<std::int64_t>(fit.iterations));
  out.set_attribute("em_converged", static_cast<std::int64_t>(fit.converged ? 1 : 0));
  out.set_attribute("l2_distance", first ? collapse::l2_distance(*first, fit.mixture) : 0.0);
  out.set_attribute("component_std", component_std(fit.mixture));
  if (s.stores_data(g)) {
    // With the data, where EM started: the fit can then be redone by any EM
    // (scikit-learn's, with weights_init, means_init, precisions_init).
    h5::Group start = out.require_group("initial");
    write_model(start, initial);
    h5::Dataset data = out.create_dataset<double>(
        "data", Dims{static_cast<hsize_t>(s.samples), static_cast<hsize_t>(s.dimension)}, {{}, 0, "x"});
    data.write(Dims{static_cast<hsize_t>(mine.begin), 0},
               Dims{static_cast<hsize_t>(mine.count), static_cast<hsize_t>(s.dimension)}, rows.data());
  }
  if (!fit.converged)
    log::warn("generation {}: EM stopped after em.max_iterations = {} without converging", g, fit.iterations);
}

}  // namespace structura::pipeline::collapse_gmm
