// Training time per epoch of SympFlow in libtorch (hamiltonian/sympflow),
// unsupervised: residual + Hamiltonian matching (LossWeights{1, 1, 0}),
// divided by the batch to make a mean. One epoch = sample a fresh batch
// (x0 uniform in the system's box, t uniform in [-0.1, 1]), forward, loss,
// backward, gradient-norm clip, Adam step: the reference code's loop.
//
// The peer is bench_sympflow_training.py (PyTorch, same model, loss, batch,
// dtype and threads), run by run_sympflow.sh after this program. With
// --check-file this program writes, per system, its initial float64 weights,
// one fixed batch and its loss on it before and after one epoch on that
// batch; the Python script recomputes them and fails unless they agree, and
// reads the C++ seconds per epoch from the same file for its ratios.
//
// Prints a table and RESULT lines (key=value) for scripts; the time is the
// median over --reps repetitions of --epochs epochs, after --warmup epochs.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "bench_util.hpp"
#include "core/h5.hpp"
#include "hamiltonian/sympflow/losses.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "nn/h5_tensors.hpp"

namespace {

namespace hm = structura::hamiltonian;
namespace sf = structura::hamiltonian::sympflow;
namespace sb = structura::bench;

struct Options {
  std::vector<std::string> systems{"sho", "henon-heiles"};
  std::vector<std::string> dtypes{"float64", "float32"};
  int threads = 1;
  std::int64_t batch = 700;
  int epochs = 20;
  int reps = 5;
  int warmup = 5;
  std::uint64_t seed = 1;
  double lr = 5e-3;
  double clip = 1.0;
  int layers = 3, width = 10, depth = 2;
  std::string activation = "tanh";
  std::string check_file;
};

const sf::LossWeights kWeights{1.0, 1.0, 0.0};

hm::FlowMapArchitecture architecture(const Options& o, int dof) {
  hm::FlowMapArchitecture a;
  a.dof = dof;
  a.layers = o.layers;
  a.width = o.width;
  a.depth = o.depth;
  a.activation = hm::parse_activation(o.activation);
  a.order = hm::LayerOrder::PotentialFirst;
  return a;
}

struct Batch {
  torch::Tensor x0, t;
};

Batch sample(const sb::BenchSystem& s, std::int64_t batch, torch::Dtype dtype) {
  const auto opt = torch::TensorOptions().dtype(dtype);
  return {torch::rand({batch, 2 * s.dof()}, opt) * (2 * s.box) - s.box, torch::rand({batch, 1}, opt) * 1.1 - 0.1};
}

// The mean loss and what it is made of.
struct EpochResult {
  double loss = 0, residual = 0, matching = 0, grad_norm = 0;
};

// Seconds spent in each part of the timed epochs, summed: where the time goes.
struct Phases {
  double sample = 0, loss = 0, backward = 0, update = 0;
};

// One epoch on batch b; with `phases`, adds the time of each part to it
// (the loss includes the forward pass, the update is the clip and the step).
EpochResult epoch(sf::SympFlow& model, torch::optim::Adam& adam, const sb::BenchSystem& s, const Batch& b, double clip,
                  Phases* phases = nullptr) {
  const double t0 = phases ? sb::now_seconds() : 0;
  adam.zero_grad();
  const sf::LossTerms terms = sf::unsupervised_loss(model, s.system, b.x0, b.t, kWeights);
  const double n = static_cast<double>(b.x0.size(0));
  const torch::Tensor loss = terms.total / n;
  const double t1 = phases ? sb::now_seconds() : 0;
  loss.backward();
  const double t2 = phases ? sb::now_seconds() : 0;
  const double norm = torch::nn::utils::clip_grad_norm_(model.parameters(), clip);
  adam.step();
  if (phases) {
    const double t3 = sb::now_seconds();
    phases->loss += t1 - t0;
    phases->backward += t2 - t1;
    phases->update += t3 - t2;
  }
  return {loss.item<double>(), terms.residual / n, terms.matching / n, norm};
}

// A fresh batch, then an epoch on it.
double train_epoch(sf::SympFlow& model, torch::optim::Adam& adam, const sb::BenchSystem& s, std::int64_t batch,
                   torch::Dtype dtype, double clip, Phases* phases = nullptr) {
  const double t0 = phases ? sb::now_seconds() : 0;
  const Batch b = sample(s, batch, dtype);
  if (phases) phases->sample += sb::now_seconds() - t0;
  return epoch(model, adam, s, b, clip, phases).loss;
}

double mean_loss(sf::SympFlow& model, const sb::BenchSystem& s, const Batch& b) {
  const sf::LossTerms terms = sf::unsupervised_loss(model, s.system, b.x0, b.t, kWeights);
  return terms.total.item<double>() / static_cast<double>(b.x0.size(0));
}

torch::optim::Adam make_adam(sf::SympFlow& model, const Options& o) {
  return torch::optim::Adam(model.parameters(), torch::optim::AdamOptions(o.lr));
}

void write_tensor(structura::h5::Group& g, const std::string& name, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat64).contiguous();
  g.write_dataset(name, std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel()),
                  {static_cast<hsize_t>(c.size(0)), static_cast<hsize_t>(c.size(1))});
}

