#include "collapse/mixture_em.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "collapse/fast_exp.hpp"
#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::collapse {

namespace {

constexpr double kLogTwoPi = 1.8378770664093454836;
// sklearn's guard added to every component's responsibility sum.
constexpr double kEmptyGuard = 10 * std::numeric_limits<double>::epsilon();
// The stream of the k-means++ draws ("KMPP").
constexpr std::uint64_t kSeedingStream = 0x4B4D5050;

std::int64_t local_rows(std::span<const double> points, int d) {
  require(d >= 1, fmt::format("em: the dimension must be at least 1, got {}", d));
  require(points.size() % static_cast<std::size_t>(d) == 0,
          fmt::format("em: {} values are not rows of {} coordinates", points.size(), d));
  return static_cast<std::int64_t>(points.size() / static_cast<std::size_t>(d));
}

// What the E-step needs of each component: μ_k, L_k⁻¹ (lower) and log w_k − ½ log det(2π Σ_k).
struct Components {
  int k = 0, d = 0;
  std::vector<double> mean, inverse_factor, log_norm;
};

Components prepare(const GaussianMixture& m) {
  const MixtureFactors f = factorise(m, "em");
  Components c;
  c.k = m.components();
  c.d = m.dimension;
  c.mean = m.means;
  c.log_norm = f.log_norm;
  const int d = c.d;
  c.inverse_factor.assign(static_cast<std::size_t>(c.k) * d * d, 0.0);
  for (int k = 0; k < c.k; ++k) {
    const double* l = f.factor(k);
    double* inv = c.inverse_factor.data() + static_cast<std::size_t>(k) * d * d;
    // Column j of L⁻¹ by forward substitution on e_j.
    for (int j = 0; j < d; ++j)
      for (int i = j; i < d; ++i) {
        double s = i == j ? 1.0 : 0.0;
        for (int t = j; t < i; ++t) s -= l[i * d + t] * inv[t * d + j];
        inv[i * d + j] = s / l[i * d + i];
      }
  }
  return c;
}

// The sufficient statistics of one pass, about the current means, packed
// for one allreduce: [n_k (K) | Σ r δ (K d) | Σ r δ δᵀ (K d d) | Σ log p].
struct Statistics {
  int k, d;
  std::vector<double> v;
  Statistics(int k_, int d_) : k(k_), d(d_), v(static_cast<std::size_t>(k_) * (1 + d_ + d_ * d_) + 1, 0.0) {}
  double* count() { return v.data(); }
  double* first(int c) { return v.data() + k + static_cast<std::size_t>(c) * d; }
  double* second(int c) { return v.data() + k + static_cast<std::size_t>(k) * d + static_cast<std::size_t>(c) * d * d; }
  double& log_likelihood() { return v.back(); }
};

// One pass: responsibilities by log-sum-exp and their statistics about the
// current means. Points go in tiles of kTile, transposed to coordinate
// rows, so that every loop below runs over the tile's points and
// vectorises (D is a compile-time dimension for d ≤ 4, 0 for any other d).
constexpr int kTile = 128;

template <int D>
void e_step_tile(const double* x, int count, const Components& c, Statistics& st, std::vector<double>& scratch) {
  const int k = c.k, d = D > 0 ? D : c.d;
  double* xt = scratch.data();                      // [d][kTile]
  double* a = xt + static_cast<std::size_t>(d) * kTile;  // [k][kTile]: log w N, then exp(· − top)
  double* top = a + static_cast<std::size_t>(k) * kTile;
  double* inv = top + kTile;
  double* y = inv + kTile;                          // [d][kTile]
  for (int p = 0; p < count; ++p)
    for (int i = 0; i < d; ++i) xt[i * kTile + p] = x[p * d + i];
  for (int p = 0; p < count; ++p) top[p] = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < k; ++j) {
    const double* mu = c.mean.data() + static_cast<std::size_t>(j) * d;
    const double* l = c.inverse_factor.data() + static_cast<std::size_t>(j) * d * d;
    double* aj = a + static_cast<std::size_t>(j) * kTile;
    for (int p = 0; p < count; ++p) aj[p] = 0;
    for (int i = 0; i < d; ++i) {
      double* yi = y + static_cast<std::size_t>(i) * kTile;
      for (int p = 0; p < count; ++p) yi[p] = 0;
      for (int t = 0; t <= i; ++t) {
        const double lit = l[i * d + t], mt = mu[t];
        const double* xtt = xt + static_cast<std::size_t>(t) * kTile;
        for (int p = 0; p < count; ++p) yi[p] += lit * (xtt[p] - mt);
      }
      for (int p = 0; p < count; ++p) aj[p] += yi[p] * yi[p];
    }
    const double log_norm = c.log_norm[j];
    for (int p = 0; p < count; ++p) {
      aj[p] = log_norm - 0.5 * aj[p];
      top[p] = std::max(top[p], aj[p]);
    }
  }
  for (int p = 0; p < count; ++p) inv[p] = 0;
  for (int j = 0; j < k; ++j) {
    double* aj = a + static_cast<std::size_t>(j) * kTile;
    for (int p = 0; p < count; ++p) {
      aj[p] = exp_nonpositive(aj[p] - top[p]);
      inv[p] += aj[p];
    }
  }
  double log_likelihood = 0;
  for (int p = 0; p < count; ++p) {
    log_likelihood += top[p] + std::log(inv[p]);
    inv[p] = 1 / inv[p];
  }
  st.log_likelihood() += log_likelihood;
  for (int j = 0; j < k; ++j) {
    const double* mu = c.mean.data() + static_cast<std::size_t>(j) * d;
    double* aj = a + static_cast<std::size_t>(j) * kTile;
    double n = 0;
    for (int p = 0; p < count; ++p) n += (aj[p] *= inv[p]);  // aj now holds r_pj
    st.count()[j] += n;
    for (int i = 0; i < d; ++i) {
      const double* xi = xt + static_cast<std::size_t>(i) * kTile;
      double* ri = y + static_cast<std::size_t>(i) * kTile;  // r δ_i, reused for the second moments
      double first = 0;
      for (int p = 0; p < count; ++p) first += (ri[p] = aj[p] * (xi[p] - mu[i]));
      st.first(j)[i] += first;
      for (int t = 0; t <= i; ++t) {
        const double* xtt = xt + static_cast<std::size_t>(t) * kTile;
        double second = 0;
        for (int p = 0; p < count; ++p) second += ri[p] * (xtt[p] - mu[t]);
        st.second(j)[i * d + t] += second;  // the lower triangle; mirrored in the M-step
      }
    }
  }
}

