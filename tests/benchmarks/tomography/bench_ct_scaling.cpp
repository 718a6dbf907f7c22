// Strong scaling and memory of the matrix-free CT reconstructions (issue 4,
// §5 and §7: a 1024² image with 1024 angles on 2 ranks within a few GiB, and
// a 2-rank speed-up of at least 1.7× at 1024²). On the ranks of
// MPI_COMM_WORLD, for n² pixels, n parallel-beam angles over [0, π) and n
// detectors, from the noise-free sinogram of the modified Shepp–Logan
// phantom, it times
//   forward+adjoint  one A x and one Aᵀ y of the DistributedProjector
//                    (median of --reps; --precision float32 | float64);
//   sirt             sirt() with exactly --iterations updates (discrepancy
//                    principle off; includes SIRT's own set-up, A 1 and Aᵀ 1);
//   tv               tv_pdhg() with exactly --iterations iterations
//                    (gap_tolerance 0 = never stops early);
// the two reconstructions always in float64 (the library's solvers are
// float64 only, so --precision applies to forward+adjoint alone). Every
// rank does the same calls; the time of a step is the slowest rank's.
//
// Memory: the peak RSS (VmHWM, /proc/self/status) of every rank is gathered
// to rank 0 and printed, per step (the high-water mark is lowered to the
// current RSS before each step where /proc/self/clear_refs allows; the line
// says rss_reset=yes|no) and for the whole process.
//
// Agreement of rank counts: each step prints the norm, a weighted checksum
// and (reconstructions) the PSNR of its result; with --dump DIR rank 0 also
// writes the result as raw float64 (DIR/n<n>-<what>.f64), and with
// --reference DIR (the dump of another run, e.g. one rank) it prints
// rel_diff = max|x − x_ref| / max|x_ref|. run_ct_scaling.sh does this.
//
// Clock: wall only. CPU time (bench_projector's --clock cpu) leaves out the
// time a process waited for a core, but here the ranks meet in
// MPI_Allreduce, and Open MPI busy-polls while waiting: a rank whose partner
// was descheduled by other work burns CPU time the whole while, so the
// 2-rank CPU time absorbs exactly the load it was meant to exclude (while a
// 1-rank run has nothing to wait for), and the speed-up would be biased.
// Instead each RESULT line gives busy_min, the smallest over ranks of
// (process CPU time / wall time) during the step: close to 1 when every rank
// held its core throughout, lower when other work took it (then the figure
// is disturbed and should be rerun on a quiet machine). busy_min does not
// see contention for the shared L3 cache and memory bandwidth: a quiet core
// beside a busy one still gives slower figures (measured here: SIRT at
// 1024² on one rank 37 % slower at busy 0.999 while other work ran on the
// second core), so compare 1 and 2 ranks only from runs on an idle machine.
//
//   structura_bench_ct_scaling [--sizes 1024] [--steps forward+adjoint,sirt,tv]
//       [--iterations 10] [--reps 3]
//       [--precision float32|float64] [--tv-lambda 1e-6] [--operator-norm] [--dump DIR] [--reference DIR]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "tomography/iterative.hpp"
#include "tomography/metrics.hpp"
#include "tomography/phantoms.hpp"
#include "tomography/projector.hpp"
#include "tomography/tv_pdhg.hpp"

using namespace structura;
using namespace structura::tomography;

namespace {

struct Options {
  int iterations = 10;
  int reps = 3;
  std::string precision = "float32";
  double tv_lambda = 1e-6;
  std::string dump, reference;
  bool operator_norm = false;
  std::vector<std::string> steps{"forward+adjoint", "sirt", "tv"};
  bool runs(const std::string& step) const { return std::find(steps.begin(), steps.end(), step) != steps.end(); }
};

// VmHWM (peak resident set) of this process in MiB, from /proc/self/status;
// falls back to getrusage where /proc is not there.
double vm_hwm_mib() {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      f >> kib;
      return kib / 1024.0;
    }
    f.ignore(1 << 16, '\n');
  }
  return bench::peak_rss_mib();
}

