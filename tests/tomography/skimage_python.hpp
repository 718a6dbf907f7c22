// scikit-image as an independent reference, through Python
// (tests/common/python_reference.hpp): skimage_reference.py, next to this
// file, computes the reference.
#pragma once

#include <filesystem>
#include <string>

#include "python_reference.hpp"

namespace structura::tomography::testing {

class SkimagePython : public structura::testing::PythonReference {
public:
  explicit SkimagePython(const std::string& tag)
      : PythonReference(tag, std::filesystem::path(STRUCTURA_TOMOGRAPHY_TESTS) / "skimage_reference.py",
                        "scikit-image") {}
};

}  // namespace structura::tomography::testing