template <int D>
void e_step_points(std::span<const double> points, const Components& c, Statistics& st) {
  const int d = c.d;
  const std::int64_t n = static_cast<std::int64_t>(points.size()) / d;
  std::vector<double> scratch(static_cast<std::size_t>(2 * d + c.k + 2) * kTile);
  for (std::int64_t first = 0; first < n; first += kTile) {
    const int count = static_cast<int>(std::min<std::int64_t>(kTile, n - first));
    e_step_tile<D>(points.data() + first * d, count, c, st, scratch);
  }
}

Statistics e_step(std::span<const double> points, const Components& c) {
  Statistics st(c.k, c.d);
  switch (c.d) {
    case 1: e_step_points<1>(points, c, st); break;
    case 2: e_step_points<2>(points, c, st); break;
    case 3: e_step_points<3>(points, c, st); break;
    case 4: e_step_points<4>(points, c, st); break;
    default: e_step_points<0>(points, c, st); break;
  }
  return st;
}

// The M-step from summed statistics about the old means.
GaussianMixture m_step(Statistics& st, const GaussianMixture& old, double floor) {
  const int k = st.k, d = st.d;
  GaussianMixture m;
  m.dimension = d;
  m.weights.resize(static_cast<std::size_t>(k));
  m.means.resize(static_cast<std::size_t>(k) * d);
  m.covariances.resize(static_cast<std::size_t>(k) * d * d);
  double total = 0;
  for (int j = 0; j < k; ++j) {
    const double raw = st.count()[j], nk = raw + kEmptyGuard;
    total += nk;
    m.weights[j] = nk;
    std::vector<double> shift(static_cast<std::size_t>(d));
    for (int i = 0; i < d; ++i) {
      shift[i] = st.first(j)[i] / nk;
      m.means[j * d + i] = old.mean(j)[i] + shift[i];
    }
    // Σ r (x − μ_new)(x − μ_new)ᵀ = S − (2 n_k − Σ r) δ δᵀ with δ = μ_new − μ_old.
    const double correction = 2 * nk - raw;
    double* cov = m.covariances.data() + static_cast<std::size_t>(j) * d * d;
    for (int i = 0; i < d; ++i)
      for (int t = 0; t <= i; ++t) {
        const double value = (st.second(j)[i * d + t] - correction * shift[i] * shift[t]) / nk;
        cov[i * d + t] = cov[t * d + i] = value;
      }
    for (int i = 0; i < d; ++i) cov[i * d + i] += floor;
  }
  for (double& w : m.weights) w /= total;
  return m;
}

