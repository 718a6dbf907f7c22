// Stage `evaluate` of `lielac.images`: every trained classifier on the test
// images and on the moved test images: the predicted class of each (the
// images in blocks over the ranks, written as hyperslabs).
#include <fmt/format.h>

#include "experiments/lielac_images/images.hpp"
#include "experiments/lielac_images/model.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "nn/device.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_images {

namespace {
hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }
}  // namespace

std::vector<std::int64_t> predict(canonicalisation::images::SmallCnn& model, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  if (images.size(0) == 0) return {};
  const torch::Tensor p = model->forward(images).argmax(1).to(torch::kInt64).contiguous();
  return {p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + p.numel()};
}

void write_predictions(h5::Group& g, const std::string& name, std::int64_t n, Range mine,
                       const std::vector<std::int64_t>& values, const std::string& meaning) {
  h5::Dataset d = g.create_dataset<std::int64_t>(name, h5::Dims{H(n)});
  std::int64_t none = 0;
  d.write(h5::Dims{H(mine.begin)}, h5::Dims{H(mine.count)}, values.empty() ? &none : values.data());
  d.set_attribute("meaning", meaning);
}

std::int64_t correct(const std::vector<std::int64_t>& predicted, const torch::Tensor& labels, std::int64_t first) {
  std::int64_t c = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i)
    c += predicted[i] == labels[first + static_cast<std::int64_t>(i)].item<std::int64_t>();
  return c;
}

void evaluate(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const nn::TorchSettings ts = nn::parse_torch_settings(s.training.device, s.training.dtype, s.training.threads, "training");
  nn::apply(ts);
  const std::int64_t S = s.data.side();
  const Split test = read_split(ctx.file, "test", s.data.test, S, ts.dtype);
  const Split moved = read_split(ctx.file, "moved", s.data.test, S, ts.dtype);
  const Range mine = ctx.comm.block(s.data.test);
  h5::Group root = ctx.fresh_group("/evaluation");
  for (const std::string& v : s.variants) {
    auto model = load_model(ctx.file.open_group("/models"), v, s, ts.dtype);
    const auto on_test = predict(model, test.images.narrow(0, mine.begin, mine.count));
    const auto on_moved = predict(model, moved.images.narrow(0, mine.begin, mine.count));
    h5::Group g = root.require_group(v);
    write_predictions(g, "test_predicted", s.data.test, mine, on_test, "predicted class of each test image");
    write_predictions(g, "moved_predicted", s.data.test, mine, on_moved, "predicted class of each moved test image");
    const double a = double(ctx.comm.sum(correct(on_test, test.labels, mine.begin))) / double(s.data.test);
    const double b = double(ctx.comm.sum(correct(on_moved, moved.labels, mine.begin))) / double(s.data.test);
    g.set_attribute("test_accuracy", a);
    g.set_attribute("moved_accuracy", b);
    log::info("evaluate/{}: accuracy {:.4f} on the test images, {:.4f} moved", v, a, b);
  }
}

}  // namespace structura::pipeline::lielac_images
