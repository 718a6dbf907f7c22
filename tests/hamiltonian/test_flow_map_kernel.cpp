// The torch-free SympFlow kernel against independent truth: a separately
// written MLP differentiated by dual numbers (gradients and the whole map),
// N(0, x) = x, exact symplecticity of the dual-number Jacobian, rollout as
// a composition, and independence of the ensemble split.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/dual.hpp"
#include "core/error.hpp"
#include "hamiltonian/flow_map_kernel.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace structura::hamiltonian {
// Lets the kernel's templates run on dual numbers. The slope comes from
// dual arithmetic on sigma, not from activation_derivatives, so that it is
// checked rather than reused.
template <int N>
void activation_and_slope(Activation a, const Dual<N>& x, Dual<N>& value, Dual<N>& slope) {
  switch (a) {
    case Activation::Tanh:
      value = tanh(x);
      slope = 1.0 - value * value;
      break;
    case Activation::Sin:
      value = sin(x);
      slope = cos(x);
      break;
    case Activation::Swish: {
      const Dual<N> g = 1.0 / (1.0 + exp(-x));
      value = x * g;
      slope = g + x * g * (1.0 - g);
      break;
    }
  }
}
}  // namespace structura::hamiltonian

namespace {

FlowMapWeights random_weights(const FlowMapArchitecture& arch, std::uint64_t seed, double scale = 0.5) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, scale);
  FlowMapWeights w{arch, std::vector<double>(static_cast<std::size_t>(arch.size()))};
  for (double& v : w.values) v = normal(gen);
  return w;
}

// ---- reference: the MLP as torch would run it, written independently -----------

template <class S>
S reference_activation(Activation a, const S& x) {
  using std::exp;
  using std::sin;
  using std::tanh;
  switch (a) {
    case Activation::Tanh: return tanh(x);
    case Activation::Sin: return sin(x);
    case Activation::Swish: return x / (1.0 + exp(-x));
  }
  return x;
}

struct Linear {
  int rows, cols;
  const double* weight;  // rows x cols, row-major
  const double* bias;
};

// The depth + 1 linear maps of one MLP, read from the flat array by walking
// it, not by the kernel's offset formulas.
std::vector<Linear> reference_layers(const FlowMapArchitecture& arch, const double* mlp) {
  std::vector<Linear> maps;
  int cols = arch.inputs();
  for (int j = 0; j <= arch.depth; ++j) {
    const int rows = j == arch.depth ? 1 : arch.width;
    maps.push_back({rows, cols, mlp, mlp + rows * cols});
    mlp += rows * cols + rows;
    cols = rows;
  }
  return maps;
}

template <class S>
S reference_mlp(const FlowMapArchitecture& arch, const double* mlp, std::vector<S> h) {
  const std::vector<Linear> maps = reference_layers(arch, mlp);
  for (std::size_t j = 0; j < maps.size(); ++j) {
    const Linear& l = maps[j];
    std::vector<S> out(l.rows);
    for (int r = 0; r < l.rows; ++r) {
      S a = l.bias[r];
      for (int c = 0; c < l.cols; ++c) a = a + l.weight[r * l.cols + c] * h[c];
      out[r] = j + 1 == maps.size() ? a : reference_activation(arch.activation, a);
    }
    h = std::move(out);
  }
  return h[0];
}

// Gradient (all n + 1 inputs) of the reference MLP by forward-mode AD.
template <int Dof>
std::vector<double> reference_gradient(const FlowMapArchitecture& arch, const double* mlp, const double* z) {
  using D = Dual<Dof + 1>;
  std::vector<D> x(Dof + 1);
  for (int k = 0; k <= Dof; ++k) x[k] = D::variable(z[k], k);
  const D f = reference_mlp(arch, mlp, x);
  return std::vector<double>(f.d.begin(), f.d.end());
}