// Squared distance of row x to centre c.
double squared_distance(const double* x, const double* c, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += (x[i] - c[i]) * (x[i] - c[i]);
  return s;
}

// The pieces in which rows are summed: one per rank (row_block = 0) or the
// fixed blocks of row_block global rows. Every sum adds each piece's rows in
// order, then the pieces in global order (the allreduce only places each
// piece's sums: every entry is non-zero on one rank, x + 0 = x), so with
// fixed blocks no addition depends on the number of ranks.
class RowPieces {
public:
  RowPieces(std::int64_t local_rows, std::int64_t row_block, const mpi::Comm& comm) : comm_(comm), local_(local_rows) {
    std::vector<double> counts(static_cast<std::size_t>(comm.size()), 0.0);
    counts[comm.rank()] = static_cast<double>(local_rows);
    comm.sum_in_place(counts);
    for (int r = 0; r < comm.size(); ++r) {
      if (r < comm.rank()) first_ += static_cast<std::int64_t>(counts[r]);
      total_ += static_cast<std::int64_t>(counts[r]);
    }
    if (row_block <= 0) {
      std::int64_t offset = 0;
      for (int r = 0; r < comm.size(); ++r) {
        begin_.push_back(offset);
        offset += static_cast<std::int64_t>(counts[r]);
      }
      begin_.push_back(offset);
      mine_ = {comm.rank(), 1};
      return;
    }
    require_on_every_rank(comm, [&] {
      require(local_rows == 0 || (first_ % row_block == 0 && (local_rows % row_block == 0 || first_ + local_rows == total_)),
              fmt::format("em.row_block: this rank holds rows {} .. {}, not whole blocks of {} rows (spread them "
                          "with distribute_rows)",
                          first_, first_ + local_rows - 1, row_block));
    });
    for (std::int64_t b = 0; b * row_block < total_; ++b) begin_.push_back(b * row_block);
    begin_.push_back(total_);
    mine_ = {first_ / row_block, (local_rows + row_block - 1) / row_block};
  }

  std::int64_t first() const { return first_; }  // this rank's first global row
  std::int64_t total() const { return total_; }
  std::int64_t pieces() const { return static_cast<std::int64_t>(begin_.size()) - 1; }
  std::int64_t begin(std::int64_t p) const { return begin_[p]; }
  std::int64_t end(std::int64_t p) const { return begin_[p + 1]; }
  bool owns(std::int64_t p) const { return p >= mine_.begin && p < mine_.end(); }

  // The `width` sums of every piece ([pieces, width], on every rank):
  // add(local_begin, local_end, out) adds this rank's rows of one piece into out.
  template <class Add>
  std::vector<double> per_piece(std::size_t width, Add&& add) const {
    std::vector<double> partial(static_cast<std::size_t>(pieces()) * width, 0.0);
    for (std::int64_t p = mine_.begin; p < mine_.end(); ++p)
      if (begin_[p] < begin_[p + 1]) add(begin_[p] - first_, begin_[p + 1] - first_, partial.data() + p * width);
    comm_.sum_in_place(partial);
    return partial;
  }
  // The `width` totals over all rows, the pieces added in order.
  template <class Add>
  std::vector<double> sum(std::size_t width, Add&& add) const {
    const std::vector<double> partial = per_piece(width, add);
    std::vector<double> total(width, 0.0);
    for (std::int64_t p = 0; p < pieces(); ++p)
      for (std::size_t k = 0; k < width; ++k) total[k] += partial[p * width + k];
    return total;
  }

