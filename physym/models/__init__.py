"""Adapters: one module per problem kind, each the complete way to train and score it.

* :mod:`physym.models.pinn` — PINNs through DeepXDE (``fnn``);
* :mod:`physym.models.operator` — FNO, TFNO and UNO from neuraloperator, the data set of an
  operator task and the one operator training loop;
* :mod:`physym.models.regression` — the float64 torch MLP of regression tasks.

Each module defines ``ADAPTER``, a :class:`physym.problem.Adapter`; the runner's table
(:data:`physym.runner.ADAPTERS`) maps a problem's ``kind`` to it. Importing this package
imports none of them.
"""
