#!/usr/bin/env bash
# The GPU checks of issue 18 in one call on a lent GPU machine (the `device` tool), within a
# deadline: install physym over the wheels of benchmarks/gpu_wheels.sh, run
# benchmarks/gpu_check.sh, then pilot the `paper` estimate for the time left. Everything goes
# under $OUT (the device tool's folder that comes back; default /tmp/gpu_session):
# session.txt (machine, packages, timings), gpu_check.json and .log, estimate_paper.json and
# estimate.log. A step cut off by the deadline leaves what it wrote (both scripts write their
# JSON as they go), and a later call continues the estimate with --estimate-from.
#
#   here:   bash benchmarks/gpu_wheels.sh
#   device: run(command="bash benchmarks/gpu_session.sh", carry=[".whl"], timeout_s=600)
#   CPU:    bash benchmarks/gpu_session.sh --device cpu --deadline 300   (a dry run of the path)
#
# Options: --device cuda (default) | cpu | cuda:N; --deadline SECONDS for the whole script
# (default 560, inside the tool's 600); --check-limit SECONDS for gpu_check (default 360);
# --workers N of the estimate (default 8 on a GPU, 2 on the CPU); --estimate-from FILE, an
# incomplete estimate_paper.json of an earlier call (same settings) for the estimate to resume.
set -uo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
DEVICE=cuda DEADLINE=560 CHECK_LIMIT=360 WORKERS="" ESTIMATE_FROM=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) DEVICE="${2-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
        --deadline) DEADLINE="${2-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
        --check-limit) CHECK_LIMIT="${2-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
        --workers) WORKERS="${2-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
        --estimate-from) ESTIMATE_FROM="${2-}"; shift $(( $# > 1 ? 2 : 1 )) ;;
        *) echo "gpu_session.sh: error: unknown option '$1' (allowed: --device, --deadline," \
                "--check-limit, --workers, --estimate-from)" >&2; exit 2 ;;
    esac
done
for v in "$DEADLINE" "$CHECK_LIMIT" "${WORKERS:-1}"; do
    case "$v" in ''|*[!0-9]*|0) echo "gpu_session.sh: error: --deadline, --check-limit and" \
        "--workers must be positive integers, got '$v'" >&2; exit 2 ;; esac
done
case "$DEVICE" in cpu|cuda|cuda:[0-9]|cuda:[0-9][0-9]) ;; *) echo "gpu_session.sh: error:" \
    "--device must be cpu, cuda or cuda:N, got '$DEVICE'" >&2; exit 2 ;; esac
[ -z "$ESTIMATE_FROM" ] || [ -f "$ESTIMATE_FROM" -a -r "$ESTIMATE_FROM" ] \
    || { echo "gpu_session.sh: error: cannot read --estimate-from '$ESTIMATE_FROM'" >&2; exit 2; }
[ -n "$WORKERS" ] || { [ "$DEVICE" = cpu ] && WORKERS=2 || WORKERS=8; }
OUT="${OUT:-/tmp/gpu_session}"
mkdir -p "$OUT" || { echo "gpu_session.sh: error: cannot create '$OUT'" >&2; exit 2; }
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 WANDB_MODE=disabled MPLBACKEND=Agg PYTHON="$PY"
left() { echo $((DEADLINE - ($(date +%s) - START))); }
note() { echo "[gpu_session $(date -u +%H:%M:%S) +$(( $(date +%s) - START ))s] $*" | tee -a "$OUT/session.txt"; }

note "device $DEVICE, deadline ${DEADLINE}s, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$ESTIMATE_FROM" ] || cp "$ESTIMATE_FROM" "$OUT/estimate_paper.json"
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl 2>&1 | tail -3 | tee -a "$OUT/session.txt"
    export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
    note "installed $(ls .whl/*.whl | wc -l) carried wheels into /tmp/site"
fi
if ! "$PY" -c 'import physym.problems' 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-build-isolation -e . 2>&1 | tail -3 \
        | tee -a "$OUT/session.txt"
fi
"$PY" -c 'import sys; from physym.study.executors import hardware, software_versions
print(software_versions(), hardware(sys.argv[1]))' "$DEVICE" 2>&1 | tee -a "$OUT/session.txt"
"$PY" -c 'import importlib.util as u, physym.problems
assert all(u.find_spec(m) for m in ("deepxde", "neuralop", "distributed", "skfem", "h5netcdf"))' \
    || { note "FAILED: physym or a requirement does not import; see above"; exit 1; }

limit=$(( $(left) < CHECK_LIMIT ? $(left) : CHECK_LIMIT ))
note "gpu_check (limit ${limit}s)"
timeout "$limit" bash benchmarks/gpu_check.sh --device "$DEVICE" --out "$OUT/gpu_check.json" \
    > "$OUT/gpu_check.log" 2>&1
check=$?
tail -4 "$OUT/gpu_check.log"
note "gpu_check exit $check ($( [ $check = 124 ] && echo 'cut off by its limit' || echo done))"

limit=$(( $(left) - 10 ))
if [ "$limit" -gt 30 ]; then
    note "paper estimate, $WORKERS workers (limit ${limit}s)"
    timeout "$limit" "$PY" benchmarks/estimate_study.py paper --device "$DEVICE" \
        --workers "$WORKERS" --threads 1 --method-factors benchmarks/results/study-methods-burgers \
        --pilot-adam 20 --pilot-lbfgs 10 --out "$OUT" --resume > "$OUT/estimate.log" 2>&1
    est=$?
    tail -3 "$OUT/estimate.log"
    note "estimate exit $est ($( [ $est = 124 ] && echo 'cut off: estimate_paper.json is partial' || echo done))"
else
    note "no time left for the paper estimate"
fi
note "end"
exit "$check"
