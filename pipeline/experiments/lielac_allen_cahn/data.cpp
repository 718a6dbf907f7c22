// Stage `data` of `lielac.allen_cahn`: the pairs (u0, u(T)) of three
// splits, each solved by PETSc (solution_set_2d.hpp: samples in blocks over
// the ranks, one solve per sample on MPI_COMM_SELF, so 1 and 2 ranks write
// identical files):
//   train, test  droplets of the training distribution (problem.hpp);
//   ood          test droplet i moved by a random rotation about the centre
//                and a translation g_i (in closed form: the droplet's centre
//                and axis moved, fresh noise), solved as an initial
//                condition of its own: the truth is the solver's, not the
//                group action's.
// Solved on pde.points^2, stored at every pde.stride-th point in each
// direction (the model's grid). This stage makes the shared data set
// "solutions" (kind.cpp): it reads only the data settings.
#include <fmt/format.h>

#include "experiments/lielac_allen_cahn/problem.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "pde/solution_set_2d.hpp"
#include "petsc/session.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_allen_cahn {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

struct Split {
  std::string name;
  std::int64_t count;
  std::uint64_t fronts, noise;
  bool moved;  // the OOD split: test droplets moved by random_transform
  std::string meaning;
};

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  petsc::PetscSession petsc;
  const std::vector<Split> splits = {
      {"train", d.train, kTrainFronts, kTrainNoise, false, "training pairs: droplets of the training band"},
      {"test", d.test, kTestFronts, kTestNoise, false, "in-distribution test pairs: droplets of the training band"},
      {"ood", d.ood_count, kTestFronts, kOodNoise, true,
       "out-of-distribution pairs: test droplet i rotated about the centre and translated (g_i), solved"}};

  pde::SolutionSet2dOptions o;
  o.solve = solve_options(d.pde);
  o.stride = d.pde.stride;
  const std::int64_t N = d.pde.points, M = d.pde.model_points(), P = M * M;

  h5::Group root = ctx.fresh_group("/data");
  std::int64_t total = 0;
  for (const Split& s : splits) total += s.count;
  Progress progress = ctx.progress("data", total, "solves");
  std::int64_t done = 0;
  for (const Split& s : splits) {
    o.samples = s.count;
    auto droplet_of = [&](std::int64_t index) {
      const Droplet base = random_droplet(d, s.fronts, static_cast<std::uint64_t>(index));
      return s.moved ? moved(random_transform(d, static_cast<std::uint64_t>(index)), base) : base;
    };
    auto initial = [&](std::int64_t index) {
      return droplet_field(d, droplet_of(index), N, s.noise, static_cast<std::uint64_t>(index));
    };
    const pde::SolutionSet2dBlock b = pde::solve_solution_set_2d(o, initial, ctx.comm);
    std::vector<double> u0(static_cast<std::size_t>(b.count * P)), uT(u0.size()), droplets, transforms;
    for (std::int64_t i = 0; i < b.count; ++i) {
      const double* row = b.values.data() + i * 2 * P;
      std::copy(row, row + P, u0.begin() + i * P);
      std::copy(row + P, row + 2 * P, uT.begin() + i * P);
      const Droplet q = droplet_of(b.first + i);
      droplets.insert(droplets.end(), {q.a, q.b, q.angle, q.cx, q.cy});
      if (s.moved) {
        const auto c = transform_coordinates(random_transform(d, static_cast<std::uint64_t>(b.first + i)));
        transforms.insert(transforms.end(), c.begin(), c.end());
      }
    }
    done += s.count;
    progress.update(done);
    h5::Group g = root.require_group(s.name);
    double none = 0;
    auto write = [&](const std::string& name, const h5::Dims& dims, const std::vector<double>& rows,
                     const std::string& meaning) {
      h5::Dataset ds = g.create_dataset<double>(name, dims);
      h5::Dims offset(dims.size(), 0), count = dims;
      offset[0] = H(b.first);
      count[0] = H(b.count);
      ds.write(offset, count, rows.empty() ? &none : rows.data());
      ds.set_attribute("meaning", meaning);
    };
    write("u0", {H(s.count), H(M), H(M)}, u0, s.meaning + " (sample, y, x): the input");
    write("uT", {H(s.count), H(M), H(M)}, uT, "the PETSc solution at pde.t_end (sample, y, x): the target");
    write("droplet", {H(s.count), 5}, droplets,
          "the droplet of each input (sample, [a, b, angle (radians), centre x, centre y])");
    if (s.moved)
      write("transform", {H(s.count), 3}, transforms,
            "the symmetry g of each input (sample, [theta (radians) about the centre, then translation bx, by])");
  }
  progress.finish();
  root.set_attribute("epsilon", d.pde.epsilon);
  root.set_attribute("t_end", d.pde.t_end);
  root.set_attribute("solve_points", d.pde.points);
  root.set_attribute("model_points", M);
  log::info("data: {} train, {} test, {} OOD pairs of Allen-Cahn (eps {}) on {}^2 points (solved on {}^2)", d.train,
            d.test, d.ood_count, d.pde.epsilon, M, N);
}

}  // namespace structura::pipeline::lielac_allen_cahn
