#!/usr/bin/env bash
# Pixel-space distillation on Fashion-MNIST at IPC 1 from real-image init (issue: matchers), with iteration counts sized
# for a 2-core CPU: DM 200, DSA and DC 100 iterations (64 real images per class per step), MTT 100 iterations (expert buffer
# runs/experts/fashion_mnist, 2 experts × 4 epochs; evaluated with the learned step size). Evaluation: ConvNet-3, K=5,
# dc protocol, 300 epochs with DSA. Usage (repo root): OMP_NUM_THREADS=1 bash runs/experiments/fashion_mnist/run_pixel_long.sh [dm dsa mtt dc]
set -euo pipefail
E=${EVAL_EPOCHS:-300}
for m in ${@:-dm dsa mtt}; do
  case $m in
    dm) T=200; kw="{batch_real: 64}";;
    dsa) T=100; kw="{batch_real: 64}";;
    dc) T=100; kw="{batch_real: 64}";;
    mtt) T=100; kw="{buffer: runs/experts/fashion_mnist}";;
  esac
  name=pixel_${m}_ipc1_T${T}
  d=runs/experiments/fashion_mnist/$name; mkdir -p "$d"
  .venv/bin/papermill nbs/run_experiment.ipynb "$d/run_experiment.ipynb" -k python3 -p dataset fashion_mnist -p method pixel \
     -p matcher $m -p ipc 1 -p criterion last -p eval_epochs $E -p total_steps $T -p steps_per_space $T -p select_every $T \
     -y "matcher_kwargs: $kw" -p run_name "experiments/fashion_mnist/$name" > "$d/log.txt" 2>&1
  echo "$name done: $(cat $d/eval.json | .venv/bin/python -c 'import json,sys; r=json.load(sys.stdin); print(r["mean"], r["std"])')"
done
