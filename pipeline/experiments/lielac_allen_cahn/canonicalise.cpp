// Stage `canonicalise` of `lielac.allen_cahn`: LieLAC on every
// out-of-distribution and every in-distribution test input, with the
// trained model. For input u0 (on the model grid):
//   h* = argmin E(h . u0) over canonicalisation.generators (rotation about
//        the centre, translations) by lie_algebra_descent (restarts keyed by
//        (training seed, split, sample), restart 0 the identity), E the
//        front energy of canonicalisation/front_energy.hpp: the squared sine
//        of the front's orientation (from the second moments of the phase
//        fraction) off the training band's centre over that of the band's
//        half-width, plus the squared distance of its centroid from the
//        band's centre over the position band's half-width squared;
//   canonical input h* . u0 (the sampled action, translating first: the
//        droplet is brought to the centre before it is turned);
//   prediction (h*)^-1 . f(h* . u0) (rotating first: the canonical
//        prediction is centred), its relative L2 error against the truth.
// The inputs are spread over the ranks in blocks, each searched on one rank
// (MPI_COMM_SELF): the restarts are keyed by the sample, so the result is
// the same on any rank count. Whole fields of the first
// evaluation.plot_samples OOD inputs are stored for the plots.
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "canonicalisation/allen_cahn_group.hpp"
#include "canonicalisation/front_energy.hpp"
#include "canonicalisation/lie_algebra_descent.hpp"
#include "core/error.hpp"
#include "experiments/lielac_allen_cahn/model.hpp"
#include "experiments/lielac_allen_cahn/problem.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_allen_cahn {

using namespace canonicalisation;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
constexpr std::uint64_t kTestInputs = std::uint64_t{1} << 40;  // the test split's input keys

struct Searched {
  std::vector<double> transform;  // count x 3: theta, bx, by of h*
  std::vector<double> energy, identity_energy, error;
  std::vector<std::vector<double>> canonical, prediction;
  double seconds = 0;
};

}  // namespace

