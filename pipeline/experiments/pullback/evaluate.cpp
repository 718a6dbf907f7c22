// Stage `evaluate` of `pullback`: every trained method on the test rows, in
// float64 with its EMA weights:
//   geodesic error   2-D sets: per pair of test points, the mean over t of
//                    |γ_learned(t) − γ_true(t)|, γ_true from the set's φ and a
//                    (datasets/planar_geometry.hpp); mean and std over pairs;
//   variation error  per pair, the mean over t of |γ(x0→x1)(t) − γ(x0→z)(t)|
//                    with z = x1 + σ N(0, I): how much a geodesic moves when
//                    its end point is perturbed (no ground truth needed);
//   RAE              d_ε, the achieved ε, reconstruction errors against the
//                    kept dimensions in three orders, the error at d_ε;
//   test NLL         the mean −log p(x) of the test rows.
// 2-D sets also get their learned and true log-densities on a grid, a few
// geodesics of each and the barycentre of the first test points, for the
// report's plots. Pairs and perturbations are keyed by (seed, pair). The
// work is small, so every rank computes all of it (identical numbers) and
// the collective writes store rank 0's copy. A non-finite figure stops the
// stage before /metrics is touched.
#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "datasets/keyed_draws.hpp"
#include "datasets/planar_geometry.hpp"
#include "experiments/pullback/models.hpp"
#include "experiments/pullback/rows.hpp"
#include "experiments/pullback/settings.hpp"
#include "experiments/pullback/stages.hpp"
#include "experiments/shared/figures.hpp"
#include "geometry/pullback_manifold.hpp"
#include "geometry/riemannian_autoencoder.hpp"
#include "run/log.hpp"

namespace structura::pipeline::pullback {

namespace {

constexpr std::int64_t kPlottedGeodesics = 12;  // geodesics stored per method for the 2-D plots
constexpr std::int64_t kBarycentrePoints = 20;  // test points whose barycentre the 2-D plots show
const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

std::vector<double> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kFloat64).contiguous().reshape({-1});
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

h5::Dims dims_of(const torch::Tensor& t) {
  h5::Dims d;
  for (auto n : t.sizes()) d.push_back(H(n));
  return d;
}

void write_tensor(h5::Group& g, const std::string& name, const torch::Tensor& t, const std::string& meaning) {
  h5::Dataset d = g.write_dataset(name, values_of(t), dims_of(t));
  d.set_attribute("meaning", meaning);
}

// Pair p: two distinct test rows drawn uniformly, keyed by (seed, p).
torch::Tensor draw_pairs(std::int64_t pairs, std::int64_t rows, std::uint64_t seed) {
  const CounterRng rng(seed, 0);
  auto out = torch::empty({pairs, 2}, torch::kInt64);
  for (std::int64_t p = 0; p < pairs; ++p) {
    const auto u = rng.uniform4(static_cast<std::uint64_t>(p), 0);
    const auto i = std::min(rows - 1, static_cast<std::int64_t>(u.u[0] * double(rows)));
    auto j = std::min(rows - 2, static_cast<std::int64_t>(u.u[1] * double(rows - 1)));
    if (j >= i) ++j;  // uniform over the other rows
    out[p][0] = i;
    out[p][1] = j;
  }
  return out;
}

// σ N(0, I) [pairs, D], keyed by (seed, pair).
torch::Tensor draw_perturbations(std::int64_t pairs, std::int64_t d, double sigma, std::uint64_t seed) {
  const CounterRng rng(seed, 0);
  auto out = torch::empty({pairs, d}, f64);
  auto view = out.accessor<double, 2>();
  for (std::int64_t p = 0; p < pairs; ++p) {
    datasets::KeyedDraws draws(rng, static_cast<std::uint64_t>(p));
    for (std::int64_t i = 0; i < d; ++i) view[p][i] = sigma * draws.normal();
  }
  return out;
}

// Per pair, the mean over t of the distance between two families of curves [P, T, D].
torch::Tensor mean_distance(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).norm(2, -1).mean(1); }

struct Scores {
  std::vector<double> geodesic_errors, variation_errors;  // per pair
  std::int64_t latent_dimension = 0;
  double achieved_epsilon = 0, rae_error = 0, test_nll = 0, seconds = 0;
  bool has_geodesic_error = false;
};

void require_finite(const std::string& method, const std::string& what, double value) {
  if (!std::isfinite(value))
    throw NumericalError(fmt::format("evaluate/{}: the {} is not finite ({})", method, what, value));
}

// The ground truth of a 2-D set: geodesics [P, T, 2] between the pairs.
torch::Tensor true_geodesics(const datasets::PlanarSet& set, const torch::Tensor& x, const torch::Tensor& y,
                             const torch::Tensor& t) {
  const auto g = datasets::geodesics(set, values_of(x), values_of(y), values_of(t));
  return torch::tensor(g, f64).reshape({x.size(0), t.size(0), 2});
}

