// Stage `canonicalise` of `lielac.pde`: LieLAC on every out-of-distribution
// and every in-distribution test input, with the plain model. For input u0:
//   h* = argmin E(h . u0) over the chosen generators (lie_algebra_descent:
//        restarts keyed by (training seed, split, sample), restart 0 the
//        identity), E the typicality of the field's coefficients or TIED's
//        domain mismatch against the training inputs' range;
//   k  = the frame of h* (pde_frame.hpp);
//   prediction = k^-1 . f(k . u0) at t = T.
// The inputs are spread over the ranks in blocks, each searched on one rank
// (MPI_COMM_SELF): the restarts are keyed by the sample, so the result is
// the same on any rank count. Also stored: the energy along the first
// generator for OOD sample 0 (the landscape) and whole fields of the first
// evaluation.plot_samples OOD inputs for the plots.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "canonicalisation/pde_energies.hpp"
#include "canonicalisation/pde_frame.hpp"
#include "canonicalisation/pde_groups.hpp"
#include "core/error.hpp"
#include "experiments/lielac_pde/model.hpp"
#include "experiments/lielac_pde/problem.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_pde {

using namespace canonicalisation;

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
constexpr std::uint64_t kTestInputs = std::uint64_t{1} << 40;  // the test split's input keys

// The energy of a group element acting on one input, as the settings choose.
std::function<double(const Element&)> energy_for(const Settings& s, const pde::SymmetryGroup& group,
                                                 const std::vector<double>& u0, const Interval& training_range) {
  if (s.canonicalisation.energy == "domain") {
    TrainingDomain domain;
    domain.u = training_range;  // the period is free: no x box; t0 stays 0 in the frame
    auto e = std::make_shared<DomainMismatchEnergy>(group, pde::periodic_grid(static_cast<std::int64_t>(u0.size()), 1.0),
                                                    u0, std::vector<double>{}, domain);
    return [e](const Element& h) { return (*e)(h); };
  }
  auto e = std::make_shared<GrfTypicalityEnergy>(group, u0, field_options(s.data.pde),
                                                 static_cast<int>(s.canonicalisation.modes));
  return [e](const Element& h) { return (*e)(h); };
}

struct Searched {
  std::vector<double> transform;  // count x 3: lambda0, lambda1, log sigma of k
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
  const std::int64_t P = s.data.pde.model_points();
  const double T = s.data.pde.t_end;
  const pde::SymmetryGroup group = symmetry_group(s.data.pde);
  std::vector<int> generators(s.canonicalisation.generators.begin(), s.canonicalisation.generators.end());
  const PdeSymmetryGroup lie_group = PdeSymmetryGroup::tied(group, generators);
  auto model = load_model(ctx.file.open_group("/models"), "plain", s, torch_settings.dtype);

  DescentOptions options;
  options.method = s.canonicalisation.method == "coordinate-descent" ? DescentMethod::CoordinateDescent
                                                                      : DescentMethod::GlobalRetraction;
  options.restarts = static_cast<int>(s.canonicalisation.restarts);
  options.steps = static_cast<int>(s.canonicalisation.steps);
  options.sweeps = static_cast<int>(s.canonicalisation.sweeps);
  options.learning_rate = s.canonicalisation.learning_rate;
  options.init_scale = s.canonicalisation.init_scale;
  options.seed = s.training.seed * 16 + kCanonicalisation;

  // The training inputs' range (TIED's u box).
  const Pairs train = read_pairs(ctx.file, "train", s.data.train, P);
  const Interval training_range{train.u0.min().item<double>(), train.u0.max().item<double>()};
  const mpi::Comm self(MPI_COMM_SELF);

