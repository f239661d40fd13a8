"""Study presets shipped with physym (``smoke``, ``quick``, ``paper``), as TOML package data.

Read with :func:`physym.study.preset.load_preset` (through :mod:`importlib.resources`);
``physym study --preset NAME`` finds them by name from any directory.
"""
