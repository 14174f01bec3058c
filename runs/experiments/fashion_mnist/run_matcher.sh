#!/usr/bin/env bash
# Pixel vs GLaD vs H-PD on Fashion-MNIST, IPC=1, one matcher (arg 1), same total steps, evaluation K=5 (dc protocol, EVAL_EPOCHS).
# Usage (from the repo root): OMP_NUM_THREADS=1 bash runs/experiments/fashion_mnist/run_matcher.sh dm
# Environment: STEPS (per space, default 10), SELECT (snapshot period, 5), BATCH_REAL (real images per class per step, 64),
# EVAL_EPOCHS (300), VAL_STUDY=1 scores every H-PD candidate by validation accuracy (VAL_EPOCHS, default 100) for the
# CAM-vs-loss correlation study; METHODS (default 'hpd glad pixel'); SUFFIX appended to the run names (e.g. _g2 for runs
# with a later generator checkpoint: each run's generator.json holds the weights' fingerprint); LR_F sets the feature learning
# rate of hpd/glad (default: the matcher's, SPEC §2.3). Rerunning resumes each run.
set -euo pipefail
m=$1; E=${EVAL_EPOCHS:-300}; S=${STEPS:-10}; SEL=${SELECT:-5}; B=${BATCH_REAL:-64}; VE=${VAL_EPOCHS:-100}
for method in ${METHODS:-hpd glad pixel}; do
  crit=cam_distance; extra=()
  [ "$method" = hpd ] && [ "${VAL_STUDY:-0}" = 1 ] && extra=(-p record_val_accuracy True -p val_epochs $VE)
  [ "$method" != hpd ] && crit=last
  [ -n "${LR_F:-}" ] && [ "$method" != pixel ] && extra+=(-p lr_f $LR_F)
  name=${method}_${m}_ipc1_${crit}_s${S}_b${B}${SUFFIX:-}
  d=runs/experiments/fashion_mnist/$name; mkdir -p "$d"
  .venv/bin/papermill nbs/run_experiment.ipynb "$d/run_experiment.ipynb" -k python3 -p dataset fashion_mnist -p method $method \
     -p matcher $m -p ipc 1 -p criterion $crit -p eval_epochs $E -p steps_per_space $S -p select_every $SEL \
     -y "matcher_kwargs: {batch_real: $B}" -p run_name "experiments/fashion_mnist/$name" "${extra[@]}" > "$d/log.txt" 2>&1
  echo "$name done: $(cat $d/eval.json | .venv/bin/python -c 'import json,sys; r=json.load(sys.stdin); print(r["mean"], r["std"])')"
done
