#!/usr/bin/env bash
# Fetch, on a machine with package-registry access, the wheels that a lent GPU machine lacks
# (it cannot download) into .whl/ (git-ignored), for benchmarks/gpu_session.sh to install
# there. The device image has torch, numpy, scipy, h5py, xarray, rich, typer, matplotlib,
# scikit-learn, psutil and threadpoolctl (benchmarks/results/gpu-h200.md); these are the rest
# of physym's requirements, at the versions installed here (what CI tests), as Python 3.12
# x86-64 wheels. wandb is left out on purpose: neuraloperator imports it only if present.
#
#   bash benchmarks/gpu_wheels.sh        # then the device call names .whl in `carry`
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
PKGS=(deepxde neuraloperator tensorly tensorly-torch configmypy ruamel.yaml zencfg
      dask distributed tornado zict tblib locket partd scikit-fem scikit-optimize pyaml
      h5netcdf)
PLATFORMS=()
for p in manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux_2_5_x86_64 \
         manylinux1_x86_64; do PLATFORMS+=(--platform "$p"); done
rm -rf .whl && mkdir .whl
for p in "${PKGS[@]}"; do
    v=$("$PY" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$p")
    "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp "${PLATFORMS[@]}" -d .whl "$p==$v"
done
echo "$(ls .whl | wc -l) wheels, $(du -sh .whl | cut -f1), in .whl/"