// N(t, (q, p)) from the layer definitions in flow_map_weights.hpp.
template <int Dof>
void reference_map(const FlowMapWeights& w, double t, std::vector<double>& q, std::vector<double>& p) {
  const FlowMapArchitecture& a = w.architecture;
  auto increment = [&](int layer, int which, const std::vector<double>& x) {
    const double* mlp = w.values.data() + (2 * layer + which) * a.mlp_size();
    std::vector<double> z(x);
    z.push_back(t);
    const std::vector<double> gt = reference_gradient<Dof>(a, mlp, z.data());
    z.back() = 0.0;
    const std::vector<double> g0 = reference_gradient<Dof>(a, mlp, z.data());
    std::vector<double> dx(Dof);
    for (int d = 0; d < Dof; ++d) dx[d] = gt[d] - g0[d];
    return dx;
  };
  for (int i = 0; i < a.layers; ++i) {
    auto potential = [&] {
      const auto dx = increment(i, 0, q);
      for (int d = 0; d < Dof; ++d) p[d] -= dx[d];
    };
    auto kinetic = [&] {
      const auto dx = increment(i, 1, p);
      for (int d = 0; d < Dof; ++d) q[d] += dx[d];
    };
    if (a.order == LayerOrder::PotentialFirst) {
      potential();
      kinetic();
    } else {
      kinetic();
      potential();
    }
  }
}

// ---- ensembles through host copies ------------------------------------------------

struct HostState {
  int n = 0;
  std::vector<double> q, p;  // [trajectory * n + d]
  std::int64_t count() const { return static_cast<std::int64_t>(q.size()) / n; }
};

HostState random_state(std::int64_t count, int n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(-1.2, 1.2);
  HostState s{n, std::vector<double>(count * n), std::vector<double>(count * n)};
  for (double& v : s.q) v = u(gen);
  for (double& v : s.p) v = u(gen);
  return s;
}

// Trajectories [begin, end) of s as an ensemble slice starting at global index begin.
Ensemble to_ensemble(const HostState& s, std::int64_t begin, std::int64_t end) {
  Ensemble e(begin, end - begin, s.n);
  auto q = Kokkos::create_mirror_view(e.q);
  auto p = Kokkos::create_mirror_view(e.p);
  for (std::int64_t i = begin; i < end; ++i)
    for (int d = 0; d < s.n; ++d) {
      q(i - begin, d) = s.q[i * s.n + d];
      p(i - begin, d) = s.p[i * s.n + d];
    }
  Kokkos::deep_copy(e.q, q);
  Kokkos::deep_copy(e.p, p);
  return e;
}

// Appends the trajectories of e to s.
void append(HostState& s, const Ensemble& e) {
  auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
  s.n = e.dof();
  for (std::int64_t i = 0; i < e.size(); ++i)
    for (int d = 0; d < s.n; ++d) {
      s.q.push_back(q(i, d));
      s.p.push_back(p(i, d));
    }
}

HostState read(const Ensemble& e) {
  HostState s;
  append(s, e);
  return s;
}

bool bitwise_equal(const HostState& a, const HostState& b) {
  return a.q.size() == b.q.size() && a.p.size() == b.p.size() &&
         std::memcmp(a.q.data(), b.q.data(), a.q.size() * sizeof(double)) == 0 &&
         std::memcmp(a.p.data(), b.p.data(), a.p.size() * sizeof(double)) == 0;
}

double max_difference(const HostState& a, const HostState& b) {
  double m = 0;
  for (std::size_t k = 0; k < a.q.size(); ++k)
    m = std::max({m, std::fabs(a.q[k] - b.q[k]), std::fabs(a.p[k] - b.p[k])});
  return m;
}

// ---- the checks, for one architecture ---------------------------------------------

// (a) closed-form MLP gradient vs forward-mode AD of the reference MLP;
// returns the largest error relative to max(1, |gradient|).
template <int Dof>
double gradient_error(const FlowMapWeights& w, std::mt19937_64& gen) {
  const FlowMapArchitecture& a = w.architecture;
  const FlowMapShape s(a);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  double worst = 0;
  for (int layer = 0; layer < a.layers; ++layer)
    for (int which = 0; which < 2; ++which) {
      const double* mlp = w.values.data() + s.mlp_offset(layer, which);
      double z[Dof + 1], g[Dof + 1];
      for (double& v : z) v = u(gen);
      const double f = mlp_value_and_gradient(mlp, Dof + 1, a.width, a.depth, a.activation, z, g);
      const std::vector<double> zv(z, z + Dof + 1);
      worst = std::max(worst, std::fabs(f - reference_mlp(a, mlp, zv)) / std::max(1.0, std::fabs(f)));
      const std::vector<double> ref = reference_gradient<Dof>(a, mlp, z);
      for (int k = 0; k <= Dof; ++k)
        worst = std::max(worst, std::fabs(g[k] - ref[k]) / std::max(1.0, std::fabs(ref[k])));
    }
  return worst;
}