  auto search = [&](const Pairs& pairs, Range mine, std::uint64_t key_offset) {
    Searched out;
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = mine.begin; i < mine.end(); ++i) {
      const std::vector<double> u0 = row(pairs.u0, i);
      // The typicality energy over translations and the boost / amplitude
      // in closed form (exact gradients, O(1) per candidate); otherwise
      // central differences of the energy of each element.
      std::unique_ptr<GrfTypicalityEnergy> typicality;
      std::unique_ptr<ChartEnergy> chart;
      if (s.canonicalisation.energy == "typicality" && TypicalityChartEnergy::covers(generators)) {
        typicality = std::make_unique<GrfTypicalityEnergy>(group, u0, field_options(s.data.pde),
                                                           static_cast<int>(s.canonicalisation.modes));
        chart = std::make_unique<TypicalityChartEnergy>(lie_group, *typicality);
      } else {
        chart = std::make_unique<FiniteDifferenceEnergy>(lie_group, energy_for(s, group, u0, training_range));
      }
      DescentOptions o = options;
      o.input_index = key_offset + static_cast<std::uint64_t>(i);
      const Canonicalisation r = canonicalisation::canonicalise(lie_group, *chart, o, self);
      const pde::GroupElement k = frame_element(group, PdeSymmetryGroup::unpack(r.element));
      const auto c = transform_coordinates(k);
      out.transform.insert(out.transform.end(), c.begin(), c.end());
      out.energy.push_back(r.energy);
      out.identity_energy.push_back(r.identity_energy);
      out.canonical.push_back(to_frame(group, k, u0, 1.0));
    }
    // The model on all canonical inputs of this block at once, mapped back.
    if (mine.count > 0) {
      torch::NoGradGuard no_grad;
      const torch::Tensor f = model->forward(rows_to_tensor(out.canonical).to(torch_settings.dtype)).to(torch::kFloat64);
      for (std::int64_t j = 0; j < mine.count; ++j) {
        const pde::GroupElement k = [&] {
          pde::GroupElement g;
          g.lambda0 = out.transform[static_cast<std::size_t>(3 * j)];
          g.lambda1 = out.transform[static_cast<std::size_t>(3 * j + 1)];
          g.log_sigma = out.transform[static_cast<std::size_t>(3 * j + 2)];
          return g;
        }();
        out.prediction.push_back(from_frame(group, k, row(f, j), 1.0, T));
      }
      const torch::Tensor e = neural_operators::relative_l2_per_sample(rows_to_tensor(out.prediction),
                                                                        pairs.uT.narrow(0, mine.begin, mine.count));
      out.error.assign(e.data_ptr<double>(), e.data_ptr<double>() + e.numel());
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
  };

  const Pairs ood = read_pairs(ctx.file, "ood", s.data.ood, P);
  const Pairs test = read_pairs(ctx.file, "test", s.data.test, P);
  const Range mine_ood = ctx.comm.block(s.data.ood), mine_test = ctx.comm.block(s.data.test);
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

  // The landscape along the first generator for OOD sample 0 (every rank
  // computes it: identical numbers, rank 0's copy is written).
  std::vector<double> eps_axis, landscape;
  {
    const auto energy = energy_for(s, group, row(ood.u0, 0), training_range);
    for (std::int64_t j = 0; j < s.landscape_points; ++j) {
      const double e = -s.landscape_extent + 2 * s.landscape_extent * double(j) / double(s.landscape_points - 1);
      std::vector<double> eps(generators.size(), 0.0);
      eps[0] = e;
      double value = std::numeric_limits<double>::infinity();
      try {
        value = energy(lie_group.exp(eps));
      } catch (const NumericalError&) {
      }
      eps_axis.push_back(e);
      landscape.push_back(value);
    }
  }

