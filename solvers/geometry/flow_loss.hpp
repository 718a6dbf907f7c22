// The training loss of a score-based pullback flow (issue 12 §1; the
// reference code's src/training/loss.py, reference notes §1.3), per point x:
//   nll(x)  = −log N(φ(x); 0, diag a) − log|det Dφ(x)|
//   iso(x)  = the isometry term, one of
//     full    ‖DφᵀDφ − I‖²_F with the whole Jacobian (D tangent passes;
//             the reference's 'orthogonal-jacobian'), for low D;
//     pairs   ((Dφ v)·(Dφ w) − v·w)² averaged over K pairs of independent
//             Rademacher vectors v, w: E[(vᵀ M w)²] = tr(M Mᵀ) = ‖M‖²_F for
//             M = DφᵀDφ − I because E[v vᵀ] = E[w wᵀ] = I, so it is an
//             unbiased estimate of `full` at 2K passes instead of D, for
//             high D;
//     length  (‖Dφ v‖ − 1)² averaged over K random unit vectors v (the
//             reference's default 'length' when a config is silent; it
//             constrains lengths only, not angles).
//   vol(x)  = |log det Dφ(x)|
//   loss    = Σ_x [nll + λ_iso iso + λ_vol vol]
// Every term is returned as the SUM over the given (local) points, so that a
// data-parallel step divides by the global batch once (EXAMPLES.md).
//
// The random directions are an argument, drawn by isometry_directions keyed
// by (seed, step, global row): a step's draws do not depend on how the
// batch is split over ranks, and a resumed training draws them again alike.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "geometry/diagonal_quadratic.hpp"
#include "geometry/diffeomorphism.hpp"

namespace structura::geometry {

enum class IsometryTerm { none, full, pairs, length };

// "none", "full", "pairs", "length"; InputError naming `key` otherwise.
IsometryTerm parse_isometry_term(std::string_view name, const std::string& key);
std::string_view isometry_term_name(IsometryTerm term);

struct FlowLossOptions {
  IsometryTerm isometry = IsometryTerm::none;
  double isometry_weight = 0;  // λ_iso (reference: 0.2 on the 2-D sets, 0.75–5 in higher D)
  double volume_weight = 0;    // λ_vol (reference: 0 on the 2-D sets, 1–2.5 in higher D)
  std::int64_t directions = 4;  // K for pairs / length (the reference draws 4 for length)

  // InputError naming where.isometry_weight, where.volume_weight or
  // where.directions for a negative or non-finite weight, or K < 1 with a
  // random term.
  void validate(const std::string& where) const;
  // Random tangent vectors each point needs: 2K for pairs, K for length, 0 otherwise.
  std::int64_t random_directions() const;
};

struct FlowLossTerms {
  torch::Tensor nll, isometry, volume;  // sums over the points (scalars)
  torch::Tensor total;                  // nll + λ_iso isometry + λ_vol volume
};

// The loss at points x [B, D] with the random directions [B, random_directions(), D]
// (undefined when the term needs none). Differentiable in φ's and ψ's parameters.
FlowLossTerms flow_loss(const Diffeomorphism& phi, const DiagonalQuadratic& psi, const torch::Tensor& x,
                        const torch::Tensor& directions, const FlowLossOptions& options);

// The isometry term alone, per point: [B] (the full term needs no directions).
torch::Tensor isometry_per_point(const Diffeomorphism& phi, const torch::Tensor& x, const torch::Tensor& directions,
                                 IsometryTerm term);

// Directions for the global rows `rows` at `step`: [rows, random_directions(), D]
// in float64 on the CPU (cast them to the points' dtype and device). Rademacher
// ±1 entries for pairs (v first, then w), unit vectors (normalised standard
// normals) for length; undefined for none and full. A pure function of
// (seed, step, row).
torch::Tensor isometry_directions(const FlowLossOptions& options, std::int64_t dimension,
                                  const std::vector<std::int64_t>& rows, std::uint64_t seed, std::int64_t step);

}  // namespace structura::geometry
