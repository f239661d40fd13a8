import textwrap
from importlib.metadata import EntryPoint

import pytest

from physym import registry
from physym.problem import ProblemFamily
from physym.spec import parse_params
from physym.registry import UnknownProblem, available, get_problem

USER_FILE = textwrap.dedent(
    '''
    from dataclasses import dataclass
    import numpy as np
    from physym.problem import PINNProblem

    @dataclass(frozen=True)
    class Params:
        k: float = 1.0

    class Poisson1D(PINNProblem):
        """-u'' = k^2 sin(k x) on [0, pi], u(0) = u(pi) = 0."""
        Params = Params
        input_names = ("x",)

        def deepxde_data(self, dde, budget):
            raise NotImplementedError

        def exact(self, points):
            return np.sin(self.params.k * points[:, :1])

        def evaluation_axes(self):
            return {"x": np.linspace(0, np.pi, 50)}

    NOT_A_PROBLEM = 3
    '''
)


def test_builtin_burgers_has_both_tasks():
    family = get_problem("burgers")
    assert isinstance(family, ProblemFamily)
    assert family.default_task == "pinn"
    assert set(family.tasks) >= {"pinn", "operator"}
    assert family.task(None) is family.tasks["pinn"]
    assert "burgers" in available()


def test_unknown_problem_lists_available():
    with pytest.raises(UnknownProblem, match="unknown problem 'nope'.*burgers"):
        get_problem("nope")


def test_unknown_task():
    with pytest.raises(ValueError, match="task must be one of pinn, operator"):
        get_problem("burgers").task("fluid")


def test_file_class_loading(tmp_path):
    path = tmp_path / "my_pde.py"
    path.write_text(USER_FILE)
    family = get_problem(f"{path}:Poisson1D")
    cls = family.task(None)
    assert cls.__name__ == "Poisson1D" and family.default_task == "pinn"
    assert cls.summary().startswith("-u''")
    with pytest.raises(UnknownProblem, match="defines no 'Missing'"):
        get_problem(f"{path}:Missing")
    with pytest.raises(UnknownProblem, match="neither a ProblemFamily"):
        get_problem(f"{path}:NOT_A_PROBLEM")
    with pytest.raises(UnknownProblem, match="does not exist"):
        get_problem(f"{tmp_path}/absent.py:X")


def test_module_target_loading():
    family = get_problem("physym.problems.burgers:BurgersOperator")
    assert family.default_task == "operator"
    with pytest.raises(UnknownProblem, match="cannot import module"):
        get_problem("no_such_pkg.mod:X")


def test_entry_point_group(monkeypatch, tmp_path):
    ep = EntryPoint(name="my_burgers", value="physym.problems.burgers:PROBLEM",
                    group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep] if group == registry.ENTRY_POINT_GROUP else [])
    assert "my_burgers" in available()
    assert get_problem("my_burgers").tasks.keys() == get_problem("burgers").tasks.keys()


def test_parse_params_coerces_and_rejects():
    from physym.problems.burgers import BurgersOperatorParams

    p = parse_params(BurgersOperatorParams, {"nu": "0.01", "solver_resolution": "2048"})
    assert p.nu == 0.01 and p.solver_resolution == 2048
    with pytest.raises(ValueError, match="unknown parameter 'mu'.*allowed: nu"):
        parse_params(BurgersOperatorParams, {"mu": "1"})
    with pytest.raises(ValueError, match="not a valid float"):
        parse_params(BurgersOperatorParams, {"nu": "fast"})
    with pytest.raises(ValueError, match="nu must be a positive"):
        parse_params(BurgersOperatorParams, {"nu": "-1"})


def test_every_problems_smoke_params_are_valid_parameters():
    """``smoke_params`` (read by the CLI smoke tests and benchmarks/gpu_check.py) parse into
    the problem's ``Params``, and differ from the defaults, for every built-in task."""
    with_smoke = []
    for name in available():
        family = get_problem(name)
        for task in family.tasks:
            cls = family.task(task)
            if cls.smoke_params:
                params = parse_params(cls.Params, cls.smoke_params)
                assert params != cls.Params(), (name, task)
                cls(params)  # the constructor's own checks (the reference is lazy)
                with_smoke.append(name)
    assert "gray_scott" in with_smoke
