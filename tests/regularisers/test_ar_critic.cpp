// The AR critic. Truths: the reference's layer sizes (parameter count by
// hand for 128x128), output shape (N, 1) for the sizes the four stride-2
// layers allow, InputError naming the key otherwise, and the input gradient
// against central differences (float64).
#include "core/error.hpp"
#include "gradient_check.hpp"
#include "regularisers/ar_critic.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

TEST_CASE("the AR critic maps (N, 1, H, W) to (N, 1) for sizes the strides allow") {
  for (auto [h, w] : {std::pair<std::int64_t, std::int64_t>{16, 16}, {32, 48}, {64, 16}}) {
    ArCritic critic({.height = h, .width = w});
    CHECK(critic.forward(torch::rand({3, 1, h, w})).sizes() == torch::IntArrayRef({3, 1}));
  }
  // Reference at 128x128: conv weights+biases 416 + 12,832 + 25,632 + 51,264
  // + 102,464 + 204,928, dense 8,192*256 + 256, head 256 + 1.
  ArCritic reference(ArCriticOptions{});
  std::int64_t n = 0;
  for (const auto& p : reference.parameters()) n += p.numel();
  CHECK(n == 416 + 12832 + 25632 + 51264 + 102464 + 204928 + 2097408 + 257);
}

TEST_CASE("an image size the AR critic cannot take is an InputError naming the key") {
  CHECK_THROWS_WITH_AS(ArCritic({.height = 20, .width = 32}, "regulariser.ar"),
                       doctest::Contains("regulariser.ar.height = 20"), InputError);
  CHECK_THROWS_WITH_AS(ArCritic({.height = 32, .width = 8}), doctest::Contains("ar_critic.width = 8"), InputError);
  CHECK_THROWS_WITH_AS(ArCritic({.leaky_slope = -0.1}), doctest::Contains("ar_critic.leaky_slope"), InputError);
  ArCritic critic({.height = 16, .width = 16});
  CHECK_THROWS_WITH_AS(critic.forward(torch::rand({1, 1, 32, 32})), doctest::Contains("16x16"), InputError);
  CHECK_THROWS_AS(critic.forward(torch::rand({1, 2, 16, 16})), InputError);
}

TEST_CASE("the AR critic's input gradient equals central differences") {
  torch::manual_seed(51);
  ArCritic critic({.height = 16, .width = 16});
  critic.to(torch::kFloat64);
  const torch::Tensor x = torch::randn({2, 1, 16, 16}, torch::kFloat64);
  CHECK(testing::gradient_error(critic, x, 48) < 1e-6);
}
