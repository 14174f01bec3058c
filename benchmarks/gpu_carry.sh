#!/usr/bin/env bash
# What this workplace's device machine lacks for benchmarks/gpu_check.sh, gathered into .gpu_carry/ for the device tool's
# `carry`: its image has python3 with torch, torchvision, numpy, scipy, pandas, scikit-learn, pyyaml and tqdm, but no network,
# no grad-cam and no Fashion-MNIST. .gpu_carry/site gets pytorch_grad_cam and ttach (pure Python, copied from .venv);
# .gpu_carry/data gets Fashion-MNIST: the full test set and the first N training images of each class (default 1000: the
# tree, untracked files and carried paths travel within 64 MiB, and the full training file alone is 26 MB; 1000 per class
# covers hpd.data's 500-per-class validation holdout and the matchers' 256 real images per class; 0 copies the full set).
# Parts a/b then time the same shapes as with the full set, but their IPC-1 draws differ: accuracies are not comparable with
# the CPU rows (each row records the dataset's n_train). The folder is excluded locally (.git/info/exclude, never committed).
#   benchmarks/gpu_carry.sh [N]        then: NOTES.md, "GPU check", for the run command
set -eu
cd "$(dirname "$0")/.."
N=${1:-1000}
D=.gpu_carry
PY=${PY:-.venv/bin/python}
SITE=$("$PY" -c 'import os, pytorch_grad_cam; print(os.path.dirname(os.path.dirname(pytorch_grad_cam.__file__)))')
rm -rf "$D"; mkdir -p "$D/site" "$D/data"
cp -r "$SITE/pytorch_grad_cam" "$SITE/ttach" "$D/site/"
find "$D" -name __pycache__ -prune -exec rm -rf {} +
OMP_NUM_THREADS=1 "$PY" - "$D/data" "$N" <<'PYEOF'
import gzip, struct, sys
import numpy as np
from pathlib import Path
from hpd.data import load_fashion_mnist_arrays
out, n = Path(sys.argv[1]), int(sys.argv[2])
a, src = load_fashion_mnist_arrays()
if n:
    keep = np.sort(np.concatenate([np.flatnonzero(a['y_train'] == c)[:n] for c in range(10)]))
    a['x_train'], a['y_train'] = a['x_train'][keep], a['y_train'][keep]
for k, stem in [('x_train', 'train-images-idx3-ubyte'), ('y_train', 'train-labels-idx1-ubyte'),
                ('x_test', 't10k-images-idx3-ubyte'), ('y_test', 't10k-labels-idx1-ubyte')]:
    x = np.ascontiguousarray(a[k], dtype=np.uint8)
    with gzip.open(out/(stem + '.gz'), 'wb', compresslevel=9) as f:
        f.write(struct.pack('>HBB', 0, 8, x.ndim) + struct.pack(f'>{x.ndim}I', *x.shape) + x.tobytes())
(out/'README.txt').write_text(f'Fashion-MNIST from {src}: the full test set and {"the first %d training images of each class" % n if n else "the full training set"} '
                              f'({len(a["y_train"])} training images), written by benchmarks/gpu_carry.sh.\n')
print(f'Fashion-MNIST: {len(a["y_train"])} training and {len(a["y_test"])} test images from {src}')
PYEOF
EX=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$EX")"; grep -qx '/.gpu_carry/' "$EX" 2>/dev/null || echo '/.gpu_carry/' >> "$EX"
tree=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 du -cb 2>/dev/null | awk '/\ttotal$/ {s += $1} END {print s}')
carry=$(du -sb "$D" | cut -f1)
echo "$D: $((carry / 1048576)) MiB; working tree (tracked + untracked, not ignored): $((tree / 1048576)) MiB; together $(((tree + carry) / 1048576)) MiB of the 64 MiB a run carries"
[ $((tree + carry)) -le $((64 * 1048576)) ] || { echo "gpu_carry: over 64 MiB: the device tool will refuse; lower N or commit/clean large untracked files" >&2; exit 1; }
