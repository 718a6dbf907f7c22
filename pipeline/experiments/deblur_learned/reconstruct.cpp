// Stage reconstruct/<method> of `deblur.learned`: one method (methods.hpp)
// on every test observation. The test images are split over the ranks by
// index (a block each), one image at a time on one torch thread, so image i
// is reconstructed the same way on any number of ranks. Every rank polls
// for a signal between images, the same number of times (the largest
// block). A non-finite image stops the stage (NumericalError, on every rank
// once the loop is over) before anything is written.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "core/error.hpp"
#include "experiments/deblur_learned/methods.hpp"
#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"
#include "experiments/shared/learned_regularisers/checked_datasets.hpp"
#include "run/checkpointer.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"

namespace structura::pipeline::deblur_learned {

namespace {
hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
}  // namespace

void reconstruct(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const std::int64_t n = s.data.size, count = s.data.test;
  const auto pixels = static_cast<std::size_t>(n * n);
  const Range mine = ctx.comm.block(count);
  torch::set_num_threads(1);
  std::vector<double> observations(mine.count * pixels);
  std::unique_ptr<Method> method;
  agree_on_errors(ctx.comm, [&] {
    open_checked(ctx.file, "/data/test/observation", {H(count), H(n), H(n)})
        .read(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(n), H(n)}, observations.data());
    method = find_method(name).make(MethodInput{s, ctx.file});
  });

  std::vector<double> images(mine.count * pixels);
  const auto L = static_cast<std::size_t>(method->history_length());
  std::vector<double> energy(mine.count * L), gradient_norm(mine.count * L);
  const std::int64_t most = ctx.comm.max(mine.count);
  Progress progress = ctx.progress(name, most, "images per rank");
  double busy = 0;  // this rank's seconds inside the method
  const auto start = std::chrono::steady_clock::now();
  std::string failure;  // this rank's first error: reported collectively after the loop
  for (std::int64_t i = 0; i < most; ++i) {
    if (ctx.checkpointer.stop_requested()) throw Interrupted();  // collective: every rank alike
    if (i >= mine.count || !failure.empty()) continue;
    try {
      const torch::Tensor y =
          torch::from_blob(observations.data() + i * pixels, {1, 1, n, n}, torch::kFloat64).clone();
      const auto t0 = std::chrono::steady_clock::now();
      const Reconstruction r = method->reconstruct(y);
      busy += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const torch::Tensor x = r.x.to(torch::kFloat64).contiguous();
      if (!torch::isfinite(x).all().item<bool>())
        throw NumericalError(fmt::format(
            "reconstruct/{}: the reconstruction of test image {} has NaN or Inf pixels; nothing is stored", name,
            mine.begin + i));
      std::copy_n(x.data_ptr<double>(), pixels, images.begin() + i * pixels);
      std::copy(r.energy.begin(), r.energy.end(), energy.begin() + i * L);
      std::copy(r.gradient_norm.begin(), r.gradient_norm.end(), gradient_norm.begin() + i * L);
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
    for (auto [series, values, meaning] :
         {std::tuple{"energy", &energy,
                     "||K x_k - y||^2 + lambda R(x_k), k = 0 (the observation) .. iterations, NaN after the stop"},
          std::tuple{"gradient_norm", &gradient_norm, "||grad E(x_k)||, as energy"}}) {
      h5::Dataset h = g.create_dataset<double>(series, h5::Dims{H(count), L});
      h.write(h5::Dims{H(mine.begin), 0}, h5::Dims{H(mine.count), L}, values->empty() ? &none : values->data());
      h.set_attribute("meaning", meaning);
    }
  g.set_attribute("seconds", seconds);
  g.set_attribute("seconds_per_image", per_image);
  method->describe(g);
  log::info("reconstruct/{}: {} test images in {:.2f} s ({:.3g} s per image)", name, count, seconds, per_image);
}

}  // namespace structura::pipeline::deblur_learned
