// Canonicalisation throughput (issue 11 §7): LieLAC's global retraction on
// out-of-distribution Burgers inputs (a zero-mean GRF sample, boosted by
// lambda1 = +-U(0.5, 1.5) and shifted), the typicality energy of
// canonicalisation/pde_energies.hpp, in closed form with exact gradients
// (TypicalityChartEnergy, what lielac.pde uses; --gradient
// finite-differences: central differences of the energy of each element).
// Writes the inputs and its results to an HDF5 file, which the PyTorch peer
// (lielac_torch_peer.py: the same algorithm, restarts as one batch, autograd
// gradients, torch.optim.Adam) reads, so both canonicalise the same inputs
// with the same restarts, steps and rate. One rank, one thread: per core.
//
//   structura_bench_canonicalisation --inputs 64 --points 64 --restarts 16 --steps 100 --out bench.h5
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>

#include "bench_util.hpp"
#include "canonicalisation/lie_algebra_descent.hpp"
#include "canonicalisation/pde_energies.hpp"
#include "canonicalisation/pde_frame.hpp"
#include "canonicalisation/pde_groups.hpp"
#include "core/h5.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "pde/random_field.hpp"

using namespace structura;
using namespace structura::canonicalisation;
using namespace structura::bench;

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  CLI::App app("LieLAC canonicalisation throughput (the PyTorch peer reads --out)");
  int inputs = 64, points = 64, restarts = 16, steps = 100, repeats = 3;
  double lr = 0.05, init_scale = 0.5;
  std::string generators = "boost", out = "canonicalisation_bench.h5", gradient = "closed-form";
  app.add_option("--inputs", inputs);
  app.add_option("--points", points);
  app.add_option("--restarts", restarts);
  app.add_option("--steps", steps);
  app.add_option("--learning-rate", lr);
  app.add_option("--init-scale", init_scale);
  app.add_option("--repeats", repeats);
  app.add_option("--generators", generators, "boost (Galilean boost) or shift+boost")->check(CLI::IsMember({"boost", "shift+boost"}));
  app.add_option("--gradient", gradient, "closed-form (TypicalityChartEnergy, what lielac.pde uses) or finite-differences")
      ->check(CLI::IsMember({"closed-form", "finite-differences"}));
  app.add_option("--out", out);
  CLI11_PARSE(app, argc, argv);

  const pde::SymmetryGroup g(pde::SymmetricEquation::Burgers, 0.01);
  const std::vector<int> gens = generators == "boost" ? std::vector<int>{2} : std::vector<int>{0, 2};
  const auto group = PdeSymmetryGroup::tied(g, gens);
  const pde::PeriodicGrfOptions field;
  // The inputs: g_i . u_i, u_i from the field, g_i a boost and a shift keyed by i.
  std::vector<double> flat, boosts;
  const CounterRng rng(7, 1);
  for (int i = 0; i < inputs; ++i) {
    const auto u = pde::periodic_grf(field, points, 2021, static_cast<std::uint64_t>(i));
    const Uniform4 r = rng.uniform4(static_cast<std::uint64_t>(i), 0);
    pde::GroupElement h;
    h.lambda1 = (r.u[2] < 0.5 ? -1 : 1) * (0.5 + r.u[1]);
    h.lambda0 = 0.5 * (2 * r.u[0] - 1);
    const auto v = to_frame(g, h, u, 1.0);
    flat.insert(flat.end(), v.begin(), v.end());
    boosts.push_back(h.lambda1);
  }
  DescentOptions o;
  o.restarts = restarts;
  o.steps = steps;
  o.learning_rate = lr;
  o.init_scale = init_scale;
  o.batch = restarts;
  const mpi::Comm self(MPI_COMM_SELF);
  std::vector<double> found(static_cast<std::size_t>(inputs)), energies(static_cast<std::size_t>(inputs));
  std::vector<double> seconds;
  std::int64_t evaluations = 0;
  for (int rep = 0; rep < repeats; ++rep) {
    evaluations = 0;
    seconds.push_back(time_seconds([&] {
      for (int i = 0; i < inputs; ++i) {
        const std::vector<double> u(flat.begin() + static_cast<std::ptrdiff_t>(i) * points,
                                    flat.begin() + static_cast<std::ptrdiff_t>(i + 1) * points);
        const GrfTypicalityEnergy energy(g, u, field);
        const FiniteDifferenceEnergy fd(group, energy);
        const TypicalityChartEnergy closed(group, energy);
        const ChartEnergy& chart = gradient == "closed-form" ? static_cast<const ChartEnergy&>(closed) : fd;
        o.input_index = static_cast<std::uint64_t>(i);
        const auto r = canonicalise(group, chart, o, self);
        found[static_cast<std::size_t>(i)] = PdeSymmetryGroup::unpack(r.element).lambda1;
        energies[static_cast<std::size_t>(i)] = r.energy;
        evaluations += r.evaluations;
      }
    }));
  }
  double worst = 0;
  for (int i = 0; i < inputs; ++i) worst = std::max(worst, std::abs(found[static_cast<std::size_t>(i)] + boosts[static_cast<std::size_t>(i)]));
  const double best = min_of(seconds);
  fmt::print("structura ({}): {} inputs x {} restarts x {} steps ({}, {} points): {:.4f} s (best of {}), {:.1f} "
             "inputs/s, {} candidate evaluations, worst |boost found + boost applied| {:.2e}, peak RSS {:.0f} MiB\n",
             gradient, inputs, restarts, steps, generators, points, best, repeats, inputs / best, evaluations, worst,
             peak_rss_mib());
  h5::File f = h5::File::open(out, h5::Mode::Create);
  f.write_dataset("inputs", flat, h5::Dims{static_cast<hsize_t>(inputs), static_cast<hsize_t>(points)});
  f.write_dataset("boost_applied", boosts, h5::Dims{static_cast<hsize_t>(inputs)});
  f.write_dataset("boost_found", found, h5::Dims{static_cast<hsize_t>(inputs)});
  f.write_dataset("energy", energies, h5::Dims{static_cast<hsize_t>(inputs)});
  f.set_attribute("seconds", best);
  f.set_attribute("restarts", std::int64_t{restarts});
  f.set_attribute("steps", std::int64_t{steps});
  f.set_attribute("learning_rate", lr);
  f.set_attribute("init_scale", init_scale);
  f.set_attribute("generators", generators);
  f.set_attribute("modes", std::int64_t{8});
  f.set_attribute("sigma", field.sigma);
  f.set_attribute("tau", field.tau);
  f.set_attribute("gamma", field.gamma);
  return 0;
}
