// Stage `data` of `deblur.learned`: the train, validation and test pairs
// (truth patch x, observation y = K x + noise) and the lambda heuristic of
// the AR paper from the training pairs. Patch i (a global index; the splits
// take disjoint ranges) is a function of (experiment.seed, i) alone
// (imaging::random_patches: which photograph and where), its noise of
// (seed, i, pixel); the train and validation patches come from
// photographs.train, the test patches from the held-out photographs.test.
// The patches of a split are spread over the ranks by index (a block each)
// and every rank blurs its own one image at a time (torch on one thread),
// so 1 and 2 ranks write identical files. This stage makes the shared data
// set "pairs" (kind.cpp): it reads only the data settings.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "experiments/deblur_learned/settings.hpp"
#include "experiments/deblur_learned/stages.hpp"
#include "imaging/gaussian_blur.hpp"
#include "imaging/natural_images.hpp"
#include "regularisers/losses.hpp"
#include "run/collective_errors.hpp"
#include "run/log.hpp"
#include "tomography/noise.hpp"

namespace structura::pipeline::deblur_learned {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

std::vector<imaging::GrayImage> photographs(const std::vector<std::string>& names, const std::string& key) {
  std::vector<imaging::GrayImage> out;
  for (const std::string& name : names)
    out.push_back(imaging::sample_image(name, imaging::default_sample_directory(), key));
  return out;
}

// One n x n image as a (1, 1, n, n) float64 tensor sharing `pixels`.
torch::Tensor view(double* pixels, std::int64_t n) { return torch::from_blob(pixels, {1, 1, n, n}, torch::kFloat64); }

// A (count, n, n) dataset of which this rank writes rows [mine.begin, mine.end()).
void write_block(h5::Group& g, const std::string& name, std::int64_t count, std::int64_t n, Range mine,
                 const std::vector<double>& values, const std::string& meaning) {
  h5::Dataset d = g.create_dataset<double>(name, h5::Dims{H(count), H(n), H(n)});
  double none = 0;
  d.write(h5::Dims{H(mine.begin), 0, 0}, h5::Dims{H(mine.count), H(n), H(n)}, values.empty() ? &none : values.data());
  d.set_attribute("meaning", meaning);
}

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  const std::int64_t n = d.size;
  const auto pixels = static_cast<std::size_t>(n * n);
  torch::set_num_threads(1);  // one image at a time: the same bits on any rank count
  std::vector<imaging::GrayImage> train_photos, test_photos;
  std::unique_ptr<imaging::GaussianBlur> K;
  agree_on_errors(ctx.comm, [&] {
    train_photos = photographs(d.train_photographs, "photographs.train");
    test_photos = photographs(d.test_photographs, "photographs.test");
    K = std::make_unique<imaging::GaussianBlur>(n, n, d.blur_sigma, torch::kFloat64, 4.0, "blur");
  });

  h5::Group root = ctx.fresh_group("/data");
  std::vector<double> residual_norms(static_cast<std::size_t>(d.train), 0.0);
  std::int64_t total = 0;
  for (const SplitIndex& split : splits(d)) total += split.count;
  Progress progress = ctx.progress("data", total, "pairs");
  std::int64_t done = 0;
  for (const SplitIndex& split : splits(d)) {
    const Range mine = ctx.comm.block(split.count);
    const bool test = split.name == "test";
    const std::uint64_t first = split.first + static_cast<std::uint64_t>(mine.begin);
    std::vector<double> truth = imaging::random_patches(test ? test_photos : train_photos, n, d.seed, kPatchStream,
                                                        first, mine.count);
    std::vector<double> observed(truth.size());
    for (std::int64_t i = 0; i < mine.count; ++i) {
      const std::uint64_t index = first + static_cast<std::uint64_t>(i);
      double* y = observed.data() + i * pixels;
      const torch::Tensor clean = K->forward(view(truth.data() + i * pixels, n)).contiguous();
      std::copy_n(clean.data_ptr<double>(), pixels, y);
      tomography::add_gaussian_noise_sigma(y, static_cast<long>(pixels), d.noise_sigma, noise_seed(d.seed), index);
      if (split.name == "train") {  // the lambda heuristic: |K^T(K x* - y)| per training pair
        const torch::Tensor residual = clean - view(y, n);
        residual_norms[static_cast<std::size_t>(mine.begin + i)] = K->adjoint(residual).norm().item<double>();
      }
      progress.update(std::min(total, done + (i + 1) * ctx.comm.size()));
    }
    done += split.count;
    h5::Group g = root.require_group(split.name);
    write_block(g, "truth", split.count, n, mine, truth,
                "truth patches (pair, row, column), row 0 at the top, intensities in [0, 1]");
    write_block(g, "observation", split.count, n, mine, observed,
                "observation y = K x + noise (pair, row, column): the blurred noisy patch");
    g.set_attribute("first_patch", static_cast<std::int64_t>(split.first));
  }
  progress.finish();
  // Sum of the per-pair norms in pair order on every rank: rank-count independent.
  ctx.comm.sum_in_place(residual_norms);
  double sum = 0;
  for (double v : residual_norms) sum += v;
  const double lambda = regularisers::lambda_from_residual_sum(sum, d.train);
  root.write_dataset("lambda_heuristic", std::vector<double>{lambda}, h5::Dims{1})
      .set_attribute("meaning",
                     "2 E||K^T(K x* - y)|| over the training pairs: the default lambda of "
                     "||K x - y||^2 + lambda R(x) for a 1-Lipschitz R");
  root.set_attribute("blur_sigma", d.blur_sigma);
  root.set_attribute("blur_radius", K->radius());
  root.set_attribute("noise_sigma", d.noise_sigma);
  log::info("data: {} train, {} validation, {} test pairs of {}^2, blur sigma {} px, noise sigma {}; "
            "lambda heuristic {:.4g}",
            d.train, d.validation, d.test, n, d.blur_sigma, d.noise_sigma, lambda);
}

}  // namespace structura::pipeline::deblur_learned
