// The libtorch CUDA path of SympFlow (structura::sympflow), checked on one
// machine in one run: built and started by tools/device/sympflow_cuda_check.sh,
// which also says how to run it. Every check runs on the CPU, where it checks
// the check itself, and on CUDA when this libtorch sees a GPU (SKIP when it does
// not; FAIL with --require-cuda).
//
//  [0] structura::nn::parse_torch_settings accepts "cuda" exactly when a GPU is
//      visible and refuses a GPU index past the last one.
//  [1] Closed-form derivatives against torch autograd on the same device:
//      Mlp::input_gradient (the gradient and its Hessian-vector tangent),
//      Mlp::forward_with_tangent, and d/dt N(t, x) of SympFlow and of the MLP
//      baseline. Cases and float64 tolerances are those of
//      tests/sympflow/test_sympflow_model.cpp.
//  [2] Structure on the device: N(0, x) = x bit for bit, N(t, .) symplectic
//      (M^T J M = J for M = dN/dx from autograd), and the network Hamiltonian's
//      identity d/dt N = J grad H(N_theta)(t, N(t, x)) (as the CPU tests).
//  [3] CUDA equals CPU for the same weights and inputs: the map, its time
//      derivative, the network Hamiltonian, the training losses and every
//      parameter gradient, on the SHO example's models and a Henon-Heiles
//      SympFlow, in float64 and float32.
//  [4] Time per training step (loss + backward + clipping + Adam, as
//      solvers/nn/training_loop.cpp does it) of the SHO example's models on
//      CUDA and on the CPU, float32 and float64, at the example's batch and at a
//      large batch; prints RESULT lines and the CUDA/CPU ratio.
//
// Float32 tolerances of [1] and [2]: the float64 tolerance times the ratio of
// the unit roundoffs, 2^-24 / 2^-53 = 2^29, where that is still a meaningful
// bound; the others are named where they are set.
//
// Exit status: 0 when nothing failed, 1 when a check failed, 2 on bad
// arguments, 3 when --require-cuda finds no GPU and nothing else failed.
#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "hamiltonian/sympflow/baseline.hpp"
#include "hamiltonian/sympflow/losses.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "hamiltonian/sympflow/torch_system.hpp"
#include "nn/device.hpp"

using namespace structura;
using namespace structura::hamiltonian;
using namespace structura::hamiltonian::sympflow;

namespace {

// ---- options ----------------------------------------------------------------

struct Options {
  bool require_cuda = false;  // no GPU visible is a failure, not a skip
  int threads = 16;           // CPU intra-op threads for every CPU computation
  int warmup = 3;             // untimed steps before each timing
  int min_steps = 5;          // timed steps: at least this many ...
  double seconds = 1.0;       // ... and at least this long ...
  int max_steps = 200;        // ... but no more than this many
  int large_factor = 64;      // the large timing batch is this many example batches
  bool timing = true;
};

// ---- verdicts ---------------------------------------------------------------

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> failures, results;
} tally;