// One value per rank, on rank 0 (empty elsewhere).
std::vector<double> gather(const mpi::Comm& comm, double value) {
  std::vector<double> all(comm.is_root() ? static_cast<std::size_t>(comm.size()) : 0);
  mpi::check(MPI_Gather(&value, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, 0, comm.get()), "MPI_Gather");
  return all;
}

// A step measured on every rank: the slowest rank's wall time, every rank's
// peak RSS, and how much of the wall time each rank held a core.
struct Measured {
  double seconds = 0;                // max over ranks
  double busy_min = 1;               // min over ranks of CPU / wall
  std::vector<double> rss_per_rank;  // rank 0 only
  double rss_max = 0;
};

// Runs f once on every rank (after a barrier) and measures it. The RSS
// high-water mark is lowered before, so the peak is this step's.
Measured measure_once(const mpi::Comm& comm, const std::function<void()>& f) {
  bench::reset_peak_rss();
  comm.barrier();
  const double c0 = bench::cpu_seconds(), t0 = bench::now_seconds();
  f();
  Kokkos::fence();
  const double wall = bench::now_seconds() - t0, cpu = bench::cpu_seconds() - c0;
  Measured m;
  m.seconds = comm.max(wall);
  m.busy_min = comm.min(wall > 0 ? cpu / wall : 1.0);
  const double rss = vm_hwm_mib();
  m.rss_per_rank = gather(comm, rss);
  m.rss_max = comm.max(rss);
  return m;
}

// Median over reps (after a warm-up) of the slowest rank's time; the peak
// RSS over all of them.
Measured measure_median(const mpi::Comm& comm, int reps, const std::function<void()>& f) {
  bench::reset_peak_rss();
  f();  // warm-up
  Kokkos::fence();
  std::vector<double> t;
  double busy = 1;
  for (int r = 0; r < reps; ++r) {
    comm.barrier();
    const double c0 = bench::cpu_seconds(), t0 = bench::now_seconds();
    f();
    Kokkos::fence();
    const double wall = bench::now_seconds() - t0, cpu = bench::cpu_seconds() - c0;
    t.push_back(comm.max(wall));
    busy = std::min(busy, comm.min(wall > 0 ? cpu / wall : 1.0));
  }
  Measured m;
  m.seconds = bench::median(t);
  m.busy_min = busy;
  const double rss = vm_hwm_mib();
  m.rss_per_rank = gather(comm, rss);
  m.rss_max = comm.max(rss);
  return m;
}

std::string join(const std::vector<double>& v, const char* format = "{:.1f}") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + fmt::format(fmt::runtime(format), v[i]);
  return s;
}

// Median over reps of this rank's own time of f (no barrier: a rank's
// share of the work alone, which shows an imbalance between the ranks).
double local_median(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r)
    t.push_back(bench::time_seconds([&] {
      f();
      Kokkos::fence();
    }));
  return bench::median(t);
}

// The result of a step as host doubles (every rank holds the same image).
template <class T>
std::vector<double> to_host(const Image<T>& x) {
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace{}, x);
  return std::vector<double>(h.data(), h.data() + h.size());
}

// ‖x‖₂ and Σ x_i w_i with fixed pseudo-random weights w_i in [−1, 1) (a
// hash of i), which a change of single pixels shows and a permutation does not
// hide.
std::pair<double, double> checksums(const std::vector<double>& x) {
  double norm2 = 0, weighted = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    std::uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    const double w = static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
    norm2 += x[i] * x[i];
    weighted += x[i] * w;
  }
  return {std::sqrt(norm2), weighted};
}

std::string dump_path(const std::string& dir, int n, const std::string& what) {
  std::string name = what;
  std::replace(name.begin(), name.end(), '+', '_');
  return fmt::format("{}/n{}-{}.f64", dir, n, name);
}

