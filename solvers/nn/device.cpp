#include "nn/device.hpp"

#include <fmt/format.h>

#include <malloc.h>

#include <mutex>

#include "core/error.hpp"

namespace structura::nn {

namespace {

torch::Device parse_device(const std::string& text, const std::string& key) {
  if (text == "cpu") return torch::kCPU;
  const bool cuda = text == "cuda" || text.rfind("cuda:", 0) == 0;
  if (!cuda) throw InputError(fmt::format("{}: unknown device '{}'; expected cpu, cuda or cuda:N", key, text));
  if (!torch::cuda::is_available())
    throw InputError(
        fmt::format("{}: '{}' requested, but this libtorch sees no CUDA device (CPU-only build or no "
                    "GPU visible); use device = \"cpu\"",
                    key, text));
  if (text == "cuda") return torch::kCUDA;
  const std::string index = text.substr(5);
  int n = -1;
  try {
    std::size_t used = 0;
    n = std::stoi(index, &used);
    if (used != index.size()) n = -1;
  } catch (const std::exception&) {
    n = -1;
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (n < 0 || n >= count)
    throw InputError(
        fmt::format("{}: '{}' is not a visible GPU; {} device(s), cuda:0 to cuda:{}", key, text, count, count - 1));
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(n));
}

torch::Dtype parse_dtype(const std::string& text, const std::string& key) {
  if (text == "float32") return torch::kFloat32;
  if (text == "float64") return torch::kFloat64;
  throw InputError(fmt::format("{}: unknown dtype '{}'; expected float32 or float64", key, text));
}

}  // namespace

TorchSettings parse_torch_settings(const std::string& device, const std::string& dtype, int threads,
                                   const std::string& where) {
  if (threads < 1) throw InputError(fmt::format("{}.threads: must be at least 1, got {}", where, threads));
  return {parse_device(device, where + ".device"), parse_dtype(dtype, where + ".dtype"), threads};
}

void apply(const TorchSettings& settings) {
  torch::set_num_threads(settings.threads);
  // libtorch throws if the inter-op pool is sized twice or after it started;
  // its size hardly matters for our workloads, so the first setting stands.
  static std::once_flag interop_once;
  std::call_once(interop_once, [&] {
    try {
      torch::set_num_interop_threads(settings.threads);
    } catch (const c10::Error&) {
      // The pool already runs (someone used it first): keep its size.
    }
  });
  c10::set_default_dtype(caffe2::TypeMeta::fromScalarType(settings.dtype));
  // A training step allocates and frees the same tensor sizes again and
  // again. With glibc's defaults, blocks above the mmap threshold go back to
  // the kernel and come back as fresh zeroed pages: page faults were 14 % of
  // a SympFlow epoch. Keeping freed memory in the process costs no RSS that
  // the next step would not touch anyway.
  static std::once_flag malloc_once;
  std::call_once(malloc_once, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
  });
}

}  // namespace structura::nn
