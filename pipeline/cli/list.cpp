// `structura list`: every experiment kind and every parameter.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "experiments/kind.hpp"

namespace structura::pipeline::cli {

int list_command(const std::string& only) {
  bool found = false;
  for (const ExperimentKind& k : experiment_kinds()) {
    if (!only.empty() && k.name != only) continue;
    found = true;
    fmt::print("{}\n  {}\n\n", k.name, k.summary);
    fmt::print("  {:<30} {:<16} {:<26} {}\n", "parameter", "type", "default", "meaning");
    for (const Param& p : k.schema.params()) {
      std::string meaning = p.meaning;
      if (!p.choices.empty()) {
        std::vector<std::string> shown;
        for (const auto& c : p.choices)
          if (!c.empty()) shown.push_back(c);
        meaning += fmt::format(" [{}]", fmt::join(shown, "|"));
      }
      // Brackets as in interval notation: "(0, 2)" excludes both ends.
      if (const std::string range = range_text(p); !range.empty()) meaning += fmt::format(" (values {})", range);
      fmt::print("  {:<30} {:<16} {:<26} {}\n", p.key, type_name(p.type), value_to_string(p.default_value), meaning);
    }
    fmt::print("\n");
  }
  if (!found) throw ConfigError(fmt::format("unknown experiment kind '{}'", only));
  return 0;
}

}  // namespace structura::pipeline::cli
