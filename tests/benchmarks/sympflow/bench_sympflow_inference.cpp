// Inference time of a SympFlow map N(t, x) on an ensemble of initial
// conditions, one rank, one thread, float64, three implementations measured
// in the same run on the same inputs:
//   kokkos   FlowMapKernel::apply on an Ensemble (closed-form MLP gradients,
//            one trajectory per work item; hamiltonian/flow_map_kernel.hpp)
//   torch    SympFlow::flow under torch::NoGradGuard (closed-form gradients
//            as tensor operations: the fastest libtorch path we have)
//   naive    libtorch the way a user writes it: MLP forward, then
//            torch::autograd::grad with respect to the input (naive_flow.hpp)
// for Henon-Heiles and the harmonic oscillator, tanh and swish, random
// weights (libtorch's default initialisation) and initial conditions uniform
// in the system's box. Checks kokkos against torch to --tolerance.
//
// Prints a table, RESULT lines (key=value) and a Markdown section. Times are
// medians over --reps repetitions of the process's CPU time (one thread: on
// the shared 2-core build machine wall time mostly measures the other
// processes), the three implementations interleaved.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "bench_util.hpp"
#include "core/kokkos.hpp"
#include "hamiltonian/flow_map_kernel.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "naive_flow.hpp"

namespace {

namespace hm = structura::hamiltonian;
namespace sf = structura::hamiltonian::sympflow;
namespace sb = structura::bench;

struct Options {
  std::vector<std::string> systems{"henon-heiles", "sho"};
  std::vector<std::string> activations{"tanh", "swish"};
  std::int64_t trajectories = 100000;
  int reps = 5;
  double t = 1.0;
  int layers = 3, width = 10, depth = 2;
  std::uint64_t seed = 7;
  double tolerance = 1e-12;
  std::string only;  // one implementation alone, for its process's peak RSS
};

const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor to_tensor(const hm::Ensemble& e) {
  const int n = e.dof();
  auto q = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(structura::HostSpace(), e.p);
  torch::Tensor x = torch::empty({e.size(), 2 * n}, f64);
  auto acc = x.accessor<double, 2>();
  for (std::int64_t i = 0; i < e.size(); ++i)
    for (int d = 0; d < n; ++d) acc[i][d] = q(i, d), acc[i][n + d] = p(i, d);
  return x;
}

struct Measured {
  std::vector<double> seconds;
  sb::PeakRss rss;
  double diff = 0;  // max |x - kokkos's x|
  double median() const { return sb::median(seconds); }
};

struct Row {
  std::string system, activation;
  Measured kokkos, torch, naive;
};


// Resident set size now, in MiB (/proc/self/statm, pages).
double current_rss_mib() {
  std::ifstream in("/proc/self/statm");
  double size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// The time and the process's peak RSS of one implementation run alone
// (--only): in the comparison, freed tensors that the allocator keeps blur
// the per-implementation peaks.
void measure_alone(const Options& o, const hm::FlowMapKernel& kernel, sf::SympFlow& model, const hm::Ensemble& initial,
                   const torch::Tensor& x0, const torch::Tensor& t, const Row& row) {
  const double before = current_rss_mib();
  std::vector<double> seconds;
  for (int rep = 0; rep <= o.reps; ++rep) {  // rep 0 is the warm-up
    hm::Ensemble e = initial.clone();
    const double s = sb::cpu_time_seconds([&] {
      if (o.only == "kokkos") {
        kernel.apply(e, o.t);
      } else if (o.only == "torch") {
        torch::NoGradGuard no_grad;
        model.flow(x0, t, false);
      } else {
        sb::naive_flow(model, x0, t);
      }
    });
    if (rep > 0) seconds.push_back(s);
  }
  fmt::print(
      "RESULT part=alone impl={} system={} activation={} seconds={:.6g} rss_before_mib={:.1f} "
      "process_rss_mib={:.1f}\n",
      o.only, row.system, row.activation, sb::median(seconds), before, sb::process_peak_rss_mib());
}

Row measure(const Options& o, const std::string& system_name, const std::string& activation) {
  const sb::BenchSystem s = sb::bench_system(system_name);
  hm::FlowMapArchitecture a;
  a.dof = s.dof();
  a.layers = o.layers;
  a.width = o.width;
  a.depth = o.depth;
  a.activation = hm::parse_activation(activation);
  a.order = hm::LayerOrder::PotentialFirst;
  torch::manual_seed(o.seed);
  sf::SympFlow model(a);
  model.to(torch::kFloat64);
  const hm::FlowMapKernel kernel(model.export_weights());

  hm::Ensemble initial(0, o.trajectories, s.dof());
  hm::sample_initial_conditions(s.system, hm::BoxSampling{-s.box, s.box, -s.box, s.box}, o.seed, initial);
  const torch::Tensor x0 = to_tensor(initial);
  const torch::Tensor t = torch::full({o.trajectories, 1}, o.t, f64);

  Row row{system_name, activation, {}, {}, {}};
  if (!o.only.empty()) {
    measure_alone(o, kernel, model, initial, x0, t, row);
    return row;
  }
  auto run_torch = [&] {
    torch::NoGradGuard no_grad;
    return model.flow(x0, t, false).x;
  };
  {  // warm-up: first touches of memory, libtorch's one-time dispatch set-up
    hm::Ensemble e = initial.clone();
    kernel.apply(e, o.t);
    run_torch();
    sb::naive_flow(model, x0, t);
  }
  torch::Tensor x_kokkos, x_torch, x_naive;
  for (int rep = 0; rep < o.reps; ++rep) {
    hm::Ensemble e = initial.clone();  // outside the timing: apply works in place
    row.kokkos.rss.measure([&] { row.kokkos.seconds.push_back(sb::cpu_time_seconds([&] { kernel.apply(e, o.t); })); });
    row.torch.rss.measure([&] { row.torch.seconds.push_back(sb::cpu_time_seconds([&] { x_torch = run_torch(); })); });
    row.naive.rss.measure(
        [&] { row.naive.seconds.push_back(sb::cpu_time_seconds([&] { x_naive = sb::naive_flow(model, x0, t); })); });
    if (rep == o.reps - 1) x_kokkos = to_tensor(e);
  }
  row.torch.diff = (x_torch - x_kokkos).abs().max().item<double>();
  row.naive.diff = (x_naive - x_kokkos).abs().max().item<double>();
  if (!(row.torch.diff <= o.tolerance))
    throw structura::NumericalError(fmt::format("{} {}: Kokkos kernel and SympFlow::flow differ by {:.3g} > {:.1g}",
                                                system_name, activation, row.torch.diff, o.tolerance));
  return row;
}

void report(const Options& o, const std::vector<Row>& rows) {
  const std::string setup = fmt::format(
      "N(t = {}, x) on {} initial conditions uniform in the system's box, SympFlow {} layers, MLP width {} depth {}, "
      "random weights, float64, 1 rank, 1 thread (Kokkos {}, {}), median of {} repetitions of the process's CPU time",
      o.t, o.trajectories, o.layers, o.width, o.depth, structura::execution_space_description(),
      sb::torch_description(), o.reps);
  fmt::print("\n== inference ==\n{}\n\n", setup);
  fmt::print("{:<13} {:<6} {:<44} {:>10} {:>10} {:>10} {:>14} {:>10} {:>10} {:>8}\n", "system", "act", "implementation",
             "median s", "min s", "max s", "Mtraj-maps/s", "vs kokkos", "max|diff|", "RSS MiB");
  sb::Markdown md;
  md.section("inference");
  md.line("**Inference** — {}. *time / Kokkos* > 1 means the Kokkos kernel is faster.", setup);
  md.line("");
  md.line(
      "| system | activation | implementation | time [s] | 10^6 traj-maps/s | time / Kokkos | max abs diff vs Kokkos "
      "|");
  md.line("|---|---|---|---:|---:|---:|---:|");
  const double n = static_cast<double>(o.trajectories);
  for (const auto& r : rows) {
    const double tk = r.kokkos.median();
    struct Line {
      const char* impl;
      const Measured* m;
    };
    const Line lines[] = {{"Kokkos FlowMapKernel::apply", &r.kokkos},
                          {"libtorch SympFlow::flow, NoGradGuard", &r.torch},
                          {"libtorch naive: forward + autograd::grad", &r.naive}};
    for (const auto& l : lines) {
      const bool self = l.m == &r.kokkos;
      const double tm = l.m->median();
      const std::string ratio = self ? "-" : fmt::format("{:.2f}", tm / tk);
      const std::string diff = self ? "-" : fmt::format("{:.1e}", l.m->diff);
      fmt::print("{:<13} {:<6} {:<44} {:>10.4f} {:>10.4f} {:>10.4f} {:>14.3f} {:>10} {:>10} {:>8.1f}\n",
                 self ? r.system : "", self ? r.activation : "", l.impl, tm, sb::min_of(l.m->seconds),
                 sb::max_of(l.m->seconds), n / tm / 1e6, ratio, diff, l.m->rss.mib);
      md.line("| {} | {} | {} | {:.4f} | {:.3f} | {} | {} |", self ? r.system : "", self ? r.activation : "", l.impl,
              tm, n / tm / 1e6, self ? "—" : ratio + "×", self ? "—" : diff);
    }
    fmt::print(
        "RESULT part=inference system={} activation={} kokkos_s={:.6g} torch_s={:.6g} naive_s={:.6g} "
        "torch_vs_kokkos={:.4f} naive_vs_kokkos={:.4f} kokkos_maps_per_s={:.4g} diff_torch={:.3g} "
        "diff_naive={:.3g} rss_kokkos_mib={:.1f} rss_torch_mib={:.1f} rss_naive_mib={:.1f}\n",
        r.system, r.activation, tk, r.torch.median(), r.naive.median(), r.torch.median() / tk, r.naive.median() / tk,
        n / tk, r.torch.diff, r.naive.diff, r.kokkos.rss.mib, r.torch.rss.mib, r.naive.rss.mib);
  }
  md.line("");
  fmt::print(
      "\nvs kokkos = time / Kokkos time (> 1: the kernel is faster); max|diff| against the kernel's result "
      "(checked <= {:.0e} for SympFlow::flow).\npeak RSS per implementation: high-water mark reset before "
      "each repetition ({}), blurred by freed memory the allocator keeps (--only runs one implementation alone); "
      "process peak RSS {:.1f} MiB\n",
      o.tolerance, sb::rss_record().resettable ? "/proc/self/clear_refs" : "not resettable: cumulative",
      sb::process_peak_rss_mib());
  fmt::print("RESULT part=process impl=inference rss_mib={:.1f}\n", sb::process_peak_rss_mib());
  md.print();
}

}  // namespace

int main(int argc, char** argv) {
  structura::KokkosRuntime kokkos(argc, argv);
  Options o;
  CLI::App app{"SympFlow inference: Kokkos kernel against libtorch (closed form and autograd)"};
  app.add_option("--system", o.systems, "systems: henon-heiles, sho")
      ->delimiter(',')
      ->check(CLI::IsMember({"sho", "henon-heiles"}))
      ->capture_default_str();
  app.add_option("--activation", o.activations, "activations: tanh, swish, sin")
      ->delimiter(',')
      ->check(CLI::IsMember({"tanh", "swish", "sin"}))
      ->capture_default_str();
  app.add_option("--trajectories", o.trajectories, "initial conditions")->capture_default_str();
  app.add_option("--reps", o.reps, "timed repetitions")->capture_default_str();
  app.add_option("--time", o.t, "t of the map N(t, x)")->capture_default_str();
  app.add_option("--layers", o.layers, "SympFlow layers")->capture_default_str();
  app.add_option("--width", o.width, "MLP width")->capture_default_str();
  app.add_option("--depth", o.depth, "MLP hidden layers")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and the initial conditions")->capture_default_str();
  app.add_option("--tolerance", o.tolerance, "largest accepted |Kokkos - SympFlow::flow|")->capture_default_str();
  app.add_option("--only", o.only,
                 "run one implementation alone and print its time and the process's peak RSS (no comparison); "
                 "give one system and one activation")
      ->check(CLI::IsMember({"kokkos", "torch", "naive"}));
  try {
    app.parse(argc, argv);
    if (o.reps < 1 || o.trajectories < 1) throw CLI::ValidationError("--reps and --trajectories must be >= 1");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    torch::set_num_threads(1);  // one rank, one thread: the kernel is Kokkos Serial here
    fmt::print("structura_bench_sympflow_inference: {}, Kokkos {}, {}\ncompiler: {}\n", sb::cpu_model(),
               structura::execution_space_description(), sb::torch_description(), sb::compiler_description());
    std::vector<Row> rows;
    for (const auto& s : o.systems)
      for (const auto& a : o.activations) rows.push_back(measure(o, s, a));
    if (o.only.empty()) report(o, rows);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
