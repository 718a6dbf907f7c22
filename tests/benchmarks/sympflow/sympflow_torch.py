"""SympFlow and its unsupervised loss in PyTorch, the peer of
structura_bench_sympflow_training (hamiltonian/sympflow in libtorch).

Three flavours of the same model, parameters and loss:

  AutogradSympFlow    written the way a PyTorch user writes it: MLP input
                      gradients and the time derivative of the flow by
                      torch.autograd.grad with create_graph=True, so that
                      loss.backward() walks a graph of nested derivatives.
  FunctorchSympFlow   the reference code's own formulation (github
                      davidemurari/sympflow, scripts/networks.py and
                      training.py): per-sample MLP gradients by
                      vmap(jacrev(...)), d/dt of the flow by vmap(jacfwd(...)),
                      the Hamiltonian's t-derivatives by separate jacrev calls.
  ClosedFormSympFlow  the algorithm of the C++ code, line by line: the MLP
                      input gradient and its forward tangent written out as
                      tensor operations (mlp.cpp), the rows at time t and at
                      time 0 stacked into one MLP call (sympflow.cpp).

Parameters are named as in the C++ model ("potential0.linear0.weight", ...,
"h0"), so that the C++ initial weights load by name. Layer order is
potential-first (p-update, then q-update), as in the reference code.
"""

import torch
from torch import nn

try:  # PyTorch >= 2.0
    from torch.func import jacfwd, jacrev, vmap
except ImportError:  # PyTorch 1.13 ships them as functorch
    from functorch import jacfwd, jacrev, vmap


# ---- systems (hamiltonian/systems.hpp) --------------------------------------------------

class HarmonicOscillator:
    """H = p^2 / 2 + q^2 / 2 (k = m = 1)."""

    dof = 1
    box = 1.2

    @staticmethod
    def energy(x):
        q, p = x[:, 0:1], x[:, 1:2]
        return p * p / 2.0 + 0.5 * q * q

    @staticmethod
    def vector_field(x):
        q, p = x[:, 0:1], x[:, 1:2]
        return torch.cat((p, -q), 1)


class HenonHeiles:
    """H = |p|^2/2 + |q|^2/2 + (q1^2 q2 - q2^3 / 3) (lambda = 1)."""

    dof = 2
    box = 1.0

    @staticmethod
    def energy(x):
        q0, q1, p0, p1 = x[:, 0:1], x[:, 1:2], x[:, 2:3], x[:, 3:4]
        return 0.5 * (p0 * p0 + p1 * p1) + 0.5 * (q0 * q0 + q1 * q1) + (q0 * q0 * q1 - q1 * q1 * q1 / 3.0)

    @staticmethod
    def vector_field(x):
        q0, q1, p0, p1 = x[:, 0:1], x[:, 1:2], x[:, 2:3], x[:, 3:4]
        return torch.cat((p0, p1, -q0 - 2.0 * q0 * q1, -q1 - (q0 * q0 - q1 * q1)), 1)


SYSTEMS = {"sho": HarmonicOscillator, "henon-heiles": HenonHeiles}


# ---- the model's parameters ---------------------------------------------------------------

class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class Sin(nn.Module):
    def forward(self, x):
        return torch.sin(x)


ACTIVATIONS = {"tanh": nn.Tanh, "swish": Swish, "sin": Sin}


class Mlp(nn.Module):
    """Linear(inputs, width) act [Linear(width, width) act] x (depth - 1) Linear(width, 1)."""

    def __init__(self, inputs, width, depth, activation):
        super().__init__()
        sizes = [inputs] + [width] * depth + [1]
        self.linears = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        for j, linear in enumerate(self.linears):
            self.add_module(f"linear{j}", linear)  # the C++ names
        self.activation_name = activation
        self.act = ACTIVATIONS[activation]()

    def forward(self, z):
        for linear in self.linears[:-1]:
            z = self.act(linear(z))
        return self.linears[-1](z)


class SympFlowBase(nn.Module):
    def __init__(self, dof, layers=3, width=10, depth=2, activation="tanh"):
        super().__init__()
        self.n = dof
        self.layers = layers
        self.potentials, self.kinetics = [], []
        for i in range(layers):  # registration order as in sympflow.cpp
            v, k = Mlp(dof + 1, width, depth, activation), Mlp(dof + 1, width, depth, activation)
            self.add_module(f"potential{i}", v)
            self.add_module(f"kinetic{i}", k)
            self.potentials.append(v)
            self.kinetics.append(k)
        self.h0 = nn.Parameter(torch.zeros(1))

    def flow(self, x0, t, with_time_derivative):
        """(N(t, x0), d/dt N(t, x0) or None); x0 (batch, 2n), t (batch, 1)."""
        raise NotImplementedError

    def hamiltonian(self, x, t):
        """H(N_theta)(t, x), (batch, 1), with tanh(h0)."""
        raise NotImplementedError


