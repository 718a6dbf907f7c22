// Where and in which precision a learning module computes, parsed from the
// config's strings once and applied to libtorch's process-wide settings.
#pragma once

#include <torch/torch.h>

#include <string>

namespace structura::nn {

struct TorchSettings {
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  int threads = 1;  // intra-op threads per rank
};

// device: "cpu", "cuda" or "cuda:N"; dtype: "float32" or "float64";
// threads >= 1. Throws InputError naming `where` + ".device" / ".dtype" /
// ".threads" (e.g. where = "sympflow.torch"); CUDA is refused when this
// libtorch sees no GPU.
TorchSettings parse_torch_settings(const std::string& device, const std::string& dtype, int threads,
                                   const std::string& where);

// Sets libtorch's thread counts and default dtype, and keeps freed heap
// memory in the process (glibc mallopt; see device.cpp) (process-wide). Safe to
// call more than once: the inter-op thread count can only be set once per
// process, so later calls leave it as it is.
void apply(const TorchSettings& settings);

}  // namespace structura::nn