// max |M^T J M - J| / max(1, max |M_ij|^2) for the Jacobian M of
// x -> N(t, x) (or psi(t) of a schedule), exact by dual numbers through the
// kernel's own code. Rounding in M^T J M grows like |M|^2, and random
// weights can stretch phase space a lot over a rollout, hence the scaling.
template <int Dof>
double symplecticity_defect(const FlowMapWeights& w, const FlowMapSchedule& plan, const double* q0, const double* p0) {
  constexpr int N = 2 * Dof;
  using D = Dual<N>;
  const FlowMapShape s(w.architecture);
  D q[Dof], p[Dof];
  for (int i = 0; i < Dof; ++i) {
    q[i] = D::variable(q0[i], i);
    p[i] = D::variable(p0[i], Dof + i);
  }
  flow_map_rollout(s, w.values.data(), plan, q, p);
  double m[N][N];  // m[row][col] = d x_row / d x0_col, x = (q, p)
  for (int i = 0; i < Dof; ++i)
    for (int j = 0; j < N; ++j) {
      m[i][j] = q[i].d[j];
      m[Dof + i][j] = p[i].d[j];
    }
  auto omega = [](int a, int b) {  // J = [[0, I], [-I, 0]]
    if (a < Dof && b == a + Dof) return 1.0;
    if (b < Dof && a == b + Dof) return -1.0;
    return 0.0;
  };
  double defect = 0, size = 1;
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) {
      double sum = 0;
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) sum += m[i][a] * omega(i, j) * m[j][b];
      defect = std::max(defect, std::fabs(sum - omega(a, b)));
      size = std::max(size, std::fabs(m[a][b]));
    }
  return defect / (size * size);
}

