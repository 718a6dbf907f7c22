// Stage `reconstruct/<method>` of `ct.classical`: one classical method on
// the noisy sinograms of every phantom. Each rank reads the rows of its own
// angles (the projector's block partition) and the library's collective
// solvers return the whole image on every rank, equal to the one-rank image
// to rounding; rank 0 writes it. The discrepancy principle (sirt, lsqr) uses
// the exact noise norm the `sinograms` stage stored.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>

#include "experiments/ct_classical/data_io.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"
#include "tomography/fbp.hpp"
#include "tomography/iterative.hpp"
#include "tomography/iterative_krylov.hpp"
#include "tomography/petsc_operator.hpp"
#include "tomography/tv_pdhg.hpp"

namespace structura::pipeline::ct_classical {

using namespace tomography;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

// What one method reports per phantom; empty series are not written.
struct History {
  std::vector<double> residual, objective, gap;
  int iterations = 0;
  std::string stop_reason;
  bool discrepancy_reached = false;
  std::string residual_meaning = "||A x_k - y||, k = 0 .. iterations";
};

History from(const IterationHistory& h) {
  return {h.residual_norms, {}, {}, h.iterations, h.stop_reason, h.discrepancy_reached};
}

void write_history(h5::Group g, const History& h) {
  auto series = [&](const char* name, const std::vector<double>& v, const std::string& meaning) {
    if (!v.empty()) g.write_dataset(name, v, h5::Dims{v.size()}).set_attribute("meaning", meaning);
  };
  series("residual", h.residual, h.residual_meaning);
  series("objective", h.objective, "primal objective 1/2 ||A x - y||^2 + lambda TV(x) after each iteration");
  series("gap", h.gap, "primal-dual gap after each iteration (a bound on the suboptimality)");
  g.set_attribute("iterations", h.iterations);
  g.set_attribute("stop_reason", h.stop_reason.empty() ? std::string("iterations") : h.stop_reason);
  g.set_attribute("discrepancy_reached", h.discrepancy_reached ? 1 : 0);
}

}  // namespace

void reconstruct(StageContext& ctx, const std::string& method) {
  const Config& c = ctx.config;
  const Settings s = read_settings(c);
  const int n = s.image.nx, D = s.beam.detectors;
  std::unique_ptr<DistributedProjector<double>> A;
  agree_on_errors(ctx.comm, [&] { A = std::make_unique<DistributedProjector<double>>(s.image, s.beam, ctx.comm); });
  const std::vector<double> deltas = ctx.file.open_dataset("/sinograms/noise_norm").read_all<double>();

  // Per-method set-up, shared by all phantoms.
  std::optional<PetscSession> petsc;  // the Krylov methods run on PETSc KSP
  if (method == "lsqr" || method == "tikhonov") petsc.emplace();
  std::unique_ptr<Fbp<double>> fbp;
  if (method == "fbp")
    agree_on_errors(ctx.comm, [&] {
      fbp = std::make_unique<Fbp<double>>(s.image, s.beam, parse_filter(c.get_string("fbp.filter"), "fbp.filter"),
                                          ctx.comm, s.full_scan ? 0.0 : s.range_radians);
    });
  double norm = 0;  // ||A||, once for all phantoms (TV steps)
  if (method == "tv") norm = operator_norm(*A);

  std::vector<double> images(static_cast<std::size_t>(s.phantoms * n * n));
  std::vector<History> histories(static_cast<std::size_t>(s.phantoms));
  Progress progress = ctx.progress(method, s.phantoms, "phantoms");
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t p = 0; p < s.phantoms; ++p) {
    const Sinogram<double> y = read_rows(ctx.file, "noisy", p, A->angles(), D);
    Image<double> x = A->make_image();
    Discrepancy rule;
    if (s.tau > 0) rule = Discrepancy{deltas[p], s.tau};
    History& h = histories[p];
    if (method == "fbp") {
      fbp->reconstruct(y, x);
    } else if (method == "sirt") {
      h = from(sirt(*A, y, x,
                    {.iterations = static_cast<int>(c.get_int("sirt.iterations")),
                     .relaxation = c.get_float("sirt.relaxation"),
                     .nonnegative = c.get_bool("sirt.nonnegative"),
                     .discrepancy = rule}));
    } else if (method == "lsqr") {
      h = from(lsqr(*A, y, x, {.max_iterations = static_cast<int>(c.get_int("lsqr.max_iterations")), .discrepancy = rule}));
      h.residual_meaning = "LSQR's estimate of ||A x_k - y||, k = 0 .. iterations";
    } else if (method == "tikhonov") {
      h = from(tikhonov(*A, y, x,
                        {.alpha = c.get_float("tikhonov.alpha"),
                         .max_iterations = static_cast<int>(c.get_int("tikhonov.iterations"))}));
      h.residual_meaning = "CG residual of the normal equations ||A^T y - (A^T A + alpha I) x_k||";
    } else if (method == "tv") {
      const TvPdhgHistory t = tv_pdhg(*A, y, x,
                                      {.lambda = c.get_float("tv.lambda"),
                                       .iterations = static_cast<int>(c.get_int("tv.iterations")),
                                       .operator_norm = norm});
      h = History{t.residual_norms, t.primal, t.gap, t.iterations, "iterations", false,
                  "||A x_k - y|| after each iteration k = 1 .. iterations"};
    }
    to_host(x, images.data() + p * n * n);
    progress.update(p + 1);
  }
  progress.finish();
  const double seconds = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  const std::string path = "/reconstructions/" + method;
  h5::Group g = ctx.fresh_group(path);
  h5::Dataset d = g.write_dataset("images", images, h5::Dims{H(s.phantoms), H(n), H(n)});
  d.set_attribute("meaning", "reconstructions (phantom, row, column), as /fields/truth");
  d.set_attribute("extent", s.image.width);
  g.set_attribute("seconds", seconds);
  if (method == "fbp") g.set_attribute("filter", c.get_string("fbp.filter"));
  if (method == "tv") g.set_attribute("operator_norm", norm);
  if (method != "fbp")
    for (std::int64_t p = 0; p < s.phantoms; ++p)
      write_history(g.require_group(fmt::format("history/{}", p)), histories[p]);
  log::info("reconstruct/{}: {} phantoms in {:.2f} s", method, s.phantoms, seconds);
}

}  // namespace structura::pipeline::ct_classical
