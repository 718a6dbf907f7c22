// Stages `phantoms` and `sinograms` of `ct.classical`: the truth images and
// their simulated measurements. Both are exact functions of (seed, phantom
// index, element), and every reduction over ranks is arranged so that it
// adds the same numbers in the same order on any rank count: 1 and 2 ranks
// write identical files, bit for bit.
#include <fmt/format.h>

#include <filesystem>

#include "experiments/ct_classical/data_io.hpp"
#include "experiments/ct_classical/settings.hpp"
#include "experiments/ct_classical/stages.hpp"
#include "experiments/shared/ct_simulation.hpp"
#include "run/collective_errors.hpp"
#include "run/files.hpp"
#include "run/log.hpp"
#include "tomography/phantoms.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline::ct_classical {

using namespace tomography;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

}  // namespace

void phantoms(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const int n = s.image.nx;
  const Range mine = ctx.comm.block(s.phantoms);  // phantoms are independent: a block per rank
  std::vector<double> images;
  for (std::int64_t p = mine.begin; p < mine.end(); ++p) {
    const std::vector<double> im = s.phantom_kind == "shepp-logan"
                                       ? shepp_logan(s.image, s.supersample)
                                       : random_ellipse_phantom(s.image, s.seed, static_cast<std::uint64_t>(p), s.supersample);
    images.insert(images.end(), im.begin(), im.end());
  }
  h5::Group g = ctx.fresh_group("/fields");
  h5::Dataset d = g.create_dataset<double>("truth", h5::Dims{H(s.phantoms), H(n), H(n)});
  double none = 0;
  d.write(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(n), H(n)}, images.empty() ? &none : images.data());
  d.set_attribute("extent", s.image.width);
  d.set_attribute("meaning", "truth images (phantom, row, column), row 0 at the top (largest y), on "
                             "[-extent/2, extent/2]^2");
  d.set_attribute("kind", s.phantom_kind);
  if (ctx.comm.is_root()) {  // small text: rank 0 alone
    const std::filesystem::path sidecar = std::filesystem::path(ctx.run_dir) / "truth.xdmf";
    write_file_atomically(sidecar, truth_xdmf("result.h5", static_cast<long>(s.phantoms), n, s.image.width));
  }
  log::info("phantoms: {} x {}^2 ({}), XDMF sidecar truth.xdmf", s.phantoms, n, s.phantom_kind);
}

void sinograms(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const int n = s.image.nx, D = s.beam.detectors;
  const auto A_count = static_cast<std::int64_t>(s.beam.angles.size());
  std::unique_ptr<DistributedProjector<double>> A;
  agree_on_errors(ctx.comm, [&] { A = std::make_unique<DistributedProjector<double>>(s.image, s.beam, ctx.comm); });
  const Range rows = A->angles();
  const std::vector<double> truth = read_truth(ctx.file, s);
  const std::size_t part = static_cast<std::size_t>(rows.count * D);

  std::vector<double> clean(part * s.phantoms), noisy(part * s.phantoms);
  std::vector<double> noise_norm(static_cast<std::size_t>(s.phantoms)), sigma(static_cast<std::size_t>(s.phantoms), 0.0);
  for (std::int64_t p = 0; p < s.phantoms; ++p) {
    const Image<double> x = image_to_device(truth.data() + p * n * n, n, n);
    const CtMeasurement m = simulate_measurement(*A, x, s.noise, noise_seed(s.seed), static_cast<std::uint64_t>(p),
                                                 clean.data() + p * part, noisy.data() + p * part);
    sigma[p] = m.sigma;
    noise_norm[p] = m.noise_norm;  // delta of the discrepancy principle
  }

  h5::Group g = ctx.fresh_group("/sinograms");
  const h5::Dims dims{H(s.phantoms), H(A_count), H(D)};
  const h5::Dims offset{0, H(rows.begin), 0}, count{H(s.phantoms), H(rows.count), H(D)};
  double none = 0;
  for (auto [name, data, meaning] : {std::tuple{"clean", &clean, "line integrals A x of the truth (phantom, angle, detector)"},
                                     std::tuple{"noisy", &noisy, "the measured data: clean plus noise"}}) {
    h5::Dataset d = g.create_dataset<double>(name, dims);
    d.write(offset, count, data->empty() ? &none : data->data());
    d.set_attribute("meaning", meaning);
  }
  g.write_dataset("angles", s.beam.angles, h5::Dims{H(A_count)}).set_attribute("unit", "rad");
  g.write_dataset("noise_norm", noise_norm, h5::Dims{H(s.phantoms)})
      .set_attribute("meaning", "||noisy - clean|| per phantom (delta of the discrepancy principle)");
  if (s.noise.kind == "gaussian")
    g.write_dataset("sigma", sigma, h5::Dims{H(s.phantoms)})
        .set_attribute("meaning", "standard deviation of the Gaussian noise (level x mean |clean|)");
  g.set_attribute("beam", s.beam.kind == BeamKind::Fan ? "fan" : "parallel");
  g.set_attribute("detector_spacing", s.beam.detector_spacing);
  g.set_attribute("source_origin", s.beam.source_origin);
  g.set_attribute("origin_detector", s.beam.origin_detector);
  g.set_attribute("noise", s.noise.kind);
  log::info("sinograms: {} x {} angles x {} detectors, noise {}", s.phantoms, A_count, D, s.noise.kind);
}

}  // namespace structura::pipeline::ct_classical
