"""Hostile: return a torch.Tensor subclass that lies about equality, closeness and its class."""

import torch


class Evil(torch.Tensor):
    __class__ = property(lambda self: torch.Tensor)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 18.0

    def __hash__(self):
        return 0

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("allclose", "equal", "isclose", "eq", "__eq__", "testing_assert_close"):
            return True
        kwargs = kwargs or {}
        return super().__torch_function__(func, types, args, kwargs)


def derivative_square(x0):
    wrong = torch.tensor(-1.0)
    return torch.Tensor._make_subclass(Evil, wrong)
