// Stage `data` of `sympflow` (supervised variants only): trajectories of the
// accurate reference (exact flow, else Dormand-Prince) from initial
// conditions in the training box, sampled at t_m = m t_max / M, m < M, with
// optional Gaussian noise on the states. Each rank computes a block of
// trajectories; draws are keyed by the global trajectory index. A shared
// data set (kind.cpp, data_sets): made once per distinct data_set_keys().
#include <fmt/format.h>

#include "core/rng.hpp"
#include "experiments/sympflow/propagators.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"

namespace structura::pipeline::sympflow {

using hamiltonian::Ensemble;

namespace {

void write_set(StageContext& ctx, const Settings& s, const std::string& which, std::int64_t trajectories,
               Purpose purpose) {
  const Range local = ctx.comm.block(trajectories);
  const int n = s.dof, n2 = 2 * n;
  const std::int64_t M = s.data_times;
  Ensemble e(local.begin, local.count, n);
  hamiltonian::sample_initial_conditions(s.system,
                                         hamiltonian::BoxSampling{s.box.q_min, s.box.q_max, s.box.p_min, s.box.p_max},
                                         derived_seed(s.seed, purpose), e);
  auto initial_host = [&] {
    auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
    auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
    std::vector<double> rows(static_cast<std::size_t>(local.count * n2));
    for (std::int64_t i = 0; i < local.count; ++i)
      for (int c = 0; c < n; ++c) rows[i * n2 + c] = q(i, c), rows[i * n2 + n + c] = p(i, c);
    return rows;
  };
  const std::vector<double> x0 = initial_host();
  std::vector<double> states(static_cast<std::size_t>(local.count * M * n2));
  const double step = s.t_max / double(M);
  auto reference = reference_propagator(s.system, s.rtol, s.atol);
  for (std::int64_t m = 0; m < M; ++m) {
    if (m > 0) agree_on_errors(ctx.comm, [&] { reference->advance(e, step); });
    const std::vector<double> rows = initial_host();
    for (std::int64_t i = 0; i < local.count; ++i)
      std::copy(rows.begin() + i * n2, rows.begin() + (i + 1) * n2, states.begin() + (i * M + m) * n2);
  }
  if (s.data_noise > 0) {  // noise on the targets, keyed by (trajectory, time, coordinate)
    const CounterRng rng(derived_seed(s.seed, Purpose::DataNoise), static_cast<std::uint64_t>(purpose));
    for (std::int64_t i = 0; i < local.count; ++i)
      for (std::int64_t m = 0; m < M; ++m)
        for (int c = 0; c < n2; c += 2) {
          const Uniform4 u = rng.uniform4(static_cast<std::uint64_t>(local.begin + i),
                                          static_cast<std::uint64_t>(m * n2 + c));
          double z1, z2;
          box_muller(u.u[0], u.u[1], z1, z2);
          states[(i * M + m) * n2 + c] += s.data_noise * z1;
          if (c + 1 < n2) states[(i * M + m) * n2 + c + 1] += s.data_noise * z2;
        }
  }
  h5::Group g = ctx.fresh_group("/data/" + which);
  const auto N = static_cast<hsize_t>(trajectories);
  h5::Dataset di = g.create_dataset<double>("initial", h5::Dims{N, static_cast<hsize_t>(n2)});
  di.write(h5::Dims{static_cast<hsize_t>(local.begin), 0}, h5::Dims{static_cast<hsize_t>(local.count), hsize_t(n2)},
           x0.data());
  h5::Dataset ds = g.create_dataset<double>("states", h5::Dims{N, static_cast<hsize_t>(M), static_cast<hsize_t>(n2)});
  ds.write(h5::Dims{static_cast<hsize_t>(local.begin), 0, 0},
           h5::Dims{static_cast<hsize_t>(local.count), static_cast<hsize_t>(M), hsize_t(n2)}, states.data());
  ds.set_attribute("meaning", "reference states (trajectory, time, [q, p]) plus noise");
  std::vector<double> times(static_cast<std::size_t>(M));
  for (std::int64_t m = 0; m < M; ++m) times[m] = double(m) * step;
  g.write_dataset("times", times, h5::Dims{static_cast<hsize_t>(M)}).set_attribute("unit", "time");
  g.set_attribute("noise", s.data_noise);
}

}  // namespace

void data(StageContext& ctx) {
  const Settings s = read_data_settings(ctx.config);  // a shared data set's config: its keys only
  write_set(ctx, s, "training", s.data_trajectories, Purpose::Data);
  write_set(ctx, s, "validation", s.data_validation_trajectories, Purpose::DataValidation);
  log::info("data: {} + {} trajectories x {} times, noise {:g}", s.data_trajectories, s.data_validation_trajectories,
            s.data_times, s.data_noise);
}

}  // namespace structura::pipeline::sympflow
