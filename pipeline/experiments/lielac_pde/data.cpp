// Stage `data` of `lielac.pde`: the pairs (u0, u(T)) of four splits, each
// solved by PETSc (solution_set.hpp: samples in blocks over the ranks, one
// solver per rank on MPI_COMM_SELF, so 1 and 2 ranks write identical files):
//   train, test   u0 from the field (the restricted training distribution);
//   ood           g . u0 for a fresh field sample and a random symmetry g
//                 (problem.hpp), solved as an initial condition of its own:
//                 the truth is the solver's, not the group action's;
//   fine_tune     the same for the fine-tuned baseline (another stream).
// Solved on pde.points points, stored at every pde.stride-th (the model's
// grid). This stage makes the shared data set "solutions" (kind.cpp): it
// reads only the data settings.
#include <fmt/format.h>

#include "canonicalisation/pde_frame.hpp"
#include "experiments/lielac_pde/problem.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "pde/solution_set.hpp"
#include "petsc/session.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_pde {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

struct Split {
  std::string name;
  std::int64_t count;
  std::uint64_t field;      // field stream
  std::uint64_t transform;  // 0: none (the training distribution)
  std::string meaning;
};

// Rows [first, first + count) of an (n, width) dataset.
void write_rows(h5::Group& g, const std::string& name, std::int64_t n, std::int64_t width, std::int64_t first,
                std::int64_t count, const std::vector<double>& rows, const std::string& meaning) {
  h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(n), H(width)});
  double none = 0;
  d.write(h5::Dims{H(first), 0}, h5::Dims{H(count), H(width)}, rows.empty() ? &none : rows.data());
  d.set_attribute("meaning", meaning);
}

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  petsc::PetscSession petsc;
  const pde::SymmetryGroup group = symmetry_group(d.pde);
  const std::vector<Split> splits = {
      {"train", d.train, kTrainField, 0, "training pairs: u0 from the field"},
      {"test", d.test, kTestField, 0, "in-distribution test pairs: u0 from the field"},
      {"ood", d.ood, kOodField, kOodTransform, "out-of-distribution test pairs: g . u0, solved"},
      {"fine_tune", d.fine_tune, kFineTuneField, kFineTuneTransform, "the fine-tuned baseline's pairs: g . u0, solved"}};

  pde::SolutionSetOptions o;
  o.solve = solve_options(d.pde);
  o.grf = field_options(d.pde);
  o.stride = d.pde.stride;
  o.closed = false;
  const std::int64_t P = d.pde.model_points();

  h5::Group root = ctx.fresh_group("/data");
  std::int64_t total = 0;
  for (const Split& s : splits) total += s.count;
  Progress progress = ctx.progress("data", total, "solves");
  std::int64_t done = 0;
  for (const Split& s : splits) {
    o.samples = s.count;
    o.seed = d.seed * 64 + s.field;
    auto initial = [&](std::int64_t index) {
      const auto u0 = pde::periodic_grf(o.grf, d.pde.points, o.seed, static_cast<std::uint64_t>(index));
      if (s.transform == 0) return u0;
      const auto g = random_transform(d, s.transform, static_cast<std::uint64_t>(index));
      return canonicalisation::to_frame(group, g, u0, 1.0);
    };
    const pde::SolutionSetBlock b = pde::solve_solution_set(o, initial, ctx.comm);
    std::vector<double> u0(static_cast<std::size_t>(b.count * P)), uT(u0.size()), transforms;
    for (std::int64_t i = 0; i < b.count; ++i) {
      const double* row = b.values.data() + i * 2 * P;
      std::copy(row, row + P, u0.begin() + i * P);
      std::copy(row + P, row + 2 * P, uT.begin() + i * P);
      if (s.transform != 0) {
        const auto c = transform_coordinates(random_transform(d, s.transform, static_cast<std::uint64_t>(b.first + i)));
        transforms.insert(transforms.end(), c.begin(), c.end());
      }
    }
    done += s.count;
    progress.update(done);
    h5::Group g = root.require_group(s.name);
    write_rows(g, "u0", s.count, P, b.first, b.count, u0, s.meaning + " (sample, x): the input");
    write_rows(g, "uT", s.count, P, b.first, b.count, uT, "the PETSc solution at pde.t_end (sample, x): the target");
    if (s.transform != 0)
      write_rows(g, "transform", s.count, 3, b.first, b.count, transforms,
                 "the symmetry g of each input (sample, [lambda0 translation, lambda1 boost, log sigma amplitude])");
    g.set_attribute("field_seed", static_cast<std::int64_t>(o.seed));
  }
  progress.finish();
  root.write_dataset("x", pde::periodic_grid(P, 1.0), h5::Dims{H(P)}).set_attribute("meaning", "the model's grid");
  root.set_attribute("equation", d.pde.equation);
  root.set_attribute("nu", d.pde.nu);
  root.set_attribute("t_end", d.pde.t_end);
  root.set_attribute("solve_points", d.pde.points);
  log::info("data: {} train, {} test, {} OOD, {} fine-tune pairs of {} on {} points (solved on {})", d.train, d.test,
            d.ood, d.fine_tune, d.pde.equation, P, d.pde.points);
}

}  // namespace structura::pipeline::lielac_pde