template <int Dof>
void check_architecture(const FlowMapArchitecture& arch, std::uint64_t seed) {
  const FlowMapWeights w = random_weights(arch, seed);
  const FlowMapKernel kernel(w);
  std::mt19937_64 gen(seed + 1);
  INFO("dof ", arch.dof, " depth ", arch.depth, " ", activation_name(arch.activation), " ",
       layer_order_name(arch.order));

  // (a)
  const double grad_err = gradient_error<Dof>(w, gen);
  CHECK(grad_err < 1e-13);

  const HostState x0 = random_state(37, Dof, seed + 2);

  // (b) N(0, x) = x bitwise, in the kernel and in the host function.
  {
    Ensemble e = to_ensemble(x0, 0, x0.count());
    kernel.apply(e, 0.0);
    CHECK(bitwise_equal(read(e), x0));
    double q[Dof], p[Dof];
    std::copy(x0.q.begin(), x0.q.begin() + Dof, q);
    std::copy(x0.p.begin(), x0.p.begin() + Dof, p);
    flow_map_apply(kernel.shape(), w.values.data(), 0.0, q, p);
    CHECK(std::memcmp(q, x0.q.data(), sizeof q) == 0);
    CHECK(std::memcmp(p, x0.p.data(), sizeof p) == 0);
  }

  // The kernel against the reference composition of the layer definitions.
  const double t = 0.7;
  Ensemble whole = to_ensemble(x0, 0, x0.count());
  kernel.apply(whole, t);
  const HostState xt = read(whole);
  double map_err = 0;
  for (std::int64_t i = 0; i < x0.count(); i += 6) {
    std::vector<double> q(x0.q.begin() + i * Dof, x0.q.begin() + (i + 1) * Dof);
    std::vector<double> p(x0.p.begin() + i * Dof, x0.p.begin() + (i + 1) * Dof);
    reference_map<Dof>(w, t, q, p);
    for (int d = 0; d < Dof; ++d)
      map_err = std::max({map_err, std::fabs(q[d] - xt.q[i * Dof + d]), std::fabs(p[d] - xt.p[i * Dof + d])});
  }
  CHECK(map_err < 1e-12);

  // (c) symplecticity of N(t, .) and of a rollout.
  double defect = 0;
  for (std::int64_t i = 0; i < 3; ++i) {
    defect = std::max(defect, symplecticity_defect<Dof>(w, {0, 0, t}, &x0.q[i * Dof], &x0.p[i * Dof]));
    defect = std::max(defect, symplecticity_defect<Dof>(w, {0, 0, -0.1}, &x0.q[i * Dof], &x0.p[i * Dof]));
    defect = std::max(defect, symplecticity_defect<Dof>(w, rollout_schedule(2.5, 1.0), &x0.q[i * Dof], &x0.p[i * Dof]));
  }
  CHECK(defect < 1e-10);

  // (d) rollout(2.5, 1) = N(0.5) o N(1) o N(1), one kernel against three.
  double rollout_err = 0;
  {
    Ensemble a = to_ensemble(x0, 0, x0.count());
    kernel.rollout(a, 2.5, 1.0);
    Ensemble b = to_ensemble(x0, 0, x0.count());
    kernel.apply(b, 1.0);
    kernel.apply(b, 1.0);
    kernel.apply(b, 0.5);
    rollout_err = max_difference(read(a), read(b));
    CHECK(rollout_err <= 1e-14);
  }

  // (e) the whole ensemble against two slices of it: bitwise.
  {
    const std::int64_t cut = 17;
    Ensemble lo = to_ensemble(x0, 0, cut);
    Ensemble hi = to_ensemble(x0, cut, x0.count());
    kernel.apply(lo, t);
    kernel.apply(hi, t);
    HostState split;
    append(split, lo);
    append(split, hi);
    CHECK(bitwise_equal(split, xt));
  }
  MESSAGE("errors: gradient ", grad_err, ", map ", map_err, ", symplectic ", defect, ", rollout ", rollout_err);
}

}  // namespace

TEST_CASE("names, parsing and validation of the architecture") {
  for (Activation a : {Activation::Tanh, Activation::Sin, Activation::Swish})
    CHECK(parse_activation(activation_name(a)) == a);
  for (LayerOrder o : {LayerOrder::PotentialFirst, LayerOrder::KineticFirst})
    CHECK(parse_layer_order(layer_order_name(o)) == o);
  CHECK_THROWS_WITH_AS(parse_activation("relu"), doctest::Contains("tanh, sin or swish"), InputError);
  CHECK_THROWS_WITH_AS(parse_layer_order("q-first"), doctest::Contains("potential-first or kinetic-first"), InputError);

  FlowMapArchitecture a;  // the reference code's MLP: Linear(2->10) tanh Linear(10->10) tanh Linear(10->1)
  CHECK(a.mlp_size() == (10 * 2 + 10) + (10 * 10 + 10) + (10 + 1));
  CHECK(a.size() == 2 * 3 * 151);
  a.depth = 1;
  a.dof = 2;
  CHECK(a.mlp_size() == (10 * 3 + 10) + (10 + 1));
  CHECK_NOTHROW(a.validate());

  FlowMapArchitecture b;
  b.width = 500;
  CHECK_THROWS_WITH_AS(b.validate(), "model.width = 500 is out of range [1, 64]", InputError);
  b = {};
  b.dof = 0;
  CHECK_THROWS_WITH_AS(b.validate(), "model.dof = 0 is out of range [1, 64]", InputError);
  b = {};
  b.depth = 9;
  CHECK_THROWS_WITH_AS(b.validate(), "model.depth = 9 is out of range [1, 8]", InputError);
  b = {};
  b.layers = 0;
  CHECK_THROWS_WITH_AS(b.validate(), "model.layers = 0 is out of range [1, 64]", InputError);
}

