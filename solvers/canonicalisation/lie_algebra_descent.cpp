#include "canonicalisation/lie_algebra_descent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::canonicalisation {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// exp(epsilon) . base
Element candidate(const LieGroup& group, const Element& base, std::span<const double> epsilon) {
  return group.compose(group.exp(epsilon), base);
}

// Adam (Kingma & Ba, the usual beta1 = 0.9, beta2 = 0.999, 1e-8) on a
// vector of coordinates; one state per restart (or per coordinate search).
class Adam {
public:
  Adam(int dimension, double learning_rate) : m_(dimension, 0.0), v_(dimension, 0.0), lr_(learning_rate) {}

  void step(std::span<double> x, std::span<const double> gradient) {
    // The bias corrections 1 - beta^t as running powers (no pow per step).
    power1_ *= kBeta1;
    power2_ *= kBeta2;
    const double c1 = 1.0 - power1_, c2 = 1.0 - power2_;
    for (std::size_t i = 0; i < x.size(); ++i) {
      m_[i] = kBeta1 * m_[i] + (1.0 - kBeta1) * gradient[i];
      v_[i] = kBeta2 * v_[i] + (1.0 - kBeta2) * gradient[i] * gradient[i];
      x[i] -= lr_ * (m_[i] / c1) / (std::sqrt(v_[i] / c2) + kEpsilon);
    }
  }

private:
  static constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  std::vector<double> m_, v_;
  double lr_;
  double power1_ = 1, power2_ = 1;  // beta1^t, beta2^t
};

// Restart r's starting coordinates: 0 for r = 0 (the identity), else
// init_scale * N(0, I) keyed by (seed, input_index, r, coordinate).
std::vector<double> restart_start(const DescentOptions& options, int dimension, int r) {
  std::vector<double> eps(static_cast<std::size_t>(dimension), 0.0);
  if (r == 0) return eps;
  const CounterRng rng(options.seed, options.input_index);
  for (int j = 0; j < dimension; ++j) {
    const Uniform4 u = rng.uniform4(static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(j));
    double z1 = 0, z2 = 0;
    box_muller(u.u[0], u.u[1], z1, z2);
    eps[static_cast<std::size_t>(j)] = options.init_scale * z1;
  }
  return eps;
}

// The best candidate one rank has seen.
struct Best {
  double energy = kInfinity;
  int restart = std::numeric_limits<int>::max();
  Element element;
  std::vector<double> epsilon;

  // Lower energy wins; equal energies: the lower restart index.
  bool improves(double e, int r) const { return std::isfinite(e) && (e < energy || (e == energy && r < restart)); }
  void offer(double e, int r, const Element& h, std::span<const double> eps) {
    if (!improves(e, r)) return;
    energy = e;
    restart = r;
    element = h;
    epsilon.assign(eps.begin(), eps.end());
  }
};

// Energies of one row each (rows x k coordinates, about the same base), in
// chunks of options.batch; non-finite energies become +infinity.
EnergyBatch evaluate_in_chunks(const ChartEnergy& energy, const Element& base, const std::vector<double>& epsilon,
                               int rows, int k, int chunk) {
  EnergyBatch all;
  all.energy.reserve(static_cast<std::size_t>(rows));
  all.gradient.reserve(static_cast<std::size_t>(rows) * static_cast<std::size_t>(k));
  for (int begin = 0; begin < rows; begin += chunk) {
    const int n = std::min(chunk, rows - begin);
    const std::span<const double> part(epsilon.data() + static_cast<std::size_t>(begin) * k,
                                       static_cast<std::size_t>(n) * k);
    EnergyBatch b = energy.evaluate(base, part, n);
    if (static_cast<int>(b.energy.size()) != n || static_cast<int>(b.gradient.size()) != n * k)
      throw Error(fmt::format("canonicalisation: the energy returned {} energies and {} gradient entries for {} "
                              "candidates of {} coordinates",
                              b.energy.size(), b.gradient.size(), n, k));
    for (int i = 0; i < n; ++i) {
      double e = b.energy[static_cast<std::size_t>(i)];
      bool finite_gradient = true;
      for (int j = 0; j < k; ++j) finite_gradient &= std::isfinite(b.gradient[static_cast<std::size_t>(i) * k + j]);
      if (!std::isfinite(e) || !finite_gradient) e = kInfinity;
      all.energy.push_back(e);
    }
    all.gradient.insert(all.gradient.end(), b.gradient.begin(), b.gradient.end());
  }
  return all;
}

