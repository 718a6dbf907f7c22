// The differentiable torch operator (tomography_torch) against the raw
// Joseph projector on the same batch: forward A and adjoint Aᵀ, float32, one
// rank, one thread, median CPU time of --reps runs. Rows: raw (Projector<T>
// on preallocated views, image by image), torch (TorchProjector::project /
// backproject on an input that requires grad, so the autograd node is
// recorded), csr (CsrProjector, libtorch's sparse CSR product). The ratio
// torch/raw is the wrapping's overhead (issue 10 target: <= 1.10).
#include <torch/torch.h>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <vector>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "tomography/geometry.hpp"
#include "tomography/projector.hpp"
#include "tomography_torch/csr_projector.hpp"
#include "tomography_torch/projector_autograd.hpp"

using namespace structura;
using namespace structura::tomography;

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median_time(int reps, const std::function<void()>& f) {
  f();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = cpu_seconds();
    f();
    t.push_back(cpu_seconds() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  mpi::Environment mpi_env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  torch::set_num_threads(1);
  const int n = argc > 1 ? std::atoi(argv[1]) : 128;
  const int angles = argc > 2 ? std::atoi(argv[2]) : 30;
  const int batch = argc > 3 ? std::atoi(argv[3]) : 16;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 9;
  ImageGeometry im;
  im.nx = im.ny = n;
  BeamGeometry beam;
  beam.angles = uniform_angles(angles, 3.141592653589793);
  beam.detectors = static_cast<int>(1.5 * n);
  beam.detector_spacing = 2.0 * 1.5 / beam.detectors;
  const mpi::Comm self{MPI_COMM_SELF};
  const tomography_torch::TorchProjector op(im, beam, self);
  const tomography_torch::CsrProjector csr(im, beam, torch::kFloat32);
  const Projector<float> raw(im, beam);
  std::vector<Image<float>> images;
  std::vector<Sinogram<float>> sinos;
  for (int i = 0; i < batch; ++i) {
    images.push_back(raw.make_image());
    sinos.push_back(raw.make_sinogram());
    Kokkos::deep_copy(images.back(), 1.0f);
  }
  const auto x = torch::rand({batch, 1, n, n}).requires_grad_(true);
  const auto y = torch::rand({batch, 1, angles, beam.detectors}).requires_grad_(true);
  const double raw_f = median_time(reps, [&] {
    for (int i = 0; i < batch; ++i) raw.forward(images[i], sinos[i]);
  });
  const double raw_b = median_time(reps, [&] {
    for (int i = 0; i < batch; ++i) raw.adjoint(sinos[i], images[i]);
  });
  const double torch_f = median_time(reps, [&] { (void)op.project(x); });
  const double torch_b = median_time(reps, [&] { (void)op.backproject(y); });
  const double csr_f = median_time(reps, [&] { (void)csr.project(x); });
  const double csr_b = median_time(reps, [&] { (void)csr.backproject(y); });
  fmt::print("{}², {} angles × {} detectors, batch {}, float32, 1 thread, median CPU s of {}\n", n, angles,
             beam.detectors, batch, reps);
  fmt::print("         forward      adjoint\nraw      {:.3e}    {:.3e}\n", raw_f, raw_b);
  fmt::print("torch    {:.3e}    {:.3e}   ratio to raw {:.3f} / {:.3f}\n", torch_f, torch_b, torch_f / raw_f,
             torch_b / raw_b);
  fmt::print("csr      {:.3e}    {:.3e}   ratio to raw {:.3f} / {:.3f}\n", csr_f, csr_b, csr_f / raw_f,
             csr_b / raw_b);
  fmt::print("csr nnz {} ({:.2f} per ray, {:.3f}·n), {:.1f} MiB for M and Mᵀ\n", csr.nnz(),
             double(csr.nnz()) / (angles * beam.detectors), double(csr.nnz()) / (angles * beam.detectors) / n,
             csr.bytes() / 1048576.0);
}
