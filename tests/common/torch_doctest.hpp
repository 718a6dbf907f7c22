// Include this instead of <torch/torch.h> + <doctest/doctest.h> in tests.
// glog, pulled in by libtorch, defines CHECK as an aborting assertion that
// doctest never counts; this restores doctest's CHECK after both.
#pragma once

#include <torch/torch.h>

#include <doctest/doctest.h>

#undef CHECK
#define CHECK DOCTEST_CHECK
