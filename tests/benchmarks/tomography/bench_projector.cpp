// Throughput of the Joseph projector pair (forward and adjoint, float and
// double, parallel and fan beam) and of FBP (ramp filter) on one rank, in pixel·angle updates per
// second, for the sizes of the CT issue: 256² × 256 angles, 512² × 512, and
// the set-up each needs before its first product (the projector's ray plan,
// FBP's FFTW plans and filter). ASTRA's CPU projectors (astra_peer.py) and
// scikit-image's radon and iradon (skimage_peer.py) on the same sizes are
// timed in the same run (run_tomography.sh), which prints the ratios.
//
//   structura_bench_projector [--sizes 256,512] [--reps 5] [--clock wall|cpu]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "tomography/fbp.hpp"
#include "tomography/phantoms.hpp"
#include "tomography/projector.hpp"

using namespace structura;
using namespace structura::tomography;

namespace {

template <class T>
void measure(int n, BeamKind kind, int reps, bool cpu_clock) {
  ImageGeometry im;
  im.nx = im.ny = n;
  im.width = im.height = 2.0;
  BeamGeometry beam;
  beam.kind = kind;
  beam.detectors = n;
  if (kind == BeamKind::Parallel) {
    beam.angles = uniform_angles(n, 3.14159265358979323846);
    beam.detector_spacing = 2.0 / n;
  } else {  // flat detector, magnification 1.5, full turn
    beam.angles = uniform_angles(n, 2 * 3.14159265358979323846);
    beam.source_origin = 4.0;
    beam.origin_detector = 2.0;
    beam.detector_spacing = 1.5 * 2.0 * 1.5 / n;
  }
  auto seconds = [&](auto&& f) { return cpu_clock ? bench::cpu_time_seconds(f) : bench::time_seconds(f); };
  // Set-up as a user pays it: the projector's constructor (validation,
  // trigonometry and the ray plan of band_plan.hpp), median of `reps`.
  std::vector<double> setups;
  for (int r = 0; r < reps; ++r) setups.push_back(seconds([&] { const Projector<T> B(im, beam); }));
  const double setup = bench::median(setups);
  const Projector<T> A(im, beam);
  auto x = A.make_image();
  auto y = A.make_sinogram();
  {
    const std::vector<double> phantom = shepp_logan(im);
    auto h = Kokkos::create_mirror_view(x);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) h(r, c) = static_cast<T>(phantom[static_cast<std::size_t>(r) * n + c]);
    Kokkos::deep_copy(x, h);
  }
  auto timed = [&](auto&& f) {
    std::vector<double> t;
    const auto run = [&] {
      f();
      Kokkos::fence();
    };
    run();  // warm-up
    for (int r = 0; r < reps; ++r) t.push_back(cpu_clock ? bench::cpu_time_seconds(run) : bench::time_seconds(run));
    return bench::median(t);
  };
  const double tf = timed([&] { A.forward(x, y); });
  const double ta = timed([&] { A.adjoint(y, x); });
  // FBP's set-up: the first Fbp of this size and precision in the process
  // pays for the FFTW plans and the filter response (cached per process;
  // the fan rows, measured after the parallel ones, reuse them), later ones
  // only for the per-angle tables.
  std::optional<Fbp<T>> fbp_slot;
  const double fbp_setup = seconds([&] { fbp_slot.emplace(im, beam, FilterKind::Ramp); });
  const Fbp<T>& fbp = *fbp_slot;
  auto out = fbp.make_image();
  const double tfbp = timed([&] { fbp.reconstruct(y, out); });
  const double updates = double(n) * n * n;
  fmt::print(
      "RESULT part=projector n={} beam={} precision={} setup_s={:.6g} forward_s={:.6g} adjoint_s={:.6g} "
      "fbp_setup_s={:.6g} fbp_s={:.6g} forward_gups={:.4g} adjoint_gups={:.4g} rss_mib={:.1f}\n",
      n, kind == BeamKind::Parallel ? "parallel" : "fan", sizeof(T) == 4 ? "float32" : "float64", setup, tf, ta,
      fbp_setup, tfbp,
      updates / tf / 1e9, updates / ta / 1e9, bench::peak_rss_mib());
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment mpi_env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  CLI::App app{"Joseph projector throughput"};
  std::vector<int> sizes{256, 512};
  int reps = 5;
  app.add_option("--sizes", sizes, "image sides n (n² pixels, n angles, n detectors)")->delimiter(',');
  app.add_option("--reps", reps, "timed repetitions (median)");
  std::string clock = "wall";
  app.add_option("--clock", clock, "wall: elapsed time; cpu: this process's CPU time (for a shared machine)")
      ->check(CLI::IsMember({"wall", "cpu"}));
  CLI11_PARSE(app, argc, argv);
  fmt::print("structura_bench_projector: {}, one rank, {} clock\n", execution_space_description(), clock);
  for (int n : sizes)
    for (BeamKind kind : {BeamKind::Parallel, BeamKind::Fan}) {
      measure<float>(n, kind, reps, clock == "cpu");
      measure<double>(n, kind, reps, clock == "cpu");
    }
  return 0;
}
