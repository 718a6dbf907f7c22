// The `metrics` stage of hamiltonian.ensemble and the summary printed after
// a run. Every figure is reduced over all ranks, so it does not depend on
// the decomposition beyond the order of floating-point sums.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/stats.hpp"
#include "experiments/hamiltonian_ensemble/stages.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

namespace {

using h5::Dims;

// This rank's block of a [T, N] or [T, N, n] dataset, all frames: [T][m*n].
std::vector<double> read_block(const h5::Dataset& d, const Layout& l, int n) {
  std::vector<double> out(static_cast<std::size_t>(l.frames * l.local.count * std::max(n, 1)));
  const Dims off = n == 0 ? Dims{0, hsize_t(l.local.begin)} : Dims{0, hsize_t(l.local.begin), 0};
  const Dims cnt = n == 0 ? Dims{hsize_t(l.frames), hsize_t(l.local.count)}
                          : Dims{hsize_t(l.frames), hsize_t(l.local.count), hsize_t(n)};
  d.read(off, cnt, out.data());
  return out;
}

// Global max and mean over trajectories of x[k][i], per frame k.
void reduce_frames(const mpi::Comm& comm, const std::vector<double>& x, const Layout& l, std::vector<double>& max,
                   std::vector<double>& mean) {
  const std::int64_t m = l.local.count;
  std::vector<double> local_max(l.frames, 0.0), sums(l.frames, 0.0);
  for (std::int64_t k = 0; k < l.frames; ++k)
    for (std::int64_t i = 0; i < m; ++i) {
      local_max[k] = std::max(local_max[k], x[k * m + i]);
      sums[k] += x[k * m + i];
    }
  max.resize(l.frames);
  MPI_Allreduce(local_max.data(), max.data(), static_cast<int>(l.frames), MPI_DOUBLE, MPI_MAX, comm.get());
  comm.sum_in_place(sums);
  mean.resize(l.frames);
  for (std::int64_t k = 0; k < l.frames; ++k) mean[k] = sums[k] / static_cast<double>(l.trajectories);
}

// An H5MD-like summary series: max[T], mean[T] with their own step and time.
void write_summary_series(h5::Group& g, const std::string& name, const std::vector<double>& max,
                          const std::vector<double>& mean, const std::string& unit, const h5::Group& axes) {
  h5::Group s = g.require_group(name);
  const Dims T{max.size()};
  s.write_dataset("max", max, T, {{}, 0, unit});
  s.write_dataset("mean", mean, T, {{}, 0, unit});
  s.write_dataset("step", axes.open_dataset("step").read_all<std::int64_t>(), T);
  s.write_dataset("time", axes.open_dataset("time").read_all<double>(), T, {{}, 0, "time"});
}

void metric(h5::Group& g, const std::string& name, double value, const std::string& unit) {
  h5::Dataset d = g.write_dataset(name, std::vector<double>{value}, Dims{1});
  d.set_attribute("unit", unit);
}

}  // namespace

void metrics(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const Layout l = layout(s, ctx);
  const std::int64_t m = l.local.count;
  const int n = l.dof;
  std::vector<double> time(l.frames);
  for (std::int64_t k = 0; k < l.frames; ++k) time[k] = double(k * l.every) * l.dt;

  const bool have_reference = ctx.file.exists("/timeseries/reference");
  const bool states = s.states;
  std::vector<double> ref_q, ref_p;
  if (have_reference && states) {
    ref_q = read_block(ctx.file.open_dataset("/timeseries/reference/position/value"), l, n);
    ref_p = read_block(ctx.file.open_dataset("/timeseries/reference/momentum/value"), l, n);
  }

  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("system", s.system_name);
  all.set_attribute("trajectories", l.trajectories);
  all.set_attribute("t_end", s.t_end);
  all.set_attribute("reference", have_reference ? s.reference : std::string("none"));

  for (const auto& method : s.methods) {
    const std::string group = "/timeseries/" + method;
    h5::Group ts = ctx.file.open_group(group);
    const std::vector<double> energy = read_block(ts.open_dataset("energy/value"), l, 0);
    // |H_i(t) - H_i(0)| / |H_i(0)|, with |H_i(0)| bounded below by 1e-12 of
    // the ensemble's mean |H(0)|, so that a trajectory at rest (H = 0) or an
    // indefinite H does not turn the figure into inf.
    double scale = 0;
    for (std::int64_t i = 0; i < m; ++i) scale += std::fabs(energy[i]);
    scale = 1e-12 * ctx.comm.sum(scale) / double(l.trajectories);
    std::vector<double> rel(energy.size());
    for (std::int64_t k = 0; k < l.frames; ++k)
      for (std::int64_t i = 0; i < m; ++i)
        rel[k * m + i] = std::fabs(energy[k * m + i] - energy[i]) / std::max(std::fabs(energy[i]), scale);
    std::vector<double> e_max, e_mean;
    reduce_frames(ctx.comm, rel, l, e_max, e_mean);
    const h5::Group axes = ts.open_group("energy");
    write_summary_series(ts, "relative_energy_error", e_max, e_mean, "1", axes);

    h5::Group out = all.require_group(method);
    metric(out, "relative_energy_error_max", *std::max_element(e_max.begin(), e_max.end()), "1");
    double mean_over_time = 0;
    for (double v : e_mean) mean_over_time += v;
    metric(out, "relative_energy_error_mean", mean_over_time / double(l.frames), "1");
    metric(out, "energy_drift_slope", fit_line(time, e_mean).slope, "1/time");
    // Growth exponent k of the running maximum, err ~ t^k, over the second
    // half of the run: ~0 for bounded errors, ~1 for linear drift.
    std::vector<double> running(l.frames);
    double r = 0;
    for (std::int64_t k = 0; k < l.frames; ++k) running[k] = r = std::max(r, e_max[k]);
    const std::size_t half = static_cast<std::size_t>(l.frames / 2);
    metric(out, "energy_error_growth_exponent",
           log_log_slope(std::span(time).subspan(half), std::span<const double>(running).subspan(half)), "1");

    if (!ref_q.empty() && ts.exists("position/value")) {
      const std::vector<double> q = read_block(ts.open_dataset("position/value"), l, n);
      const std::vector<double> p = read_block(ts.open_dataset("momentum/value"), l, n);
      std::vector<double> err(static_cast<std::size_t>(l.frames * m));
      for (std::int64_t k = 0; k < l.frames; ++k)
        for (std::int64_t i = 0; i < m; ++i) {
          double e = 0;
          for (int d = 0; d < n; ++d) {
            const std::size_t at = static_cast<std::size_t>((k * m + i) * n + d);
            e = std::max({e, std::fabs(q[at] - ref_q[at]), std::fabs(p[at] - ref_p[at])});
          }
          err[k * m + i] = e;
        }
      std::vector<double> s_max, s_mean;
      reduce_frames(ctx.comm, err, l, s_max, s_mean);
      write_summary_series(ts, "state_error", s_max, s_mean, "1", axes);
      metric(out, "final_error_max", s_max.back(), "1");
      metric(out, "final_error_mean", s_mean.back(), "1");
    }
    metric(out, "throughput", ts.double_attribute("throughput"), "trajectory-steps/s");
    metric(out, "kernel_seconds", ts.double_attribute("kernel_seconds"), "s");
    metric(out, "dt", l.dt, "time");
    metric(out, "steps", double(l.steps), "1");
  }
}

}  // namespace structura::pipeline::hamiltonian_ensemble
