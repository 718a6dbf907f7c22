"""PyTorch's values for tests/regularisers/test_torch_reference.cpp (an independent truth).

  torch_reference.py MODEL FILE
reads the parameters a C++ model wrote with nn::save_module under
/models/MODEL/parameters/<name> and the tensors /input, /truth, /generated,
/eps of FILE; builds the network in PyTorch from the published
architecture (MODEL = ar: the AR critic of Lunz et al.; acr: the ICNN +
filter bank + L2 term of Mukherjee et al.), and writes
/reference/output = R(input) and /reference/penalty, the gradient penalty
on eps * generated + (1 - eps) * truth (one-sided on the AR critic,
two-sided on the ACR's ICNN), into FILE.
Exit status 3 when torch or h5py cannot be imported (the test then skips).
"""
import sys

try:
    import h5py
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"torch or h5py unavailable: {e}")
    sys.exit(3)


def ar_critic(p, x):
    h = x
    for k, stride in enumerate([1, 1, 2, 2, 2, 2]):
        h = F.leaky_relu(F.conv2d(h, p[f"conv{k}.weight"], p[f"conv{k}.bias"], stride=stride, padding=2), 0.1)
    h = F.leaky_relu(F.linear(h.flatten(1), p["dense.weight"], p["dense.bias"]), 0.1)
    return F.linear(h, p["head.weight"], p["head.bias"])


def icnn(p, x, prefix):
    layers = sum(1 for k in p if k.startswith(prefix + "wz"))
    pad = p[prefix + "wx0.weight"].shape[-1] // 2
    z = F.leaky_relu(F.conv2d(x, p[prefix + "wx0.weight"], p[prefix + "wx0.bias"], padding=pad), 0.2)
    for k in range(layers):
        a = F.conv2d(z, p[f"{prefix}wz{k}.weight"], padding=pad)
        a = a + F.conv2d(x, p[f"{prefix}wx{k + 1}.weight"], p[f"{prefix}wx{k + 1}.bias"], padding=pad)
        z = F.leaky_relu(a, 0.2)
    z = F.conv2d(z, p[prefix + "out.weight"], padding=pad)
    return F.avg_pool2d(z, z.shape[2:]).view(z.shape[0], -1)


def acr(p, x):
    banks = sum(1 for k in p if k.startswith("sfb") and k.endswith(".weight") and k[3].isdigit())
    sfb = 0.0
    for b in range(banks):
        w = p[f"sfb{b}.weight"]
        sfb = sfb + torch.abs(F.conv2d(x, w, padding=w.shape[-1] // 2)).view(x.shape[0], -1).sum(1)
    sfb = F.softplus(p["sfb_weight"]) * sfb.view(x.shape[0], -1)
    l2 = F.softplus(p["l2_weight"]) * (x.view(x.shape[0], -1) ** 2).sum(1).view(x.shape[0], -1)
    return icnn(p, x, "icnn.") + sfb + l2


def penalty(critic, truth, generated, eps, one_sided):
    e = eps.view(-1, 1, 1, 1)
    xhat = (e * generated + (1 - e) * truth).requires_grad_(True)
    (g,) = torch.autograd.grad(critic(xhat).sum(), xhat)
    s = g.flatten(1).norm(dim=1) - 1
    return (torch.clamp(s, min=0) ** 2).sum() if one_sided else (s**2).sum()


def main(model, path):
    torch.set_default_dtype(torch.float64)
    with h5py.File(path, "r+") as f:
        group = f[f"/models/{model}/parameters"]
        names = []
        group.visit(lambda n: names.append(n) if isinstance(group[n], h5py.Dataset) else None)
        p = {n: torch.tensor(np.asarray(group[n]), dtype=torch.float64) for n in names}
        x = {k: torch.tensor(np.asarray(f[k]), dtype=torch.float64) for k in ["input", "truth", "generated", "eps"]}
        if model == "ar":
            out = ar_critic(p, x["input"])
            gp = penalty(lambda v: ar_critic(p, v), x["truth"], x["generated"], x["eps"], True)
        else:
            out = acr(p, x["input"])
            gp = penalty(lambda v: icnn(p, v, "icnn."), x["truth"], x["generated"], x["eps"], False)
        f.create_dataset("/reference/output", data=out.detach().numpy().ravel())
        f.create_dataset("/reference/penalty", data=np.array([gp.item()]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
