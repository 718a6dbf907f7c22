#include "petsc/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/error.hpp"
#include "petsc/session.hpp"

namespace structura::petsc {

namespace {

bool argument_error(PetscErrorCode code) {
  switch (code) {
    case PETSC_ERR_ARG_SIZ:
    case PETSC_ERR_ARG_IDN:
    case PETSC_ERR_ARG_WRONG:
    case PETSC_ERR_ARG_CORRUPT:
    case PETSC_ERR_ARG_OUTOFRANGE:
    case PETSC_ERR_ARG_BADPTR:
    case PETSC_ERR_ARG_NOTSAMETYPE:
    case PETSC_ERR_ARG_NOTSAMECOMM:
    case PETSC_ERR_ARG_WRONGSTATE:
    case PETSC_ERR_ARG_TYPENOTSET:
    case PETSC_ERR_ARG_INCOMP:
    case PETSC_ERR_ARG_NULL:
    case PETSC_ERR_ARG_UNKNOWN_TYPE:
    case PETSC_ERR_USER_INPUT:
    case PETSC_ERR_USER:  // PetscOptionsEList's unknown value, e.g. -ts_arkimex_type nonsense
    case PETSC_ERR_SUP:  // e.g. a KSP type that cannot solve this (rectangular) system
      return true;
    default: return false;
  }
}

}  // namespace


PetscOptionsDatabase::PetscOptionsDatabase(const PetscSettings& settings) : settings_(settings) {
  const std::vector<PetscOptionEntry> entries = parse_petsc_options(settings_);
  petsc_check(PetscOptionsCreate(&options_), "PetscOptionsCreate");
  for (const PetscOptionEntry& e : entries) {
    const std::string name = "-" + settings_.prefix + e.name;
    const PetscErrorCode code =
        PetscOptionsSetValue(options_, name.c_str(), e.value.empty() ? nullptr : e.value.c_str());
    if (code != 0) {
      PetscOptionsDestroy(&options_);
      throw InputError(fmt::format("{}: PETSc refused \"{}\": {}", settings_.key, e.name, petsc_error_message(code)));
    }
  }
}

PetscOptionsDatabase::~PetscOptionsDatabase() {
  if (options_ != nullptr) PetscOptionsDestroy(&options_);
}

void PetscOptionsDatabase::require_all_used() const {
  PetscInt n = 0;
  char **names = nullptr, **values = nullptr;
  petsc_check(PetscOptionsLeftGet(options_, &n, &names, &values), "PetscOptionsLeftGet");
  std::vector<std::string> unused;
  for (PetscInt i = 0; i < n; ++i) {
    std::string name = names[i];  // without the '-', with the prefix
    if (name.rfind(settings_.prefix, 0) == 0) name = name.substr(settings_.prefix.size());
    unused.push_back(name);
  }
  PetscOptionsLeftRestore(options_, &n, &names, &values);
  if (unused.empty()) return;
  throw InputError(fmt::format(
      "{}: no PETSc object of this solver read {} (misspelt, or for a type or method not in use; the solver's "
      "objects read their options under the prefix {})",
      settings_.key, fmt::join(unused, ", "), settings_.prefix.empty() ? "(none)" : settings_.prefix));
}

std::string PetscOptionsDatabase::text() const { return fmt::format("{}", fmt::join(settings_.options, " ")); }

void attach_options(PetscObject object, const PetscOptionsDatabase& options) {
  petsc_check(PetscObjectSetOptions(object, options.get()), "PetscObjectSetOptions");
  petsc_check(PetscObjectSetOptionsPrefix(object, options.settings().prefix.c_str()), "PetscObjectSetOptionsPrefix");
}

void petsc_check_options(PetscErrorCode code, const char* what, const PetscOptionsDatabase& options) {
  if (code == 0) return;
  if (!options.settings().options.empty() && argument_error(code))
    throw InputError(fmt::format("{}: PETSc rejected the options ({}) in {}: {}", options.settings().key,
                                 options.text(), what, petsc_error_message(code)));
  petsc_check(code, what);
}

}  // namespace structura::petsc
