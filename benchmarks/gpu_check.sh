#!/usr/bin/env bash
# GPU check (issue 18, item 5): what only a GPU can tell, in ≤ 8 minutes on one GPU, nothing to install beyond `make install`.
#
#   benchmarks/gpu_check.sh                # on a machine with one NVIDIA GPU: appends to runs/benchmarks/*/results_cuda.json
#   benchmarks/gpu_check.sh --smoke        # tiny sizes on the CPU, into a scratch folder (tests this script, measures nothing)
#   options: --out DIR (results root; default runs/benchmarks, or a new temporary folder with --smoke), --device DEV,
#            --parts abcd (which parts to run, default all), -h
#
# Parts, each in its own step under its own time limit (one failure does not hide the others):
#   a  evaluate   benchmarks/evaluate.py     K=5 ConvNet-3 evaluation at IPC 1, 300 epochs: batched (torch.func.vmap) vs loop
#   b  matchers   benchmarks/matchers.py     DM (IPC 1, 10) and DSA (IPC 1) iterations, 256 real/class: batched vs loop
#   c  sgxl       benchmarks/sgxl_memory.py  StyleGAN-XL ImageNet-128 layout, random weights: forward of 4 images;
#                                            gan_backward peak memory at 10 and 100 images (must be flat: ≤ 10 % growth)
#   d  hpd        benchmarks/hpd_sgxl.py     a short H-PD run (DM, 14 spaces × 2 steps, IPC 1, 10 classes) through that model
#                                            on synthetic 3×128×128 data, CAM criterion from an untrained ResNet18BN
# Every row records the command, the commit (hpd.core.git_info), the device's name and peak memory; the logs and the summary
# table go to <out>/gpu_check/<id>/. Exit status: 0 when every part passed, 1 when one failed or ran out of time, 3 without CUDA.
# Time limits (seconds) can be changed through LIMIT_EVALUATE, LIMIT_MATCHERS, LIMIT_SGXL, LIMIT_HPD; PY=python3 runs another
# Python (this checkout is put on PYTHONPATH); HPD_CHECK_COMMIT names the commit where the copy has no .git (NOTES.md: GPU check).
set -u
cd "$(dirname "$0")/.." || exit 1
PY=${PY:-.venv/bin/python}
SMOKE=0; DEVICE=; OUT=; PARTS=abcd
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --out) OUT=${2:?--out needs a folder}; shift ;;
    --device) DEVICE=${2:?--device needs a value}; shift ;;
    --parts) PARTS=${2:?--parts needs letters among abcd}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then
  DEVICE=${DEVICE:-cpu}
  OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/hpd_gpu_check_smoke.XXXXXX")}
  case "$(realpath -m "$OUT")/" in "$(realpath -m runs)"/*) echo "gpu_check: --smoke writes to a scratch folder, not under runs/ ($OUT)" >&2; exit 64 ;; esac
else
  DEVICE=${DEVICE:-cuda}
  OUT=${OUT:-runs/benchmarks}
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # `import hpd` from this checkout, installed or not (a device machine's bare python3)
export HPD_CHECK_COMMIT=${HPD_CHECK_COMMIT:-$(git rev-parse HEAD 2>/dev/null)}   # recorded where the copy has no .git
export HPD_CHECK_ID=${HPD_CHECK_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}
echo "gpu_check $HPD_CHECK_ID: device=$DEVICE smoke=$SMOKE parts=$PARTS out=$OUT OMP_NUM_THREADS=$OMP_NUM_THREADS python=$PY"
if [ "$SMOKE" = 0 ]; then
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu_check: CUDA is not available to $PY: nothing measured (use --smoke to test the script on a CPU)" >&2
    exit 3
  fi
fi
LOGDIR=$OUT/gpu_check/$HPD_CHECK_ID
mkdir -p "$LOGDIR" || exit 1
T_START=$SECONDS
NAMES=(); STATUS=(); SECS=(); SUMMS=(); CURRENT=

summary() {
  {
    echo
    echo "GPU check $HPD_CHECK_ID: device $DEVICE$([ "$SMOKE" = 1 ] && echo ' (SMOKE: tiny sizes, nothing measured)'), commit ${HPD_CHECK_COMMIT:0:7}$(git diff --quiet HEAD -- hpd benchmarks 2>/dev/null || echo ' + local changes (or no git here)'), $((SECONDS - T_START)) s in all"
    echo "| part | status | seconds | summary |"
    echo "|---|---|---|---|"
    local i
    for i in "${!NAMES[@]}"; do echo "| ${NAMES[$i]} | ${STATUS[$i]} | ${SECS[$i]} | ${SUMMS[$i]} |"; done
    echo "results: $OUT/{evaluate,matchers,stylegan_xl,hpd_sgxl}/results_$(echo "$DEVICE" | cut -d: -f1).json; logs: $LOGDIR"
  } | tee "$LOGDIR/summary.md"
}

on_exit() {
  local rc=$?
  trap - EXIT
  [ -n "$CURRENT" ] && { NAMES+=("$CURRENT"); STATUS+=("INTERRUPTED"); SECS+=("-"); SUMMS+=("the check stopped during this part"); }
  summary
  local failed=() i
  for i in "${!NAMES[@]}"; do [ "${STATUS[$i]}" = ok ] || failed+=("${NAMES[$i]} (${STATUS[$i]})"); done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "gpu_check: FAILED part(s): ${failed[*]}; see $LOGDIR/<part>.log" >&2
    [ "$rc" = 0 ] && rc=1
  elif [ "$rc" = 0 ]; then echo "gpu_check: all parts passed"
  fi
  exit "$rc"
}
trap on_exit EXIT
CHILD=
# on INT/TERM: stop the running part (its script records what it measured), then on_exit prints the table
trap 'echo "gpu_check: interrupted during part ${CURRENT:-(none)}" >&2; [ -n "$CHILD" ] && { pkill -TERM -P "$CHILD"; wait "$CHILD"; }; exit 130' INT TERM

# run_part NAME LIMIT_SECONDS COMMAND…: runs COMMAND under `timeout`, logs it, records status, seconds and its SUMMARY line
run_part() {
  local name=$1 limit=$2; shift 2
  case "$PARTS" in *"${name:0:1}"*) ;; *) return 0 ;; esac
  CURRENT=$name
  local log=$LOGDIR/$name.log t0=$SECONDS rc st
  echo; echo "=== part $name (limit ${limit} s): $*" | tee "$log"
  ( timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$log"; exit "${PIPESTATUS[0]}" ) &
  CHILD=$!
  wait "$CHILD"; rc=$?
  CHILD=
  case $rc in
    0) st=ok ;;
    124|137) st="TIMEOUT (${limit} s)" ;;
    5) st="FAILED (check not met)" ;;
    *) st="FAILED (rc $rc)" ;;
  esac
  local s; s=$(grep '^SUMMARY: ' "$log" | tail -n 1 | cut -c10- | tr '|' '/')
  [ -z "$s" ] && s=$(grep -v '^\s*$' "$log" | tail -n 1 | cut -c1-200 | tr '|' '/')
  NAMES+=("$name"); STATUS+=("$st"); SECS+=("$((SECONDS - t0))"); SUMMS+=("$s")
  CURRENT=
  echo "=== part $name: $st in $((SECONDS - t0)) s"
}


if [ "$SMOKE" = 1 ]; then
  run_part a_evaluate ${LIMIT_EVALUATE:-120} "$PY" benchmarks/evaluate.py --device "$DEVICE" --dataset digits --ipcs 1 --epochs 2 --K 2 --out "$OUT/evaluate"
  run_part b_matchers ${LIMIT_MATCHERS:-120} "$PY" benchmarks/matchers.py --device "$DEVICE" --dataset digits --dm-ipcs 1 --dsa-ipcs 1 --iters 1 --batch-real 16 --out "$OUT/matchers"
  run_part c_sgxl ${LIMIT_SGXL:-120} "$PY" benchmarks/sgxl_memory.py --device "$DEVICE" --plan tiny --forward-images 2 --ns 4 40 --chunk 2 --out "$OUT/stylegan_xl"
  run_part d_hpd ${LIMIT_HPD:-120} "$PY" benchmarks/hpd_sgxl.py --device "$DEVICE" --plan tiny --train-per-class 20 --batch-real 8 --init-M 20 --cam-width 8 --out "$OUT/hpd_sgxl"
else
  run_part a_evaluate ${LIMIT_EVALUATE:-60} "$PY" benchmarks/evaluate.py --device "$DEVICE" --ipcs 1 --epochs 300 --K 5 --out "$OUT/evaluate"
  run_part b_matchers ${LIMIT_MATCHERS:-60} "$PY" benchmarks/matchers.py --device "$DEVICE" --dm-ipcs 1 10 --dsa-ipcs 1 --iters 3 --batch-real 256 --out "$OUT/matchers"
  run_part c_sgxl ${LIMIT_SGXL:-180} "$PY" benchmarks/sgxl_memory.py --device "$DEVICE" --plan real --forward-images 4 --ns 10 100 --chunk 1 --out "$OUT/stylegan_xl"
  run_part d_hpd ${LIMIT_HPD:-170} "$PY" benchmarks/hpd_sgxl.py --device "$DEVICE" --plan real --chunk 1 --out "$OUT/hpd_sgxl"
fi
exit 0
