// A data set of independent 1-D solves spread over ranks
// (pde/solution_set.hpp), run on 1 and 2 ranks. Truths: the whole set
// computed by one rank alone (MPI_COMM_SELF) — every rank's block must
// equal its slice bit for bit; a direct solve_periodic_1d of each sample's
// GRF initial condition on the fine grid, kept at every stride-th point; a
// failure in one sample of one rank an error on every rank.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/solution_set.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

// A Burgers set in the Wang et al. layout, small: 64 solve points, every
// 4th kept and the periodic end appended (17 points), 11 times on [0, 0.2].
SolutionSetOptions burgers_set(std::int64_t samples) {
  SolutionSetOptions o;
  o.solve.equation = Equation1d::Burgers;
  o.solve.points = 64;
  o.solve.t_end = 0.2;
  o.solve.dt = 1e-3;
  o.solve.output_times = equally_spaced_times(0, 0.2, 11);
  o.seed = 2021;
  o.samples = samples;
  o.stride = 4;
  o.closed = true;
  return o;
}

}  // namespace

TEST_CASE("the set on all ranks equals the set on one rank, and each sample a direct solve") {
  petsc::PetscSession petsc;
  const SolutionSetOptions o = burgers_set(5);  // odd: the blocks differ in size on 2 ranks
  const SolutionSetBlock mine = solve_solution_set(o, world);
  const SolutionSetBlock whole = solve_solution_set(o, self);
  const std::int64_t T = 11, P = 17;
  REQUIRE(mine.points == P);
  REQUIRE(whole.count == 5);
  CHECK(whole.first == 0);
  CHECK(mine.samples == 5);
  CHECK(mine.times.size() == std::size_t(T));
  CHECK(mine.x.size() == std::size_t(P));
  CHECK(mine.x.back() == 1.0);
  CHECK(mine.x[1] == doctest::Approx(4.0 / 64));
  CHECK(world.sum(mine.count) == 5);
  CHECK(mine.first == world.block(5).begin);
  REQUIRE(mine.values.size() == std::size_t(mine.count * T * P));
  const std::vector<double> slice(whole.values.begin() + mine.first * T * P,
                                  whole.values.begin() + (mine.first + mine.count) * T * P);
  CHECK(mine.values == slice);  // bit for bit

  for (std::int64_t s = 0; s < mine.count; ++s) {
    const std::int64_t index = mine.first + s;
    CAPTURE(index);
    const std::vector<double> u0 = periodic_grf(o.grf, o.solve.points, o.seed, std::uint64_t(index));
    const Periodic1dResult direct = solve_periodic_1d(u0, o.solve, self);
    for (std::int64_t k = 0; k < T; ++k) {
      const std::vector<double> expected = downsample(direct.snapshots[std::size_t(k)], 4, true);
      const std::vector<double> got(mine.values.begin() + (s * T + k) * P, mine.values.begin() + (s * T + k + 1) * P);
      CHECK(got == expected);
      CHECK(got.back() == got.front());  // the periodic end
    }
    // Snapshot 0 is the initial condition; the samples differ from each other.
    CHECK(mine.values[std::size_t(s * T * P + 1)] == u0[4]);
  }
  if (whole.values.size() >= std::size_t(2 * T * P)) CHECK(whole.values[1] != whole.values[T * P + 1]);
}

TEST_CASE("a caller-given initial condition, and the heat set against exact decay") {
  petsc::PetscSession petsc;
  SolutionSetOptions o;
  o.solve.points = 32;
  o.solve.nu = 0.01;
  o.solve.dt = 1e-3;
  o.solve.t_end = 0.5;
  o.solve.output_times = {0.5};
  o.samples = 4;
  // Sample m: the Fourier mode m + 1; heat decays it by exp(-rate t), the
  // rate of the 3-point scheme.
  const auto mode = [&](std::int64_t m) {
    std::vector<double> u;
    for (double x : periodic_grid(32, 1)) u.push_back(std::sin(2 * std::numbers::pi * double(m + 1) * x));
    return u;
  };
  const SolutionSetBlock b = solve_solution_set(o, mode, world);
  const double h = 1.0 / 32;
  for (std::int64_t s = 0; s < b.count; ++s) {
    const double q = 2 * std::numbers::pi * double(b.first + s + 1);
    const double decay = std::exp(-0.01 * 4 / (h * h) * std::pow(std::sin(q * h / 2), 2) * 0.5);
    const std::vector<double> u0 = mode(b.first + s);
    for (std::int64_t i = 0; i < 32; ++i)
      CHECK(std::abs(b.values[std::size_t(s * 32 + i)] - decay * u0[std::size_t(i)]) < 1e-10);
  }
}

TEST_CASE("a failed sample is an error on every rank naming the key and the sample") {
  petsc::PetscSession petsc;
  SolutionSetOptions o = burgers_set(6);  // on 2 ranks: samples 0-2 on rank 0, 3-5 on rank 1
  o.solve.dt_key = "data.dt";
  o.solve.dt = 4e-3;  // stable for these amplitudes, not for one 50 times larger
  const auto initial = [&](std::int64_t index) {
    std::vector<double> u = periodic_grf(o.grf, o.solve.points, o.seed, std::uint64_t(index));
    if (index == 4)
      for (double& v : u) v *= 200;
    return u;
  };
  CHECK_NOTHROW(solve_solution_set(o, self));  // the plain set is fine at this dt
  try {
    solve_solution_set(o, initial, world);
    FAIL("no error");
  } catch (const NumericalError& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("sample 4") != std::string::npos);
    CHECK(what.find("data.dt") != std::string::npos);
    CHECK(what.find("seed 2021") != std::string::npos);
  }
  const auto bad = [&](std::int64_t index) {
    return index == 1 ? std::vector<double>(3, 0.0) : periodic_grf(o.grf, o.solve.points, o.seed, std::uint64_t(index));
  };
  CHECK_THROWS_WITH_AS(solve_solution_set(o, bad, world), doctest::Contains("sample 1"), InputError);
  o.stride = 5;
  CHECK_THROWS_WITH_AS(solve_solution_set(o, world), doctest::Contains("stride"), InputError);
  o.stride = 4;
  o.samples = -1;
  CHECK_THROWS_WITH_AS(solve_solution_set(o, world), doctest::Contains("samples"), InputError);
}