  // The row of global index `row`, on every rank.
  std::vector<double> fetch_row(std::span<const double> points, int d, std::int64_t row) const {
    std::vector<double> out(static_cast<std::size_t>(d), 0.0);
    if (row >= first_ && row < first_ + local_) std::copy_n(points.data() + (row - first_) * d, d, out.begin());
    comm_.sum_in_place(out);
    return out;
  }

private:
  mpi::Comm comm_;
  std::int64_t local_ = 0, first_ = 0, total_ = 0;
  std::vector<std::int64_t> begin_;  // [pieces + 1] global row offsets
  Range mine_;                       // this rank's pieces
};

}  // namespace

void EmOptions::validate(const std::string& where) const {
  require(components >= 1, fmt::format("{}.components: a mixture needs at least 1 component, got {}", where,
                                       components));
  require(std::isfinite(tolerance) && tolerance >= 0,
          fmt::format("{}.tolerance: expected a finite value >= 0, got {}", where, tolerance));
  require(max_iterations >= 1, fmt::format("{}.max_iterations: expected at least 1, got {}", where, max_iterations));
  require(std::isfinite(covariance_floor) && covariance_floor >= 0,
          fmt::format("{}.covariance_floor: expected a finite value >= 0, got {}", where, covariance_floor));
  require(kmeans_iterations >= 0,
          fmt::format("{}.kmeans_iterations: expected 0 or more, got {}", where, kmeans_iterations));
  require(row_block >= 0, fmt::format("{}.row_block: expected 0 or more rows, got {}", where, row_block));
}

Range distribute_rows(std::int64_t rows, std::int64_t row_block, const mpi::Comm& comm) {
  if (row_block <= 0) return comm.block(rows);
  const Range blocks = comm.block((rows + row_block - 1) / row_block);
  const std::int64_t begin = std::min(rows, blocks.begin * row_block);
  return {begin, std::min(rows, blocks.end() * row_block) - begin};
}