void canonicalise(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const nn::TorchSettings torch_settings =
      nn::parse_torch_settings(s.training.device, s.training.dtype, s.training.threads, "training");
  nn::apply(torch_settings);
  const std::int64_t M = s.data.pde.model_points();
  const pde::AllenCahnSymmetries sym = symmetries();
  const CanonicalisationSettings& k = s.canonicalisation;
  std::vector<int> generators;
  std::vector<double> scales;
  for (std::int64_t g : k.generators) {
    generators.push_back(static_cast<int>(g));
    scales.push_back(g == 3 ? 1.0 : k.translation_scale);
  }
  const AllenCahnGroup group(sym, generators, scales);
  auto model = load_model(ctx.file, s, torch_settings.dtype);

  FrontEnergyOptions energy_options;
  energy_options.angle = s.data.front.angle;
  energy_options.angle_scale = s.data.front.angle_band;
  // A band of zero width: one grid cell of the model grid.
  energy_options.position_scale = std::max(s.data.front.position_band, 0.5 / double(M));
  const FrontEvaluation evaluation =
      k.evaluation == "sampled" ? FrontEvaluation::Sampled : FrontEvaluation::Equivariant;

  DescentOptions options;
  options.method =
      k.method == "coordinate-descent" ? DescentMethod::CoordinateDescent : DescentMethod::GlobalRetraction;
  options.restarts = static_cast<int>(k.restarts);
  options.steps = static_cast<int>(k.steps);
  options.sweeps = static_cast<int>(k.sweeps);
  options.learning_rate = k.learning_rate;
  options.init_scale = k.init_scale;
  options.seed = s.training.seed * 16 + kCanonicalisation;
  const mpi::Comm self(MPI_COMM_SELF);

  auto search = [&](const Pairs& pairs, Range mine, std::uint64_t key_offset) {
    Searched out;
    const auto start = std::chrono::steady_clock::now();
    std::vector<pde::AcGroupElement> frames;
    for (std::int64_t i = mine.begin; i < mine.end(); ++i) {
      const std::vector<double> u0 = field(pairs.u0, i);
      const FrontEnergy energy(group, u0, M, energy_options, evaluation);
      const FiniteDifferenceEnergy chart(group, [&energy](const Element& h) { return energy(h); });
      DescentOptions o = options;
      o.input_index = key_offset + static_cast<std::uint64_t>(i);
      const Canonicalisation r = canonicalisation::canonicalise(group, chart, o, self);
      const pde::AcGroupElement h = AllenCahnGroup::unpack(r.element);
      frames.push_back(h);
      const auto c = transform_coordinates(h);
      out.transform.insert(out.transform.end(), c.begin(), c.end());
      out.energy.push_back(r.energy);
      out.identity_energy.push_back(r.identity_energy);
      out.canonical.push_back(act_translating_first(sym, h, u0, M));
    }
    // The model on all canonical inputs of this block at once, mapped back.
    if (mine.count > 0) {
      torch::NoGradGuard no_grad;
      const torch::Tensor f =
          model->forward(fields_to_tensor(out.canonical, M).to(torch_settings.dtype)).to(torch::kFloat64);
      for (std::int64_t j = 0; j < mine.count; ++j)
        out.prediction.push_back(
            act_rotating_first(sym, sym.inverse(frames[static_cast<std::size_t>(j)]), field(f, j), M));
      const torch::Tensor e = neural_operators::relative_l2_per_sample(fields_to_tensor(out.prediction, M),
                                                                       pairs.uT.narrow(0, mine.begin, mine.count));
      out.error.assign(e.data_ptr<double>(), e.data_ptr<double>() + e.numel());
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  };

  const Pairs ood = read_pairs(ctx.file, "ood", s.data.ood_count, M);
  const Pairs test = read_pairs(ctx.file, "test", s.data.test, M);
  const Range mine_ood = ctx.comm.block(s.data.ood_count), mine_test = ctx.comm.block(s.data.test);
  std::string failure;
  Searched on_ood, on_test;
  try {
    on_ood = search(ood, mine_ood, 0);
    on_test = search(test, mine_test, kTestInputs);
    for (double e : on_ood.error)
      if (!std::isfinite(e)) throw NumericalError("canonicalise: a canonicalised prediction is not finite");
  } catch (const Error& e) {
    failure = e.what();
  }
  failure = ctx.comm.first_error(failure);
  if (!failure.empty()) throw NumericalError(failure);

  h5::Group root = ctx.fresh_group("/canonicalisation");
  double none = 0;
  auto write_split = [&](const std::string& name, std::int64_t n, Range mine, const Searched& r) {
    h5::Group g = root.require_group(name);
    auto column = [&](const std::string& what, const std::vector<double>& v, const std::string& meaning) {
      h5::Dataset d = g.create_dataset<double>(what, h5::Dims{H(n)});
      d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, v.empty() ? &none : v.data());
      d.set_attribute("meaning", meaning);
      d.set_attribute("unit", "1");
    };
    column("error", r.error, "relative L2 error of the canonicalised prediction h*^-1 . f(h* . u0)");
    column("energy", r.energy, "the front energy of the canonical input E(h* . u0)");
    column("identity_energy", r.identity_energy, "the front energy of the input itself E(u0)");
    h5::Dataset t = g.create_dataset<double>("transform", h5::Dims{H(n), 3});
    t.write(h5::Dims{H(mine.begin), 0}, h5::Dims{H(mine.count), 3}, r.transform.empty() ? &none : r.transform.data());
    t.set_attribute("meaning",
                    "the canonicalising element h* (sample, [theta (radians) about the centre, then "
                    "translation bx, by])");
    g.set_attribute("seconds", ctx.comm.max(r.seconds));
    g.set_attribute("seconds_per_input", ctx.comm.sum(r.seconds) / double(n));
  };
  write_split("ood", s.data.ood_count, mine_ood, on_ood);
  write_split("test", s.data.test, mine_test, on_test);

  // Whole fields of the first plot_samples OOD inputs (the rows this rank owns).
  const std::int64_t m = s.plot_samples;
  if (m > 0) {
    h5::Group g = root.require_group("samples");
    const Range rows{mine_ood.begin, std::max<std::int64_t>(0, std::min(mine_ood.end(), m) - mine_ood.begin)};
    auto fields = [&](const std::string& name, const std::vector<std::vector<double>>& values,
                      const std::string& meaning) {
      std::vector<double> flat;
      for (std::int64_t i = 0; i < rows.count; ++i)
        flat.insert(flat.end(), values[static_cast<std::size_t>(i)].begin(), values[static_cast<std::size_t>(i)].end());
      h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(m), H(M), H(M)});
      d.write(h5::Dims{H(rows.begin), 0, 0}, h5::Dims{H(rows.count), H(M), H(M)}, flat.empty() ? &none : flat.data());
      d.set_attribute("meaning", meaning);
    };
    std::vector<std::vector<double>> raw;
    if (rows.count > 0) {
      torch::NoGradGuard no_grad;
      const torch::Tensor f =
          model->forward(ood.u0.narrow(0, rows.begin, rows.count).to(torch_settings.dtype)).to(torch::kFloat64);
      for (std::int64_t i = 0; i < rows.count; ++i) raw.push_back(field(f, i));
    }
    fields("canonical", on_ood.canonical, "the canonical input h* . u0 (sample, y, x)");
    fields("prediction", on_ood.prediction, "the canonicalised prediction h*^-1 . f(h* . u0) (sample, y, x)");
    fields("raw_prediction", raw, "the model's prediction f(u0) of the OOD input (sample, y, x)");
  }

  double sum_ood = 0, sum_test = 0;
  for (double e : on_ood.error) sum_ood += e;
  for (double e : on_test.error) sum_test += e;
  const double ood_mean = ctx.comm.sum(sum_ood) / double(s.data.ood_count);
  const double test_mean = ctx.comm.sum(sum_test) / double(s.data.test);
  root.set_attribute("ood_mean", ood_mean);
  root.set_attribute("test_mean", test_mean);
  log::info("canonicalise: relative L2 out of distribution {:.4f}, in distribution {:.4f} ({:.3g} s per input)",
            ood_mean, test_mean,
            ctx.comm.sum(on_ood.seconds + on_test.seconds) / double(s.data.ood_count + s.data.test));
}

}  // namespace structura::pipeline::lielac_allen_cahn
