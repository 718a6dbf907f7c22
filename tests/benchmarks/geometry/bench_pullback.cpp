// The pullback-geometry library against the same flow and loss in PyTorch
// (issue 12 §5; the peer is bench_pullback.py, run by run_pullback.sh):
//   train     one training step of the affine coupling flow and ψ: the flow
//             loss (NLL + λ_iso · isometry; `full` with the whole Jacobian
//             or the `pairs` estimator), backward, gradient clipping at 1,
//             Adam (0.9, 0.99, weight decay 1e−5), as the pullback kind;
//   geodesic  closed-form geodesics γ(t) = φ⁻¹((1 − t) φ(x) + t φ(y)) for
//             B pairs at T points, without gradients: points per second.
// Float32, one thread, a fixed batch; --warmup untimed, then the median of
// --reps timed repetitions, wall and CPU. With --check-file it first writes,
// in float64, the initial parameters (nn::save_module), a batch, the
// directions and the loss terms, which the peer recomputes from the same
// parameters and fails unless they agree.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/h5.hpp"
#include "geometry/affine_coupling_flow.hpp"
#include "geometry/diagonal_quadratic.hpp"
#include "geometry/flow_loss.hpp"
#include "geometry/pullback_manifold.hpp"
#include "nn/h5_tensors.hpp"

namespace {

namespace sb = structura::bench;
namespace h5 = structura::h5;
using namespace structura::geometry;

struct Model : torch::nn::Module {
  Model(std::int64_t d, std::int64_t layers, std::int64_t hidden, std::int64_t blocks) {
    flow = register_module("flow", std::make_shared<AffineCouplingFlow>(d, CouplingFlowOptions{layers, hidden, blocks}));
    psi = register_module("psi", std::make_shared<DiagonalQuadratic>(d, true));
  }
  std::shared_ptr<AffineCouplingFlow> flow;
  std::shared_ptr<DiagonalQuadratic> psi;
};

struct Options {
  std::string mode = "train", isometry = "full", check_file;
  std::int64_t dimension = 20, layers = 12, hidden = 64, blocks = 2, batch = 128, directions = 4, pairs = 256,
               points = 100;
  int reps = 20, warmup = 3;
};

std::vector<std::int64_t> rows_of(std::int64_t n) {
  std::vector<std::int64_t> r(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) r[i] = i;
  return r;
}

void write_check(const Options& o, const FlowLossOptions& loss) {
  torch::manual_seed(11);
  Model m(o.dimension, o.layers, o.hidden, o.blocks);
  m.to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;  // away from the identity, as a trained flow is
    for (auto& p : m.parameters()) p.add_(0.05 * torch::randn_like(p));
  }
  const auto x = torch::randn({4, o.dimension}, torch::kFloat64);
  auto dirs = isometry_directions(loss, o.dimension, rows_of(4), 3, 0);
  const auto terms = flow_loss(*m.flow, *m.psi, x, dirs, loss);
  auto file = h5::File::open(o.check_file, h5::Mode::Create);
  auto g = file.require_group("model");
  structura::nn::save_module(g, m);
  structura::nn::write_tensor(file, "x", x);
  if (dirs.defined()) structura::nn::write_tensor(file, "directions", dirs);
  structura::nn::write_tensor(file, "nll", terms.nll.detach().reshape({1}));
  structura::nn::write_tensor(file, "isometry", terms.isometry.detach().reshape({1}));
  structura::nn::write_tensor(file, "total", terms.total.detach().reshape({1}));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pullback geometry: training step and geodesic throughput"};
  Options o;
  app.add_option("--mode", o.mode)->check(CLI::IsMember({"train", "geodesic"}));
  app.add_option("--isometry", o.isometry)->check(CLI::IsMember({"full", "pairs"}));
  app.add_option("--dimension", o.dimension);
  app.add_option("--layers", o.layers);
  app.add_option("--hidden", o.hidden);
  app.add_option("--blocks", o.blocks);
  app.add_option("--batch", o.batch);
  app.add_option("--directions", o.directions, "pairs: K pairs of Rademacher directions");
  app.add_option("--pairs", o.pairs, "geodesic: pairs");
  app.add_option("--points", o.points, "geodesic: points per geodesic");
  app.add_option("--reps", o.reps);
  app.add_option("--warmup", o.warmup);
  app.add_option("--check-file", o.check_file);
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(1);
  const FlowLossOptions loss{parse_isometry_term(o.isometry, "--isometry"), 1.0, 0.0, o.directions};
  if (!o.check_file.empty()) {
    write_check(o, loss);
    return 0;
  }

  torch::manual_seed(1);
  Model m(o.dimension, o.layers, o.hidden, o.blocks);
  std::vector<double> wall, cpu;
  double per_unit = 1;
  std::string unit;
  if (o.mode == "train") {
    torch::optim::Adam adam(m.parameters(), torch::optim::AdamOptions(4e-4).betas({0.9, 0.99}).weight_decay(1e-5));
    const auto x = torch::randn({o.batch, o.dimension});
    auto dirs = isometry_directions(loss, o.dimension, rows_of(o.batch), 3, 0);
    if (dirs.defined()) dirs = dirs.to(torch::kFloat32);
    for (int r = 0; r < o.warmup + o.reps; ++r) {
      const double c0 = sb::cpu_seconds(), t0 = sb::now_seconds();
      adam.zero_grad();
      const auto terms = flow_loss(*m.flow, *m.psi, x, dirs, loss);
      (terms.total / double(o.batch)).backward();
      torch::nn::utils::clip_grad_norm_(m.parameters(), 1.0);
      adam.step();
      if (r >= o.warmup) wall.push_back(sb::now_seconds() - t0), cpu.push_back(sb::cpu_seconds() - c0);
    }
    unit = "ms per step";
    per_unit = 1e3;
  } else {
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({o.pairs, o.dimension}), y = torch::randn({o.pairs, o.dimension});
    const auto t = torch::linspace(0, 1, o.points);
    const PullbackManifold manifold(*m.flow, m.psi->variances().detach());
    for (int r = 0; r < o.warmup + o.reps; ++r) {
      const double c0 = sb::cpu_seconds(), t0 = sb::now_seconds();
      const auto g = manifold.geodesic(x, y, t);
      if (r >= o.warmup) wall.push_back(sb::now_seconds() - t0), cpu.push_back(sb::cpu_seconds() - c0);
      if (g.size(1) != o.points) return 1;
    }
    unit = "points/s";
  }
  const double w = sb::median(wall), c = sb::median(cpu);
  const double figure = o.mode == "train" ? w * per_unit : double(o.pairs * o.points) / w;
  fmt::print("structura {} N = {} ({}): {:.4g} {} (CPU {:.4g} s), peak RSS {:.0f} MiB\n", o.mode, o.dimension,
             o.mode == "train" ? o.isometry : "no grad", figure, unit, c, sb::process_peak_rss_mib());
  fmt::print("RESULT structura figure={:.6g} rss_mib={:.1f}\n", figure, sb::process_peak_rss_mib());
  return 0;
}
