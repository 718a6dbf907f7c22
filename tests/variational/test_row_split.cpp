// Learned regularisers evaluated by row bands (variational/row_split.hpp),
// run on 1 and 2 ranks. Truths: the model's own forward on the whole image
// and its autograd gradient (one process, no bands); the receptive radius
// is checked to be needed (a halo one row short changes the value) as well
// as sufficient. Models: the ICNN, ACR, IWCNN and CNC at visible curvature
// (initial weights far above the reference's 1e-3, so that every tap of
// every kernel matters), float64; one float32 case.
#include <mpi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/cnc.hpp"
#include "regularisers/icnn.hpp"
#include "regularisers/iwcnn.hpp"
#include "variational/row_split.hpp"
// Last: restores doctest's CHECK over glog's (which libtorch pulls in).
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;
using structura::variational::band_value;
using structura::variational::row_split_regulariser;

namespace {

const mpi::Comm world{};

IcnnOptions small_icnn(std::int64_t in_channels = 1) {
  IcnnOptions o;
  o.in_channels = in_channels;
  o.layers = 2;
  o.channels = 4;
  o.kernel = 3;
  o.init_scale = 0.5;
  return o;
}

AcrOptions small_acr() {
  AcrOptions o;
  o.icnn = small_icnn();
  o.banks = 2;
  o.filters = 3;
  o.filter_size = 5;  // a radius of its own (2), below the ICNN's (4)
  o.sfb_weight_init = 0;
  o.l2_weight_init = 0;
  return o;
}

IwcnnOptions small_iwcnn() {
  IwcnnOptions o;
  o.smooth.layers = 2;
  o.smooth.channels = 3;
  o.smooth.kernel = 3;
  o.icnn = small_icnn();
  return o;
}

struct Model {
  std::string name;
  std::shared_ptr<Regulariser> model;
  std::int64_t radius;  // expected
};

// The same weights on every rank (seeded), float64.
std::vector<Model> models() {
  std::vector<Model> out;
  torch::manual_seed(5);
  out.push_back({"icnn", std::make_shared<Icnn>(small_icnn()), 4});
  out.push_back({"acr", std::make_shared<Acr>(small_acr()), 4});
  out.push_back({"iwcnn", std::make_shared<Iwcnn>(small_iwcnn()), 6});
  CncOptions cnc;
  cnc.convex = small_acr();
  cnc.weak = small_iwcnn();
  out.push_back({"cnc", std::make_shared<Cnc>(cnc), 6});
  for (auto& m : out) m.model->to(torch::kFloat64);
  return out;
}

torch::Tensor image(std::int64_t batch, std::int64_t height, std::int64_t width) {
  torch::manual_seed(17);
  return torch::randn({batch, 1, height, width}, torch::kFloat64);
}

double relative(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

std::pair<torch::Tensor, torch::Tensor> value_and_gradient(const std::function<torch::Tensor(torch::Tensor)>& f,
                                                           const torch::Tensor& x) {
  const torch::Tensor xg = x.detach().requires_grad_(true);
  const torch::Tensor v = per_image(f(xg));
  const torch::Tensor g = torch::autograd::grad({v.sum()}, {xg})[0];
  return {v.detach(), g.detach()};
}

}  // namespace

TEST_CASE("the density of each local model sums to its value, within its stated receptive radius") {
  const torch::Tensor x = image(2, 23, 17);
  for (const Model& m : models()) {
    CAPTURE(m.name);
    CHECK(m.model->receptive_radius() == m.radius);
    const torch::Tensor value = per_image(m.model->forward(x)).detach();
    CHECK(relative(m.model->density(x, 23, 17).sum({1, 2, 3}).detach(), value) <= 1e-13);

    // Three uneven bands with the stated halo: the value and the gradient of
    // the whole image, to rounding.
    const std::vector<std::int64_t> cuts{0, 7, 8, 23};
    auto banded = [&](std::int64_t halo) {
      return [&, halo](const torch::Tensor& xg) {
        torch::Tensor total = torch::zeros({xg.size(0)}, xg.options());
        for (std::size_t b = 0; b + 1 < cuts.size(); ++b) total = total + band_value(*m.model, xg, cuts[b], cuts[b + 1], halo);
        return total;
      };
    };
    const auto [whole_v, whole_g] = value_and_gradient([&](const torch::Tensor& xg) { return m.model->forward(xg); }, x);
    const auto [band_v, band_g] = value_and_gradient(banded(m.radius), x);
    CHECK(relative(band_v, whole_v) <= 1e-13);
    CHECK(relative(band_g, whole_g) <= 1e-12);
    // One row short of the radius is wrong near the cuts: the radius is needed.
    const auto [short_v, short_g] = value_and_gradient(banded(m.radius - 1), x);
    MESSAGE(m.name << ": relative change with a halo one row short: value " << relative(short_v, whole_v)
                   << ", gradient " << relative(short_g, whole_g));
    CHECK(relative(short_g, whole_g) > 1e-8);
  }
}

TEST_CASE("a regulariser split into row bands over the ranks equals the model on one rank") {
  for (const std::int64_t height : {29, 1}) {  // 1 row: a rank without rows
    CAPTURE(height);
    const torch::Tensor x = image(3, height, 13);
    for (const Model& m : models()) {
      CAPTURE(m.name);
      const auto [expected_v, expected_g] =
          value_and_gradient([&](const torch::Tensor& xg) { return m.model->forward(xg); }, x);
      const auto split = row_split_regulariser(*m.model, world, m.name);
      const auto [v, g] = value_and_gradient(split, x);
      CHECK(relative(v, expected_v) <= 1e-13);
      CHECK(relative(g, expected_g) <= 1e-12);
      // The value alone (no gradient asked for) is the same.
      torch::NoGradGuard no_grad;
      CHECK(relative(per_image(split(x)), expected_v) <= 1e-13);
    }
  }
}

TEST_CASE("float32: the split equals the float32 model to float32 rounding") {
  torch::manual_seed(5);
  Acr acr(small_acr());
  const torch::Tensor x = image(2, 32, 16).to(torch::kFloat32);
  const auto [expected_v, expected_g] = value_and_gradient([&](const torch::Tensor& xg) { return acr.forward(xg); }, x);
  const auto [v, g] = value_and_gradient(row_split_regulariser(acr, world), x);
  CHECK((v.scalar_type() == torch::kFloat32));
  CHECK(relative(v, expected_v) <= 1e-5);
  CHECK(relative(g, expected_g) <= 1e-5);
}

TEST_CASE("a model that is not local cannot be split: an InputError naming the key") {
  ArCriticOptions o;
  ArCritic critic(o);
  CHECK(critic.receptive_radius() == -1);
  CHECK_THROWS_WITH_AS(row_split_regulariser(critic, world, "ar"), doctest::Contains("ar: "), InputError);
  CHECK_THROWS_AS(critic.density(image(1, 16, 16).to(torch::kFloat32), 16, 16), InputError);
}
