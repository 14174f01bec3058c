#!/usr/bin/env bash
# The pixel rows of run_matcher.sh alone (same settings), for a session whose H-PD/GLaD runs had already finished.
# Usage (from the repo root): OMP_NUM_THREADS=1 bash runs/experiments/fashion_mnist/run_pixel_only.sh dm
set -euo pipefail
m=$1; E=${EVAL_EPOCHS:-300}; S=${STEPS:-10}; SEL=${SELECT:-5}; B=${BATCH_REAL:-64}
name=pixel_${m}_ipc1_last_s${S}_b${B}
d=runs/experiments/fashion_mnist/$name; mkdir -p "$d"
.venv/bin/papermill nbs/run_experiment.ipynb "$d/run_experiment.ipynb" -k python3 -p dataset fashion_mnist -p method pixel \
   -p matcher $m -p ipc 1 -p criterion last -p eval_epochs $E -p steps_per_space $S -p select_every $SEL \
   -y "matcher_kwargs: {batch_real: $B}" -p run_name "experiments/fashion_mnist/$name" > "$d/log.txt" 2>&1
echo "$name done: $(cat $d/eval.json | .venv/bin/python -c 'import json,sys; r=json.load(sys.stdin); print(r["mean"], r["std"])')"
