// Cost to reach a time T at a given energy error: a trained SympFlow
// (composed Delta t-maps in the Kokkos kernel) against Stormer-Verlet, both
// on the same held-out initial conditions, on one core. For each Verlet step
// h = Delta t / m, m = 1, 2, 4, ..., the mean energy error at T and the time
// are measured; the cheapest Verlet run whose error is at most SympFlow's is
// the peer. The model comes from a result file of `structura run` (e.g. of
// jobs/examples/sympflow-sho.toml).
//
//   structura_bench_sympflow_cost --result runs/sympflow-sho/<id>/result.h5 [--variant residual+matching]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>

#include "bench_common.hpp"
#include "bench_util.hpp"
#include "core/h5.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "hamiltonian/flow_map_kernel.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "nn/h5_tensors.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace {

FlowMapArchitecture architecture_of(const h5::Group& g) {
  FlowMapArchitecture a;
  a.dof = static_cast<int>(g.int_attribute("dof"));
  a.layers = static_cast<int>(g.int_attribute("layers"));
  a.width = static_cast<int>(g.int_attribute("width"));
  a.depth = static_cast<int>(g.int_attribute("depth"));
  a.activation = parse_activation(g.string_attribute("activation"));
  a.order = parse_layer_order(g.string_attribute("order"));
  return a;
}

double mean_energy_error(const System& s, const Ensemble& e, const std::vector<double>& h0) {
  Kokkos::View<double*, MemSpace> h("h", e.size());
  energies(s, e, h);
  auto m = Kokkos::create_mirror_view_and_copy(HostSpace(), h);
  double sum = 0;
  for (std::int64_t i = 0; i < e.size(); ++i) sum += std::fabs(m(i) - h0[i]);
  return sum / double(e.size());
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment mpi_env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  CLI::App app{"SympFlow against Stormer-Verlet: time to reach T at a given energy error"};
  std::string result, variant = "residual+matching";
  std::int64_t trajectories = 10000;
  double t_end = 100;
  int reps = 3;
  app.add_option("--result", result, "result.h5 of a sympflow run")->required();
  app.add_option("--variant", variant, "trained SympFlow variant in /models");
  app.add_option("--trajectories", trajectories, "held-out initial conditions");
  app.add_option("--t-end", t_end, "time T to reach");
  app.add_option("--reps", reps, "repetitions (median)");
  CLI11_PARSE(app, argc, argv);
  try {
    torch::set_num_threads(1);
    h5::File f = h5::File::open(result, h5::Mode::ReadOnly);
    const h5::Group g = f.open_group("/models/" + variant);
    if (g.string_attribute("model") != "sympflow") throw InputError(variant + " is not a SympFlow model");
    const double dt = g.double_attribute("t_max");
    const auto config = toml::parse(f.read_string_dataset("/config"));
    const std::string system_name = config["system"]["name"].value_or(std::string());
    const bench::BenchSystem bs = bench::bench_system(system_name == "harmonic-oscillator" ? "sho" : system_name);

    sympflow::SympFlow model(architecture_of(g));
    model.to(torch::kFloat64);
    nn::load_module(g, model);
    const FlowMapKernel kernel(model.export_weights());

    // Held-out initial conditions: the box of the SympFlow papers for the
    // oscillator, the bounded shell H = 0.1 for Henon-Heiles.
    Ensemble initial(0, trajectories, bs.dof());
    const std::uint64_t seed = 987654321;
    if (bs.name == "sho")
      sample_initial_conditions(bs.system, BoxSampling{-bs.box, bs.box, -bs.box, bs.box}, seed, initial);
    else
      sample_initial_conditions(bs.system, ShellSampling{0.1, -bs.box, bs.box}, seed, initial);
    Kokkos::View<double*, MemSpace> hv("h0", trajectories);
    energies(bs.system, initial, hv);
    auto hm = Kokkos::create_mirror_view_and_copy(HostSpace(), hv);
    const std::vector<double> h0(hm.data(), hm.data() + trajectories);

    auto timed = [&](auto&& advance, double& error) {
      std::vector<double> t;
      for (int r = 0; r < reps; ++r) {
        Ensemble e = initial.clone();
        t.push_back(bench::time_seconds([&] {
          advance(e);
          Kokkos::fence();
        }));
        error = mean_energy_error(bs.system, e, h0);
      }
      return bench::median(t);
    };
    double sf_error = 0;
    const double sf_time = timed([&](Ensemble& e) { kernel.rollout(e, t_end, dt); }, sf_error);

    bench::Markdown md;
    md.section("cost");
    md.line("**Cost to reach t = {:g} at SympFlow's energy error** ({}, variant `{}` from `{}`; {} held-out "
            "trajectories, one core; {}; {})",
            t_end, system_name, variant, result, trajectories, bench::cpu_model(), bench::compiler_description());
    md.line("");
    md.line("| method | step | mean \\|H(x(T)) − H(x₀)\\| | time [s] | time / SympFlow |");
    md.line("|---|---:|---:|---:|---:|");
    md.line("| SympFlow (Kokkos kernel) | {:g} (map) | {:.3e} | {:.4f} | 1 |", dt, sf_error, sf_time);
    double match_time = -1, match_h = 0, match_error = 0;
    for (int m = 1; m <= (1 << 16); m *= 2) {
      const double h = dt / m;
      const auto steps = static_cast<std::int64_t>(std::llround(t_end / h));
      double err = 0;
      const double t = timed([&](Ensemble& e) { advance_fixed(bs.system, Method::StormerVerlet, e, h, steps); }, err);
      md.line("| Störmer–Verlet | {:g} | {:.3e} | {:.4f} | {:.3g} |", h, err, t, t / sf_time);
      if (err <= sf_error) {
        match_time = t, match_h = h, match_error = err;
        break;
      }
    }
    md.line("");
    if (match_time > 0)
      md.line("The cheapest Verlet run at least as accurate in energy (h = {:g}, error {:.2e}) takes {:.3g}× the time "
              "of SympFlow: {}.",
              match_h, match_error, match_time / sf_time,
              match_time < sf_time ? "Verlet is cheaper" : "SympFlow is cheaper");
    else
      md.line("No Verlet step down to Δt/65536 reached SympFlow's energy error.");
    md.line("Peak RSS: {:.0f} MiB.", bench::peak_rss_mib());
    md.print();
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  return 0;
}
