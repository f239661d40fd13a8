"""Built-in physics problems, installed as ``physym.problems``.

One module per problem (``burgers``, ...). Each module defines frozen-dataclass parameters,
a reference solver or exact solution, its task classes, and a module-level ``PROBLEM``
(:class:`physym.problem.ProblemFamily`) naming its tasks and default task. Modules whose
name starts with an underscore hold shared numerics (Gaussian random fields, spectral helpers).

Nothing is imported here: problems are loaded lazily through :mod:`physym.registry`.
"""