void print(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// The worst value of a quantity over the cases of one check, and where it was.
// NaN counts as worse than anything.
struct Worst {
  double value = 0;
  std::string where;
  void update(double v, const std::string& w) {
    if (std::isnan(value)) return;
    if (std::isnan(v) || v > value || where.empty()) value = v, where = w;
  }
};

void verdict(bool ok, const std::string& what) {
  const std::string line = (ok ? "PASS  " : "FAIL  ") + what;
  print(line);
  if (ok) {
    ++tally.passed;
  } else {
    ++tally.failed;
    tally.failures.push_back(line);
  }
}

// PASS when worst.value <= tol (NaN fails).
void bounded(const std::string& what, const Worst& worst, double tol) {
  verdict(worst.value <= tol, fmt::format("{}: {:.2e} <= {:.1e}{}", what, worst.value, tol,
                                          worst.where.empty() ? "" : "  (worst: " + worst.where + ")"));
}

void skip(const std::string& what, const std::string& why) {
  print(fmt::format("SKIP  {}: {}", what, why));
  ++tally.skipped;
}

// ---- helpers ----------------------------------------------------------------

const Activation activations[] = {Activation::Tanh, Activation::Sin, Activation::Swish};
const LayerOrder orders[] = {LayerOrder::PotentialFirst, LayerOrder::KineticFirst};

std::string name(torch::Device d) { return d.is_cuda() ? "cuda" : "cpu"; }
std::string name(torch::Dtype t) { return t == torch::kFloat64 ? "float64" : "float32"; }
std::string name(Activation a) { return std::string(activation_name(a)); }
std::string name(LayerOrder o) { return std::string(layer_order_name(o)); }

// The float64 tolerances of the CPU tests become float32 ones by the ratio of
// the unit roundoffs.
double scale(torch::Dtype t) { return t == torch::kFloat64 ? 1.0 : std::ldexp(1.0, 29); }

torch::TensorOptions on(torch::Device d, torch::Dtype t) { return torch::TensorOptions().device(d).dtype(t); }

double max_abs(const torch::Tensor& t) {
  return t.detach().abs().max().to(torch::kCPU, torch::kFloat64).item<double>();
}

// max |a - b| / max |b| over all entries, both taken to the CPU in float64.
double relative(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.detach().to(torch::kCPU, torch::kFloat64), y = b.detach().to(torch::kCPU, torch::kFloat64);
  const double scale_ = y.abs().max().item<double>();
  return (x - y).abs().max().item<double>() / (scale_ > 0 ? scale_ : 1.0);
}

void synchronize(torch::Device d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

// Random tensors are drawn on the CPU in float64 from a fixed seed and then
// moved, so that every device and dtype sees the same numbers.
torch::Tensor randn(std::vector<int64_t> shape, const torch::TensorOptions& o) {
  return torch::randn(shape, torch::kFloat64).to(o);
}
torch::Tensor rand(std::vector<int64_t> shape, const torch::TensorOptions& o, double lo, double hi) {
  return (torch::rand(shape, torch::kFloat64) * (hi - lo) + lo).to(o);
}

// As random_sympflow in the CPU tests: weights N(0, 0.6^2), larger than the
// default initialisation, so that the maps are far from the identity. std = 0
// keeps libtorch's default initialisation. Made on the CPU, then moved.
std::shared_ptr<SympFlow> make_sympflow(const FlowMapArchitecture& a, uint64_t seed, double std_dev,
                                        const torch::TensorOptions& o) {
  torch::manual_seed(seed);
  auto m = std::make_shared<SympFlow>(a);
  m->to(torch::kFloat64);
  if (std_dev > 0) {
    torch::NoGradGuard no_grad;
    for (auto& p : m->parameters()) p.normal_(0.0, std_dev);
  }
  m->to(o.device(), o.dtype().toScalarType());
  return m;
}

std::shared_ptr<MlpBaseline> make_baseline(int dof, int width, int depth, Activation act, uint64_t seed,
                                           const torch::TensorOptions& o) {
  torch::manual_seed(seed);
  auto m = std::make_shared<MlpBaseline>(dof, width, depth, act);
  m->to(torch::kFloat64);
  m->to(o.device(), o.dtype().toScalarType());
  return m;
}

FlowMapArchitecture architecture(int dof, int layers, int width, int depth, Activation act, LayerOrder order) {
  FlowMapArchitecture a;
  a.dof = dof;
  a.layers = layers;
  a.width = width;
  a.depth = depth;
  a.activation = act;
  a.order = order;
  return a;
}

// The SHO example (jobs/examples/sympflow-sho.toml): 3 layers of 2 -> 10 -> 10 -> 1
// tanh MLPs, potential first; the baseline with the defaults width 24, depth 2.
FlowMapArchitecture sho_architecture() {
  return architecture(1, 3, 10, 2, Activation::Tanh, LayerOrder::PotentialFirst);
}
constexpr int kExampleBatch = 700;
constexpr double kExampleLearningRate = 5e-3, kExampleClip = 1.0;

// Jacobian d out / d x, (batch, m, k), one backward pass per output component
// (as in the CPU tests).
torch::Tensor jacobian(const torch::Tensor& out, const torch::Tensor& x) {
  std::vector<torch::Tensor> rows;
  for (int64_t k = 0; k < out.size(1); ++k)
    rows.push_back(torch::autograd::grad({out.select(1, k).sum()}, {x}, {}, /*retain_graph=*/true)[0]);
  return torch::stack(rows, 1);
}

torch::Tensor symplectic_form(int n, const torch::TensorOptions& o) {
  torch::Tensor J = torch::zeros({2 * n, 2 * n}, o);
  J.narrow(0, 0, n).narrow(1, n, n).copy_(torch::eye(n, o));
  J.narrow(0, n, n).narrow(1, 0, n).copy_(-torch::eye(n, o));
  return J;
}

// ---- [0] device settings ----------------------------------------------------

void check_settings(bool cuda) {
  const std::string what = "[0] nn::parse_torch_settings";
  const auto s = nn::parse_torch_settings("cpu", "float64", 2, "check");
  verdict(s.device.is_cpu() && s.dtype == torch::kFloat64 && s.threads == 2, what + " cpu/float64/2 parsed");
  try {
    const auto c = nn::parse_torch_settings("cuda", "float32", 1, "check");
    verdict(cuda && c.device.is_cuda() && c.dtype == torch::kFloat32,
            what + " 'cuda' accepted with a GPU visible (device " + c.device.str() + ")");
  } catch (const InputError& e) {
    verdict(!cuda, what + " 'cuda' refused without a GPU: " + e.what());
  }
  const std::string past = fmt::format("cuda:{}", torch::cuda::device_count());
  try {
    nn::parse_torch_settings(past, "float64", 1, "check");
    verdict(false, what + " '" + past + "' (past the last GPU) accepted");
  } catch (const InputError& e) {
    verdict(true, what + " '" + past + "' refused: " + e.what());
  }
}

// ---- [1] closed-form derivatives against autograd ---------------------------

void check_derivatives(torch::Device dev, torch::Dtype dt) {
  const auto o = on(dev, dt);
  const double s = scale(dt);
  const std::string tag = fmt::format("{} {}", name(dev), name(dt));
  Worst gradient, hvp, forward, tangent, sympflow_dt, baseline_dt;
  // "closed-form MLP input gradient and its tangent equal autograd"
  for (Activation act : activations) {
    for (int depth : {1, 3}) {
      const std::string where = fmt::format("{} depth {}", name(act), depth);
      torch::manual_seed(1);
      Mlp mlp(3, 7, depth, 1, act);
      mlp->to(torch::kFloat64);
      mlp->to(dev, dt);
      torch::Tensor z = randn({11, 3}, o).requires_grad_(true);
      torch::Tensor zdot = randn({11, 3}, o);
      auto g = mlp->input_gradient(z, zdot);
      auto auto_g = torch::autograd::grad({mlp->forward(z).sum()}, {z}, {}, true, true)[0];
      gradient.update(max_abs(g.value - auto_g), where);
      // Hessian times zdot: the gradient of (grad . zdot).
      auto hv = torch::autograd::grad({(auto_g * zdot).sum()}, {z}, {}, true, false)[0];
      hvp.update(max_abs(g.dot - hv), where);
      // A vector-valued MLP's forward tangent against its autograd Jacobian.
      Mlp vec(3, 7, depth, 2, act);
      vec->to(torch::kFloat64);
      vec->to(dev, dt);
      auto [out, out_dot] = vec->forward_with_tangent(z, zdot);
      forward.update(max_abs(out - vec->forward(z)), where);
      torch::Tensor jz = jacobian(vec->forward(z), z);  // (batch, 2, 3)
      tangent.update(max_abs(out_dot - torch::bmm(jz, zdot.unsqueeze(2)).squeeze(2)), where);
    }
  }
  // d/dt N (forward mode, closed form) against reverse-mode autograd in t.
  torch::manual_seed(2);
  for (int dof : {1, 2}) {
    for (Activation act : activations) {
      for (LayerOrder order : orders) {
        const std::string where = fmt::format("dof {} {} {}", dof, name(act), name(order));
        auto m = make_sympflow(architecture(dof, 3, 8, 2, act, order), 20 + dof, 0.6, o);
        torch::Tensor x = randn({9, 2 * dof}, o).requires_grad_(true);
        torch::Tensor t = rand({9, 1}, o, -1, 2).requires_grad_(true);
        FlowValue v = m->flow(x, t, true);
        sympflow_dt.update(max_abs(v.xdot - jacobian(v.x, t).squeeze(2)), where);
      }
    }
  }
  {
    auto m = make_baseline(2, 9, 2, Activation::Tanh, 5, o);
    torch::Tensor x0 = randn({7, 4}, o);
    torch::Tensor t = rand({7, 1}, o, 0, 1).requires_grad_(true);
    FlowValue v = m->flow(x0, t, true);
    baseline_dt.update(max_abs(v.xdot - jacobian(v.x, t).squeeze(2)), "dof 2 tanh");
  }
  bounded("[1] Mlp::input_gradient value vs autograd, " + tag, gradient, 1e-13 * s);
  bounded("[1] Mlp::input_gradient tangent vs autograd Hessian-vector, " + tag, hvp, 1e-12 * s);
  bounded("[1] Mlp::forward_with_tangent value vs forward, " + tag, forward, 1e-15 * s);
  bounded("[1] Mlp::forward_with_tangent tangent vs autograd Jacobian, " + tag, tangent, 1e-12 * s);
  bounded("[1] SympFlow d/dt N vs autograd in t, " + tag, sympflow_dt, 1e-11 * s);
  bounded("[1] MlpBaseline d/dt N vs autograd in t, " + tag, baseline_dt, 1e-12 * s);
}

// ---- [2] structure: N(0, x) = x, symplecticity, the network Hamiltonian ------

void check_structure(torch::Device dev, torch::Dtype dt) {
  const auto o = on(dev, dt);
  const bool f64 = dt == torch::kFloat64;
  const std::string tag = fmt::format("{} {}", name(dev), name(dt));
  Worst identity, defect, hamiltonian;
  bool exact = true;
  for (int dof : {1, 2}) {
    for (Activation act : activations) {
      for (LayerOrder order : orders) {
        const std::string where = fmt::format("dof {} {} {}", dof, name(act), name(order));
        auto m = make_sympflow(architecture(dof, 3, 8, 2, act, order), 40 + dof, 0.6, o);
        torch::manual_seed(3);
        torch::Tensor x0 = randn({9, 2 * dof}, o);
        // N(0, x) = x: at t = 0 the two stacked rows of every layer are equal,
        // so each update adds an exact zero.
        const torch::Tensor n0 = m->flow(x0, torch::zeros({9, 1}, o), false).x;
        exact = exact && torch::equal(n0, x0);
        identity.update(max_abs(n0 - x0), where);
        // Symplecticity: M = dN/dx at random t in [-1, 2].
        torch::Tensor x = x0.clone().requires_grad_(true);
        torch::Tensor t = rand({9, 1}, o, -1, 2);
        FlowValue v = m->flow(x, t, true);
        torch::Tensor M = jacobian(v.x, x);
        torch::Tensor J = symplectic_form(dof, o);
        defect.update(max_abs(torch::matmul(torch::matmul(M.transpose(1, 2), J), M) - J), where);
        // d/dt N(t, x0) = J grad H(N_theta)(t, N(t, x0)) at t in [-0.5, 1.5].
        torch::Tensor t2 = rand({9, 1}, o, -0.5, 1.5);
        FlowValue w = m->flow(x0, t2, true);
        torch::Tensor y = w.x.detach().clone().requires_grad_(true);
        torch::Tensor gradH = torch::autograd::grad({m->hamiltonian(y, t2).sum()}, {y})[0];
        torch::Tensor JgradH = torch::cat({gradH.narrow(1, dof, dof), -gradH.narrow(1, 0, dof)}, 1);
        hamiltonian.update(max_abs(w.xdot - JgradH), where);
      }
    }
  }
  verdict(exact,
          fmt::format("[2] SympFlow N(0, x) == x bit for bit, {}: max |N(0, x) - x| = {:.2e}", tag, identity.value));
  // float64: the CPU tests' 1e-10 and 1e-8 (their 1e-12 for the Hamiltonian
  // identity is "in practice"). These maps are far from the identity (weights
  // N(0, 0.6^2), 6 maps): on the CPU the float64 defects are about 1e-12 and
  // 2e-11, some 1e4 to 1e5 unit roundoffs, and the float32 ones 2e-3 and 6e-4,
  // the same count of float32 roundoffs. float32 bound: 1e-2, 5x to 15x above
  // that; a wrong layer map or a lost term gives defects of order 1.
  bounded("[2] SympFlow |M^T J M - J|, M = dN/dx by autograd, " + tag, defect, f64 ? 1e-10 : 1e-2);
  bounded("[2] SympFlow d/dt N - J grad H(N_theta)(t, N), " + tag, hamiltonian, f64 ? 1e-8 : 1e-2);
}

// ---- [3] CUDA equals CPU ----------------------------------------------------

// Everything [3] compares, for one model on one device and dtype.
struct Outputs {
  std::vector<std::pair<std::string, torch::Tensor>> values;  // name -> value (as computed)
};

struct Case {
  std::string name;
  std::function<std::shared_ptr<FlowModel>(const torch::TensorOptions&)> make;
  System system;
  LossWeights weights;
};

Outputs evaluate(const Case& c, const torch::TensorOptions& o) {
  auto model = c.make(o);
  const int dof = model->dof();
  torch::manual_seed(11);
  // Collocation points as the SHO example draws them: x0 in [-1.2, 1.2]^2n, t in [-0.1, 1].
  torch::Tensor x0 = rand({kExampleBatch, 2 * dof}, o, -1.2, 1.2);
  torch::Tensor t = rand({kExampleBatch, 1}, o, -0.1, 1.0);
  Outputs out;
  {
    torch::NoGradGuard no_grad;
    out.values.push_back({"N(t, x)", model->flow(x0, t, false).x});
    FlowValue v = model->flow(x0, t, true);
    out.values.push_back({"N(t, x) with tangent", v.x});
    out.values.push_back({"d/dt N(t, x)", v.xdot});
    if (auto* s = dynamic_cast<SympFlow*>(model.get()))
      out.values.push_back({"H(N_theta)(t, N)", s->hamiltonian(v.x, t)});
  }
  model->zero_grad();
  LossTerms terms = unsupervised_loss(*model, c.system, x0, t, c.weights);
  torch::Tensor loss = terms.total / double(kExampleBatch);
  loss.backward();
  out.values.push_back({"loss", loss});
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  out.values.push_back({"loss: residual sum", torch::full({1}, terms.residual, f64)});
  if (c.weights.matching != 0) out.values.push_back({"loss: matching sum", torch::full({1}, terms.matching, f64)});
  if (c.weights.energy != 0) out.values.push_back({"loss: energy sum", torch::full({1}, terms.energy, f64)});
  for (const auto& p : model->named_parameters()) {
    if (p.value().grad().defined()) out.values.push_back({"d loss / d " + p.key(), p.value().grad()});
  }
  for (auto& [key, value] : out.values) value = value.detach().to(torch::kCPU, torch::kFloat64);
  return out;
}

void check_cuda_equals_cpu(bool cuda) {
  const std::vector<Case> cases = {
      {"SHO SympFlow (example architecture, default init), residual+matching",
       [](const torch::TensorOptions& o) { return make_sympflow(sho_architecture(), 7, 0, o); },
       HarmonicOscillator{},
       {1, 1, 0}},
      {"Henon-Heiles SympFlow (dof 2, swish, kinetic-first, N(0, 0.36) weights), residual+matching",
       [](const torch::TensorOptions& o) {
         return make_sympflow(architecture(2, 3, 10, 2, Activation::Swish, LayerOrder::KineticFirst), 8, 0.6, o);
       },
       HenonHeiles{},
       {1, 1, 0}},
      {"SHO MLP baseline (width 24, depth 2), residual+energy",
       [](const torch::TensorOptions& o) { return make_baseline(1, 24, 2, Activation::Tanh, 9, o); },
       HarmonicOscillator{},
       {1, 0, 1}},
  };
  for (const Case& c : cases) {
    const Outputs cpu64 = evaluate(c, on(torch::kCPU, torch::kFloat64));
    const Outputs cpu32 = evaluate(c, on(torch::kCPU, torch::kFloat32));
    // The float32 result's own rounding error, measured against float64: how far
    // apart two correct float32 implementations may land, and, times 2^-29, the
    // expected size of the float64 discrepancy. Printed, not asserted.
    Worst yardstick;
    for (std::size_t i = 0; i < cpu64.values.size(); ++i)
      yardstick.update(relative(cpu32.values[i].second, cpu64.values[i].second), cpu64.values[i].first);
    print(
        fmt::format("INFO  [3] {}: float32 rounding error (CPU float32 vs float64) {:.2e} (worst: {}); "
                    "scaled to float64 (x 2^-29): {:.1e}",
                    c.name, yardstick.value, yardstick.where, yardstick.value * std::ldexp(1.0, -29)));
    for (torch::Dtype dt : {torch::kFloat64, torch::kFloat32}) {
      // float64: 1e-12, about 5000 unit roundoffs: CPU and CUDA differ in
      // rounding only (tanh/sin/exp implementations, summation order of
      // matmuls and of the batch sums), each a few ulps per operation, and
      // the yardstick above puts the accumulated error near 1e-15.
      // float32: 1e-4, about 800 unit roundoffs, by the same argument (the
      // yardstick is near 1e-6). TF32 matmuls (off by default in libtorch)
      // would break it.
      const double tol = dt == torch::kFloat64 ? 1e-12 : 1e-4;
      const std::string what = fmt::format("[3] CUDA vs CPU {}, {}: max relative difference", name(dt), c.name);
      if (!cuda) {
        skip(what, "no CUDA device visible");
        continue;
      }
      const Outputs& host = dt == torch::kFloat64 ? cpu64 : cpu32;
      const Outputs gpu = evaluate(c, on(torch::kCUDA, dt));
      // One line per quantity; the parameter gradients as their worst.
      Worst worst, gradients;
      int n_gradients = 0;
      for (std::size_t i = 0; i < host.values.size(); ++i) {
        const auto& [key, value] = host.values[i];
        const double r = relative(gpu.values[i].second, value);
        worst.update(r, key);
        if (key.rfind("d loss / d ", 0) == 0) {
          gradients.update(r, key.substr(11));
          ++n_gradients;
        } else {
          print(fmt::format("      {:<28} {:.2e}", key, r));
        }
      }
      print(fmt::format("      {:<28} {:.2e} (worst of {}: {})", "d loss / d parameters", gradients.value, n_gradients,
                        gradients.where));
      bounded(what, worst, tol);
    }
  }
}

// ---- [4] training-step timing -----------------------------------------------

struct Timing {
  double seconds_per_step = 0, last_loss = 0;
  int steps = 0;
};

// One training step as solvers/nn/training_loop.cpp takes it on one rank:
// zero the gradients, loss / batch, backward, loss.item(), clip the global
// gradient norm, Adam. The collocation points stay fixed (the pipeline draws
// fresh ones on the CPU each epoch and copies them over; not timed here).
Timing time_training(FlowModel& model, const System& system, const LossWeights& weights, const torch::Tensor& x0,
                     const torch::Tensor& t, torch::Device dev, const Options& opt) {
  torch::optim::Adam adam(model.parameters(), torch::optim::AdamOptions(kExampleLearningRate));
  const std::vector<torch::Tensor> parameters = model.parameters();
  const double batch = double(x0.size(0));
  auto step = [&] {
    adam.zero_grad();
    LossTerms terms = unsupervised_loss(model, system, x0, t, weights);
    torch::Tensor loss = terms.total / batch;
    loss.backward();
    const double value = loss.item<double>();
    torch::nn::utils::clip_grad_norm_(parameters, kExampleClip);
    adam.step();
    return value;
  };
  Timing r;
  for (int i = 0; i < opt.warmup; ++i) r.last_loss = step();
  synchronize(dev);
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    r.last_loss = step();
    ++r.steps;
    synchronize(dev);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while ((elapsed < opt.seconds || r.steps < opt.min_steps) && r.steps < opt.max_steps);
  r.seconds_per_step = elapsed / r.steps;
  return r;
}

void time_steps(bool cuda, const Options& opt) {
  struct Model {
    std::string what;
    std::function<std::shared_ptr<FlowModel>(const torch::TensorOptions&)> make;
    LossWeights weights;
  };
  const std::vector<Model> models = {
      {"train_step:sympflow(residual+matching)",
       [](const torch::TensorOptions& o) { return make_sympflow(sho_architecture(), 7, 0, o); },
       {1, 1, 0}},
      {"train_step:baseline(residual+energy)",
       [](const torch::TensorOptions& o) { return make_baseline(1, 24, 2, Activation::Tanh, 9, o); },
       {1, 0, 1}},
  };
  const System system = HarmonicOscillator{};
  for (const Model& m : models) {
    for (torch::Dtype dt : {torch::kFloat32, torch::kFloat64}) {
      for (int batch : {kExampleBatch, kExampleBatch * opt.large_factor}) {
        double per_device[2] = {0, 0};
        for (torch::Device dev : {torch::Device(torch::kCPU), torch::Device(torch::kCUDA)}) {
          if (dev.is_cuda() && !cuda) {
            skip(fmt::format("[4] {} device=cuda dtype={} batch={}", m.what, name(dt), batch),
                 "no CUDA device visible");
            continue;
          }
          const auto o = on(dev, dt);
          auto model = m.make(o);
          torch::manual_seed(13);
          torch::Tensor x0 = rand({batch, 2}, o, -1.2, 1.2);
          torch::Tensor t = rand({batch, 1}, o, -0.1, 1.0);
          const Timing r = time_training(*model, system, m.weights, x0, t, dev, opt);
          per_device[dev.is_cuda()] = r.seconds_per_step;
          const std::string line = fmt::format(
              "RESULT what={} device={} dtype={} batch={} seconds_per_step={:.4e} steps={} threads={}", m.what,
              name(dev), name(dt), batch, r.seconds_per_step, r.steps, dev.is_cuda() ? 0 : torch::get_num_threads());
          print(line);
          tally.results.push_back(line);
          verdict(std::isfinite(r.last_loss),
                  fmt::format("[4] {} device={} dtype={} batch={}: the loss stays finite ({:.3e})", m.what, name(dev),
                              name(dt), batch, r.last_loss));
        }
        if (per_device[0] > 0 && per_device[1] > 0) {
          const std::string line = fmt::format(
              "RESULT what={} device=cuda/cpu dtype={} batch={} ratio={:.3f} (CUDA {:.2f}x the CPU's speed)", m.what,
              name(dt), batch, per_device[1] / per_device[0], per_device[0] / per_device[1]);
          print(line);
          tally.results.push_back(line);
        }
      }
    }
  }
}

// ---- main -------------------------------------------------------------------

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--require-cuda] [--threads N] [--seconds S] [--warmup N] [--min-steps N]\n"
               "          [--max-steps N] [--large-factor K] [--no-timing]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw InputError(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--require-cuda") opt.require_cuda = true;
      else if (a == "--threads") opt.threads = std::stoi(value());
      else if (a == "--seconds") opt.seconds = std::stod(value());
      else if (a == "--warmup") opt.warmup = std::stoi(value());
      else if (a == "--min-steps") opt.min_steps = std::stoi(value());
      else if (a == "--max-steps") opt.max_steps = std::stoi(value());
      else if (a == "--large-factor") opt.large_factor = std::stoi(value());
      else if (a == "--no-timing") opt.timing = false;
      else return usage(argv[0]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return usage(argv[0]);
    }
  }
  if (opt.threads < 1 || opt.min_steps < 1 || opt.max_steps < opt.min_steps || opt.large_factor < 1)
    return usage(argv[0]);

  // Process-wide settings as the pipeline applies them (threads, default dtype).
  nn::apply(nn::parse_torch_settings("cpu", "float64", opt.threads, "check"));
  const bool cuda = torch::cuda::is_available();
  print(fmt::format(
      "INFO  libtorch headers {}, CUDA available: {}, CUDA devices: {}, cuDNN: {}, CPU threads: {} "
      "(hardware: {})",
      TORCH_VERSION, cuda ? "yes" : "no", torch::cuda::device_count(), torch::cuda::cudnn_is_available() ? "yes" : "no",
      torch::get_num_threads(), std::thread::hardware_concurrency()));
  if (!cuda) {
    if (opt.require_cuda)
      verdict(false,
              "[-] a CUDA device is visible to libtorch (--require-cuda): torch::cuda::is_available() is "
              "false; check that libtorch_cuda.so is linked (ldd) and that a GPU is visible (nvidia-smi)");
    else print("INFO  no CUDA device: the CUDA checks print SKIP; the CPU runs check the checks");
  }

  int crashed = 0;
  auto guarded = [&](const std::string& what, const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      ++crashed;
      verdict(false, what + " threw: " + std::string(e.what()).substr(0, 2000));
    }
  };
  guarded("[0]", [&] { check_settings(cuda); });
  std::vector<torch::Device> devices = {torch::kCPU};
  if (cuda) devices.push_back(torch::kCUDA);
  for (torch::Dtype dt : {torch::kFloat64, torch::kFloat32}) {
    for (torch::Device dev : devices) {
      guarded(fmt::format("[1] {} {}", name(dev), name(dt)), [&] { check_derivatives(dev, dt); });
      guarded(fmt::format("[2] {} {}", name(dev), name(dt)), [&] { check_structure(dev, dt); });
    }
    if (!cuda) {
      skip(fmt::format("[1] closed-form derivatives vs autograd, cuda {}", name(dt)), "no CUDA device visible");
      skip(fmt::format("[2] N(0, x) = x, symplecticity, network Hamiltonian, cuda {}", name(dt)),
           "no CUDA device visible");
    }
  }
  guarded("[3]", [&] { check_cuda_equals_cpu(cuda); });
  if (opt.timing) guarded("[4]", [&] { time_steps(cuda, opt); });

  print("");
  print("==== summary ====");
  for (const auto& line : tally.results) print(line);
  for (const auto& line : tally.failures) print(line);
  print(
      fmt::format("sympflow_cuda_check: {} passed, {} failed, {} skipped", tally.passed, tally.failed, tally.skipped));
  const bool missing_gpu = opt.require_cuda && !cuda;  // one FAIL line above
  if (tally.failed > (missing_gpu ? 1 : 0)) return 1;
  return missing_gpu ? 3 : 0;  // 3: the script may try linking torch another way
}
