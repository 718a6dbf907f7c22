// Stage `data` of `ct.learned`: the train, validation and test pairs
// (truth, noisy sinogram, FBP) of random-ellipse phantoms, and the lambda
// heuristic of the AR paper from the training pairs. The images of a split
// are spread over the ranks by index (a block each), and every rank holds
// the whole operator (one-rank projector and FBP): image i is a function of
// (experiment.seed, i) alone, its noise of (seed, i, element), so 1 and 2
// ranks write identical files. The splits take disjoint phantom indices.
// This stage makes the shared data set "pairs" (kind.cpp): it reads only
// the data settings.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/ct_simulation.hpp"
#include "regularisers/losses.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"
#include "tomography/fbp.hpp"
#include "tomography/phantoms.hpp"

namespace structura::pipeline::ct_learned {

using namespace tomography;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

double norm(const Image<const double>& x) {
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), x);
  double s = 0;
  for (std::size_t i = 0; i < host.size(); ++i) s += host.data()[i] * host.data()[i];
  return std::sqrt(s);
}

// A (count, a, b) dataset of which this rank writes rows [mine.begin, mine.end()).
void write_block(h5::Group& g, const std::string& name, std::int64_t count, std::int64_t a, std::int64_t b, Range mine,
                 const std::vector<double>& values, const std::string& meaning) {
  h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(count), H(a), H(b)});
  double none = 0;
  d.write(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(a), H(b)}, values.empty() ? &none : values.data());
  d.set_attribute("meaning", meaning);
}

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  const int n = d.image.nx, D = d.beam.detectors;
  const auto angles = static_cast<std::int64_t>(d.beam.angles.size());
  const mpi::Comm self(MPI_COMM_SELF);  // every rank the whole operator: images split, not angles
  std::unique_ptr<DistributedProjector<double>> A;
  std::unique_ptr<Fbp<double>> fbp;
  agree_on_errors(ctx.comm, [&] {
    A = std::make_unique<DistributedProjector<double>>(d.image, d.beam, self);
    fbp = std::make_unique<Fbp<double>>(d.image, d.beam, parse_filter(d.fbp_filter, "fbp.filter"), self,
                                         d.range_radians);
  });
  const auto pixels = static_cast<std::size_t>(n) * n, rows = static_cast<std::size_t>(angles * D);

  h5::Group root = ctx.fresh_group("/data");
  std::vector<double> residual_norms(static_cast<std::size_t>(d.train), 0.0);
  std::int64_t total = 0;
  for (const SplitIndex& split : splits(d)) total += split.count;
  Progress progress = ctx.progress("data", total, "pairs");
  std::int64_t done = 0;
  for (const SplitIndex& split : splits(d)) {
    const Range mine = ctx.comm.block(split.count);
    std::vector<double> truth(mine.count * pixels), noisy(mine.count * rows), fbps(mine.count * pixels), clean(rows);
    Image<double> x_fbp = fbp->make_image(), gradient = A->make_image();
    for (std::int64_t i = 0; i < mine.count; ++i) {
      const std::uint64_t index = split.first + static_cast<std::uint64_t>(mine.begin + i);
      const std::vector<double> im = random_ellipse_phantom(d.image, d.seed, index, d.supersample);
      std::copy(im.begin(), im.end(), truth.begin() + i * pixels);
      double* y = noisy.data() + i * rows;
      simulate_measurement(*A, image_to_device(im.data(), n, n), d.noise, noise_seed(d.seed), index, clean.data(), y);
      const Sinogram<double> y_device = image_to_device(y, static_cast<int>(angles), D);  // same view type
      fbp->reconstruct(y_device, x_fbp);
      image_to_host(x_fbp, fbps.data() + i * pixels);
      if (split.name == "train") {  // the lambda heuristic: |A^T(A x* - y)| per training pair
        std::vector<double> residual(rows);
        for (std::size_t k = 0; k < rows; ++k) residual[k] = clean[k] - y[k];
        A->adjoint(image_to_device(residual.data(), static_cast<int>(angles), D), gradient);
        residual_norms[static_cast<std::size_t>(mine.begin + i)] = norm(gradient);
      }
      progress.update(std::min(total, done + (i + 1) * ctx.comm.size()));
    }
    done += split.count;
    h5::Group g = root.require_group(split.name);
    write_block(g, "truth", split.count, n, n, mine, truth,
                "truth images (pair, row, column), row 0 at the top, on [-extent/2, extent/2]^2");
    write_block(g, "sinogram", split.count, angles, D, mine, noisy, "noisy sinogram y (pair, angle, detector)");
    write_block(g, "fbp", split.count, n, n, mine, fbps, "FBP of the noisy sinogram (pair, row, column)");
    g.set_attribute("first_phantom", static_cast<std::int64_t>(split.first));
  }
  progress.finish();
  // Sum of the per-pair norms in pair order on every rank: rank-count independent.
  ctx.comm.sum_in_place(residual_norms);
  double sum = 0;
  for (double v : residual_norms) sum += v;
  const double lambda = regularisers::lambda_from_residual_sum(sum, d.train);
  root.write_dataset("lambda_heuristic", std::vector<double>{lambda}, h5::Dims{1})
      .set_attribute("meaning",
                     "2 E||A^T(A x* - y)|| over the training pairs: the default lambda of "
                     "||A x - y||^2 + lambda R(x) for a 1-Lipschitz R");
  root.write_dataset("angles", d.beam.angles, h5::Dims{H(angles)}).set_attribute("unit", "rad");
  root.set_attribute("extent", d.image.width);
  root.set_attribute("detector_spacing", d.beam.detector_spacing);
  root.set_attribute("noise", d.noise.kind);
  root.set_attribute("fbp_filter", d.fbp_filter);
  log::info("data: {} train, {} validation, {} test pairs of {}^2, {} angles x {} detectors; lambda heuristic {:.4g}",
            d.train, d.validation, d.test, n, angles, D, lambda);
}

}  // namespace structura::pipeline::ct_learned
