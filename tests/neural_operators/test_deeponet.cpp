// The modified-MLP DeepONet: its parameter count for the reference's layer
// lists (branch [101, 100 x 7], trunk [2, 100 x 7]) counted by hand; the
// modified MLP against its formula written out with the layer weights; the
// DeepONet output = sum_k b_k t_k + bias for shared and per-function query
// points; InputErrors naming the field.
#include "core/error.hpp"
#include "neural_operators/deeponet.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::neural_operators;

TEST_CASE("the reference sizes have the reference's parameter count") {
  DeepOnet model(DeepOnetOptions{});  // sensors 101, width 100, 6 hidden layers, latent 100
  std::int64_t n = 0;
  for (const auto& p : model->parameters()) n += p.numel();
  // Branch: U, V encoders 2 (101*100 + 100); layers 101->100, five 100->100, 100->100 out.
  const std::int64_t branch = 2 * (101 * 100 + 100) + (101 * 100 + 100) + 5 * (100 * 100 + 100) + (100 * 100 + 100);
  const std::int64_t trunk = 2 * (2 * 100 + 100) + (2 * 100 + 100) + 5 * (100 * 100 + 100) + (100 * 100 + 100);
  CHECK(n == branch + trunk + 1);
}

TEST_CASE("the modified MLP is H_{k+1} = (1 - Z_k) U + Z_k V with a linear output") {
  torch::manual_seed(41);
  ModifiedMlp mlp(ModifiedMlpOptions{.inputs = 3, .width = 5, .hidden_layers = 3, .outputs = 2});
  mlp->to(torch::kFloat64);
  auto p = mlp->named_parameters();
  auto affine = [&](const std::string& name, const torch::Tensor& x) {
    return x.matmul(p[name + ".weight"].t()) + p[name + ".bias"];
  };
  const torch::Tensor x = torch::randn({4, 3}, torch::kFloat64);
  const torch::Tensor u = torch::tanh(affine("encoder_u", x)), v = torch::tanh(affine("encoder_v", x));
  torch::Tensor h = x;
  for (int k = 0; k < 3; ++k) {
    const torch::Tensor z = torch::tanh(affine("hidden" + std::to_string(k), h));
    h = u - z * u + z * v;
  }
  CHECK((mlp->forward(x) - affine("out", h)).abs().max().item<double>() < 1e-15);
  // Glorot-normal weights, zero biases at the start.
  CHECK(p["hidden1.bias"].abs().max().item<double>() == 0);
}

TEST_CASE("the DeepONet output is sum_k b_k t_k + bias") {
  torch::manual_seed(42);
  DeepOnet model(DeepOnetOptions{.sensors = 6, .width = 8, .hidden_layers = 2, .latent = 4});
  model->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["bias"].fill_(0.3);
  }
  const torch::Tensor u0 = torch::randn({3, 6}, torch::kFloat64), y = torch::rand({5, 2}, torch::kFloat64);
  const torch::Tensor b = model->branch()->forward(u0), t = model->trunk()->forward(y);
  torch::Tensor expected = torch::zeros({3, 5}, torch::kFloat64);
  for (int n = 0; n < 3; ++n)
    for (int j = 0; j < 5; ++j) expected[n][j] = (b[n] * t[j]).sum() + 0.3;
  CHECK((model->forward(u0, y) - expected).abs().max().item<double>() < 1e-14);
  // The same points given per function.
  CHECK((model->forward(u0, y.unsqueeze(0).expand({3, 5, 2})) - expected).abs().max().item<double>() < 1e-14);
}

TEST_CASE("DeepONet options and inputs outside their range are InputErrors") {
  CHECK_THROWS_WITH_AS(DeepOnet(DeepOnetOptions{.sensors = 0}, "model"), doctest::Contains("model.sensors = 0"),
                       InputError);
  CHECK_THROWS_WITH_AS(DeepOnet(DeepOnetOptions{.latent = -1}), doctest::Contains("deeponet.latent"), InputError);
  CHECK_THROWS_WITH_AS(DeepOnet(DeepOnetOptions{.hidden_layers = 0}), doctest::Contains("hidden_layers"), InputError);
  CHECK_THROWS_WITH_AS(ModifiedMlp(ModifiedMlpOptions{.width = 0}), doctest::Contains("modified_mlp.width = 0"),
                       InputError);
  DeepOnet model(DeepOnetOptions{.sensors = 4, .width = 4, .hidden_layers = 1, .latent = 2});
  CHECK_THROWS_AS(model->forward(torch::zeros({2, 5}), torch::zeros({3, 2})), InputError);
  CHECK_THROWS_AS(model->forward(torch::zeros({2, 4}), torch::zeros({3, 3, 2})), InputError);
  CHECK_THROWS_AS(model->forward(torch::zeros({2, 4}), torch::zeros({3, 1})), InputError);
}
