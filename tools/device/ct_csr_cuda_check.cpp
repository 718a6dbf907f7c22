// The CT operator as a torch sparse CSR matrix (tomography_torch/
// csr_projector.hpp) on CUDA against the same matrix on the CPU: forward and
// adjoint products and autograd gradients (float32, float64, parallel and
// fan beam), the adjoint identity on the device, and timings (RESULT lines).
// Run by ct_csr_cuda_check.sh. Exit: 0 pass, 1 a check failed, 3 no CUDA
// device although --require-cuda.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numbers>

#include "tomography/geometry.hpp"
#include "tomography_torch/csr_projector.hpp"

using namespace structura;
using namespace structura::tomography;
using tomography_torch::CsrProjector;

namespace {

int failures = 0;

void check(bool ok, const char* what, double value, double limit) {
  std::printf("%s  %-58s %.3e (limit %.1e)\n", ok ? "PASS" : "FAIL", what, value, limit);
  if (!ok) ++failures;
}

double rel(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.cpu() - b.cpu()).abs().max().item<double>() / (1e-300 + b.cpu().abs().max().item<double>());
}

std::pair<ImageGeometry, BeamGeometry> problem(int n, bool fan) {
  ImageGeometry im;
  im.nx = im.ny = n;
  BeamGeometry b;
  b.detectors = static_cast<int>(1.5 * n);
  if (fan) {
    b.kind = BeamKind::Fan;
    b.angles = uniform_angles(n, 2 * std::numbers::pi);
    b.detector_spacing = 4.0 / b.detectors;
    b.source_origin = 3.0;
    b.origin_detector = 1.0;
  } else {
    b.angles = uniform_angles(n, std::numbers::pi);
    b.detector_spacing = 3.0 / b.detectors;
  }
  return {im, b};
}

double seconds(const std::function<void()>& f, bool cuda) {
  f();
  if (cuda) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) f();
  if (cuda) torch::cuda::synchronize();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 10;
}

}  // namespace

int main(int argc, char** argv) {
  bool require_cuda = false;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--require-cuda")) require_cuda = true;
  const bool cuda = torch::cuda::is_available();
  std::printf("CUDA available: %s\n", cuda ? "yes" : "no");
  if (!cuda && require_cuda) return 3;
  const torch::Device dev = cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  for (bool fan : {false, true})
    for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
      const auto [im, beam] = problem(64, fan);
      const CsrProjector cpu(im, beam, dtype, torch::kCPU);
      const CsrProjector gpu(im, beam, dtype, dev);
      torch::manual_seed(1);
      const auto opt = torch::TensorOptions().dtype(dtype);
      const auto x = torch::randn({4, 1, im.ny, im.nx}, opt);
      const auto y = torch::randn({4, 1, (long)beam.angles.size(), beam.detectors}, opt);
      const double eps = dtype == torch::kFloat32 ? 1e-5 : 1e-12;
      char what[100];
      const char* tag = fan ? (dtype == torch::kFloat32 ? "fan f32" : "fan f64")
                            : (dtype == torch::kFloat32 ? "parallel f32" : "parallel f64");
      std::snprintf(what, sizeof what, "%s: forward %s = CPU", tag, cuda ? "CUDA" : "(CPU)");
      check(rel(gpu.forward_raw(x.to(dev)), cpu.forward_raw(x)) <= eps, what,
            rel(gpu.forward_raw(x.to(dev)), cpu.forward_raw(x)), eps);
      std::snprintf(what, sizeof what, "%s: adjoint %s = CPU", tag, cuda ? "CUDA" : "(CPU)");
      const double ra = rel(gpu.adjoint_raw(y.to(dev)), cpu.adjoint_raw(y));
      check(ra <= eps, what, ra, eps);
      const double lhs = (gpu.forward_raw(x.to(dev)) * y.to(dev)).sum().item<double>();
      const double rhs = (x.to(dev) * gpu.adjoint_raw(y.to(dev))).sum().item<double>();
      std::snprintf(what, sizeof what, "%s: <Ax,y> = <x,A^T y> on the device", tag);
      check(std::abs(lhs - rhs) <= 10 * eps * std::abs(lhs), what, std::abs(lhs - rhs) / std::abs(lhs), 10 * eps);
      auto grad = [&](const CsrProjector& A, torch::Device d) {
        auto v = x.to(d).requires_grad_(true);
        const auto loss = torch::sin(A.project(v)).sum() + A.backproject(A.project(v)).pow(2).sum();
        return torch::autograd::grad({loss}, {v})[0];
      };
      const double rg = rel(grad(gpu, dev), grad(cpu, torch::kCPU));
      std::snprintf(what, sizeof what, "%s: autograd gradient device = CPU", tag);
      check(rg <= 10 * eps, what, rg, 10 * eps);
    }
  for (int n : {128, 256}) {
    const auto [im, beam] = problem(n, false);
    const CsrProjector A(im, beam, torch::kFloat32, dev);
    const auto x = torch::randn({16, 1, n, n}, torch::TensorOptions().device(dev));
    const auto y = torch::randn({16, 1, (long)beam.angles.size(), beam.detectors}, torch::TensorOptions().device(dev));
    const double tf = seconds([&] { (void)A.forward_raw(x); }, cuda);
    const double tb = seconds([&] { (void)A.adjoint_raw(y); }, cuda);
    std::printf("RESULT csr n=%d angles=%d detectors=%d batch=16 float32 device=%s forward_s=%.3e adjoint_s=%.3e "
                "nnz=%lld MiB=%.1f\n",
                n, n, beam.detectors, cuda ? "cuda" : "cpu", tf, tb, (long long)A.nnz(), A.bytes() / 1048576.0);
  }
  std::printf("%s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
