"""Worked examples shipped with physym.

:mod:`physym.examples.heat1d` is the problem of ``docs/adding-a-problem.md``, written as a
user writes one outside physym: ``physym solve physym.examples.heat1d:Heat1D --expand 2``.
Copy the file to start a problem of your own.
"""
