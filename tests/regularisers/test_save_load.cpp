// Every model's parameters round-trip through HDF5 (nn::save_module /
// nn::load_module): a second model with other initial weights equals the
// first after loading, parameter by parameter and in its output. The
// dataset names are the register_module paths listed in
// solvers/regularisers/README.md.
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "core/h5.hpp"
#include "nn/h5_tensors.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/cnc.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

IcnnOptions tiny_icnn() {
  IcnnOptions o;
  o.layers = 2;
  o.channels = 3;
  o.kernel = 3;
  return o;
}

IwcnnOptions tiny_iwcnn() {
  IwcnnOptions o;
  o.smooth.channels = 2;
  o.smooth.kernel = 3;
  o.icnn = tiny_icnn();
  return o;
}

CncOptions tiny_cnc() {
  CncOptions o;
  o.convex.icnn = tiny_icnn();
  o.convex.banks = 1;
  o.convex.filters = 2;
  o.convex.filter_size = 3;
  o.weak = tiny_iwcnn();
  o.data_curvature = 0.1;
  return o;
}

void round_trip(const char* name, const std::function<std::shared_ptr<Regulariser>()>& make,
                const std::vector<std::string>& expected_names) {
  INFO(name);
  torch::manual_seed(71);
  auto saved = make();
  saved->to(torch::kFloat64);
  torch::manual_seed(72);
  auto loaded = make();
  loaded->to(torch::kFloat64);
  const std::string path = (std::filesystem::temp_directory_path() /
                            (std::string("structura-") + name + "-" + std::to_string(::getpid()) + ".h5"))
                               .string();
  {
    h5::File f = h5::File::open(path, h5::Mode::Create);
    h5::Group g = f.require_group(std::string("/models/") + name);
    nn::save_module(g, *saved);
  }
  {
    h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
    const h5::Group g = f.open_group(std::string("/models/") + name);
    for (const auto& key : expected_names) CHECK(g.exists("parameters/" + key));
    nn::load_module(g, *loaded);
  }
  std::filesystem::remove(path);
  const auto a = saved->named_parameters(), b = loaded->named_parameters();
  REQUIRE(a.size() == b.size());
  for (const auto& p : a) CHECK(torch::equal(p.value(), b[p.key()]));
  const torch::Tensor x = torch::randn({2, 1, 16, 16}, torch::kFloat64);
  CHECK(torch::equal(saved->forward(x), loaded->forward(x)));
}

}  // namespace

TEST_CASE("every regulariser's parameters round-trip through HDF5") {
  round_trip("ar", [] { return std::make_shared<ArCritic>(ArCriticOptions{.height = 16, .width = 16}); },
             {"conv0.weight", "conv5.bias", "dense.weight", "head.bias"});
  round_trip("icnn", [] { return std::make_shared<Icnn>(tiny_icnn()); },
             {"wx0.weight", "wx2.bias", "wz1.weight", "out.weight"});
  round_trip("iwcnn", [] { return std::make_shared<Iwcnn>(tiny_iwcnn()); },
             {"smooth0.weight", "icnn.wz0.weight", "l2_weight"});
  round_trip("cnc", [] { return std::make_shared<Cnc>(tiny_cnc()); },
             {"convex.icnn.out.weight", "convex.sfb0.weight", "convex.sfb_weight", "weak.l2_weight"});
}
