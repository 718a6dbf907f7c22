// SympFlow's structure, checked against autograd and finite differences on
// random weights in float64: N(0, x) = x, symplecticity of N(t, .), the
// backward-error-analysis identity that ties the network Hamiltonian to the
// flow, the closed-form MLP derivatives, and the loss gradients.
#include "torch_doctest.hpp"

#include "hamiltonian/sympflow/baseline.hpp"
#include "hamiltonian/sympflow/losses.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "hamiltonian/sympflow/torch_system.hpp"

using namespace structura;
using namespace structura::hamiltonian;
using namespace structura::hamiltonian::sympflow;

namespace {

const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

std::shared_ptr<SympFlow> random_sympflow(int dof, Activation act, LayerOrder order, int layers = 3, int depth = 2) {
  FlowMapArchitecture a;
  a.dof = dof;
  a.layers = layers;
  a.width = 8;
  a.depth = depth;
  a.activation = act;
  a.order = order;
  auto m = std::make_shared<SympFlow>(a);
  m->to(torch::kFloat64);
  torch::NoGradGuard no_grad;  // larger than the default init, so that the maps are far from the identity
  for (auto& p : m->parameters()) p.normal_(0.0, 0.6);
  return m;
}

// Jacobian d out / d x, (batch, m, k), of a row-wise map by one backward pass per output component.
torch::Tensor jacobian(const torch::Tensor& out, const torch::Tensor& x) {
  std::vector<torch::Tensor> rows;
  for (int64_t k = 0; k < out.size(1); ++k) {
    auto g = torch::autograd::grad({out.select(1, k).sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/false);
    rows.push_back(g[0]);
  }
  return torch::stack(rows, 1);
}

torch::Tensor symplectic_form(int n) {
  torch::Tensor J = torch::zeros({2 * n, 2 * n}, f64);
  J.narrow(0, 0, n).narrow(1, n, n).copy_(torch::eye(n, f64));
  J.narrow(0, n, n).narrow(1, 0, n).copy_(-torch::eye(n, f64));
  return J;
}

const Activation activations[] = {Activation::Tanh, Activation::Sin, Activation::Swish};
const LayerOrder orders[] = {LayerOrder::PotentialFirst, LayerOrder::KineticFirst};

}  // namespace

TEST_CASE("closed-form MLP input gradient and its tangent equal autograd") {
  torch::manual_seed(1);
  for (Activation act : activations) {
    for (int depth : {1, 3}) {
      Mlp mlp(3, 7, depth, 1, act);
      mlp->to(torch::kFloat64);
      torch::Tensor z = torch::randn({11, 3}, f64).requires_grad_(true);
      torch::Tensor zdot = torch::randn({11, 3}, f64);
      auto g = mlp->input_gradient(z, zdot);
      auto auto_g = torch::autograd::grad({mlp->forward(z).sum()}, {z}, {}, true, true)[0];
      CHECK(max_abs(g.value - auto_g) < 1e-13);
      // Hessian times zdot: gradient of (grad . zdot).
      auto hv = torch::autograd::grad({(auto_g * zdot).sum()}, {z}, {}, true, false)[0];
      CHECK(max_abs(g.dot - hv) < 1e-12);
      // Vector-valued forward tangent against autograd.
      Mlp vec(3, 7, depth, 2, act);
      vec->to(torch::kFloat64);
      auto [out, out_dot] = vec->forward_with_tangent(z, zdot);
      CHECK(max_abs(out - vec->forward(z)) < 1e-15);
      torch::Tensor jz = jacobian(vec->forward(z), z);  // (batch, 2, 3)
      CHECK(max_abs(out_dot - torch::bmm(jz, zdot.unsqueeze(2)).squeeze(2)) < 1e-12);
    }
  }
}

TEST_CASE("SympFlow: N(0, x) = x exactly, N(t, .) symplectic, time derivative equals autograd") {
  torch::manual_seed(2);
  for (int dof : {1, 2}) {
    for (Activation act : activations) {
      for (LayerOrder order : orders) {
        CAPTURE(dof);
        CAPTURE(static_cast<int>(act));
        CAPTURE(static_cast<int>(order));
        auto m = random_sympflow(dof, act, order);
        torch::Tensor x0 = torch::randn({9, 2 * dof}, f64);
        CHECK(torch::equal(m->flow(x0, torch::zeros({9, 1}, f64), false).x, x0));

        torch::Tensor x = x0.clone().requires_grad_(true);
        torch::Tensor t = (torch::rand({9, 1}, f64) * 3 - 1).requires_grad_(true);
        FlowValue v = m->flow(x, t, true);
        torch::Tensor M = jacobian(v.x, x);
        torch::Tensor J = symplectic_form(dof);
        torch::Tensor defect = torch::matmul(torch::matmul(M.transpose(1, 2), J), M) - J;
        CHECK(max_abs(defect) < 1e-10);
        // The forward-mode time derivative against reverse-mode autograd in t.
        torch::Tensor dt = jacobian(v.x, t).squeeze(2);
        CHECK(max_abs(v.xdot - dt) < 1e-11);

        // Rows at t = 0 among rows at other times, in a batch large enough
        // for a BLAS to block it, in float64 and float32: N(0, x) = x must
        // not depend on how the GEMM rounds each row.
        for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
          m->to(dtype);
          torch::NoGradGuard no_grad;
          const torch::Tensor xb = torch::randn({1000, 2 * dof}, dtype);
          const torch::Tensor at_zero = torch::arange(1000).remainder(3).eq(0).unsqueeze(1);
          const torch::Tensor tb = torch::rand({1000, 1}, dtype).masked_fill(at_zero, 0);
          const torch::Tensor rows = at_zero.squeeze(1);
          CHECK(torch::equal(m->flow(xb, tb, false).x.index({rows}), xb.index({rows})));
        }
      }
    }
  }
}

