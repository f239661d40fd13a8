"""``laaf``: layer-wise locally adaptive activations (DeepXDE's ``LAAF-10 tanh``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from physym.models.pinn_methods.base import PINNMethod
from physym.options import ModelOptions

if TYPE_CHECKING:
    from physym.problem import PINNProblem

__all__ = ["LAAF"]


class LayerwiseAdaptive(PINNMethod):
    """Each hidden layer computes ``tanh(n a_l z)`` with a trainable slope ``a_l`` per layer,
    started at ``1 / n`` with ``n = 10`` (Jagtap, Kawaguchi & Karniadakis 2020; DeepXDE's
    ``"LAAF-10 tanh"``), then Adam and L-BFGS as ``adam-lbfgs``. The slopes are network
    parameters, so both arms have them; the expanded arm differs only in input width."""

    name = "laaf"
    summary = "layer-wise locally adaptive tanh, n = 10 (DeepXDE LAAF-10 tanh)"
    reference = "Jagtap, Kawaguchi & Karniadakis, Proc. R. Soc. A 476 (2020) 20200334"
    activation = "LAAF-10 tanh"

    def check(self, problem: "PINNProblem", options: ModelOptions | None) -> None:
        if options is not None and (options.dropout or options.batchnorm):
            raise ValueError("method laaf uses DeepXDE's FNN, which has no dropout or batch "
                             "norm; drop --dropout/--batchnorm or use another method")


LAAF = LayerwiseAdaptive()
