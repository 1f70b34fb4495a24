"""Calls backward once per partial: the second pass adds onto both .grad buffers."""

import torch


def partials(u0: float, v0: float) -> tuple[torch.Tensor, torch.Tensor]:
    u = torch.tensor(float(u0), requires_grad=True)
    v = torch.tensor(float(v0), requires_grad=True)
    f = u * v + u**2 + v**3
    f.backward(retain_graph=True)
    df_du = u.grad
    f.backward()
    df_dv = v.grad
    return df_du, df_dv
