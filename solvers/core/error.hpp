// Exceptions thrown by the solvers. The pipeline maps them to exit codes:
// InputError -> 2 (the caller passed something invalid), everything else -> 1.
#pragma once

#include <stdexcept>
#include <string>

namespace structura {

// Base of every error structura throws on purpose.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// An argument, file or configuration value is invalid; the message names it.
class InputError : public Error {
public:
  using Error::Error;
};

// A computation produced NaN/Inf, diverged or did not converge. The message
// says which quantity and where.
class NumericalError : public Error {
public:
  using Error::Error;
};

// Throws InputError(message) unless condition holds.
void require(bool condition, const std::string& message);

}  // namespace structura
