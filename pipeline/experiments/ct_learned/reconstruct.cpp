// Stage reconstruct/<method> of `ct.learned`: one method (methods.hpp) on
// every test pair. The test images are split over the ranks by index (a
// block each) and every rank holds the whole operator, so image i is
// reconstructed the same way on any number of ranks. Every rank polls for a
// signal between images, the same number of times (the largest block), so
// the collective decision never waits on a rank that has finished. A
// non-finite image stops the stage (NumericalError, on every rank once the
// loop is over) before anything is written.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "experiments/ct_learned/methods.hpp"
#include "experiments/ct_learned/pairs.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/ct_simulation.hpp"
#include "run/checkpointer.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"
#include "tomography/iterative.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {
hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
}  // namespace

void reconstruct(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const DataSettings& d = s.data;
  const int n = d.image.nx, D = d.beam.detectors;
  const auto angles = static_cast<int>(d.beam.angles.size());
  const std::int64_t count = d.test;
  const auto pixels = static_cast<std::size_t>(n) * n, rows = static_cast<std::size_t>(angles) * D;
  const Range mine = ctx.comm.block(count);
  std::vector<double> sinograms(mine.count * rows), fbps(mine.count * pixels);
  std::unique_ptr<DistributedProjector<double>> A;
  std::unique_ptr<Method> method;
  agree_on_errors(ctx.comm, [&] {
    open_checked(ctx.file, "/data/test/sinogram", {H(count), H(angles), H(D)})
        .read(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(angles), H(D)}, sinograms.data());
    open_checked(ctx.file, "/data/test/fbp", {H(count), H(n), H(n)})
        .read(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(n), H(n)}, fbps.data());
    A = std::make_unique<DistributedProjector<double>>(d.image, d.beam, mpi::Comm(MPI_COMM_SELF));
    method = find_method(name).make(MethodInput{s, *A, ctx.file});
  });

  std::vector<double> images(mine.count * pixels);
  const auto L = static_cast<std::size_t>(method->history_length());
  std::vector<double> energy(mine.count * L), gradient_norm(mine.count * L);
  const std::vector<SeriesSpec> extra_specs = method->extra_series();
  std::vector<std::vector<double>> extra;
  for (const SeriesSpec& e : extra_specs) extra.emplace_back(mine.count * static_cast<std::size_t>(e.length));
  const std::int64_t most = ctx.comm.max(mine.count);
  Progress progress = ctx.progress(name, most, "images per rank");
  double busy = 0;  // this rank's seconds inside the method
  const auto start = std::chrono::steady_clock::now();
  std::string failure;  // this rank's first error: reported collectively after the loop
  for (std::int64_t i = 0; i < most; ++i) {
    if (ctx.checkpointer.stop_requested()) throw Interrupted();  // collective: every rank alike
    if (i >= mine.count || !failure.empty()) continue;
    try {
      const Sinogram<double> y = image_to_device(sinograms.data() + i * rows, angles, D);
      const Image<double> fbp = image_to_device(fbps.data() + i * pixels, n, n);
      Image<double> x = A->make_image();
      const auto t0 = std::chrono::steady_clock::now();
      const Trace trace = method->reconstruct(y, fbp, x);
      std::copy(trace.energy.begin(), trace.energy.end(), energy.begin() + i * L);
      std::copy(trace.gradient_norm.begin(), trace.gradient_norm.end(), gradient_norm.begin() + i * L);
      for (std::size_t e = 0; e < extra.size(); ++e)
        std::copy(trace.extra.at(e).begin(), trace.extra.at(e).end(), extra[e].begin() + i * extra_specs[e].length);
      busy += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!all_finite(x))
        throw NumericalError(
            fmt::format("reconstruct/{}: the reconstruction of test image {} has NaN or Inf pixels; "
                        "nothing is stored",
                        name, mine.begin + i));
      image_to_host(x, images.data() + i * pixels);
    } catch (const NumericalError& e) {
      failure = e.what();
    }
    progress.update(i + 1);
  }
  agree_on_errors(ctx.comm, [&] {
    if (!failure.empty()) throw NumericalError(failure);
  });
  progress.finish();
  const double seconds = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const double per_image = ctx.comm.sum(busy) / double(count);

  h5::Group g = ctx.fresh_group("/reconstructions/" + name);
  h5::Dataset out = g.create_dataset<double>("images", h5::Dims{H(count), H(n), H(n)});
  double none = 0;
  out.write(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(n), H(n)}, images.empty() ? &none : images.data());
  out.set_attribute("meaning", "reconstructions of the test pairs (pair, row, column), as /data/test/truth");
  if (L > 0)
    for (auto [name, values, meaning] :
         {std::tuple{"energy", &energy,
                     "||A x_k - y||^2 + lambda R(x_k), k = 0 (the FBP) .. iterations, NaN after the stop"},
          std::tuple{"gradient_norm", &gradient_norm, "||grad E(x_k)||, as energy"}}) {
      h5::Dataset h = g.create_dataset<double>(name, h5::Dims{H(count), L});
      h.write(h5::Dims{H(mine.begin), 0}, h5::Dims{H(mine.count), L}, values->empty() ? &none : values->data());
      h.set_attribute("meaning", meaning);
    }
  for (std::size_t e = 0; e < extra.size(); ++e) {
    const auto length = static_cast<std::size_t>(extra_specs[e].length);
    const h5::Dims shape = length == 1 ? h5::Dims{H(count)} : h5::Dims{H(count), length};
    h5::Dataset h = g.create_dataset<double>(extra_specs[e].name, shape);
    const h5::Dims offset = length == 1 ? h5::Dims{H(mine.begin)} : h5::Dims{H(mine.begin), 0};
    const h5::Dims block = length == 1 ? h5::Dims{H(mine.count)} : h5::Dims{H(mine.count), length};
    h.write(offset, block, extra[e].empty() ? &none : extra[e].data());
    h.set_attribute("meaning", extra_specs[e].meaning);
  }
  g.set_attribute("seconds", seconds);
  g.set_attribute("seconds_per_image", per_image);
  method->describe(g);
  log::info("reconstruct/{}: {} test images in {:.2f} s ({:.3g} s per image)", name, count, seconds, per_image);
}

}  // namespace structura::pipeline::ct_learned