  h5::Group root = ctx.fresh_group("/canonicalisation");
  auto write_split = [&](const std::string& name, std::int64_t n, Range mine, const Searched& r) {
    h5::Group g = root.require_group(name);
    auto column = [&](const std::string& what, const std::vector<double>& v, const std::string& meaning,
                      const std::string& unit) {
      h5::Dataset d = g.create_dataset<double>(what, h5::Dims{H(n)});
      double none = 0;
      d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, v.empty() ? &none : v.data());
      d.set_attribute("meaning", meaning);
      d.set_attribute("unit", unit);
    };
    column("error", r.error, "relative L2 error of the canonicalised prediction k^-1 . f(k . u0)", "1");
    column("energy", r.energy, "the energy of the canonical input E(h* . u0)", "1");
    column("identity_energy", r.identity_energy, "the energy of the input itself E(u0)", "1");
    h5::Dataset t = g.create_dataset<double>("transform", h5::Dims{H(n), 3});
    double none = 0;
    t.write(h5::Dims{H(mine.begin), 0}, h5::Dims{H(mine.count), 3}, r.transform.empty() ? &none : r.transform.data());
    t.set_attribute("meaning", "the canonicalising frame k (sample, [lambda0, lambda1, log sigma])");
    g.set_attribute("seconds", ctx.comm.max(r.seconds));
    g.set_attribute("seconds_per_input", ctx.comm.sum(r.seconds) / double(n));
  };
  write_split("ood", s.data.ood, mine_ood, on_ood);
  write_split("test", s.data.test, mine_test, on_test);

  // Whole fields of the first plot_samples OOD inputs (the rows this rank owns).
  const std::int64_t m = s.plot_samples;
  if (m > 0) {
    h5::Group g = root.require_group("samples");
    const Range rows{mine_ood.begin, std::max<std::int64_t>(0, std::min(mine_ood.end(), m) - mine_ood.begin)};
    auto field = [&](const std::string& name, const std::vector<std::vector<double>>& values, const std::string& meaning) {
      std::vector<double> flat;
      for (std::int64_t i = 0; i < rows.count; ++i)
        flat.insert(flat.end(), values[static_cast<std::size_t>(i)].begin(), values[static_cast<std::size_t>(i)].end());
      h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(m), H(P)});
      double none = 0;
      d.write(h5::Dims{H(rows.begin), 0}, h5::Dims{H(rows.count), H(P)}, flat.empty() ? &none : flat.data());
      d.set_attribute("meaning", meaning);
    };
    std::vector<std::vector<double>> raw;
    if (rows.count > 0) {
      torch::NoGradGuard no_grad;
      const torch::Tensor f =
          model->forward(ood.u0.narrow(0, rows.begin, rows.count).to(torch_settings.dtype)).to(torch::kFloat64);
      for (std::int64_t i = 0; i < rows.count; ++i) raw.push_back(row(f, i));
    }
    field("canonical", on_ood.canonical, "the canonical input k . u0 (sample, x)");
    field("prediction", on_ood.prediction, "the canonicalised prediction k^-1 . f(k . u0) (sample, x)");
    field("raw_prediction", raw, "the plain model's prediction f(u0) of the OOD input (sample, x)");
  }
  h5::Group l = root.require_group("landscape");
  l.write_dataset("epsilon", eps_axis, h5::Dims{H(s.landscape_points)})
      .set_attribute("meaning", "coordinate along the first of canonicalisation.generators (TIED-scaled)");
  l.write_dataset("energy", landscape, h5::Dims{H(s.landscape_points)})
      .set_attribute("meaning", "E(exp(epsilon v) . u0) of OOD sample 0 (inf: outside the frame)");
  l.set_attribute("generator", s.canonicalisation.generators.front());

  double sum_ood = 0, sum_test = 0;
  for (double e : on_ood.error) sum_ood += e;
  for (double e : on_test.error) sum_test += e;
  root.set_attribute("ood_mean", ctx.comm.sum(sum_ood) / double(s.data.ood));
  root.set_attribute("test_mean", ctx.comm.sum(sum_test) / double(s.data.test));
  log::info("canonicalise: relative L2 out of distribution {:.4f}, in distribution {:.4f} ({:.3g} s per input)",
            ctx.comm.sum(sum_ood) / double(s.data.ood), ctx.comm.sum(sum_test) / double(s.data.test),
            ctx.comm.sum(on_ood.seconds + on_test.seconds) / double(s.data.ood + s.data.test));
}

}  // namespace structura::pipeline::lielac_pde