# ---- the PyTorch user's flavour -------------------------------------------------------------

def input_gradient(mlp, z):
    """dF/dz of a scalar MLP at every row of z, differentiable again."""
    if not z.requires_grad:  # inputs that carry no graph (x0 in the first layer, t = 0)
        z.requires_grad_(True)
    return torch.autograd.grad(mlp(z).sum(), z, create_graph=True)[0]


class AutogradSympFlow(SympFlowBase):
    def flow(self, x0, t, with_time_derivative):
        n = self.n
        if with_time_derivative:
            t = t.detach().requires_grad_(True)
        zero = torch.zeros_like(t)
        q, p = x0[:, :n], x0[:, n:]
        for v, k in zip(self.potentials, self.kinetics):
            p = p - (input_gradient(v, torch.cat((q, t), 1))[:, :n] - input_gradient(v, torch.cat((q, zero), 1))[:, :n])
            q = q + (input_gradient(k, torch.cat((p, t), 1))[:, :n] - input_gradient(k, torch.cat((p, zero), 1))[:, :n])
        x = torch.cat((q, p), 1)
        if not with_time_derivative:
            return x, None
        # One backward pass per output component: row i depends on t_i only.
        xdot = torch.cat(
            [torch.autograd.grad(x[:, j].sum(), t, create_graph=True)[0] for j in range(2 * n)], 1)
        return x, xdot

    def hamiltonian(self, x, t):
        n = self.n
        zero = torch.zeros_like(t)
        q, p = x[:, :n], x[:, n:]
        h = torch.tanh(self.h0).expand(x.shape[0], 1)
        # From the last map applied to the first: add its Hamiltonian (the
        # partial t-derivative of its MLP), then undo the map.
        for v, k in zip(reversed(self.potentials), reversed(self.kinetics)):
            g, g0 = input_gradient(k, torch.cat((p, t), 1)), input_gradient(k, torch.cat((p, zero), 1))
            h = h + g[:, n:]
            q = q - (g[:, :n] - g0[:, :n])
            g, g0 = input_gradient(v, torch.cat((q, t), 1)), input_gradient(v, torch.cat((q, zero), 1))
            h = h + g[:, n:]
            p = p + (g[:, :n] - g0[:, :n])
        return h


# ---- the reference code's formulation ----------------------------------------------------------

class FunctorchSympFlow(SympFlowBase):
    def _map(self, x0, t):
        # Called on the batch and, under vmap(jacfwd), on one sample: reshape as the reference does.
        n = self.n
        x0, t = x0.reshape(-1, 2 * n), t.reshape(-1, 1)
        zero = torch.zeros_like(t)
        q, p = x0[:, :n], x0[:, n:]
        for v, k in zip(self.potentials, self.kinetics):
            pot_q = lambda q, t, v=v: v(torch.cat((q.reshape(1, n), t.reshape(1, 1)), 1))
            pot_p = lambda p, t, k=k: k(torch.cat((p.reshape(1, n), t.reshape(1, 1)), 1))
            p = p - (vmap(jacrev(pot_q, argnums=0))(q, t).reshape(-1, n)
                     - vmap(jacrev(pot_q, argnums=0))(q, zero).reshape(-1, n))
            q = q + (vmap(jacrev(pot_p, argnums=0))(p, t).reshape(-1, n)
                     - vmap(jacrev(pot_p, argnums=0))(p, zero).reshape(-1, n))
        return torch.cat((q, p), 1)

    def flow(self, x0, t, with_time_derivative):
        x = self._map(x0, t)
        if not with_time_derivative:
            return x, None
        return x, vmap(jacfwd(self._map, argnums=1))(x0, t).reshape(x.shape)

    def hamiltonian(self, x, t):
        n = self.n
        zero = torch.zeros_like(t)
        q, p = x[:, :n], x[:, n:]
        h = torch.tanh(self.h0)
        for v, k in zip(reversed(self.potentials), reversed(self.kinetics)):
            pot_p = lambda q, p, t, k=k: k(torch.cat((p.reshape(-1, n), t.reshape(-1, 1)), 1))
            pot_q = lambda q, p, t, v=v: v(torch.cat((q.reshape(-1, n), t.reshape(-1, 1)), 1))
            h = h + vmap(jacrev(pot_p, argnums=2))(q, p, t).reshape(-1, 1)
            q = q - (vmap(jacrev(pot_p, argnums=1))(q, p, t)
                     - vmap(jacrev(pot_p, argnums=1))(q, p, zero)).reshape(-1, n)
            h = h + vmap(jacrev(pot_q, argnums=2))(q, p, t).reshape(-1, 1)
            p = p + (vmap(jacrev(pot_q, argnums=0))(q, p, t)
                     - vmap(jacrev(pot_q, argnums=0))(q, p, zero)).reshape(-1, n)
        return h


