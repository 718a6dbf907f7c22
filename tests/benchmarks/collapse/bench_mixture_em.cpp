// EM iterations per second of the distributed Gaussian-mixture fit
// (solvers/collapse/mixture_em.hpp; issue 13 §7): K full-covariance
// components on n points in d dimensions, the points keyed draws of a
// K-component mixture spread over the ranks in blocks. The initialisation
// (k-means++ + Lloyd) is made once and not timed; then --iterations EM
// iterations (tolerance 0, so exactly that many) are timed, wall and CPU,
// median over --reps runs. With --peer-dir the points (gathered to rank 0)
// and the initial mixture are written there as raw float64 files for
// bench_mixture_em.py (scikit-learn), and the fit's mean log-likelihood is
// printed so that the driver can check both fitted the same thing.
// Prints RESULT lines for run_mixture_em.sh.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "collapse/gaussian_mixture.hpp"
#include "collapse/mixture_em.hpp"
#include "core/mpi.hpp"

namespace {

namespace sb = structura::bench;
using namespace structura;
using namespace structura::collapse;

// K well-spread blobs in the plane (or the first two coordinates of R^d),
// unit-ish covariances with some correlation.
GaussianMixture truth(int k, int d) {
  GaussianMixture m;
  m.dimension = d;
  m.weights.assign(static_cast<std::size_t>(k), 1.0 / k);
  for (int c = 0; c < k; ++c) {
    for (int i = 0; i < d; ++i) m.means.push_back(i == 0 ? 4.0 * c : (i == 1 ? 3.0 * (c % 3) : 0.0));
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) m.covariances.push_back(i == j ? 0.5 + 0.1 * (c % 4) : (i + j == 1 ? 0.1 : 0.0));
  }
  return m;
}

void write_raw(const std::filesystem::path& path, const std::vector<double>& v) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  const mpi::Comm comm;
  CLI::App app{"EM iterations per second of the distributed Gaussian-mixture fit"};
  std::int64_t points = 1000000;
  int components = 10, dimension = 2, iterations = 10, reps = 3;
  std::string peer_dir;
  app.add_option("--points", points, "points in all");
  app.add_option("--components", components, "K");
  app.add_option("--dimension", dimension, "d");
  app.add_option("--iterations", iterations, "timed EM iterations per run");
  app.add_option("--reps", reps, "runs; the median is reported");
  app.add_option("--peer-dir", peer_dir, "write the points and the initialisation here for the Python peer");
  CLI11_PARSE(app, argc, argv);

  const GaussianMixture generator = truth(components, dimension);
  const Range mine = comm.block(points);
  const std::vector<double> rows = sample_mixture(generator, 1, 1, mine.begin, mine.count);
  EmOptions options;
  options.components = components;
  options.tolerance = 0;
  options.max_iterations = iterations;
  options.seed = 3;
  const GaussianMixture initial = initialise_mixture(rows, dimension, options, comm);

  std::vector<double> wall, cpu;
  EmResult fit;
  for (int r = 0; r < reps; ++r) {
    comm.barrier();
    const double c0 = sb::cpu_seconds(), t0 = sb::now_seconds();
    fit = fit_mixture(rows, dimension, initial, options, comm);
    const double t = comm.max(sb::now_seconds() - t0), c = comm.max(sb::cpu_seconds() - c0);
    wall.push_back(t / iterations);
    cpu.push_back(c / iterations);
  }
  const double rss = comm.max(sb::process_peak_rss_mib());
  if (!peer_dir.empty()) {
    // Rank 0 gathers every block (the peer fits all points in one process).
    std::vector<double> all(static_cast<std::size_t>(points) * dimension, 0.0);
    std::copy(rows.begin(), rows.end(), all.begin() + mine.begin * dimension);
    comm.sum_in_place(all);
    if (comm.is_root()) {
      std::filesystem::create_directories(peer_dir);
      write_raw(std::filesystem::path(peer_dir) / "points", all);
      write_raw(std::filesystem::path(peer_dir) / "weights", initial.weights);
      write_raw(std::filesystem::path(peer_dir) / "means", initial.means);
      write_raw(std::filesystem::path(peer_dir) / "covariances", initial.covariances);
    }
  }
  if (comm.is_root()) {
    fmt::print("structura EM: {} points, K = {}, d = {}, {} rank(s): {:.4f} s per iteration (CPU {:.4f} s), "
               "{:.2f} iterations/s, peak RSS {:.0f} MiB\n",
               points, components, dimension, comm.size(), sb::median(wall), sb::median(cpu),
               1 / sb::median(wall), rss);
    fmt::print("RESULT structura seconds_per_iteration={:.6g} cpu_per_iteration={:.6g} ranks={} points={} "
               "rss_mib={:.1f} log_likelihood={:.17g}\n",
               sb::median(wall), sb::median(cpu), comm.size(), points, rss, fit.log_likelihood);
  }
  return 0;
}