// The equivalence data of one system (float64): initial weights, a fixed
// batch, the loss on it, one epoch on it, the loss after.
void write_check(const Options& o, const sb::BenchSystem& s, structura::h5::File& file) {
  torch::manual_seed(o.seed + 1000);
  sf::SympFlow model(architecture(o, s.dof()));
  model.to(torch::kFloat64);
  const Batch b = sample(s, o.batch, torch::kFloat64);
  structura::h5::Group g = file.require_group(s.name);
  structura::nn::save_module(g, model);  // before the step: the initial weights
  write_tensor(g, "x0", b.x0);
  write_tensor(g, "t", b.t);
  torch::optim::Adam adam = make_adam(model, o);
  const EpochResult first = epoch(model, adam, s, b, o.clip);
  const double after = mean_loss(model, s, b);
  g.set_attribute("loss0", first.loss);
  g.set_attribute("residual0", first.residual);
  g.set_attribute("matching0", first.matching);
  g.set_attribute("grad_norm0", first.grad_norm);
  g.set_attribute("loss1", after);
  fmt::print(
      "check {}: float64 loss {:.17g} (residual {:.6g} + matching {:.6g}), grad norm {:.6g}, "
      "loss after one epoch on the same batch {:.17g}\n",
      s.name, first.loss, first.residual, first.matching, first.grad_norm, after);
}

struct Timing {
  std::string system, dtype;
  double seconds = 0, min_s = 0, max_s = 0;  // per epoch
  double rss_mib = 0;
  double first_loss = 0, last_loss = 0;  // means over the first and the last repetition
  Phases phases;                         // per epoch, over all timed epochs
};

Timing time_training(const Options& o, const sb::BenchSystem& s, const std::string& dtype_name) {
  const torch::Dtype dtype = sb::parse_dtype(dtype_name);
  torch::manual_seed(o.seed);
  sf::SympFlow model(architecture(o, s.dof()));
  model.to(dtype);
  torch::optim::Adam adam = make_adam(model, o);
  for (int e = 0; e < o.warmup; ++e) train_epoch(model, adam, s, o.batch, dtype, o.clip);

  Timing r;
  r.system = s.name;
  r.dtype = dtype_name;
  std::vector<double> per_epoch;
  sb::PeakRss rss;
  for (int rep = 0; rep < o.reps; ++rep) {
    double loss_sum = 0;
    rss.measure([&] {
      per_epoch.push_back(sb::time_seconds([&] {
                            for (int e = 0; e < o.epochs; ++e)
                              loss_sum += train_epoch(model, adam, s, o.batch, dtype, o.clip, &r.phases);
                          }) /
                          o.epochs);
    });
    if (rep == 0) r.first_loss = loss_sum / o.epochs;
    r.last_loss = loss_sum / o.epochs;
  }
  r.seconds = sb::median(per_epoch);
  r.min_s = sb::min_of(per_epoch);
  r.max_s = sb::max_of(per_epoch);
  r.rss_mib = rss.mib;
  const double epochs = static_cast<double>(o.reps) * o.epochs;
  for (double* x : {&r.phases.sample, &r.phases.loss, &r.phases.backward, &r.phases.update}) *x /= epochs;
  return r;
}