TEST_CASE("the kernel rejects inconsistent inputs") {
  FlowMapArchitecture a;
  FlowMapWeights w = random_weights(a, 1);
  w.values.pop_back();
  CHECK_THROWS_AS(FlowMapKernel{w}, InputError);
  w.values.push_back(0.0);
  const FlowMapKernel k(w);
  Ensemble e(0, 4, 2);
  CHECK_THROWS_AS(k.apply(e, 0.5), InputError);
  Ensemble ok(0, 4, 1);
  CHECK_THROWS_AS(k.rollout(ok, 1.0, 0.0), InputError);
  CHECK_THROWS_AS(k.rollout(ok, NAN, 1.0), InputError);
}

TEST_CASE("rollout schedule") {
  auto check = [](double t, double step, std::int64_t repeats, double last) {
    const FlowMapSchedule s = rollout_schedule(t, step);
    INFO("t ", t, " step ", step);
    CHECK(s.repeats == repeats);
    CHECK(s.step == step);
    CHECK(s.last == doctest::Approx(last).epsilon(1e-12));
  };
  check(2.5, 1.0, 2, 0.5);
  check(3.0, 1.0, 2, 1.0);  // an exact multiple ends on a full step
  check(0.5, 1.0, 0, 0.5);
  check(-0.1, 1.0, 0, -0.1);
  check(1.0, 1.0, 0, 1.0);
  // 3 - 30 * 0.1 is 0, or slightly negative when contracted into an FMA:
  // either way it folds into a last full step.
  check(3.0, 0.1, 29, 0.1);
  check(0.3, 0.1, 2, 0.1);  // 0.3 / 0.1 rounds below 3: a remainder just under one step
  check(100.0, 1.0, 99, 1.0);
}

TEST_CASE("SympFlow kernel against independent truth, all activations and orders") {
  std::uint64_t seed = 2024;
  for (Activation act : {Activation::Tanh, Activation::Sin, Activation::Swish})
    for (LayerOrder order : {LayerOrder::PotentialFirst, LayerOrder::KineticFirst})
      for (int depth = 1; depth <= 3; ++depth) {
        FlowMapArchitecture a;
        a.layers = 3;
        a.width = 10;
        a.depth = depth;
        a.activation = act;
        a.order = order;
        a.dof = 1;
        check_architecture<1>(a, seed++);
        a.dof = 2;
        a.width = 7;  // a width other than the reference code's
        check_architecture<2>(a, seed++);
      }
}

TEST_CASE("largest architecture: the fixed-size arrays suffice") {
  FlowMapArchitecture a;
  a.dof = kMaxDof;
  a.layers = 2;
  a.width = kMaxWidth;
  a.depth = kMaxDepth;
  a.activation = Activation::Swish;
  // Weights of scale 1/sqrt(fan-in) keep the activations out of saturation.
  const FlowMapWeights w = random_weights(a, 7, 1.0 / std::sqrt(static_cast<double>(kMaxWidth)));
  std::mt19937_64 gen(8);
  const double grad_err = gradient_error<kMaxDof>(w, gen);
  MESSAGE("largest architecture: gradient error ", grad_err);
  CHECK(grad_err < 1e-13);

  const FlowMapKernel kernel(w);
  const HostState x0 = random_state(5, kMaxDof, 9);
  Ensemble e = to_ensemble(x0, 0, x0.count());
  kernel.apply(e, 0.0);
  CHECK(bitwise_equal(read(e), x0));
  kernel.apply(e, 0.9);
  const HostState xt = read(e);
  CHECK(std::all_of(xt.q.begin(), xt.q.end(), [](double v) { return std::isfinite(v); }));
  CHECK(max_difference(xt, x0) > 1e-5);  // the map is not the identity (these small weights move x by ~1e-4)
  Ensemble tail = to_ensemble(x0, 3, x0.count());
  kernel.apply(tail, 0.9);
  HostState expected;
  expected.n = kMaxDof;
  expected.q.assign(xt.q.begin() + 3 * kMaxDof, xt.q.end());
  expected.p.assign(xt.p.begin() + 3 * kMaxDof, xt.p.end());
  CHECK(bitwise_equal(read(tail), expected));
}
