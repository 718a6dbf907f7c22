// Reconstruction iterations per second with a learned regulariser (issue 10
// §6): gradient descent on ½|Ax − y|² + λ R(x),
//   x ← x − τ (Aᵀ(Ax − y) + λ ∇R(x)),
// A the matrix-free Joseph pair of TorchProjector (angles split over
// MPI_COMM_WORLD, Aᵀ summed over the ranks), ∇R by autograd through the AR
// critic or the ACR (solvers/regularisers; random weights, seeded: the cost
// does not depend on their values) or none (the data term alone). One
// n² image (or --batch of them), float32, one thread per rank; τ = 1/|A|²
// from 20 power iterations (not timed).
//
// The peer is bench_lr_reconstruction.py: PyTorch, the same iteration with
// the same Joseph operator as a torch sparse CSR matrix. With --export FILE
// (one rank) this program writes that matrix and its transpose exactly as
// CsrProjector assembled them, y, τ, λ, the regulariser's weights and its
// own result after the first timed repetition; the peer loads them, checks
// its result against ours and times itself.
//
// Strong scaling: run on 1 and on 2 ranks; with a local regulariser (the
// ACR) ∇R is split into row bands over the ranks too
// (variational/row_split.hpp; --split none: every rank computes the whole
// ∇R, as before). The time of an iteration is the
// slowest rank's (wall clock: the ranks meet in MPI_Allreduce), and
// --dump FILE / --reference FILE (rank 0) compare the results of two runs.
// Prints RESULT lines with the median time per iteration over --reps
// repetitions of --iterations iterations (wall clock of the slowest rank,
// and CPU time, which on one rank leaves out the time other work held the
// core; busy_min = the least busy rank's CPU / wall time, near 1 on an idle
// machine), the parts (Aᵀ(Ax − y) and ∇R, CPU time of rank 0) and the peak
// RSS of every rank.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "nn/h5_tensors.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "tomography/phantoms.hpp"
#include "tomography_torch/csr_projector.hpp"
#include "tomography_torch/projector_autograd.hpp"
#include "variational/row_split.hpp"

