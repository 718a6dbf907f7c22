// Bad input to the variational solvers: each case an InputError whose
// message starts with the argument or option it names.
#include <limits>

#include "core/error.hpp"
#include "problems.hpp"
#include "variational/gradient_descent.hpp"
#include "variational/primal_dual.hpp"
#include "variational/projector_operators.hpp"

using namespace structura;
using namespace structura::variational;
using namespace structura::variational::testing;
using structura::tomography::testing::thrown_input_error;

namespace {

bool names(const std::string& message, const std::string& what) {
  MESSAGE(message);
  return message.rfind(what, 0) == 0;
}

}  // namespace

TEST_CASE("bad problems, options and tensors are InputErrors naming the argument") {
  const tomography_torch::TorchProjector projector(small_image(), small_beam(), mpi::Comm(MPI_COMM_SELF));
  const TorchProjectorOperator A(projector);
  const auto truth = phantoms(2);
  const auto y = A.forward(truth);
  const Lorentzian r{0.05};
  const Problem problem(A, y, r, 0.1);
  const auto start = torch::zeros_like(truth);

  CHECK(names(thrown_input_error([&] { Problem(A, y, r, -0.1); }), "lambda"));
  CHECK(names(thrown_input_error([&] { Problem(A, y, r, std::numeric_limits<double>::quiet_NaN()); }), "lambda"));
  CHECK(names(thrown_input_error([&] { Problem(A, y, {}, 0.1); }), "regulariser"));
  CHECK(names(thrown_input_error([&] { Problem(A, y.narrow(3, 0, 5), r, 0.1); }), "data"));
  CHECK(names(thrown_input_error([&] { Problem(A, y.to(torch::kInt64), r, 0.1); }), "data"));

  GradientDescentOptions g;
  g.step = 0;
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start, g); }), "options.step"));
  g.step = -1;
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start, g); }), "options.step"));
  g.step = 1e-3;
  g.iterations = 0;
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start, g); }), "options.iterations"));
  g.iterations = 10;
  g.shrink = 1;
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start, g); }), "options.shrink"));
  g.shrink = 0.5;
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start.narrow(2, 0, 8), g); }), "start"));
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start.narrow(0, 0, 1), g); }), "start"));
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start / 0.0, g); }), "start"));  // NaN
  CHECK(names(thrown_input_error([&] { gradient_descent(problem, start, g, truth.squeeze(1)); }), "truth"));

  PrimalDualOptions o;
  o.sigma = 0;
  CHECK(names(thrown_input_error([&] { primal_dual(problem, start, o); }), "options.sigma"));
  o.sigma = 2;
  o.step_fraction = 1;
  CHECK(names(thrown_input_error([&] { primal_dual(problem, start, o); }), "options.step_fraction"));
  o.step_fraction = 0.9;
  o.regulariser_lipschitz = 1;
  o.weak_convexity = 2;  // a smooth R has rho <= L_R
  CHECK(names(thrown_input_error([&] { primal_dual(problem, start, o); }), "options.weak_convexity"));
  o.weak_convexity = 0;
  o.extrapolation = -1;
  CHECK(names(thrown_input_error([&] { primal_dual(problem, start, o); }), "options.extrapolation"));
  o.extrapolation = 1;
  CHECK(names(thrown_input_error([&] { primal_dual(problem, start.narrow(3, 0, 8), o); }), "start"));

  // A CSR operator takes its own dtype only.
  const tomography_torch::CsrProjector csr(small_image(), small_beam(), torch::kFloat64);
  const CsrOperator B(csr);
  const Problem on_csr(B, y, r, 0.1);
  CHECK(names(thrown_input_error([&] { gradient_descent(on_csr, start.to(torch::kFloat32), g); }), "start"));
  CHECK(names(thrown_input_error([&] { Problem(B, y.to(torch::kFloat32), r, 0.1); }), "data"));
}
