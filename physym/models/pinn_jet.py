"""The PINN residual without nested autograd: a forward pass that carries derivatives.

For a DeepXDE ``FNN`` with ``tanh`` hidden layers, :func:`jet_forward` propagates, layer by
layer, the outputs ``u``, their first derivatives with respect to every input coordinate and
the pure second derivatives ``d^2 u / d x_j^2`` for the directions asked for. With
``z = h W^T + b``, ``a = tanh(z)`` and ``s = 1 - a^2``:

* ``dz_k = dh_k W^T`` and ``d2z_k = d2h_k W^T`` (the bias drops out);
* ``dh_k = s dz_k`` and ``d2h_k = s d2z_k - 2 a s dz_k^2``.

The first layer takes the expanded input ``T(x)`` (:class:`physym.expansion.Expansion`
appends constants that do not depend on ``x``), so ``dz_k`` there is the constant row
``E_k W^T`` with ``E = T(I) - T(0)`` and ``d2z_k = 0``; :func:`input_embedding` checks that
``T`` is affine before it is used. The derivatives are plain tensors of the weights: the
weight gradient of a loss built from them takes one ordinary backward pass (no
``create_graph``), and the whole computation is a fixed graph of matmuls and pointwise ops
that :func:`torch.compile` can fuse. The values equal DeepXDE's nested reverse-mode
derivatives up to float rounding (``tests/test_pinn_jet.py``: 1e-5 relative in float32).

A problem opts in by implementing ``PINNProblem.jet_residual(x, jet)``: the same residual as
its ``deepxde_data`` one, written with :class:`Jet` instead of ``dde.grad``.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

__all__ = ["Jet", "jet_forward", "input_embedding", "jet_unsupported"]


class Jet:
    """A network's outputs and their coordinate derivatives at ``N`` points.

    Parameters
    ----------
    u : torch.Tensor
        ``(N, m)`` outputs.
    first : torch.Tensor
        ``(d, N, m)``: ``first[j] = d u / d x_j``.
    second : torch.Tensor
        ``(K, N, m)``: ``second[k] = d^2 u / d x_j^2`` for ``j = directions[k]``.
    directions : sequence of int
        The input directions of ``second``.
    """

    def __init__(self, u: torch.Tensor, first: torch.Tensor, second: torch.Tensor,
                 directions: Sequence[int]) -> None:
        self.u, self.first, self.second = u, first, second
        self._index = {int(j): k for k, j in enumerate(directions)}

    def value(self, component: int = 0) -> torch.Tensor:
        """``u_component``, ``(N, 1)``."""
        return self.u[:, component:component + 1]

    def d(self, j: int, component: int = 0) -> torch.Tensor:
        """``d u_component / d x_j``, ``(N, 1)`` (DeepXDE's ``jacobian(y, x, i=component, j=j)``)."""
        return self.first[j, :, component:component + 1]

    def dd(self, j: int, component: int = 0) -> torch.Tensor:
        """``d^2 u_component / d x_j^2``, ``(N, 1)`` (``hessian(y, x, component, i=j, j=j)``).

        Raises
        ------
        KeyError
            If ``j`` is not among the problem's ``jet_second_derivatives``.
        """
        if j not in self._index:
            raise KeyError(f"second derivative in input {j} was not propagated; add it to the "
                           f"problem's jet_second_derivatives {tuple(self._index)}")
        k = self._index[j]
        return self.second[k, :, component:component + 1]


def input_embedding(net: Any, d: int, *, dtype: torch.dtype, device: torch.device
                    ) -> torch.Tensor | None:
    """``E`` ``(d, d + n)`` with ``T(x) = T(0) + x E`` for the net's input transform ``T``
    (the identity when there is none), or ``None`` if ``T`` is not affine on random points."""
    transform = getattr(net, "_input_transform", None)
    eye = torch.eye(d, dtype=dtype, device=device)
    if transform is None:
        return eye
    with torch.no_grad():
        zero = transform(torch.zeros(1, d, dtype=dtype, device=device))
        emb = transform(eye) - zero
        probe = torch.linspace(-1.5, 2.5, 7 * d, dtype=dtype, device=device).reshape(7, d)
        if not torch.allclose(transform(probe), zero + probe @ emb, atol=1e-6):
            return None
    return emb


def jet_unsupported(dde: Any, net: Any) -> str | None:
    """Why :func:`jet_forward` cannot run ``net`` (``None`` when it can)."""
    if type(net) is not dde.nn.FNN:
        return f"the network is a {type(net).__name__}, not DeepXDE's FNN"
    if isinstance(net.activation, list) or net.activation is not dde.nn.activations.get("tanh"):
        return "the hidden activation is not plain tanh"
    if getattr(net, "_output_transform", None) is not None:
        return "the network has an output transform"
    return None


def jet_forward(net: Any, x: torch.Tensor, embedding: torch.Tensor,
                directions: Sequence[int]) -> Jet:
    """Propagate ``u``, ``du/dx_j`` (all ``j``) and ``d^2u/dx_j^2`` (``j`` in ``directions``).

    Parameters
    ----------
    net : deepxde.nn.FNN
        tanh hidden layers, no output transform (:func:`jet_unsupported` says why not).
    x : torch.Tensor
        ``(N, d)`` points (the problem's inputs, before expansion).
    embedding : torch.Tensor
        ``(d, d + n)`` from :func:`input_embedding`.
    directions : sequence of int
        Inputs whose pure second derivatives are propagated.

    Returns
    -------
    Jet
    """
    linears = net.linears
    h = x if net._input_transform is None else net._input_transform(x)
    first_layer = linears[0]
    z = first_layer(h)
    g = embedding @ first_layer.weight.T  # (d, H): d z / d x_j, the same at every point
    a = torch.tanh(z)
    s = 1.0 - a * a
    dirs = list(directions)
    dh = s.unsqueeze(0) * g.unsqueeze(1)  # (d, N, H)
    d2h = (-2.0 * a * s).unsqueeze(0) * (g[dirs] ** 2).unsqueeze(1)  # (K, N, H)
    h = a
    for layer in linears[1:-1]:
        w = layer.weight.T
        z = layer(h)
        dz = dh @ w
        d2z = d2h @ w
        a = torch.tanh(z)
        s = 1.0 - a * a
        d2h = s * d2z - 2.0 * (a * s) * dz[dirs] ** 2
        dh = s * dz
        h = a
    last = linears[-1]
    w = last.weight.T
    return Jet(last(h), dh @ w, d2h @ w, dirs)