void run(const Options& o) {
  std::vector<sb::BenchSystem> systems;
  for (const auto& name : o.systems) systems.push_back(sb::bench_system(name));

  if (!o.check_file.empty()) {
    auto file = structura::h5::File::open(o.check_file, structura::h5::Mode::Create);
    for (const auto& s : systems) write_check(o, s, file);
  }

  std::vector<Timing> rows;
  for (const auto& s : systems)
    for (const auto& d : o.dtypes) rows.push_back(time_training(o, s, d));

  fmt::print(
      "\n== training time per epoch (C++ libtorch, closed-form MLP derivatives) ==\n"
      "batch {}, {} layers, MLP width {} depth {}, {}, Adam lr {}, clip {}; {} warm-up epochs, median of {} x "
      "{} epochs\n\n",
      o.batch, o.layers, o.width, o.depth, o.activation, o.lr, o.clip, o.warmup, o.reps, o.epochs);
  fmt::print("{:<13} {:<8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10}\n", "system", "dtype",
             "median ms", "min ms", "max ms", "sample", "loss", "backward", "update", "RSS MiB", "loss first",
             "loss last");
  for (const auto& r : rows) {
    const Phases& p = r.phases;
    fmt::print(
        "{:<13} {:<8} {:>10.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8.1f} {:>10.4g} "
        "{:>10.4g}\n",
        r.system, r.dtype, 1e3 * r.seconds, 1e3 * r.min_s, 1e3 * r.max_s, 1e3 * p.sample, 1e3 * p.loss,
        1e3 * p.backward, 1e3 * p.update, r.rss_mib, r.first_loss, r.last_loss);
    fmt::print(
        "RESULT part=training impl=cpp system={} dtype={} seconds_per_epoch={:.6g} min_s={:.6g} max_s={:.6g} "
        "rss_mib={:.1f} sample_s={:.4g} loss_s={:.4g} backward_s={:.4g} update_s={:.4g}\n",
        r.system, r.dtype, r.seconds, r.min_s, r.max_s, r.rss_mib, p.sample, p.loss, p.backward, p.update);
  }
  if (!o.check_file.empty()) {  // for the Python peer's ratios
    auto file = structura::h5::File::open(o.check_file, structura::h5::Mode::ReadWrite);
    for (const auto& r : rows) file.open_group(r.system).set_attribute("cpp_seconds_per_epoch_" + r.dtype, r.seconds);
  }
  fmt::print(
      "sample, loss, backward, update = mean ms per epoch in each part (loss includes the forward pass; "
      "update = clip + Adam step).\n");
  fmt::print(
      "loss first/last = mean training loss over the first and the last timed repetition (a sanity check "
      "that the model trains).\n");
  fmt::print(
      "peak RSS per configuration: high-water mark reset before each repetition ({}); process peak RSS "
      "(getrusage ru_maxrss, whole run) {:.1f} MiB\n",
      sb::rss_record().resettable ? "/proc/self/clear_refs" : "not resettable here: cumulative",
      sb::process_peak_rss_mib());
  fmt::print("RESULT part=process impl=cpp rss_mib={:.1f}\n", sb::process_peak_rss_mib());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"SympFlow training time per epoch in C++ (libtorch); see bench_sympflow_training.py for the peer"};
  app.add_option("--system", o.systems, "systems: sho, henon-heiles")
      ->delimiter(',')
      ->check(CLI::IsMember({"sho", "henon-heiles"}))
      ->capture_default_str();
  app.add_option("--dtype", o.dtypes, "dtypes: float64, float32")
      ->delimiter(',')
      ->check(CLI::IsMember({"float64", "float32"}))
      ->capture_default_str();
  app.add_option("--threads", o.threads, "libtorch intra-op threads")->capture_default_str();
  app.add_option("--batch", o.batch, "collocation points per epoch")->capture_default_str();
  app.add_option("--epochs", o.epochs, "epochs per timed repetition")->capture_default_str();
  app.add_option("--reps", o.reps, "timed repetitions")->capture_default_str();
  app.add_option("--warmup", o.warmup, "untimed epochs first")->capture_default_str();
  app.add_option("--seed", o.seed, "torch seed")->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate")->capture_default_str();
  app.add_option("--clip", o.clip, "gradient-norm clip")->capture_default_str();
  app.add_option("--layers", o.layers, "SympFlow layers")->capture_default_str();
  app.add_option("--width", o.width, "MLP width")->capture_default_str();
  app.add_option("--depth", o.depth, "MLP hidden layers")->capture_default_str();
  app.add_option("--activation", o.activation, "tanh, sin or swish")->capture_default_str();
  app.add_option("--check-file", o.check_file,
                 "HDF5 file for the equivalence check and the ratios of bench_sympflow_training.py");
  try {
    app.parse(argc, argv);
    if (o.reps < 1 || o.epochs < 1 || o.batch < 1 || o.threads < 1 || o.warmup < 0)
      throw CLI::ValidationError("--reps, --epochs, --batch and --threads must be >= 1, --warmup >= 0");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    torch::set_num_threads(o.threads);
    fmt::print("structura_bench_sympflow_training: {}, {}\ncompiler: {}\n", sb::cpu_model(), sb::torch_description(),
               sb::compiler_description());
    run(o);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
