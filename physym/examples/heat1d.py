"""The 1-D heat equation as a physym problem, defined outside the physym package."""

from dataclasses import dataclass

import numpy as np

from physym import PINNBudget, PINNProblem


@dataclass(frozen=True)
class HeatParams:
    """Diffusivity ``kappa`` of the rod."""

    kappa: float = 0.1

    def __post_init__(self) -> None:
        if not (np.isfinite(self.kappa) and self.kappa > 0):
            raise ValueError(f"kappa must be a positive finite number, got {self.kappa}")


class Heat1D(PINNProblem):
    """1-D heat equation u_t = kappa u_xx on x in [0, 1], t in [0, 1].

    ``u(x, 0) = sin(pi x)``, ``u(0, t) = u(1, t) = 0``; the exact solution is
    ``u(x, t) = exp(-kappa pi^2 t) sin(pi x)``.
    """

    Params = HeatParams
    input_names = ("x", "t")
    output_names = ("u",)
    # Start from the generic PINN budgets and make the cheap ones cheaper still.
    budgets = {
        **PINNProblem.budgets,
        "smoke": PINNBudget(100, 20, 20, width=16, depth=2, adam_iterations=50,
                            lbfgs_iterations=0, seeds=1),
        "quick": PINNBudget(1000, 40, 40, width=20, depth=3, adam_iterations=2000,
                            lbfgs_iterations=500, seeds=3),
    }

    def deepxde_data(self, dde, budget):
        kappa = self.params.kappa
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(0.0, 1.0),
                                          dde.geometry.TimeDomain(0.0, 1.0))

        def residual(x, u):
            u_t = dde.grad.jacobian(u, x, i=0, j=1)
            u_xx = dde.grad.hessian(u, x, i=0, j=0)
            return u_t - kappa * u_xx

        bc = dde.icbc.DirichletBC(geom, lambda x: np.zeros((len(x), 1)),
                                  lambda _, on_boundary: on_boundary)
        ic = dde.icbc.IC(geom, lambda x: np.sin(np.pi * x[:, 0:1]),
                         lambda _, on_initial: on_initial)
        return dde.data.TimePDE(geom, residual, [bc, ic], num_domain=budget.num_domain,
                                num_boundary=budget.num_boundary,
                                num_initial=budget.num_initial)

    def exact(self, points):
        x, t = points[:, 0:1], points[:, 1:2]
        return np.exp(-self.params.kappa * np.pi**2 * t) * np.sin(np.pi * x)

    def evaluation_axes(self):
        return {"x": np.linspace(0.0, 1.0, 101), "t": np.linspace(0.0, 1.0, 101)}
