// SympFlow inference without libtorch: the network map N(t, x) of
// flow_map_weights.hpp evaluated by a Kokkos kernel, one trajectory per work
// item, with the MLP input gradients in closed form (one forward pass that
// keeps act'(a_k), one backward pass) instead of automatic differentiation.
//
// The single-trajectory functions below are templated on the scalar type so
// that tests can run them on dual numbers (exact Jacobians); the kernel uses
// double. A scalar type other than double supplies its own
// activation_and_slope overload, found by argument-dependent lookup.
#pragma once

#include <cstdint>

#include "core/kokkos.hpp"
#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/flow_map_weights.hpp"

namespace structura::hamiltonian {

// sigma(x) and sigma'(x): all the backward pass needs.
KOKKOS_INLINE_FUNCTION void activation_and_slope(Activation a, double x, double& value, double& slope) {
  const ActivationDerivatives d = activation_derivatives(a, x);
  value = d.value;
  slope = d.first;
}

// The sizes of a FlowMapArchitecture as plain data that device code can read
// (FlowMapArchitecture's member functions are host-only).
struct FlowMapShape {
  int dof = 1, layers = 1, width = 1, depth = 1;
  Activation activation = Activation::Tanh;
  LayerOrder order = LayerOrder::PotentialFirst;
  std::int64_t mlp_size = 0;

