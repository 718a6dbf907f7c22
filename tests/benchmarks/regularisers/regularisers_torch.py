"""The AR critic and the ACR in PyTorch, written the way a PyTorch user writes
them (nn.Module, nn.Conv2d, F.leaky_relu), with the same parameter names as
solvers/regularisers (so weights written by nn::save_module load by name):

  ArCritic  conv0..conv5 (5x5, same padding, strides 1 1 2 2 2 2), dense, head;
            leaky ReLU 0.1 (Lunz et al., ConvNetClassifier)
  Acr       icnn.wx0..wx10, icnn.wz0..wz9, icnn.out, sfb0..sfb9, sfb_weight,
            l2_weight (Mukherjee et al., convex_models.py)
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ArCritic(nn.Module):
    def __init__(self, size=128, dense=256, slope=0.1):
        super().__init__()
        self.slope = slope
        specs = [(1, 16, 1), (16, 32, 1), (32, 32, 2), (32, 64, 2), (64, 64, 2), (64, 128, 2)]
        self.convs = []
        for k, (cin, cout, stride) in enumerate(specs):
            conv = nn.Conv2d(cin, cout, 5, stride=stride, padding=2)
            self.add_module(f"conv{k}", conv)
            self.convs.append(conv)
        self.dense = nn.Linear(128 * (size // 16) ** 2, dense)
        self.head = nn.Linear(dense, 1)

    def forward(self, x):
        h = x
        for conv in self.convs:
            h = F.leaky_relu(conv(h), self.slope)
        return self.head(F.leaky_relu(self.dense(h.flatten(1)), self.slope))

    def project_weights(self):
        pass


class Icnn(nn.Module):
    def __init__(self, layers=10, channels=48, kernel=5, slope=0.2):
        super().__init__()
        self.slope = slope
        pad = kernel // 2
        self.wx = [nn.Conv2d(1, channels, kernel, padding=pad) for _ in range(layers + 1)]
        self.wz = [nn.Conv2d(channels, channels, kernel, padding=pad, bias=False) for _ in range(layers)]
        for k, conv in enumerate(self.wx):
            self.add_module(f"wx{k}", conv)
        for k, conv in enumerate(self.wz):
            self.add_module(f"wz{k}", conv)
        self.out = nn.Conv2d(channels, 1, kernel, padding=pad, bias=False)

    def forward(self, x):
        z = F.leaky_relu(self.wx[0](x), self.slope)
        for k, conv in enumerate(self.wz):
            z = F.leaky_relu(conv(z) + self.wx[k + 1](x), self.slope)
        return self.out(z).mean(dim=(2, 3))

    def project_weights(self):
        with torch.no_grad():
            for conv in self.wz + [self.out]:
                conv.weight.clamp_(min=0)


class Acr(nn.Module):
    def __init__(self, banks=10, filters=32, filter_size=7):
        super().__init__()
        self.icnn = Icnn()
        self.sfb = [nn.Conv2d(1, filters, filter_size, padding=filter_size // 2, bias=False) for _ in range(banks)]
        for b, conv in enumerate(self.sfb):
            self.add_module(f"sfb{b}", conv)
        self.sfb_weight = nn.Parameter(torch.full((1,), -12.0))
        self.l2_weight = nn.Parameter(torch.full((1,), -9.0))

    def forward(self, x):
        n = x.shape[0]
        sfb = sum(conv(x).abs().sum(dim=(1, 2, 3)) for conv in self.sfb).view(n, 1)
        l2 = x.square().sum(dim=(1, 2, 3)).view(n, 1)
        return self.icnn(x) + F.softplus(self.sfb_weight) * sfb + F.softplus(self.l2_weight) * l2

    def project_weights(self):
        self.icnn.project_weights()

    def other_parameters(self):
        return [conv.weight for conv in self.sfb] + [self.sfb_weight, self.l2_weight]


def make(model, size):
    return ArCritic(size) if model == "ar" else Acr()


def load_parameters(module, group):
    """Copies the datasets of an h5py group (nn::save_module's 'parameters') into module, by name."""
    params = dict(module.named_parameters())
    names = []
    group.visit(lambda n: names.append(n) if hasattr(group[n], "shape") else None)
    if set(names) != set(params):
        raise SystemExit(f"parameter names differ: file has {sorted(set(names) - set(params))[:5]}, "
                         f"model has {sorted(set(params) - set(names))[:5]}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(torch.from_numpy(group[name][...]).view_as(p))