// The grid of the 2-D plots: points [R², 2] row-major, y ascending.
torch::Tensor grid_points(const torch::Tensor& xs, const torch::Tensor& ys) {
  const auto mesh = torch::meshgrid({ys, xs}, "ij");
  return torch::stack({mesh[1].reshape({-1}), mesh[0].reshape({-1})}, 1);
}

// The barycentre under the set's own geometry: φ⁻¹ of the mean φ(x_i).
torch::Tensor true_barycentre(const datasets::PlanarSet& set, const torch::Tensor& points) {
  const auto p = points.contiguous();
  const double* row = p.data_ptr<double>();
  datasets::Vec2 mean{0, 0};
  for (std::int64_t i = 0; i < p.size(0); ++i, row += 2) {
    const auto z = set.phi({row[0], row[1]});
    mean[0] += z[0] / double(p.size(0));
    mean[1] += z[1] / double(p.size(0));
  }
  const auto b = set.phi_inverse(mean);
  return torch::tensor({b[0], b[1]}, f64);
}

}  // namespace

void evaluate(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const std::uint64_t seed = s.training.seed;
  const torch::Tensor test = read_rows(ctx.file, s.data, "test", torch::kFloat64);
  const std::int64_t n = test.size(0), d = s.data.ambient;

  const torch::Tensor pairs = draw_pairs(s.pairs, n, seed * 16 + kPairs);
  const torch::Tensor x0 = test.index_select(0, pairs.select(1, 0)), x1 = test.index_select(0, pairs.select(1, 1));
  const torch::Tensor moved = x1 + draw_perturbations(s.pairs, d, s.variation_noise, seed * 16 + kVariation);
  const torch::Tensor t = torch::linspace(0, 1, s.points, f64);

  h5::Group ev = ctx.fresh_group("/evaluation");
  write_tensor(ev, "pairs", pairs.to(torch::kFloat64), "the test rows (start, end) of each geodesic pair");
  write_tensor(ev, "t", t, "the times of the points on each geodesic");
  ev.set_attribute("variation_noise", s.variation_noise);
  ev.set_attribute("epsilon", s.epsilon);

  std::optional<datasets::PlanarSet> planar;
  torch::Tensor truth, grid, xs, ys, centre;
  if (s.data.planar) {
    planar.emplace(datasets::planar_kind(s.data.manifold.kind));
    truth = true_geodesics(*planar, x0, x1, t);
    centre = read_rows(ctx.file, s.data, "train", torch::kFloat64).mean(0);
    xs = torch::linspace(-s.extent, s.extent, s.resolution, f64) + centre[0];
    ys = torch::linspace(-s.extent, s.extent, s.resolution, f64) + centre[1];
    grid = grid_points(xs, ys);
    std::vector<double> log_p;
    for (const double* p = grid.data_ptr<double>(); p < grid.data_ptr<double>() + grid.numel(); p += 2)
      log_p.push_back(planar->log_density({p[0], p[1]}));
    h5::Group g = ev.require_group("truth");
    write_tensor(g, "x", xs, "grid abscissae");
    write_tensor(g, "y", ys, "grid ordinates");
    write_tensor(g, "log_density", torch::tensor(log_p, f64).reshape({s.resolution, s.resolution}),
                 "the set's log p at (x[j], y[i]), [i, j]");
    write_tensor(g, "geodesics", truth.narrow(0, 0, std::min(kPlottedGeodesics, s.pairs)),
                 "the true geodesics of the first pairs (pair, t, coordinate)");
    const auto a = planar->variances();
    write_tensor(g, "variances", torch::tensor({a[0], a[1]}, f64), "the set's latent variances a");
  }

  std::vector<Scores> scores;
  const h5::Group models = ctx.file.open_group("/models");
  for (const std::string& method : s.methods) {
    // Loaded straight into float64: a float32 model converts exactly, a
    // float64 one keeps every bit (loading as float32 first rounded it).
    const auto model = load_model(models, s, method, torch::kFloat64);
    torch::NoGradGuard no_grad;
    const auto& flow = *model->flow;
    const torch::Tensor a = model->psi->variances().detach();
    const geometry::PullbackManifold manifold(flow, a, "evaluate/" + method);
    Scores& sc = scores.emplace_back();
    h5::Group g = ev.require_group(method);

    const torch::Tensor geodesics = manifold.geodesic(x0, x1, t);
    sc.variation_errors = values_of(mean_distance(geodesics, manifold.geodesic(x0, moved, t)));
    if (planar) {
      sc.geodesic_errors = values_of(mean_distance(geodesics, truth));
      sc.has_geodesic_error = true;
      write_tensor(g, "geodesic_errors", torch::tensor(sc.geodesic_errors, f64), "per pair: mean_t |γ - γ_true|");
      write_tensor(g, "geodesics", geodesics.narrow(0, 0, std::min(kPlottedGeodesics, s.pairs)),
                   "the learned geodesics of the first pairs (pair, t, coordinate)");
      const auto image = flow.evaluate(grid, {});
      write_tensor(g, "log_density",
                   (model->psi->log_density(image.z) + image.log_det).reshape({s.resolution, s.resolution}),
                   "the learned log p at the truth's grid points, [i, j]");
      const auto first = test.narrow(0, 0, std::min(kBarycentrePoints, n));
      write_tensor(g, "barycentre", manifold.barycentre(first), "the learned barycentre of the first test rows");
      write_tensor(g, "true_barycentre", true_barycentre(*planar, first),
                   "the true barycentre of the same rows: phi^-1 of their mean latent point");
    }
    write_tensor(g, "variation_errors", torch::tensor(sc.variation_errors, f64),
                 "per pair: mean_t |γ(x0→x1) - γ(x0→x1 + noise)|");

    const geometry::RiemannianAutoencoder rae(flow, a, s.epsilon, "evaluation");
    sc.latent_dimension = rae.latent_dimension();
    sc.achieved_epsilon = rae.achieved_epsilon();
    write_tensor(g, "variances", a, "the learned latent variances a (1 for the fixed psi)");
    write_tensor(g, "sorted_variances", rae.sorted_variances(), "a sorted decreasing");
    const char* orders[] = {"largest", "smallest", "random"};
    for (const char* order : orders) {
      const auto errors = rae.reconstruction_errors(test, geometry::parse_coordinate_order(order),
                                                    seed * 16 + kRaeOrder);
      write_tensor(g, std::string("rae_errors_") + order, errors,
                   fmt::format("test MSE of the RAE reconstruction with d = 1..D coordinates kept, {} a first", order));
      if (std::string(order) == "largest") sc.rae_error = errors[sc.latent_dimension - 1].item<double>();
    }
    const auto image = flow.evaluate(test, {});
    sc.test_nll = -(model->psi->log_density(image.z) + image.log_det).mean().item<double>();
    sc.seconds = ctx.file.open_group("/training/" + method).double_attribute("seconds");

    for (double v : sc.variation_errors) require_finite(method, "variation error", v);
    for (double v : sc.geodesic_errors) require_finite(method, "geodesic error", v);
    require_finite(method, "RAE error", sc.rae_error);
    require_finite(method, "test negative log-likelihood", sc.test_nll);
  }

  h5::Group all = ctx.fresh_group("/metrics");
  all.set_attribute("intrinsic_dimension", std::int64_t{s.data.intrinsic});
  all.set_attribute("ambient_dimension", std::int64_t{d});
  for (std::size_t k = 0; k < s.methods.size(); ++k) {
    const Scores& sc = scores[k];
    h5::Group g = all.require_group(s.methods[k]);
    if (sc.has_geodesic_error) {
      write_figure(g, "geodesic_error", {mean_of(sc.geodesic_errors)}, "length",
                   "mean over test pairs of mean_t |γ_learned(t) - γ_true(t)|");
      write_figure(g, "geodesic_error_std", {sample_stddev_of(sc.geodesic_errors)}, "length",
                   "its standard deviation over the pairs");
    }
    write_figure(g, "variation_error", {mean_of(sc.variation_errors)}, "length",
                 "mean over pairs of mean_t |γ(x0→x1)(t) - γ(x0→z)(t)|, z = x1 + noise");
    write_figure(g, "variation_error_std", {sample_stddev_of(sc.variation_errors)}, "length",
                 "its standard deviation over the pairs");
    write_figure(g, "latent_dimension", {double(sc.latent_dimension)}, "1",
                 "d_eps: the RAE's kept coordinates (the manifold's dimension is /metrics attribute intrinsic_dimension)");
    write_figure(g, "achieved_epsilon", {sc.achieved_epsilon}, "1", "discarded variance / total variance at d_eps");
    write_figure(g, "rae_error", {sc.rae_error}, "length^2", "test MSE of the RAE reconstruction at d_eps");
    write_figure(g, "test_nll", {sc.test_nll}, "nats", "mean -log p(x) over the test rows");
    write_figure(g, "training_time", {sc.seconds}, "s", "wall-clock seconds of the training stage");
    log::info("evaluate/{}: geodesic error {}, variation error {:.4f}, d_eps {} (K = {}), RAE error {:.3e}, test NLL "
              "{:.4f}",
              s.methods[k], sc.has_geodesic_error ? fmt::format("{:.4f}", mean_of(sc.geodesic_errors)) : "-",
              mean_of(sc.variation_errors), sc.latent_dimension, s.data.intrinsic, sc.rae_error, sc.test_nll);
  }
}

}  // namespace structura::pipeline::pullback