// max|x − ref| / max|ref| against the reference run's dump; -1 if there is
// none (or it has another size).
double relative_difference(const std::string& path, const std::vector<double>& x) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return -1;
  std::vector<double> ref(x.size());
  f.read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * sizeof(double)));
  if (f.gcount() != static_cast<std::streamsize>(ref.size() * sizeof(double)) || f.peek() != EOF) return -1;
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::fabs(x[i] - ref[i]));
    scale = std::max(scale, std::fabs(ref[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

// Prints the RESULT line of one step (rank 0) and handles --dump/--reference.
void report(const mpi::Comm& comm, const Options& o, int n, const std::string& what, const std::string& precision,
            const Measured& m, const std::vector<double>& x, const std::vector<double>& truth,
            const std::string& extra) {
  if (!comm.is_root()) return;
  const auto [norm, weighted] = checksums(x);
  std::string line = fmt::format(
      "RESULT ranks={} n={} what={} precision={} seconds={:.6g} peak_rss_mib_max={:.1f} peak_rss_mib_rank0={:.1f} "
      "peak_rss_mib_per_rank={} busy_min={:.3f} norm={:.17g} checksum={:.17g}",
      comm.size(), n, what, precision, m.seconds, m.rss_max, m.rss_per_rank.at(0), join(m.rss_per_rank), m.busy_min,
      norm, weighted);
  if (!truth.empty())
    line += fmt::format(" psnr_db={:.6f}", psnr(truth.data(), x.data(), static_cast<long>(x.size()),
                                                data_range_of(truth.data(), static_cast<long>(truth.size()))));
  if (!o.reference.empty()) {
    const double d = relative_difference(dump_path(o.reference, n, what), x);
    line += d < 0 ? std::string(" rel_diff=no-reference") : fmt::format(" rel_diff={:.3g}", d);
  }
  line += extra;
  fmt::print("{}\n", line);
  std::fflush(stdout);
  if (!o.dump.empty()) {
    std::ofstream f(dump_path(o.dump, n, what), std::ios::binary);
    f.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(double)));
  }
}

struct Problem {
  ImageGeometry image;
  BeamGeometry beam;
  std::vector<double> truth;  // n², row-major
};

Problem make_problem(int n) {
  Problem p;
  p.image.nx = p.image.ny = n;
  p.image.width = p.image.height = 2.0;
  p.beam.kind = BeamKind::Parallel;
  p.beam.angles = uniform_angles(n, std::numbers::pi);
  p.beam.detectors = n;
  p.beam.detector_spacing = 2.0 / n;
  p.truth = shepp_logan(p.image);
  return p;
}

template <class T>
Image<T> image_from(const DistributedProjector<T>& A, const std::vector<double>& pixels) {
  Image<T> x = A.make_image();
  auto h = Kokkos::create_mirror_view(x);
  for (std::size_t i = 0; i < pixels.size(); ++i) h.data()[i] = static_cast<T>(pixels[i]);
  Kokkos::deep_copy(x, h);
  return x;
}

template <class T>
MPI_Datatype mpi_type_of() {
  return sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
}

// (a) one forward and one adjoint: x ← Aᵀ A x_truth (result compared across
// rank counts). Also the time of the adjoint's MPI_Allreduce of the n² image
// alone (the one replicated O(n²) step of the projector pair), and the
// forward and adjoint apart.
template <class T>
void forward_adjoint(const mpi::Comm& comm, const Options& o, const Problem& p) {
  const int n = p.image.nx;
  const std::string precision = sizeof(T) == 4 ? "float32" : "float64";
  const DistributedProjector<T> A(p.image, p.beam, comm);
  const Image<T> x = image_from(A, p.truth);
  const Sinogram<T> y = A.make_sinogram_slice();
  const Image<T> back = A.make_image();
  const Measured m = measure_median(comm, o.reps, [&] {
    A.forward(x, y);
    A.adjoint(y, back);
  });
  const Measured mf = measure_median(comm, o.reps, [&] { A.forward(x, y); });
  const Measured ma = measure_median(comm, o.reps, [&] { A.adjoint(y, back); });
  double allreduce = 0;
  if (comm.size() > 1) {
    std::vector<T> buffer(static_cast<std::size_t>(n) * n, T(1));
    const Measured mr = measure_median(comm, o.reps, [&] {
      mpi::check(MPI_Allreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(buffer.size()), mpi_type_of<T>(), MPI_SUM,
                               comm.get()),
                 "MPI_Allreduce");
    });
    allreduce = mr.seconds;
  }
  // Each rank's share alone: the forward and the local backprojection (the
  // adjoint without its Allreduce), to see whether the angle blocks cost the same.
  const std::vector<double> forward_local = gather(comm, local_median(o.reps, [&] { A.forward(x, y); }));
  const std::vector<double> adjoint_local = gather(comm, local_median(o.reps, [&] { A.local().adjoint(y, back); }));
  A.adjoint(y, back);  // the result compared below
  report(
      comm, o, n, "forward+adjoint", precision, m, to_host(back), {},
      fmt::format(" forward_s={:.6g} adjoint_s={:.6g} allreduce_s={:.6g} angles_rank0={} forward_local_s_per_rank={} "
                  "adjoint_local_s_per_rank={}",
                  mf.seconds, ma.seconds, allreduce, A.angles().count, join(forward_local, "{:.4g}"),
                  join(adjoint_local, "{:.4g}")));
}