TEST_CASE("backward-error-analysis identity: d/dt N(t, x) = J grad H(N_theta)(t, N(t, x))") {
  torch::manual_seed(3);
  for (int dof : {1, 2}) {
    for (Activation act : activations) {
      for (LayerOrder order : orders) {
        CAPTURE(dof);
        CAPTURE(static_cast<int>(act));
        CAPTURE(static_cast<int>(order));
        auto m = random_sympflow(dof, act, order);
        torch::Tensor x0 = torch::randn({13, 2 * dof}, f64);
        torch::Tensor t = torch::rand({13, 1}, f64) * 2 - 0.5;
        FlowValue v = m->flow(x0, t, true);
        torch::Tensor x = v.x.detach().clone().requires_grad_(true);
        torch::Tensor gradH = torch::autograd::grad({m->hamiltonian(x, t).sum()}, {x})[0];
        torch::Tensor JgradH = torch::cat({gradH.narrow(1, dof, dof), -gradH.narrow(1, 0, dof)}, 1);
        CHECK(max_abs(v.xdot - JgradH) < 1e-8);
        CHECK(max_abs(v.xdot - JgradH) < 1e-12);  // in practice it holds to rounding
      }
    }
  }
}

TEST_CASE("export_weights/import_weights round trip") {
  torch::manual_seed(4);
  auto a = random_sympflow(2, Activation::Swish, LayerOrder::KineticFirst);
  auto b = random_sympflow(2, Activation::Swish, LayerOrder::KineticFirst);
  b->import_weights(a->export_weights());
  torch::Tensor x0 = torch::randn({5, 4}, f64), t = torch::rand({5, 1}, f64);
  CHECK(torch::equal(a->flow(x0, t, false).x, b->flow(x0, t, false).x));
  CHECK(a->export_weights().values.size() == static_cast<std::size_t>(a->architecture().size()));
}

