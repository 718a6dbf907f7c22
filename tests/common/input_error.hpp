// The message of the InputError that f() must throw; the check fails when
// f() throws nothing. Tests then assert that the message names the key,
// file or argument at fault.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "core/error.hpp"

namespace structura::testing {

template <class F>
std::string input_error(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError");
  return {};
}

}  // namespace structura::testing
