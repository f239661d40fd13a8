"""Every built-in PINN problem's jet residual equals its DeepXDE residual.

``PINNProblem.jet_residual`` is the opt-in form of the ``jet`` engine; it must give the same
terms, in the same order, as the residual function of ``deepxde_data``. Here both are
evaluated for one random tanh network (with and without expansion constants) on the
problem's own smoke-budget collocation points: the DeepXDE form by its nested autograd
(``dde.grad``), the jet form from :func:`physym.models.pinn_jet.jet_forward`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from physym import Expansion, available, get_problem
from physym.models.pinn import build_fnn, load_deepxde
from physym.models.pinn_jet import input_embedding, jet_forward

#: Problems without a jet form, and why (the jet carries at most second derivatives).
NO_JET = {
    "kdv": "third derivative u_xxx",
    "kuramoto_sivashinsky": "fourth derivative u_xxxx",
}
#: Problems whose jet form is not written yet (issue 17): the jet engine trains them through
#: DeepXDE, with ``engine_fallback`` in the record. Remove a name when its form lands.
PENDING: set[str] = set()


def _pinn_problems() -> list[str]:
    names = []
    for name in available():
        family = get_problem(name)
        if "pinn" in family.tasks:
            names.append(name)
    return names


PINN_PROBLEMS = _pinn_problems()


def test_every_pinn_problem_has_a_jet_form_or_a_reason() -> None:
    for name in PINN_PROBLEMS:
        cls = get_problem(name).task("pinn")
        if name in NO_JET or name in PENDING:
            assert cls.jet_second_derivatives is None, f"{name} has a jet form: update the lists"
        else:
            assert cls.jet_second_derivatives is not None, f"{name} has no jet_residual"


@pytest.mark.parametrize("name", [n for n in PINN_PROBLEMS
                                  if n not in NO_JET and n not in PENDING])
@pytest.mark.parametrize("n", [0, 4])
def test_jet_residual_matches_deepxde(name: str, n: int) -> None:
    dde = load_deepxde()
    problem = get_problem(name).task("pinn")()
    budget = problem.budget("smoke")
    dde.config.set_random_seed(0)
    data = problem.deepxde_data(dde, budget)
    d, d_out = len(problem.input_names), len(problem.output_names)
    torch.manual_seed(0)
    net = build_fnn(dde, d_in=d, d_out=d_out, budget=budget, expansion=Expansion(n))
    x = torch.as_tensor(np.asarray(data.train_x)[sum(data.num_bcs):][:256],
                        dtype=torch.float32)
    xr = x.clone().requires_grad_(True)
    reference = data.pde(xr, net(xr))
    dde.grad.clear()
    reference = list(reference) if isinstance(reference, (list, tuple)) else [reference]
    emb = input_embedding(net, d, dtype=x.dtype, device=x.device)
    jet = jet_forward(net, x, emb, problem.jet_second_derivatives)
    ours = problem.jet_residual(x, jet)
    ours = list(ours) if isinstance(ours, (list, tuple)) else [ours]
    assert len(ours) == len(reference)
    for k, (a, b) in enumerate(zip(ours, reference)):
        b = b.detach()
        assert a.shape == b.shape, (name, k)
        scale = max(float(b.abs().max()), 1.0)
        err = float((a.detach() - b).abs().max())
        assert err <= 1e-4 * scale, f"{name} term {k}: |jet - deepxde| = {err:.3g} (scale {scale:.3g})"
