// Stage bodies live in one plugin per kind, lib/structura/kinds/
// libstructura_kind_<folder>.so, loaded on a stage's first call. A run then
// maps only the libraries its kind needs (libtorch for the learning kinds
// alone, PETSc and FFTW for CT alone), and `structura list / validate /
// status` map none of them. The light half of a kind (schema, settings,
// stage list, summary) is linked into the pipeline library.
//
// A kind's plugin lists its bodies once:
//
//   STRUCTURA_STAGE_MODULE(ct_classical,
//                          {"phantoms", [](StageContext& c, const std::string&) { phantoms(c); }},
//                          {"reconstruct", [](StageContext& c, const std::string& m) { reconstruct(c, m); }})
//
// and its kind.cpp names them: Stage{"reconstruct/fbp", "reconstruct", false,
// stage_body("ct_classical", "reconstruct", "fbp")}.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "run/stage_context.hpp"

namespace structura::pipeline {

// One stage body: the context and the argument its Stage was declared with
// (a method name, say; empty where the body takes none).
using StageBody = void (*)(StageContext&, const std::string& argument);

struct StageBodyEntry {
  const char* name;
  StageBody body;
};

struct StageModule {
  const StageBodyEntry* entries;
  std::size_t count;
};

// A Stage::run that loads `folder`'s plugin on its first call (once per
// process) and runs its body `body` with `argument`. Loading or lookup
// failures are InternalErrors naming the plugin's file.
std::function<void(StageContext&)> stage_body(std::string folder, std::string body, std::string argument = "");

// The directory the plugins are loaded from: lib/structura/kinds beside the
// pipeline library (the same layout in the build tree and an installed one).
std::string stage_module_directory();

}  // namespace structura::pipeline

#define STRUCTURA_STAGE_MODULE(folder, ...)                                                                \
  extern "C" __attribute__((visibility("default")))                                                        \
  const ::structura::pipeline::StageModule* structura_stage_module_##folder() {                            \
    static const ::structura::pipeline::StageBodyEntry entries[] = {__VA_ARGS__};                          \
    static const ::structura::pipeline::StageModule module{entries, sizeof(entries) / sizeof(entries[0])}; \
    return &module;                                                                                        \
  }
