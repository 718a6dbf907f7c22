#include "petsc/option_syntax.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace structura::petsc {

namespace {

// "ksp_, pc_, mat_ or vec_".
std::string object_list(const std::vector<std::string>& objects) {
  std::string out;
  for (std::size_t i = 0; i < objects.size(); ++i)
    out += (i == 0 ? "" : i + 1 == objects.size() ? " or " : ", ") + objects[i] + "_";
  return out;
}

bool name_character(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool printable_without_space(char c) { return c > ' ' && c < 127; }

[[noreturn]] void refuse(const PetscSettings& s, const std::string& entry, const std::string& why) {
  throw InputError(fmt::format("{}: \"{}\" {}", s.key, entry, why));
}

}  // namespace

std::vector<PetscOptionEntry> parse_petsc_options(const PetscSettings& s) {
  if (!std::all_of(s.prefix.begin(), s.prefix.end(), name_character) || (!s.prefix.empty() && s.prefix.back() != '_'))
    throw InputError(fmt::format("{}: the options prefix \"{}\" must be [a-z0-9_]* ending in '_'", s.key, s.prefix));
  std::vector<PetscOptionEntry> out;
  std::set<std::string> seen;
  for (const std::string& entry : s.options) {
    if (entry.empty()) refuse(s, entry, "is empty; write name or name=value, e.g. \"ksp_rtol=1e-8\"");
    if (entry.front() == '-')
      refuse(s, entry, "starts with '-': write the option without it, e.g. \"ksp_rtol=1e-8\" for -ksp_rtol 1e-8");
    const auto eq = entry.find('=');
    PetscOptionEntry e{entry.substr(0, eq), eq == std::string::npos ? "" : entry.substr(eq + 1)};
    if (e.name.empty() || !std::all_of(e.name.begin(), e.name.end(), name_character))
      refuse(s, entry,
             "is not name or name=value with a name of lower-case letters, digits and '_' (e.g. \"ksp_rtol=1e-8\")");
    if (eq != std::string::npos && e.value.empty()) refuse(s, entry, "has no value after '='");
    if (!std::all_of(e.value.begin(), e.value.end(), printable_without_space))
      refuse(s, entry, "has a value with white space or control characters");
    // An option for another object (e.g. snes_ for a linear solve, or a
    // global option such as log_view, read by PetscInitialize only) could
    // never be read: refused before a run starts.
    if (std::none_of(s.objects.begin(), s.objects.end(),
                     [&](const std::string& o) { return e.name.rfind(o + "_", 0) == 0; }))
      refuse(s, entry,
             fmt::format("is not an option of the objects this solver creates: its name must start with {} (without "
                         "the prefix {}, which is added)",
                         object_list(s.objects), s.prefix.empty() ? "(none)" : s.prefix));
    if (!seen.insert(e.name).second) refuse(s, entry, fmt::format("sets {} a second time", e.name));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace structura::petsc