# ---- the C++ algorithm, in PyTorch ------------------------------------------------------------

def activation_terms(name, a, need_second):
    """sigma(a), sigma'(a), sigma''(a) (mlp.cpp)."""
    if name == "tanh":
        value = torch.tanh(a)
        first = 1 - value * value
        return value, first, (-2 * value * first if need_second else None)
    if name == "sin":
        value = torch.sin(a)
        return value, torch.cos(a), (-value if need_second else None)
    g = torch.sigmoid(a)
    gd = g * (1 - g)
    return a * g, g + a * gd, (gd * (2 + a * (1 - 2 * g)) if need_second else None)


def closed_form_gradient(mlp, z, zdot=None):
    """dF/dz and, with zdot, its directional derivative (MlpImpl::input_gradient)."""
    tangent = zdot is not None
    hidden = mlp.linears[:-1]
    first, second, adot = [], [], []
    h, hdot = z, zdot
    for linear in hidden:
        value, d1, d2 = activation_terms(mlp.activation_name, linear(h), tangent)
        first.append(d1)
        if tangent:
            second.append(d2)
            adot.append(torch.matmul(hdot, linear.weight.t()))
            hdot = d1 * adot[-1]
        h = value
    delta = mlp.linears[-1].weight
    delta_dot = None
    for k in reversed(range(len(hidden))):
        w = hidden[k].weight
        e = first[k] * delta
        if tangent:
            e_dot = second[k] * adot[k] * delta
            if delta_dot is not None:
                e_dot = e_dot + first[k] * delta_dot
            delta_dot = torch.matmul(e_dot, w)
        delta = torch.matmul(e, w)
    return delta, delta_dot


def stack_t_and_zero(c, cdot, t):
    """The rows at time t over the rows at time 0, with tangents (sympflow.cpp)."""
    zero = torch.zeros_like(t)
    z = torch.cat((torch.cat((c, t), 1), torch.cat((c, zero), 1)), 0)
    if cdot is None:
        return z, None
    return z, torch.cat((torch.cat((cdot, torch.ones_like(t)), 1), torch.cat((cdot, zero), 1)), 0)


class ClosedFormSympFlow(SympFlowBase):
    def _update(self, mlp, potential, c, cdot, moved, moved_dot, t):
        b, n = c.shape
        z, zdot = stack_t_and_zero(c, cdot, t)
        g, gdot = closed_form_gradient(mlp, z, zdot)
        diff = g[:b, :n] - g[b:, :n]
        moved = moved - diff if potential else moved + diff
        if gdot is not None:
            diff_dot = gdot[:b, :n] - gdot[b:, :n]
            moved_dot = moved_dot - diff_dot if potential else moved_dot + diff_dot
        return moved, moved_dot

    def flow(self, x0, t, with_time_derivative):
        n = self.n
        q, p = x0[:, :n], x0[:, n:]
        qdot = torch.zeros_like(q) if with_time_derivative else None
        pdot = torch.zeros_like(p) if with_time_derivative else None
        for v, k in zip(self.potentials, self.kinetics):
            p, pdot = self._update(v, True, q, qdot, p, pdot, t)
            q, qdot = self._update(k, False, p, pdot, q, qdot, t)
        x = torch.cat((q, p), 1)
        return x, (torch.cat((qdot, pdot), 1) if with_time_derivative else None)

    def hamiltonian(self, x, t):
        n, b = self.n, x.shape[0]
        q, p = x[:, :n], x[:, n:]
        h = torch.tanh(self.h0).expand(b, 1)
        for v, k in zip(reversed(self.potentials), reversed(self.kinetics)):
            g, _ = closed_form_gradient(k, stack_t_and_zero(p, None, t)[0])
            h = h + g[:b, n:n + 1]
            q = q - (g[:b, :n] - g[b:, :n])
            g, _ = closed_form_gradient(v, stack_t_and_zero(q, None, t)[0])
            h = h + g[:b, n:n + 1]
            p = p + (g[:b, :n] - g[b:, :n])
        return h


FLAVOURS = {"autograd": AutogradSympFlow, "functorch": FunctorchSympFlow, "closed-form": ClosedFormSympFlow}


# ---- the loss (losses.cpp, weights {residual 1, matching 1, energy 0}) -----------------------

def unsupervised_loss(model, system, x0, t):
    """(mean loss, residual sum, matching sum): sums of squares divided by the batch."""
    x, xdot = model.flow(x0, t, True)
    residual = (xdot - system.vector_field(x)).square().sum()
    matching = (model.hamiltonian(x, t) - system.energy(x)).square().sum()
    return (residual + matching) / x0.shape[0], residual, matching
