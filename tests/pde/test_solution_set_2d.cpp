// A data set of independent 2-D Allen-Cahn solves spread over ranks
// (pde/solution_set_2d.hpp), run on 1 and 2 ranks. Truths: the whole set
// computed by one rank alone (MPI_COMM_SELF) — every rank's block must
// equal its slice bit for bit; a direct solve_allen_cahn_2d of each
// sample, kept at every stride-th point; the odd reaction (u -> -u maps
// solutions to solutions); a failure in one sample an error on every rank.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/solution_set_2d.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

SolutionSet2dOptions small_set(std::int64_t samples) {
  SolutionSet2dOptions o;
  o.solve.points = 16;
  o.solve.epsilon = 0.05;
  o.solve.dt = 0.01;
  o.solve.t_end = 0.1;
  o.solve.output_times = {0.0, 0.05, 0.1};
  o.samples = samples;
  o.stride = 2;
  return o;
}

// Sample m: a smooth periodic field that differs with m.
std::vector<double> field(std::int64_t m, double sign = 1) {
  std::vector<double> u;
  const double two_pi = 2 * std::numbers::pi;
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 16; ++i) {
      const double x = i / 16.0, y = j / 16.0;
      u.push_back(sign * (0.8 * std::sin(two_pi * (x + 0.1 * double(m))) * std::cos(two_pi * y) + 0.1 * double(m)));
    }
  return u;
}

}  // namespace

TEST_CASE("the 2-D set on all ranks equals the set on one rank, and each sample a direct solve") {
  petsc::PetscSession petsc;
  const SolutionSet2dOptions o = small_set(5);  // odd: the blocks differ in size on 2 ranks
  const auto initial = [](std::int64_t m) { return field(m); };
  const SolutionSet2dBlock mine = solve_solution_set_2d(o, initial, world);
  const SolutionSet2dBlock whole = solve_solution_set_2d(o, initial, self);
  const std::int64_t T = 3, P = 8 * 8;
  REQUIRE(mine.points == 8);
  REQUIRE(whole.count == 5);
  CHECK(world.sum(mine.count) == 5);
  CHECK(mine.first == world.block(5).begin);
  CHECK(mine.times.size() == 3);
  REQUIRE(mine.values.size() == std::size_t(mine.count * T * P));
  const std::vector<double> slice(whole.values.begin() + mine.first * T * P,
                                  whole.values.begin() + (mine.first + mine.count) * T * P);
  CHECK(mine.values == slice);  // bit for bit
  for (std::int64_t s = 0; s < mine.count; ++s) {
    const std::int64_t index = mine.first + s;
    CAPTURE(index);
    const AllenCahn2dResult direct = solve_allen_cahn_2d(field(index), o.solve, self);
    for (std::int64_t k = 0; k < T; ++k) {
      const std::vector<double> expected = downsample_2d(direct.snapshots[std::size_t(k)], 16, 2);
      const std::vector<double> got(mine.values.begin() + (s * T + k) * P, mine.values.begin() + (s * T + k + 1) * P);
      CHECK(got == expected);
    }
    CHECK(mine.values[std::size_t(s * T * P + 9)] == field(index)[2 * 16 + 2]);  // snapshot 0 at (x_2, y_2)
  }
}

TEST_CASE("u -> -u: the set of the negated initial conditions is the negated set") {
  petsc::PetscSession petsc;
  const SolutionSet2dOptions o = small_set(3);
  const SolutionSet2dBlock a = solve_solution_set_2d(
      o, [](std::int64_t m) { return field(m); }, world);
  const SolutionSet2dBlock b = solve_solution_set_2d(
      o, [](std::int64_t m) { return field(m, -1); }, world);
  REQUIRE(a.values.size() == b.values.size());
  double worst = 0, largest = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    worst = std::max(worst, std::abs(a.values[i] + b.values[i]));
    largest = std::max(largest, std::abs(a.values[i]));
  }
  CHECK(largest > 0.5);
  CHECK(worst < 1e-12);
}

TEST_CASE("a failed 2-D sample is an error on every rank naming the key and the sample") {
  petsc::PetscSession petsc;
  SolutionSet2dOptions o = small_set(4);  // on 2 ranks: samples 0-1 on rank 0, 2-3 on rank 1
  o.solve.dt_key = "pde.dt";
  const auto bad = [&](std::int64_t index) { return index == 3 ? std::vector<double>(3, 0.0) : field(index); };
  CHECK_THROWS_WITH_AS(solve_solution_set_2d(o, bad, world), doctest::Contains("sample 3"), InputError);
  // The explicit reaction of a huge state diverges: a NumericalError naming pde.dt.
  o.solve.dt = 0.5;
  o.solve.t_end = 1.0;
  o.solve.output_times = {};
  const auto huge = [&](std::int64_t index) {
    std::vector<double> u = field(index);
    if (index == 2)
      for (double& v : u) v *= 30;
    return u;
  };
  try {
    solve_solution_set_2d(o, huge, world);
    FAIL("no error");
  } catch (const NumericalError& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("sample 2") != std::string::npos);
    CHECK(what.find("pde.dt") != std::string::npos);
  }
  o.stride = 3;
  CHECK_THROWS_WITH_AS(solve_solution_set_2d(o, huge, world), doctest::Contains("stride"), InputError);
  o.stride = 2;
  o.samples = -1;
  CHECK_THROWS_WITH_AS(solve_solution_set_2d(o, huge, world), doctest::Contains("samples"), InputError);
}