  FlowMapShape() = default;
  explicit FlowMapShape(const FlowMapArchitecture& a)
      : dof(a.dof),
        layers(a.layers),
        width(a.width),
        depth(a.depth),
        activation(a.activation),
        order(a.order),
        mlp_size(a.mlp_size()) {}
  KOKKOS_INLINE_FUNCTION int inputs() const { return dof + 1; }
  // Offset of MLP `which` (0 = V, 1 = K) of layer i, as in FlowMapArchitecture.
  KOKKOS_INLINE_FUNCTION std::int64_t mlp_offset(int layer, int which) const { return (2 * layer + which) * mlp_size; }
};

// f(z) of one scalar MLP whose parameters start at w (layout of
// flow_map_weights.hpp), with df/dz (all `inputs` components, t included)
// written to grad. For f = w_L^T h_{L-1} + b_L, h_k = act(a_k),
// a_k = W_k h_{k-1} + b_k, h_0 = z: the forward pass stores act'(a_k), then
// delta_{L-1} = w_L, e_k = act'(a_k) * delta_k, delta_{k-1} = W_k^T e_k and
// df/dz = delta_0. Needs inputs <= kMaxDof + 1, width <= kMaxWidth,
// depth <= kMaxDepth (FlowMapArchitecture::validate).
template <class T>
KOKKOS_INLINE_FUNCTION T mlp_value_and_gradient(const double* w, int inputs, int width, int depth, Activation act,
                                                const T* z, T* grad) {
  T slope[kMaxDepth][kMaxWidth];
  T hidden[2][kMaxWidth];  // h_k alternates between the two rows
  const T* in = z;
  int cols = inputs;
  const double* m = w;
  for (int k = 0; k < depth; ++k) {
    const double* W = m;
    const double* b = m + width * cols;
    T* out = hidden[k % 2];
    for (int r = 0; r < width; ++r) {
      T a = b[r];
      for (int c = 0; c < cols; ++c) a += W[r * cols + c] * in[c];
      activation_and_slope(act, a, out[r], slope[k][r]);
    }
    in = out;
    cols = width;
    m = b + width;
  }
  // m now points at w_L (width entries), then b_L.
  T value = m[width];
  for (int r = 0; r < width; ++r) value += m[r] * in[r];

  T delta[kMaxWidth], e[kMaxWidth];
  for (int r = 0; r < width; ++r) delta[r] = m[r];
  for (int k = depth - 1; k >= 0; --k) {
    const int kcols = k == 0 ? inputs : width;
    const double* W = k == 0 ? w : w + width * inputs + width + (k - 1) * (width * width + width);
    for (int r = 0; r < width; ++r) e[r] = slope[k][r] * delta[r];
    T* target = k == 0 ? grad : delta;  // delta is dead once e holds it
    // Column by column with the sum in a register: updating target[c] row by
    // row instead chains every update through memory (3x slower with lanes).
    for (int c = 0; c < kcols; ++c) {
      T sum = W[c] * e[0];
      for (int r = 1; r < width; ++r) sum += W[r * kcols + c] * e[r];
      target[c] = sum;
    }
  }
  return value;
}

// dx = grad_x F(x, t) - grad_x F(x, 0) (the first n components) for the MLP F
// at `mlp`: the increment of one layer update. Both evaluations go through
// the same call in a loop, so that t = 0 gives exactly zero (N(0, x) = x
// bitwise) whatever the compiler contracts into FMAs.
template <class T>
KOKKOS_INLINE_FUNCTION void flow_map_increment(const FlowMapShape& s, const double* mlp, double t, const T* x, T* dx) {
  const int n = s.dof;
  T z[kMaxDof + 1], g[2][kMaxDof + 1];
  for (int d = 0; d < n; ++d) z[d] = x[d];
  for (int j = 0; j < 2; ++j) {
    z[n] = j == 0 ? t : 0.0;
    mlp_value_and_gradient(mlp, n + 1, s.width, s.depth, s.activation, z, g[j]);
  }
  for (int d = 0; d < n; ++d) dx[d] = g[0][d] - g[1][d];
}

// (q, p) <- N(t, (q, p)): every layer in the architecture's order.
// w is the whole flat parameter array.
template <class T>
KOKKOS_INLINE_FUNCTION void flow_map_apply(const FlowMapShape& s, const double* w, double t, T* q, T* p) {
  const int n = s.dof;
  T dx[kMaxDof];
  for (int i = 0; i < s.layers; ++i) {
    for (int half = 0; half < 2; ++half) {
      // PotentialFirst: V_i (which = 0) then K_i (which = 1).
      const int which = (s.order == LayerOrder::PotentialFirst) == (half == 0) ? 0 : 1;
      const double* mlp = w + s.mlp_offset(i, which);
      if (which == 0) {
        flow_map_increment(s, mlp, t, q, dx);
        for (int d = 0; d < n; ++d) p[d] -= dx[d];
      } else {
        flow_map_increment(s, mlp, t, p, dx);
        for (int d = 0; d < n; ++d) q[d] += dx[d];
      }
    }
  }
}

// psi = N(last) o N(step)^repeats: the network continued beyond its training
// interval by composition. Build it with rollout_schedule (or {0, 0, t} for
// N(t) alone).
struct FlowMapSchedule {
  std::int64_t repeats = 0;
  double step = 0;
  double last = 0;
};

// The schedule of psi(t) = N(t - k step) o N(step)^k, k = floor(t / step).
// A zero (or, from rounding, negative) remainder is folded into the last
// repeat, so the remainder map is always applied; t < step gives N(t) alone
// (t < 0 included). Throws InputError unless step > 0 and t, step are finite.
FlowMapSchedule rollout_schedule(double t, double step);

template <class T>
KOKKOS_INLINE_FUNCTION void flow_map_rollout(const FlowMapShape& s, const double* w, const FlowMapSchedule& plan, T* q,
                                             T* p) {
  for (std::int64_t k = 0; k < plan.repeats; ++k) flow_map_apply(s, w, plan.step, q, p);
  flow_map_apply(s, w, plan.last, q, p);
}

// The network's parameters on the device and the kernels that apply it to
// an ensemble. Trajectories are independent: the result of one does not
// depend on how the ensemble is split across ranks.
class FlowMapKernel {
public:
  // Validates the architecture; throws InputError when weights.values does
  // not hold architecture.size() doubles.
  explicit FlowMapKernel(const FlowMapWeights& weights);

  const FlowMapArchitecture& architecture() const { return architecture_; }
  const FlowMapShape& shape() const { return shape_; }
  Kokkos::View<const double*, MemSpace> weights() const { return weights_; }

  // Every trajectory x of e becomes N(t, x). Throws InputError when e.dof()
  // differs from the architecture's.
  void apply(Ensemble& e, double t) const;
  // Every trajectory x of e becomes psi(t)(x) (rollout_schedule), in one
  // kernel that keeps each trajectory in registers across the steps.
  void rollout(Ensemble& e, double t, double step) const;
  void run(Ensemble& e, const FlowMapSchedule& plan) const;

private:
  FlowMapArchitecture architecture_;
  FlowMapShape shape_;
  Kokkos::View<double*, MemSpace> weights_;
};

}  // namespace structura::hamiltonian
