// Stage `data` of `pullback`: the training, validation and test rows of the
// set, row i a pure function of (experiment.seed, i) (datasets/
// manifold_data.hpp), split as the reference code does (the first 80 % train,
// the next 10 % validate, the last 10 % test). Each rank generates and
// writes a block of every split as a hyperslab, so 1 and 2 ranks write
// identical files. Makes the shared data set "manifold"; reads only the data
// settings.
#include <fmt/format.h>

#include "experiments/pullback/settings.hpp"
#include "experiments/pullback/stages.hpp"
#include "run/log.hpp"

namespace structura::pipeline::pullback {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

void write_split(h5::Group& root, const std::string& name, const DataSettings& d, Range rows, StageContext& ctx,
                 const std::string& meaning) {
  const Range mine = ctx.comm.block(rows.count);
  const auto block = datasets::generate(d.manifold, d.seed, rows.begin + mine.begin, mine.count);
  const h5::Dims dims{H(rows.count), H(d.ambient)};
  h5::Dataset set = root.create_dataset<double>(name, dims);
  const double none = 0;
  set.write({H(mine.begin), 0}, {H(mine.count), H(d.ambient)}, mine.count > 0 ? block.values.data() : &none);
  set.set_attribute("meaning", meaning);
  set.set_attribute("first_row", rows.begin);
}

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  h5::Group root = ctx.fresh_group("/data");
  write_split(root, "train", d, d.split.train, ctx, "training rows (sample, coordinate)");
  write_split(root, "validation", d, d.split.validation, ctx, "validation rows: model selection");
  write_split(root, "test", d, d.split.test, ctx, "test rows: every metric");
  root.set_attribute("set", std::string(datasets::manifold_name(d.manifold.kind)));
  root.set_attribute("ambient_dimension", std::int64_t{d.ambient});
  root.set_attribute("intrinsic_dimension", std::int64_t{d.intrinsic});
  root.set_attribute("samples", d.samples);
  root.set_attribute("seed", static_cast<std::int64_t>(d.seed));
  log::info("data: {} {} samples in {} dimensions (manifold dimension {}): {} train, {} validation, {} test",
            d.samples, datasets::manifold_name(d.manifold.kind), d.ambient, d.intrinsic, d.split.train.count,
            d.split.validation.count, d.split.test.count);
}

}  // namespace structura::pipeline::pullback