// A rigorous upper bound on ‖A‖₂ for the TV step sizes, by the Schur test
// (A >= 0 entrywise): ‖A‖₂² <= max(A 1) max(Aᵀ 1). One forward and one
// adjoint, instead of the pipeline's power iteration (up to 200 pairs), so
// the TV time is that of its iterations; the bound is the same for any rank
// count up to rounding.
double schur_bound(const DistributedProjector<double>& A) {
  Image<double> ones = A.make_image();
  Kokkos::deep_copy(ones, 1.0);
  Sinogram<double> rows = A.make_sinogram_slice();
  A.forward(ones, rows);
  double row_max = 0, col_max = 0;
  Kokkos::parallel_reduce(
      "bench::max_rows", Kokkos::RangePolicy<ExecSpace>(0, static_cast<std::int64_t>(rows.size())),
      KOKKOS_LAMBDA(std::int64_t i, double& m) { m = rows.data()[i] > m ? rows.data()[i] : m; },
      Kokkos::Max<double>(row_max));
  Sinogram<double> ones_rows = A.make_sinogram_slice();
  Kokkos::deep_copy(ones_rows, 1.0);
  A.adjoint(ones_rows, ones);
  Kokkos::parallel_reduce(
      "bench::max_columns", Kokkos::RangePolicy<ExecSpace>(0, static_cast<std::int64_t>(ones.size())),
      KOKKOS_LAMBDA(std::int64_t i, double& m) { m = ones.data()[i] > m ? ones.data()[i] : m; },
      Kokkos::Max<double>(col_max));
  return std::sqrt(A.comm().max(row_max) * col_max);
}

