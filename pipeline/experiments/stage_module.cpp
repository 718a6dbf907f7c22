#include "experiments/stage_module.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "core/error.hpp"

namespace structura::pipeline {

namespace {

// The loaded plugins, by folder. They are never closed: libtorch and Kokkos
// keep state that must outlive any stage.
const StageModule& load_module(const std::string& folder) {
  static std::mutex mutex;
  static std::map<std::string, const StageModule*> loaded;
  std::lock_guard lock(mutex);
  if (auto it = loaded.find(folder); it != loaded.end()) return *it->second;
  const std::string file = fmt::format("{}/libstructura_kind_{}.so", stage_module_directory(), folder);
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    throw Error(fmt::format("cannot load the stages of kind folder '{}' from {}: {} (is the build complete?)", folder,
                            file, dlerror()));
  using Entry = const StageModule* (*)();
  const std::string symbol = "structura_stage_module_" + folder;
  auto entry = reinterpret_cast<Entry>(dlsym(handle, symbol.c_str()));
  if (entry == nullptr) throw Error(fmt::format("{} has no {} (not a stage plugin of this build)", file, symbol));
  return *loaded.emplace(folder, entry()).first->second;
}

}  // namespace

std::string stage_module_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&stage_module_directory), &info) == 0 || info.dli_fname == nullptr)
    throw Error("cannot locate the structura pipeline library (dladdr failed)");
  const std::filesystem::path library = std::filesystem::canonical(info.dli_fname);
  return (library.parent_path() / "structura" / "kinds").string();
}

std::function<void(StageContext&)> stage_body(std::string folder, std::string body, std::string argument) {
  return [folder = std::move(folder), body = std::move(body), argument = std::move(argument)](StageContext& ctx) {
    const StageModule& module = load_module(folder);
    for (std::size_t i = 0; i < module.count; ++i)
      if (body == module.entries[i].name) return module.entries[i].body(ctx, argument);
    throw Error(fmt::format("the stage plugin of '{}' has no stage body '{}'", folder, body));
  };
}

}  // namespace structura::pipeline
