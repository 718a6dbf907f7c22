// Stage `canonicalise` of `lielac.images`: LieLAC on the moved test images
// with the plain classifier. For image u: h* = argmin E(h . u) over the
// affine group or homographies (TIED's basis scales), E the classifier's
// -logsumexp(logits) plus the out-of-frame penalty
// (canonicalisation/images/classifier_energy.hpp), restarts keyed by
// (training seed, image), restart 0 the identity; then the class of h* . u.
// Also the "oracle": each moved image mapped back by the inverse of its own
// map (the best a canonicaliser could do). Images in blocks over the ranks,
// each searched on one rank: the same result on any rank count.
#include <fmt/format.h>

#include <chrono>

#include "canonicalisation/images/classifier_energy.hpp"
#include "canonicalisation/images/matrix_groups.hpp"
#include "canonicalisation/images/warp.hpp"
#include "experiments/lielac_images/images.hpp"
#include "experiments/lielac_images/model.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_images {

using namespace canonicalisation;
using namespace canonicalisation::images;

namespace {
hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
}  // namespace

void canonicalise(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const nn::TorchSettings ts = nn::parse_torch_settings(s.training.device, s.training.dtype, s.training.threads, "training");
  nn::apply(ts);
  const std::int64_t S = s.data.side(), n = s.images > 0 ? s.images : s.data.test;
  const Split moved = read_split(ctx.file, "moved", s.data.test, S, ts.dtype);
  const std::vector<Element> maps = read_maps(ctx.file, s.data.test);
  auto model = load_model(ctx.file.open_group("/models"), "plain", s, ts.dtype);
  const MatrixGroup group = s.group == "homography" ? homography_group() : affine_group();
  ClassifierEnergyOptions eo;
  eo.boundary_weight = s.boundary_weight;
  eo.boundary = s.boundary == "squared-excess" ? BoundaryPenalty::SquaredExcess : BoundaryPenalty::Fraction;
  eo.region = s.region == "moved-frame"     ? BoundaryRegion::MovedFrame
              : s.region == "sampling-grid" ? BoundaryRegion::SamplingGrid
                                            : BoundaryRegion::MovedContent;
  DescentOptions o;
  o.restarts = static_cast<int>(s.restarts);
  o.steps = static_cast<int>(s.steps);
  o.learning_rate = s.learning_rate;
  o.init_scale = s.init_scale;
  o.seed = s.training.seed * 16 + kCanonicalisation;
  o.batch = static_cast<int>(s.restarts);
  const mpi::Comm self(MPI_COMM_SELF);
  const Range mine = ctx.comm.block(n);
  std::vector<Element> found, inverses;
  std::vector<double> flat, energy, identity_energy;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = mine.begin; i < mine.end(); ++i) {
    const ClassifierEnergy e(group, [&](const torch::Tensor& x) { return model->forward(x); }, moved.images[i], eo);
    o.input_index = static_cast<std::uint64_t>(i);
    const Canonicalisation c = canonicalisation::canonicalise(group, e, o, self);
    found.push_back(c.element);
    flat.insert(flat.end(), c.element.begin(), c.element.end());
    energy.push_back(c.energy);
    identity_energy.push_back(c.identity_energy);
    inverses.push_back(group.inverse(maps[static_cast<std::size_t>(i)]));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const torch::Tensor mine_moved = moved.images.narrow(0, mine.begin, mine.count);
  const auto canonical = mine.count > 0 ? act(mine_moved, found) : mine_moved;
  const auto after = predict(model, canonical);
  const auto oracle = predict(model, mine.count > 0 ? act(mine_moved, inverses) : mine_moved);
  const auto before = predict(model, mine_moved);

  h5::Group root = ctx.fresh_group("/canonicalisation");
  write_predictions(root, "predicted", n, mine, after, "the plain classifier's class of the canonical image h* . u");
  write_predictions(root, "raw_predicted", n, mine, before, "its class of the moved image u itself");
  write_predictions(root, "oracle_predicted", n, mine, oracle,
                    "its class of the moved image mapped back by the inverse of its own map");
  auto column = [&](const std::string& name, const std::vector<double>& v, const std::string& meaning) {
    h5::Dataset d = root.create_dataset<double>(name, h5::Dims{H(n)});
    double none = 0;
    d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, v.empty() ? &none : v.data());
    d.set_attribute("meaning", meaning);
  };
  column("energy", energy, "the energy of the canonical image E(h* . u)");
  column("identity_energy", identity_energy, "the energy of the moved image itself E(u)");
  h5::Dataset d = root.create_dataset<double>("elements", h5::Dims{H(n), 9});
  double none = 0;
  d.write(h5::Dims{H(mine.begin), 0}, h5::Dims{H(mine.count), 9}, flat.empty() ? &none : flat.data());
  d.set_attribute("meaning", "the canonicalising element h* of each image, 3 x 3 row-major");
  // The first plot_samples moved images and their canonical forms.
  const std::int64_t m = std::min(s.plot_samples, n);
  if (m > 0) {
    const Range rows{mine.begin, std::max<std::int64_t>(0, std::min(mine.end(), m) - mine.begin)};
    h5::Group g = root.require_group("samples");
    h5::Dataset c = g.create_dataset<float>("canonical", h5::Dims{H(m), H(S), H(S)});
    const torch::Tensor part = canonical.narrow(0, 0, rows.count).to(torch::kFloat32).contiguous();
    float f0 = 0;
    c.write(h5::Dims{H(rows.begin), 0, 0}, h5::Dims{H(rows.count), H(S), H(S)},
            rows.count > 0 ? part.data_ptr<float>() : &f0);
    c.set_attribute("meaning", "the canonical images h* . u of the first moved test images (image, row, column)");
  }
  root.set_attribute("images", n);
  root.set_attribute("group", s.group);
  root.set_attribute("seconds", ctx.comm.max(seconds));
  root.set_attribute("seconds_per_image", ctx.comm.sum(seconds) / double(n));
  log::info("canonicalise: {} moved images over the {} group, {:.3g} s per image", n, s.group,
            ctx.comm.sum(seconds) / double(n));
}

}  // namespace structura::pipeline::lielac_images