// Global retraction: h_r = exp(eps_r), Adam on every eps_r in lock step;
// the energies of all this rank's restarts are evaluated as one batch.
// Returns the energy of restart 0's start (the identity) if this rank holds
// restart 0, else NaN.
double global_retraction(const LieGroup& group, const ChartEnergy& energy, const DescentOptions& options,
                         const Range& restarts, Best& best, std::int64_t& evaluations) {
  const int k = group.dimension();
  const int rows = static_cast<int>(restarts.count);
  double identity_energy = std::numeric_limits<double>::quiet_NaN();
  if (rows == 0) return identity_energy;

  std::vector<double> eps;
  eps.reserve(static_cast<std::size_t>(rows) * k);
  for (std::int64_t r = restarts.begin; r < restarts.end(); ++r) {
    const auto start = restart_start(options, k, static_cast<int>(r));
    eps.insert(eps.end(), start.begin(), start.end());
  }
  std::vector<Adam> adam(static_cast<std::size_t>(rows), Adam(k, options.learning_rate));
  std::vector<bool> alive(static_cast<std::size_t>(rows), true);
  const Element identity = group.identity();

  std::vector<int> live;
  std::vector<double> live_eps;
  bool all_alive = true;
  // The best coordinates only; the element exp(eps) . identity is made once
  // at the end (it costs more than the energies of a cheap chart).
  Best coordinates;
  for (int step = 0; step <= options.steps; ++step) {
    // Dead restarts (non-finite energy) are no longer evaluated.
    if (!all_alive) {
      live.clear();
      live_eps.clear();
      for (int i = 0; i < rows; ++i) {
        if (!alive[static_cast<std::size_t>(i)]) continue;
        live.push_back(i);
        live_eps.insert(live_eps.end(), eps.begin() + static_cast<std::ptrdiff_t>(i) * k,
                        eps.begin() + static_cast<std::ptrdiff_t>(i + 1) * k);
      }
      if (live.empty()) break;
    }
    const bool dense = all_alive;  // this step's rows are every restart (all_alive may change below)
    const int n = dense ? rows : static_cast<int>(live.size());
    const EnergyBatch b = evaluate_in_chunks(energy, identity, dense ? eps : live_eps, n, k, options.batch);
    evaluations += n;
    for (int j = 0; j < n; ++j) {
      const int i = dense ? j : live[static_cast<std::size_t>(j)];
      const int r = static_cast<int>(restarts.begin) + i;
      const double e = b.energy[static_cast<std::size_t>(j)];
      std::span<double> x(eps.data() + static_cast<std::size_t>(i) * k, static_cast<std::size_t>(k));
      if (step == 0 && r == 0) identity_energy = e;
      if (!std::isfinite(e)) {
        alive[static_cast<std::size_t>(i)] = false;
        all_alive = false;
        continue;
      }
      if (coordinates.improves(e, r)) {
        coordinates.energy = e;
        coordinates.restart = r;
        coordinates.epsilon.assign(x.begin(), x.end());
      }
      if (step < options.steps)
        adam[static_cast<std::size_t>(i)].step(
            x, std::span<const double>(b.gradient.data() + static_cast<std::size_t>(j) * k, static_cast<std::size_t>(k)));
    }
  }
  if (std::isfinite(coordinates.energy))
    best.offer(coordinates.energy, coordinates.restart, candidate(group, identity, coordinates.epsilon),
               coordinates.epsilon);
  return identity_energy;
}

