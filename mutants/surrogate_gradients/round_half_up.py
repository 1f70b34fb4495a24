"""RoundSTE.forward rounds halves up with floor(x + 0.5) instead of torch.round (half to even)."""

import torch
from torch.autograd.function import once_differentiable


class SortF(torch.autograd.Function):
    """Sort a vector: returns (sorted, indices); only `sorted` is differentiable."""

    @staticmethod
    def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        values, indices = torch.sort(x)
        return values, indices

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, indices = output
        ctx.mark_non_differentiable(indices)  # integer positions have no gradient
        ctx.save_for_backward(indices)

    @staticmethod
    @once_differentiable  # the scatter below is not meant to be differentiated again
    def backward(ctx, grad_sorted, grad_indices):
        # One gradient per OUTPUT comes in (grad_indices is unused), one per INPUT goes out.
        (indices,) = ctx.saved_tensors
        # sorted[i] = x[indices[i]], so x[indices[i]] receives grad_sorted[i]: scatter it back.
        return torch.zeros_like(grad_sorted).scatter(-1, indices, grad_sorted)


class RoundSTE(torch.autograd.Function):
    """Round in forward; straight-through (identity) gradient in backward."""

    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.floor(x + 0.5)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass  # the straight-through gradient needs nothing from forward

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output  # pretend round was the identity


class GradReverse(torch.autograd.Function):
    """Identity in forward; multiplies the gradient by -lambd in backward."""

    @staticmethod
    def forward(x: torch.Tensor, lambd: float) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, lambd = inputs
        ctx.lambd = lambd  # a Python number: a ctx attribute, not save_for_backward

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.lambd * grad_output, None  # None: lambd is not a tensor