TEST_CASE("the baseline: N(0, x) = x and its time derivative equals autograd") {
  torch::manual_seed(5);
  MlpBaseline m(2, 9, 2, Activation::Tanh);
  m.to(torch::kFloat64);
  torch::Tensor x0 = torch::randn({7, 4}, f64);
  CHECK(torch::equal(m.flow(x0, torch::zeros({7, 1}, f64), false).x, x0));
  torch::Tensor t = torch::rand({7, 1}, f64).requires_grad_(true);
  FlowValue v = m.flow(x0, t, true);
  CHECK(max_abs(v.xdot - jacobian(v.x, t).squeeze(2)) < 1e-12);
}

TEST_CASE("torch systems agree with the scalar systems") {
  torch::manual_seed(6);
  const System systems[] = {HarmonicOscillator{}, HenonHeiles{}, DampedOscillator{}, Kepler{}, FermiPastaUlam{}};
  for (const System& s : systems) {
    const int n = hamiltonian::dof(s);
    torch::Tensor x = torch::rand({4, 2 * n}, f64) + 0.5;
    torch::Tensor f = vector_field(s, x), e = energy(s, x);
    for (int b = 0; b < 4; ++b) {
      std::vector<double> q(n), p(n), dq(n), dp(n);
      for (int i = 0; i < n; ++i) q[i] = x[b][i].item<double>(), p[i] = x[b][n + i].item<double>();
      std::visit([&](const auto& sys) { sys.vector_field(q.data(), p.data(), dq.data(), dp.data()); }, s);
      const double h = std::visit([&](const auto& sys) { return sys.energy(q.data(), p.data()); }, s);
      for (int i = 0; i < n; ++i) {
        CHECK(f[b][i].item<double>() == doctest::Approx(dq[i]).epsilon(1e-14));
        CHECK(f[b][n + i].item<double>() == doctest::Approx(dp[i]).epsilon(1e-14));
      }
      CHECK(e[b][0].item<double>() == doctest::Approx(h).epsilon(1e-14));
    }
  }
}

TEST_CASE("loss gradients equal central finite differences") {
  torch::manual_seed(7);
  const System system = HenonHeiles{};
  auto m = random_sympflow(2, Activation::Tanh, LayerOrder::PotentialFirst, 2, 2);
  MlpBaseline baseline(2, 6, 2, Activation::Sin);
  baseline.to(torch::kFloat64);
  torch::Tensor x0 = torch::rand({16, 4}, f64) * 2 - 1;
  torch::Tensor t = torch::rand({16, 1}, f64);
  torch::Tensor y = torch::rand({16, 4}, f64);
  struct Case {
    FlowModel* model;
    LossWeights w;
    bool data;
  };
  const Case cases[] = {{m.get(), {1, 0, 0}, false},
                        {m.get(), {1, 1, 0}, false},
                        {m.get(), {0, 1, 0}, false},
                        {&baseline, {1, 0, 1}, false},
                        {m.get(), {}, true}};
  for (const Case& c : cases) {
    auto loss = [&] {
      return c.data ? data_loss(*c.model, x0, t, y) : unsupervised_loss(*c.model, system, x0, t, c.w).total;
    };
    c.model->zero_grad();
    loss().backward();
    int checked = 0;
    for (auto& p : c.model->parameters()) {
      if (!p.grad().defined()) continue;
      torch::NoGradGuard no_grad;
      auto flat = p.view({-1});
      for (int64_t k = 0; k < flat.numel(); k += std::max<int64_t>(1, flat.numel() / 3)) {
        const double h = 1e-6, saved = flat[k].item<double>();
        flat[k].fill_(saved + h);
        const double up = loss().item<double>();
        flat[k].fill_(saved - h);
        const double down = loss().item<double>();
        flat[k].fill_(saved);
        const double fd = (up - down) / (2 * h), ad = p.grad().view({-1})[k].item<double>();
        CHECK(ad == doctest::Approx(fd).epsilon(1e-6).scale(1.0));
        ++checked;
      }
    }
    CHECK(checked > 10);
  }
}