// (b) and (c): the reconstructions from the noise-free sinogram (this rank's
// rows of A x_truth, the same numbers on any rank count).
void reconstructions(const mpi::Comm& comm, const Options& o, const Problem& p) {
  const int n = p.image.nx;
  const DistributedProjector<double> A(p.image, p.beam, comm);
  Sinogram<double> y = A.make_sinogram_slice();
  A.forward(image_from(A, p.truth), y);
  if (o.runs("sirt")) {
    Image<double> x = A.make_image();
    IterationHistory h;
    SirtOptions so;
    so.iterations = o.iterations;
    so.relaxation = 1.0;
    so.nonnegative = true;                    // as ct.classical's default
    so.discrepancy = Discrepancy{0.0, 1.01};  // off: exactly `iterations` updates
    const Measured m = measure_once(comm, [&] { h = sirt(A, y, x, so); });
    report(comm, o, n, "sirt", "float64", m, to_host(x), p.truth,
           fmt::format(" iterations={} seconds_per_iteration={:.6g} residual={:.9g}", h.iterations,
                       m.seconds / h.iterations, h.final_residual_norm));
  }
  if (o.operator_norm && o.runs("tv")) {
    // What ct.classical's TV stage does first: ‖A‖ by power iteration to the
    // default tolerance (1e-6 relative), up to 200 forward/adjoint pairs.
    double norm = 0;
    const Measured m = measure_once(comm, [&] { norm = operator_norm(A); });
    if (comm.is_root())
      fmt::print(
          "RESULT ranks={} n={} what=operator_norm precision=float64 seconds={:.6g} peak_rss_mib_max={:.1f} "
          "busy_min={:.3f} operator_norm={:.12g}\n",
          comm.size(), n, m.seconds, m.rss_max, m.busy_min, norm);
  }
  if (o.runs("tv")) {
    const double bound = schur_bound(A);
    Image<double> x = A.make_image();
    TvPdhgHistory h;
    TvPdhgOptions to;
    to.lambda = o.tv_lambda;
    to.iterations = o.iterations;
    to.operator_norm = bound;
    to.gap_tolerance = 0;  // never stops early
    const Measured m = measure_once(comm, [&] { h = tv_pdhg(A, y, x, to); });
    report(comm, o, n, "tv", "float64", m, to_host(x), p.truth,
           fmt::format(" iterations={} seconds_per_iteration={:.6g} operator_norm_bound={:.9g} objective={:.9g}",
                       h.iterations, m.seconds / h.iterations, bound, h.primal.empty() ? 0.0 : h.primal.back()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment mpi_env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  const mpi::Comm comm;
  CLI::App app{"CT strong scaling and peak memory: projector pair, SIRT, TV-PDHG at n² with n angles"};
  std::vector<int> sizes{1024};
  Options o;
  std::string clock = "wall";
  app.add_option("--sizes", sizes, "image sides n (n² pixels, n angles over [0, π), n detectors)")->delimiter(',');
  app.add_option("--iterations", o.iterations, "SIRT updates and TV-PDHG iterations (exactly this many)")
      ->check(CLI::PositiveNumber);
  app.add_option("--reps", o.reps, "timed repetitions of forward+adjoint (median)")->check(CLI::PositiveNumber);
  app.add_option("--steps", o.steps, "what to time")
      ->delimiter(',')
      ->check(CLI::IsMember({"forward+adjoint", "sirt", "tv"}));
  app.add_option("--precision", o.precision, "precision of forward+adjoint (SIRT and TV are float64)")
      ->check(CLI::IsMember({"float32", "float64"}));
  app.add_option("--tv-lambda", o.tv_lambda, "TV weight λ");
  app.add_option("--clock", clock, "wall only: CPU time is not meaningful across ranks (see the source)")
      ->check(CLI::IsMember({"wall"}));
  app.add_flag("--operator-norm", o.operator_norm,
               "also time ct.classical's TV set-up, ‖A‖ by power iteration (up to 200 pairs)");
  app.add_option("--dump", o.dump, "rank 0 writes each result as raw float64 into this directory");
  app.add_option("--reference", o.reference, "directory of another run's --dump: print rel_diff against it");
  CLI11_PARSE(app, argc, argv);
  if (comm.is_root())
    fmt::print("structura_bench_ct_scaling: {} rank(s), {}, wall clock, {} iterations, rss_reset={}\n", comm.size(),
               execution_space_description(), o.iterations, bench::reset_peak_rss() ? "yes" : "no");
  for (int n : sizes) {
    const Problem p = make_problem(n);
    if (o.runs("forward+adjoint")) {
      if (o.precision == "float32") forward_adjoint<float>(comm, o, p);
      else forward_adjoint<double>(comm, o, p);
    }
    if (o.runs("sirt") || o.runs("tv")) reconstructions(comm, o, p);
  }
  // The whole process: the peak of every step (and of MPI/Kokkos start-up).
  const double peak = bench::process_peak_rss_mib();
  const double hwm = std::max(peak, vm_hwm_mib());
  const std::vector<double> all = gather(comm, hwm);
  if (comm.is_root()) {
    for (std::size_t r = 0; r < all.size(); ++r) fmt::print("RSS rank={} process_peak_rss_mib={:.1f}\n", r, all[r]);
    fmt::print(
        "RESULT ranks={} what=process peak_rss_mib_max={:.1f} peak_rss_mib_rank0={:.1f} peak_rss_mib_per_rank={}\n",
        comm.size(), *std::max_element(all.begin(), all.end()), all.at(0), join(all));
  }
  return 0;
}