// Coordinate descent: from each restart's start h = exp(eps0), sweeps over
// the generators; for generator i a 1-D Adam search on t in exp(t v_i) . h,
// then h <- exp(t* v_i) . h with the best t seen (t = 0 is the first
// candidate, so a coordinate step never raises the energy). epsilon records
// eps0 plus the accepted coordinate steps (log h exactly only where the
// generators commute).
double coordinate_descent(const LieGroup& group, const ChartEnergy& energy, const DescentOptions& options,
                          const Range& restarts, Best& best, std::int64_t& evaluations) {
  const int k = group.dimension();
  double identity_energy = std::numeric_limits<double>::quiet_NaN();
  for (std::int64_t rr = restarts.begin; rr < restarts.end(); ++rr) {
    const int r = static_cast<int>(rr);
    std::vector<double> accumulated = restart_start(options, k, r);
    Element h = group.exp(accumulated);
    double h_energy = kInfinity;
    bool first = true;
    for (int sweep = 0; sweep < options.sweeps; ++sweep) {
      for (int i = 0; i < k; ++i) {
        std::vector<double> row(static_cast<std::size_t>(k), 0.0);
        double t = 0, best_t = 0, best_e = kInfinity;
        Adam adam(1, options.learning_rate);
        for (int step = 0; step <= options.steps; ++step) {
          row[static_cast<std::size_t>(i)] = t;
          const EnergyBatch b = evaluate_in_chunks(energy, h, row, 1, k, 1);
          ++evaluations;
          const double e = b.energy[0];
          if (first) {
            first = false;
            h_energy = e;
            if (r == 0) identity_energy = e;
          }
          if (!std::isfinite(e)) break;  // the search left the chart: keep the best t so far
          if (e < best_e) {
            best_e = e;
            best_t = t;
          }
          if (step < options.steps) {
            double g = b.gradient[static_cast<std::size_t>(i)];
            std::span<double> x(&t, 1);
            adam.step(x, std::span<const double>(&g, 1));
          }
        }
        if (best_e < h_energy) {
          row.assign(static_cast<std::size_t>(k), 0.0);
          row[static_cast<std::size_t>(i)] = best_t;
          h = candidate(group, h, row);
          h_energy = best_e;
          accumulated[static_cast<std::size_t>(i)] += best_t;
        }
      }
    }
    best.offer(h_energy, r, h, accumulated);
  }
  return identity_energy;
}

// The best over all ranks (lowest energy, then lowest restart), on every rank.
Best reduce_best(const Best& local, int element_size, int k, const mpi::Comm& comm) {
  // Packed as [energy, restart, element..., epsilon...]; a rank with no
  // finite candidate sends +infinity and zeros.
  const int width = 2 + element_size + k;
  std::vector<double> mine(static_cast<std::size_t>(width), 0.0);
  mine[0] = local.energy;
  mine[1] = static_cast<double>(local.restart == std::numeric_limits<int>::max() ? -1 : local.restart);
  if (std::isfinite(local.energy)) {
    std::copy(local.element.begin(), local.element.end(), mine.begin() + 2);
    std::copy(local.epsilon.begin(), local.epsilon.end(), mine.begin() + 2 + element_size);
  }
  std::vector<double> all(static_cast<std::size_t>(width) * comm.size());
  mpi::check(MPI_Allgather(mine.data(), width, MPI_DOUBLE, all.data(), width, MPI_DOUBLE, comm.get()),
             "MPI_Allgather (canonicalisation)");
  Best best;
  for (int p = 0; p < comm.size(); ++p) {
    const double* row = all.data() + static_cast<std::size_t>(p) * width;
    if (!std::isfinite(row[0])) continue;
    best.offer(row[0], static_cast<int>(row[1]), Element(row + 2, row + 2 + element_size),
               std::span<const double>(row + 2 + element_size, static_cast<std::size_t>(k)));
  }
  return best;
}

}  // namespace