GaussianMixture initialise_mixture(std::span<const double> points, int d, const EmOptions& options,
                                   const mpi::Comm& comm) {
  options.validate();
  const std::int64_t n = local_rows(points, d);
  const RowPieces pieces(n, options.row_block, comm);
  const std::int64_t total = pieces.total();
  const int k = options.components;
  require(total >= k, fmt::format("em.components: {} components need at least as many rows, got {}", k, total));

  // k-means++ seeding: centre 0 uniform, then ∝ D² to the nearest centre.
  const CounterRng rng(options.seed, kSeedingStream);
  std::vector<double> centres;
  std::vector<double> nearest(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  for (int c = 0; c < k; ++c) {
    const double u = rng.uniform4(static_cast<std::uint64_t>(c), 0).u[0];
    std::int64_t row = std::min(total - 1, static_cast<std::int64_t>(u * static_cast<double>(total)));
    if (c > 0) {
      // Each piece's share of Σ D², then the piece and row where u Σ D² falls.
      const std::vector<double> mass = pieces.per_piece(1, [&](std::int64_t b, std::int64_t e, double* out) {
        for (std::int64_t i = b; i < e; ++i) out[0] += nearest[i];
      });
      double all = 0;
      for (double v : mass) all += v;
      const double target = u * all;
      double before = 0;
      std::int64_t owner = pieces.pieces() - 1;
      for (std::int64_t p = 0; p < pieces.pieces(); ++p) {
        if (target < before + mass[p]) {
          owner = p;
          break;
        }
        before += mass[p];
      }
      std::vector<double> found(1, 0.0);
      if (pieces.owns(owner)) {
        const std::int64_t b = pieces.begin(owner) - pieces.first(), e = pieces.end(owner) - pieces.first();
        double cumulative = before;
        std::int64_t pick = e - 1;
        for (std::int64_t i = b; i < e; ++i) {
          cumulative += nearest[i];
          if (target < cumulative) {
            pick = i;
            break;
          }
        }
        found[0] = static_cast<double>(pieces.first() + pick);
      }
      comm.sum_in_place(found);
      row = static_cast<std::int64_t>(found[0]);
    }
    const std::vector<double> centre = pieces.fetch_row(points, d, row);
    centres.insert(centres.end(), centre.begin(), centre.end());
    for (std::int64_t i = 0; i < n; ++i)
      nearest[i] = std::min(nearest[i], squared_distance(points.data() + i * d, centre.data(), d));
  }

  // Lloyd iterations; an empty cluster keeps its centre.
  std::vector<int> label(static_cast<std::size_t>(n), -1);
  for (int it = 0; it <= options.kmeans_iterations; ++it) {
    const std::vector<double> sums =
        pieces.sum(static_cast<std::size_t>(k) * (d + 1) + 1, [&](std::int64_t b, std::int64_t e, double* out) {
          for (std::int64_t i = b; i < e; ++i) {
            const double* x = points.data() + i * d;
            int best = 0;
            double best_d = squared_distance(x, centres.data(), d);
            for (int c = 1; c < k; ++c) {
              const double dc = squared_distance(x, centres.data() + static_cast<std::size_t>(c) * d, d);
              if (dc < best_d) best_d = dc, best = c;
            }
            if (best != label[i]) out[static_cast<std::size_t>(k) * (d + 1)] += 1, label[i] = best;
            out[best] += 1;
            for (int t = 0; t < d; ++t) out[k + static_cast<std::size_t>(best) * d + t] += x[t];
          }
        });
    if (sums.back() == 0 || it == options.kmeans_iterations) break;
    for (int c = 0; c < k; ++c)
      if (sums[c] > 0)
        for (int t = 0; t < d; ++t) centres[c * d + t] = sums[k + static_cast<std::size_t>(c) * d + t] / sums[c];
  }

  // The M-step of the hard assignment, about the centres.
  GaussianMixture around;
  around.dimension = d;
  around.weights.assign(static_cast<std::size_t>(k), 1.0 / k);
  around.means = centres;
  Statistics st(k, d);
  st.v = pieces.sum(st.v.size(), [&](std::int64_t b, std::int64_t e, double* out) {
    Statistics local(k, d);
    for (std::int64_t i = b; i < e; ++i) {
      const int j = label[i];
      const double* x = points.data() + i * d;
      const double* mu = centres.data() + static_cast<std::size_t>(j) * d;
      local.count()[j] += 1;
      for (int t = 0; t < d; ++t) {
        local.first(j)[t] += x[t] - mu[t];
        for (int s = 0; s <= t; ++s) local.second(j)[t * d + s] += (x[t] - mu[t]) * (x[s] - mu[s]);
      }
    }
    std::copy(local.v.begin(), local.v.end(), out);
  });
  return m_step(st, around, options.covariance_floor);
}

EmResult fit_mixture(std::span<const double> points, int d, const GaussianMixture& initial, const EmOptions& options,
                     const mpi::Comm& comm) {
  options.validate();
  require(initial.dimension == d && initial.components() == options.components,
          fmt::format("em: the initial mixture has {} components in {} dimensions, expected {} in {}",
                      initial.components(), initial.dimension, options.components, d));
  initial.validate("em.initial");
  const RowPieces pieces(local_rows(points, d), options.row_block, comm);
  const double rows = static_cast<double>(pieces.total());
  EmResult result;
  result.mixture = initial;
  double previous = -std::numeric_limits<double>::infinity();
  for (int it = 1; it <= options.max_iterations; ++it) {
    const Components components = prepare(result.mixture);
    Statistics st(options.components, d);
    st.v = pieces.sum(st.v.size(), [&](std::int64_t b, std::int64_t e, double* out) {
      const Statistics local = e_step(points.subspan(b * d, (e - b) * d), components);
      std::copy(local.v.begin(), local.v.end(), out);
    });
    const double mean_log_likelihood = st.log_likelihood() / rows;
    if (!std::isfinite(mean_log_likelihood))
      throw NumericalError(fmt::format("em: the log-likelihood is {} at iteration {}", mean_log_likelihood, it));
    result.mixture = m_step(st, result.mixture, options.covariance_floor);
    result.log_likelihood = mean_log_likelihood;
    result.log_likelihood_history.push_back(mean_log_likelihood);
    result.iterations = it;
    if (std::abs(mean_log_likelihood - previous) < options.tolerance) {
      result.converged = true;
      break;
    }
    previous = mean_log_likelihood;
  }
  return result;
}

EmResult fit_mixture(std::span<const double> points, int d, const EmOptions& options, const mpi::Comm& comm) {
  return fit_mixture(points, d, initialise_mixture(points, d, options, comm), options, comm);
}

}  // namespace structura::collapse
