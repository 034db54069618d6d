"""Kernel-side harness for `build_vit` (hw2-2025 Q3): runs INSIDE the sandbox (torch only).

Builds the student's model for one (depth, heads), runs a forward pass on a (2, 1, 28, 28)
batch, and reports what it finds: the output shape, the patch size (a `patch_size` attribute, a
Conv2d whose kernel equals its stride, a positional embedding with 49 or 50 tokens, or a first
Linear taking 16 = 4×4 pixels), the number of attention blocks, and their heads.
"""

import math

import torch
from torch import nn


def _is_attention(module):
    return isinstance(module, nn.MultiheadAttention) or type(module).__name__.endswith(
        ("Attention", "SelfAttention"))


def _attention_blocks(model):
    found = [m for m in model.modules() if _is_attention(m)]
    # count the outermost ones: a custom Attention wrapping nn.MultiheadAttention is one block
    inner = {id(c) for m in found for c in m.modules() if c is not m and _is_attention(c)}
    return [m for m in found if id(m) not in inner]


def _patch_size(model):
    for module in model.modules():
        value = getattr(module, "patch_size", None)
        if isinstance(value, int):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]:
            return int(value[0])
    for module in model.modules():
        if isinstance(module, nn.Conv2d) and module.kernel_size == module.stride:
            return int(module.kernel_size[0])
    for parameter in model.parameters():
        if parameter.dim() == 3 and parameter.shape[0] == 1 and parameter.shape[1] in (49, 50):
            return 4
    for module in model.modules():
        if isinstance(module, nn.Linear):
            side = math.isqrt(module.in_features)
            if side * side == module.in_features and 28 % side == 0 and side <= 14:
                return side
            return None
    return None


def inspect_vit(build_vit, depth, heads):
    torch.manual_seed(0)
    model = build_vit(depth, heads)
    if model is None:
        return None
    if not isinstance(model, nn.Module):
        raise TypeError(f"build_vit returned a {type(model).__name__}, not a torch.nn.Module")
    model.eval()
    with torch.no_grad():
        out = model(torch.rand(2, 1, 28, 28))
    blocks = _attention_blocks(model)
    head_counts = {getattr(b, "heads", getattr(b, "num_heads", None)) for b in blocks}
    return {"out_shape": list(out.shape), "patch": _patch_size(model), "depth": len(blocks),
            "heads": head_counts.pop() if len(head_counts) == 1 else sorted(
                map(str, head_counts)),
            "parameters": int(sum(p.numel() for p in model.parameters()))}
