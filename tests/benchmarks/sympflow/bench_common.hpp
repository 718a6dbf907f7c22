// Pieces shared by the two SympFlow benchmarks: the systems and sampling
// boxes of the SympFlow papers, the run's description (compiler, flags,
// libtorch), and Markdown sections that run_sympflow.sh picks from the output.
#pragma once

#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "hamiltonian/ensemble.hpp"

#ifndef STRUCTURA_BENCH_FLAGS
#define STRUCTURA_BENCH_FLAGS "unknown"
#endif

namespace structura::bench {

// A system and the half-width of its sampling box, as in the reference code.
struct BenchSystem {
  std::string name;  // "sho" or "henon-heiles"
  hamiltonian::System system;
  double box = 1.0;
  int dof() const { return hamiltonian::dof(system); }
};

inline BenchSystem bench_system(const std::string& name) {
  if (name == "sho") return {name, hamiltonian::HarmonicOscillator{}, 1.2};
  if (name == "henon-heiles") return {name, hamiltonian::HenonHeiles{}, 1.0};
  throw InputError(fmt::format("unknown system '{}' (expected sho or henon-heiles)", name));
}

inline torch::Dtype parse_dtype(const std::string& name) {
  if (name == "float64") return torch::kFloat64;
  if (name == "float32") return torch::kFloat32;
  throw InputError(fmt::format("unknown dtype '{}' (expected float64 or float32)", name));
}

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

inline std::string compiler_description() {
#if defined(__clang__)
  const char* name = "Clang";
#elif defined(__GNUC__)
  const char* name = "GCC";
#else
  const char* name = "C++";
#endif
  return fmt::format("{} {}, {}", name, __VERSION__, STRUCTURA_BENCH_FLAGS);
}

inline std::string torch_description() {
  return fmt::format("libtorch {}, {} intra-op thread(s)", TORCH_VERSION, torch::get_num_threads());
}

// One Markdown section per part, printed between <!-- bench:begin PART -->
// and <!-- bench:end --> so that the driver can assemble several runs.
struct Markdown {
  std::vector<std::pair<std::string, std::string>> sections;
  void section(const std::string& part) { sections.emplace_back(part, ""); }
  template <class... A>
  void line(fmt::format_string<A...> f, A&&... a) {
    if (sections.empty()) section("misc");
    sections.back().second += fmt::format(f, std::forward<A>(a)...) + "\n";
  }
  void print() const {
    for (const auto& [part, text] : sections)
      fmt::print("\n<!-- bench:begin {} -->\n{}<!-- bench:end -->\n", part, text);
    fmt::print("\n");
  }
};

}  // namespace structura::bench
