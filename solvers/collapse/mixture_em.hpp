// Expectation–maximisation for Gaussian mixtures with full covariances over
// data spread across MPI ranks (issue 13 §2). Each rank holds a block of the
// rows; one iteration is one pass over them and one MPI_Allreduce of the
// sufficient statistics, so a fit of 10⁸ points runs on as many nodes as
// hold them. The updates are scikit-learn's GaussianMixture (1.2,
// covariance_type = "full"), so that its fits are a peer and a reference:
//   E-step   log r_ik = log w_k + log N(x_i; μ_k, Σ_k) − log Σ_j (...)
//            (log-sum-exp over the components), mean log-likelihood
//            L = (1/n) Σ_i log Σ_k w_k N(x_i; μ_k, Σ_k);
//   M-step   n_k = Σ_i r_ik + 10 ε (ε = 2.2e−16, sklearn's guard against an
//            empty component), μ_k = Σ_i r_ik x_i / n_k,
//            Σ_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / n_k + floor · I
//            (the covariance floor is sklearn's reg_covar, which keeps a
//            component that collapses onto few points non-singular),
//            w_k = n_k / Σ_j n_j;
//   stop     when |L_t − L_{t−1}| < tolerance (L of the E-step before the
//            M-step, as sklearn's lower_bound_), or after max_iterations.
// The scatter is accumulated about the current means and shifted to the new
// ones (Σ r (x − μ_new)(…)ᵀ = S − (2 n_k − Σ r) δ δᵀ, δ = μ_new − μ_old),
// which keeps one pass per iteration without the cancellation of raw second
// moments.
//
// Initialisation (initialise_mixture): k-means++ seeding (each next centre
// drawn with probability ∝ the squared distance to the nearest chosen one,
// the draws keyed by (seed, centre), the chosen row found across the ranks),
// then Lloyd iterations until no assignment changes or kmeans_iterations,
// then the M-step of the hard assignment. scikit-learn's default runs a
// full KMeans with greedy k-means++ (several candidates per centre) instead;
// a fit compared with sklearn passes this initialisation to it
// (weights_init, means_init, precisions_init).
//
// Across rank counts: by default every rank sums its rows in order and the
// ranks' sums are added in rank order, so results agree to rounding. With
// row_block = B > 0 the sums are taken over fixed blocks of B global rows
// instead (block_sums.hpp), which makes every fit identical bit for bit on
// any number of ranks, as a long recursion of fits needs (rounding there
// would grow into different iteration counts); each rank must then hold
// whole blocks (its first row a multiple of B), as distribute_rows gives.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "collapse/gaussian_mixture.hpp"
#include "core/mpi.hpp"
#include "core/partition.hpp"

namespace structura::collapse {

struct EmOptions {
  int components = 2;             // K
  double tolerance = 1e-3;        // on the change of the mean log-likelihood (sklearn tol; the paper 1e−5)
  int max_iterations = 100;       // sklearn max_iter (the paper 2000)
  double covariance_floor = 1e-6; // added to each covariance's diagonal (sklearn reg_covar)
  int kmeans_iterations = 20;     // Lloyd steps after the seeding (stops earlier when nothing moves)
  std::uint64_t seed = 0;         // the k-means++ draws
  std::int64_t row_block = 0;     // > 0: sums over fixed blocks of this many rows, exact in the rank count

  // InputError naming where.components, where.tolerance, where.max_iterations,
  // where.covariance_floor, where.kmeans_iterations.
  void validate(const std::string& where = "em") const;
};

// This rank's rows [begin, end) of `rows` global rows: whole blocks of
// `row_block` rows spread over the ranks (block_range over the blocks), or
// comm.block(rows) when row_block is 0.
Range distribute_rows(std::int64_t rows, std::int64_t row_block, const mpi::Comm& comm);

struct EmResult {
  GaussianMixture mixture;
  double log_likelihood = 0;                // L of the last E-step (per point, nats)
  std::vector<double> log_likelihood_history;  // L of every iteration
  int iterations = 0;
  bool converged = false;
};

// `points` are this rank's rows [n_local, d] (any rank may hold none); all
// ranks call collectively. InputError when there are fewer rows in all than
// components or the row count is not a multiple of d.
GaussianMixture initialise_mixture(std::span<const double> points, int dimension, const EmOptions& options,
                                   const mpi::Comm& comm);

// EM from `initial` (validated). NumericalError naming the iteration when the
// log-likelihood stops being finite.
EmResult fit_mixture(std::span<const double> points, int dimension, const GaussianMixture& initial,
                     const EmOptions& options, const mpi::Comm& comm);

// initialise_mixture, then EM.
EmResult fit_mixture(std::span<const double> points, int dimension, const EmOptions& options, const mpi::Comm& comm);

}  // namespace structura::collapse
