// The AR critic and the ACR against PyTorch (an independent truth for the
// architectures): torch_reference.py (next to this file) rebuilds each
// network with torch.nn.functional from the published layer lists, loads
// the parameters this test wrote with nn::save_module, and computes the
// output and the gradient penalty (one-sided on the AR critic, two-sided on
// the ACR's ICNN) on the same tensors. float64; skipped with a message
// when Python, torch or h5py is missing.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/h5.hpp"
#include "nn/h5_tensors.hpp"
#include "regularisers/acr.hpp"
#include "regularisers/ar_critic.hpp"
#include "regularisers/losses.hpp"
#include "python_reference.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::regularisers;

namespace {

// Runs torch_reference.py MODEL PATH; false (with a MESSAGE) when it cannot import torch/h5py.
bool run_reference(const std::string& model, const std::string& path) {
  // Not __FILE__: with ccache's base_dir it is relative to the build directory.
  const auto script = std::filesystem::path(STRUCTURA_REGULARISERS_TESTS) / "torch_reference.py";
  const testing::PythonRun run = testing::run_python(script, model + " " + path);
  if (run.code == 3 || run.code == 127) {
    MESSAGE("PyTorch comparison skipped: " << run.out);
    return false;
  }
  REQUIRE_MESSAGE(run.code == 0, script.string() << " " << model << " failed: " << run.out);
  return true;
}

void compare(const std::string& name, Regulariser& model, Regulariser& penalised, GradientPenalty kind,
             std::int64_t height, std::int64_t width) {
  model.to(torch::kFloat64);
  const torch::Tensor input = torch::randn({3, 1, height, width}, torch::kFloat64);
  const torch::Tensor truth = torch::rand({3, 1, height, width}, torch::kFloat64);
  const torch::Tensor generated = truth + 0.3 * torch::randn({3, 1, height, width}, torch::kFloat64);
  const torch::Tensor eps = interpolation_weights(81, 0, 0, 3);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("structura-torchref-" + name + std::to_string(::getpid()) + ".h5"))
          .string();
  {
    h5::File f = h5::File::open(path, h5::Mode::Create);
    h5::Group g = f.require_group("/models/" + name);
    nn::save_module(g, model);
    nn::write_tensor(f, "input", input);
    nn::write_tensor(f, "truth", truth);
    nn::write_tensor(f, "generated", generated);
    nn::write_tensor(f, "eps", eps);
  }
  if (run_reference(name, path)) {
    torch::Tensor output = torch::empty({3}, torch::kFloat64), penalty = torch::empty({1}, torch::kFloat64);
    {
      h5::File f = h5::File::open(path, h5::Mode::ReadOnly);
      const h5::Group r = f.open_group("/reference");
      nn::read_tensor(r, "output", output);
      nn::read_tensor(r, "penalty", penalty);
    }
    const torch::Tensor ours = model.forward(input).flatten();
    // Same float64 operations in another order: agreement to ~1e-13 relative.
    CHECK((ours - output).abs().max().item<double>() <= 1e-11 * output.abs().max().item<double>());
    const double gp = gradient_penalty(penalised, truth, generated, eps, kind).item<double>();
    MESSAGE(name, ": penalty ", gp, " (PyTorch ", penalty.item<double>(), ")");
    CHECK(gp > 0);  // a comparison that means something (one-sided: some |grad| > 1)
    CHECK(gp == doctest::Approx(penalty.item<double>()).epsilon(1e-10));
  }
  std::filesystem::remove(path);
}

}  // namespace

TEST_CASE("the AR critic and its one-sided penalty equal PyTorch's") {
  torch::manual_seed(82);
  ArCritic critic({.height = 32, .width = 16});
  {
    torch::NoGradGuard no_grad;
    critic.named_parameters()["head.weight"].mul_(3000);  // input gradients above 1: a non-zero one-sided penalty
  }
  compare("ar", critic, critic, GradientPenalty::OneSided, 32, 16);
}

TEST_CASE("the ACR and its two-sided penalty on the ICNN equal PyTorch's") {
  torch::manual_seed(83);
  AcrOptions o;
  o.icnn.layers = 3;
  o.icnn.channels = 5;
  o.sfb_weight_init = 0;
  o.l2_weight_init = 0;
  o.banks = 2;
  o.filters = 3;
  Acr acr(o);
  {
    torch::NoGradGuard no_grad;
    for (auto& w : acr.icnn().constrained_weights()) w.uniform_(0, 0.2);  // visible hidden path
  }
  compare("acr", acr, acr.icnn(), GradientPenalty::TwoSided, 12, 9);
}