void DescentOptions::validate() const {
  auto fail = [](const std::string& what) { throw InputError("canonicalisation." + what); };
  if (restarts < 1) fail(fmt::format("restarts: must be >= 1 (got {})", restarts));
  if (steps < 0) fail(fmt::format("steps: must be >= 0 (got {})", steps));
  if (sweeps < 1) fail(fmt::format("sweeps: must be >= 1 (got {})", sweeps));
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    fail(fmt::format("learning_rate: must be a finite number > 0 (got {})", learning_rate));
  if (!(init_scale >= 0) || !std::isfinite(init_scale))
    fail(fmt::format("init_scale: must be a finite number >= 0 (got {})", init_scale));
  if (batch < 1) fail(fmt::format("batch: must be >= 1 (got {})", batch));
}

FiniteDifferenceEnergy::FiniteDifferenceEnergy(const LieGroup& group,
                                               std::function<double(const Element&)> energy_of_element, double step)
    : group_(group), energy_of_element_(std::move(energy_of_element)), step_(step) {
  if (!(step > 0) || !std::isfinite(step))
    throw InputError(fmt::format("canonicalisation: finite-difference step must be > 0 (got {})", step));
}

EnergyBatch FiniteDifferenceEnergy::evaluate(const Element& base, std::span<const double> epsilon, int rows) const {
  const int k = group_.dimension();
  // An element the energy cannot evaluate (it throws NumericalError: the
  // element leaves the chart) counts as +infinity.
  auto at = [&](const std::vector<double>& eps) {
    try {
      const double e = energy_of_element_(candidate(group_, base, eps));
      return std::isfinite(e) ? e : kInfinity;
    } catch (const NumericalError&) {
      return kInfinity;
    }
  };
  EnergyBatch out;
  out.energy.resize(static_cast<std::size_t>(rows));
  out.gradient.assign(static_cast<std::size_t>(rows) * k, 0.0);
  for (int r = 0; r < rows; ++r) {
    std::vector<double> eps(epsilon.begin() + static_cast<std::ptrdiff_t>(r) * k,
                            epsilon.begin() + static_cast<std::ptrdiff_t>(r + 1) * k);
    const double e0 = at(eps);
    out.energy[static_cast<std::size_t>(r)] = e0;
    if (!std::isfinite(e0)) continue;
    for (int j = 0; j < k; ++j) {
      std::vector<double> plus = eps, minus = eps;
      plus[static_cast<std::size_t>(j)] += step_;
      minus[static_cast<std::size_t>(j)] -= step_;
      const double ep = at(plus), em = at(minus);
      double g = 0;  // both neighbours off the chart: no information
      if (std::isfinite(ep) && std::isfinite(em))
        g = (ep - em) / (2 * step_);
      else if (std::isfinite(ep))
        g = (ep - e0) / step_;
      else if (std::isfinite(em))
        g = (e0 - em) / step_;
      out.gradient[static_cast<std::size_t>(r) * k + j] = g;
    }
  }
  return out;
}

Canonicalisation canonicalise(const LieGroup& group, const ChartEnergy& energy, const DescentOptions& options,
                              const mpi::Comm& comm) {
  options.validate();
  const int k = group.dimension();
  if (k < 1) throw InputError("canonicalisation: the group has no generators");
  const Range restarts = block_range(options.restarts, comm.size(), comm.rank());

  Best local;
  std::int64_t evaluations = 0;
  // Rank 0 holds restart 0 (block distribution), whose first candidate is
  // the identity: its energy is E(u), the energy of doing nothing.
  double identity_energy = options.method == DescentMethod::GlobalRetraction
                               ? global_retraction(group, energy, options, restarts, local, evaluations)
                               : coordinate_descent(group, energy, options, restarts, local, evaluations);
  comm.broadcast(identity_energy, 0);

  const int element_size = static_cast<int>(group.identity().size());
  Best best = reduce_best(local, element_size, k, comm);
  if (!std::isfinite(best.energy))
    throw NumericalError(fmt::format(
        "canonicalisation: no candidate of {} restarts (the identity included) has a finite energy", options.restarts));

  Canonicalisation result;
  result.element = std::move(best.element);
  result.epsilon = std::move(best.epsilon);
  result.energy = best.energy;
  result.identity_energy = identity_energy;
  result.restart = best.restart;
  result.evaluations = comm.sum(evaluations);
  return result;
}

}  // namespace structura::canonicalisation