namespace {

namespace sb = structura::bench;
namespace rg = structura::regularisers;
namespace tt = structura::tomography_torch;
namespace tm = structura::tomography;
using structura::mpi::Comm;

struct Options {
  std::string regulariser = "ar";
  int size = 128, angles = 30, detectors = 0;  // 0: 1.5 n
  std::int64_t batch = 1;
  int iterations = 10, reps = 3, threads = 1;
  double lambda = 0.05;
  std::uint64_t seed = 1;
  std::string export_file, dump, reference;
  std::string split = "rows";  // rows: ∇R of a local model split into row bands over the ranks; none: replicated
};

std::shared_ptr<rg::Regulariser> make_regulariser(const Options& o) {
  torch::manual_seed(o.seed);
  if (o.regulariser == "ar") {
    rg::ArCriticOptions a;
    a.height = a.width = o.size;
    return std::make_shared<rg::ArCritic>(a);
  }
  if (o.regulariser == "acr") return std::make_shared<rg::Acr>(rg::AcrOptions{});
  return nullptr;
}

// ∇R(x) of every image of the batch (the gradient of the batch sum).
torch::Tensor regulariser_gradient(const structura::variational::RegulariserFunction& r, const torch::Tensor& x) {
  const torch::Tensor xg = x.detach().requires_grad_(true);
  return torch::autograd::grad({rg::per_image(r(xg)).sum()}, {xg})[0];
}

void write_csr(structura::h5::Group& g, const torch::Tensor& m) {
  const auto i64 = [](const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    return std::vector<std::int64_t>(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
  };
  const std::vector<std::int64_t> crow = i64(m.crow_indices()), col = i64(m.col_indices());
  g.write_dataset("crow_indices", crow, {crow.size()});
  g.write_dataset("col_indices", col, {col.size()});
  structura::nn::write_tensor(g, "values", m.values());
  g.set_attribute("rows", m.size(0));
  g.set_attribute("cols", m.size(1));
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

int run(const Options& o) {
  const Comm world;
  tm::ImageGeometry im;
  im.nx = im.ny = o.size;
  tm::BeamGeometry beam;
  beam.angles = tm::uniform_angles(o.angles, 3.141592653589793);
  beam.detectors = o.detectors > 0 ? o.detectors : static_cast<int>(1.5 * o.size);
  beam.detector_spacing = 1.5 * im.width / beam.detectors;

  const double setup0 = sb::now_seconds();
  const tt::TorchProjector op(im, beam, world);
  const double setup_s = world.max(sb::now_seconds() - setup0);
  const std::shared_ptr<rg::Regulariser> reg = make_regulariser(o);
  const bool split = reg && o.split == "rows" && reg->receptive_radius() >= 0 && world.size() > 1;
  const structura::variational::RegulariserFunction r =
      !reg ? structura::variational::RegulariserFunction()
      : split ? structura::variational::row_split_regulariser(*reg, world, "--regulariser")
              : structura::variational::regulariser_of(*reg);

  const std::vector<double> phantom = tm::shepp_logan(im);
  const torch::Tensor truth = torch::tensor(phantom, torch::kFloat64)
                                  .to(torch::kFloat32)
                                  .view({1, 1, o.size, o.size})
                                  .repeat({o.batch, 1, 1, 1});
  const torch::Tensor y = op.forward_raw(truth);  // this rank's rows
  // τ = 1/|A|²: power iteration on AᵀA (collective).
  torch::Tensor v = torch::rand({1, 1, o.size, o.size});
  double norm2 = 0;
  for (int k = 0; k < 20; ++k) {
    const torch::Tensor w = op.adjoint_raw(op.forward_raw(v));
    norm2 = w.norm().item<double>() / v.norm().item<double>();
    v = w / w.norm();
  }
  const double tau = 1.0 / norm2;
  const double lambda = reg ? o.lambda : 0.0;

  double data_s = 0, reg_s = 0;
  auto iterate = [&](torch::Tensor x) {
    const double t0 = sb::cpu_seconds();
    const torch::Tensor data = op.adjoint_raw(op.forward_raw(x) - y);
    const double t1 = sb::cpu_seconds();
    torch::Tensor step = data;
    if (reg) step = data + lambda * regulariser_gradient(r, x);
    reg_s += sb::cpu_seconds() - t1;
    data_s += t1 - t0;
    return (x - tau * step).detach();
  };

  const torch::Tensor x0 = torch::zeros_like(truth);
  (void)iterate(x0);  // warm-up
  data_s = reg_s = 0;
  std::vector<double> per_iteration, cpu_per_iteration, busy;
  torch::Tensor first_result;
  sb::reset_peak_rss();
  for (int r = 0; r < o.reps; ++r) {
    world.barrier();
    const double t0 = sb::now_seconds(), c0 = sb::cpu_seconds();
    torch::Tensor x = x0;
    for (int k = 0; k < o.iterations; ++k) x = iterate(x);
    const double local = sb::now_seconds() - t0, local_cpu = sb::cpu_seconds() - c0;
    per_iteration.push_back(world.max(local) / o.iterations);
    cpu_per_iteration.push_back(world.max(local_cpu) / o.iterations);
    busy.push_back(world.min(local_cpu / local));
    if (r == 0) first_result = x;
  }
  const double its = static_cast<double>(o.reps) * o.iterations;
  const double rss = sb::peak_rss_mib(), rss_max = world.max(rss), rss_min = world.min(rss);
  const double seconds = sb::median(per_iteration), cpu = sb::median(cpu_per_iteration);

  double rel_diff = -1;
  if (world.is_root()) {
    if (!o.dump.empty()) {
      const std::vector<float> values = to_vector(first_result);
      std::ofstream(o.dump, std::ios::binary)
          .write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
    }
    if (!o.reference.empty()) {
      std::vector<float> ref(static_cast<std::size_t>(first_result.numel()));
      std::ifstream in(o.reference, std::ios::binary);
      in.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * 4));
      if (!in) throw structura::InputError(fmt::format("--reference {}: cannot read {} floats", o.reference, ref.size()));
      const torch::Tensor r = torch::from_blob(ref.data(), first_result.sizes(), torch::kFloat32);
      rel_diff = ((first_result - r).abs().max() / r.abs().max()).item<double>();
    }
  }
  double csr_s = -1;  // the assembly of the peer's matrix, with --export
  if (!o.export_file.empty()) {
    if (world.size() != 1) throw structura::InputError("--export: run on one rank");
    const double csr0 = sb::now_seconds();
    const tt::CsrProjector csr(im, beam, torch::kFloat32);
    csr_s = sb::now_seconds() - csr0;
    auto file = structura::h5::File::open(o.export_file, structura::h5::Mode::Create);
    structura::h5::Group m = file.require_group("matrix");
    write_csr(m, csr.matrix());
    structura::h5::Group mt = file.require_group("transposed");
    write_csr(mt, csr.transposed());
    structura::nn::write_tensor(file, "y", y);
    structura::nn::write_tensor(file, "result", first_result);
    if (reg) {
      structura::h5::Group g = file.require_group("regulariser");
      structura::nn::save_module(g, *reg);
    }
    file.set_attribute("regulariser", o.regulariser);
    file.set_attribute("size", std::int64_t{o.size});
    file.set_attribute("tau", tau);
    file.set_attribute("lambda", lambda);
    file.set_attribute("iterations", std::int64_t{o.iterations});
    file.set_attribute("cpp_seconds_per_iteration", seconds);
    file.set_attribute("csr_assembly_s", csr_s);
    fmt::print("export: {} (CSR nnz {}, assembled in {:.3f} s)\n", o.export_file, csr.nnz(), csr_s);
  }
  if (world.is_root()) {
    fmt::print(
        "\n== gradient-descent reconstruction, {} ranks: {}² image, {} angles x {} detectors, batch {}, float32, "
        "regulariser {}{}, λ {} ==\nmedian of {} x {} iterations: {:.4f} s per iteration ({:.2f} it/s; CPU {:.4f} s; rank 0: "
        "Aᵀ(Ax − y) {:.4f} s, ∇R {:.4f} s); set-up {:.2f} ms; peak RSS per rank {:.1f}–{:.1f} MiB\n",
        world.size(), o.size, o.angles, beam.detectors, o.batch, o.regulariser, split ? " (∇R split into row bands)" : "",
        lambda, o.reps, o.iterations,
        seconds, 1 / seconds, cpu, data_s / its, reg_s / its, 1e3 * setup_s, rss_min, rss_max);
    fmt::print(
        "RESULT part=reconstruction impl=cpp ranks={} regulariser={} size={} angles={} detectors={} batch={} "
        "seconds_per_iteration={:.6g} cpu_s={:.6g} busy_min={:.3f} data_s={:.4g} reg_s={:.4g} setup_s={:.4g} rss_mib_max={:.1f} "
        "rss_mib_min={:.1f} rel_diff={:.3g} csr_s={:.4g} split={}\n",
        world.size(), o.regulariser, o.size, o.angles, beam.detectors, o.batch, seconds, cpu, sb::min_of(busy),
        data_s / its, reg_s / its,
        setup_s, rss_max, rss_min, rel_diff, csr_s, split ? "rows" : "none");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  structura::mpi::Environment mpi_env(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  Options o;
  CLI::App app{"Gradient-descent reconstruction with a learned regulariser; bench_lr_reconstruction.py is the peer"};
  app.add_option("--regulariser", o.regulariser, "ar, acr or none")
      ->check(CLI::IsMember({"ar", "acr", "none"}))
      ->capture_default_str();
  app.add_option("--split", o.split, "rows: ∇R of a local regulariser (acr) split into row bands over the ranks; none")
      ->check(CLI::IsMember({"rows", "none"}))
      ->capture_default_str();
  app.add_option("--size", o.size, "image side n")->capture_default_str();
  app.add_option("--angles", o.angles, "parallel-beam angles over [0, π)")->capture_default_str();
  app.add_option("--detectors", o.detectors, "detectors (0: 1.5 n, spanning 1.5 x the image)")->capture_default_str();
  app.add_option("--batch", o.batch, "images reconstructed together")->capture_default_str();
  app.add_option("--iterations", o.iterations, "iterations per timed repetition")->capture_default_str();
  app.add_option("--reps", o.reps, "timed repetitions")->capture_default_str();
  app.add_option("--lambda", o.lambda, "regularisation weight")->capture_default_str();
  app.add_option("--seed", o.seed, "torch seed of the regulariser's weights")->capture_default_str();
  app.add_option("--threads", o.threads, "libtorch intra-op threads")->capture_default_str();
  app.add_option("--export", o.export_file, "HDF5 file for the PyTorch peer (one rank)");
  app.add_option("--dump", o.dump, "raw float32 file of the result (rank 0)");
  app.add_option("--reference", o.reference, "raw float32 result of another run to compare with");
  try {
    app.parse(argc, argv);
    if (o.size < 16 || o.angles < 1 || o.batch < 1 || o.iterations < 1 || o.reps < 1 || o.threads < 1)
      throw CLI::ValidationError("--size >= 16; --angles, --batch, --iterations, --reps, --threads >= 1");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    torch::set_num_threads(o.threads);
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
