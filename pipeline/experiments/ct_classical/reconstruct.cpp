// Stage `reconstruct/<method>` of `ct.classical`: one classical method on
// the noisy sinograms of every phantom. Each rank reads the rows of its own
// angles (the projector's block partition) and the library's collective
// solvers return the whole image on every rank, equal to the one-rank image
// to rounding; rank 0 writes it. The discrepancy principle (sirt, lsqr) uses
// the exact noise norm the `sinograms` stage stored. Every image is checked
// for NaN/Inf before anything is written: a non-finite reconstruction stops
// the stage (NumericalError), it is never stored as a result. The PETSc
// methods read `<method>.petsc_options` (petsc.hpp), recorded as
// attributes of their group. The methods themselves are a table
// (methods.hpp). The stage keeps no checkpoint: on a signal it
// stops within one iteration (any rank's signal, decided collectively) and
// a rerun starts it again.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>

#include "experiments/ct_classical/data_io.hpp"
#include "experiments/ct_classical/methods.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "experiments/shared/ct_simulation.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"

namespace structura::pipeline::ct_classical {

using namespace tomography;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

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

void reconstruct(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const int n = s.image.nx, D = s.beam.detectors;
  std::unique_ptr<DistributedProjector<double>> A;
  agree_on_errors(ctx.comm, [&] { A = std::make_unique<DistributedProjector<double>>(s.image, s.beam, ctx.comm); });
  const std::vector<double> deltas = ctx.file.open_dataset("/sinograms/noise_norm").read_all<double>();
  const IterationPoll poll = [&](int) {
    if (ctx.checkpointer.stop_requested()) throw Interrupted();
  };
  // The method's set-up, shared by all phantoms.
  const std::unique_ptr<Method> method = find_method(name).make(MethodInput{s, *A, ctx.comm, poll});

  std::vector<double> images(static_cast<std::size_t>(s.phantoms * n * n));
  std::vector<History> histories(static_cast<std::size_t>(s.phantoms));
  Progress progress = ctx.progress(name, s.phantoms, "phantoms");
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t p = 0; p < s.phantoms; ++p) {
    poll(0);
    const Sinogram<double> y = read_rows(ctx.file, "noisy", p, A->angles(), D);
    Image<double> x = A->make_image();
    Discrepancy rule;
    if (s.tau > 0) rule = Discrepancy{deltas[p], s.tau};
    histories[p] = method->reconstruct(y, x, rule);
    if (!all_finite(x))
      throw NumericalError(fmt::format(
          "reconstruct/{}: the reconstruction of phantom {} has NaN or Inf pixels; nothing is stored", name, p));
    image_to_host(x, images.data() + p * n * n);
    progress.update(p + 1);
  }
  progress.finish();
  const double seconds = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  h5::Group g = ctx.fresh_group("/reconstructions/" + name);
  h5::Dataset d = g.write_dataset("images", images, h5::Dims{H(s.phantoms), H(n), H(n)});
  d.set_attribute("meaning", "reconstructions (phantom, row, column), as /fields/truth");
  d.set_attribute("extent", s.image.width);
  g.set_attribute("seconds", seconds);
  method->describe(g);
  if (method->has_history())
    for (std::int64_t p = 0; p < s.phantoms; ++p)
      write_history(g.require_group(fmt::format("history/{}", p)), histories[p]);
  log::info("reconstruct/{}: {} in {:.2f} s", name,
            s.phantoms == 1 ? std::string("1 phantom") : fmt::format("{} phantoms", s.phantoms), seconds);
}

}  // namespace structura::pipeline::ct_classical
