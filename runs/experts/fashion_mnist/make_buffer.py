# The command that built this buffer (run from the repo root):
#   nohup .venv/bin/python runs/experts/fashion_mnist/make_buffer.py > runs/experts/fashion_mnist/log.txt 2>&1 &
import torch
from hpd.core import tune_malloc
from hpd.data import load_dataset
from hpd.experts import generate_experts
torch.set_num_threads(1); print('allocator:', tune_malloc(), flush=True)
generate_experts(load_dataset('fashion_mnist'), 'runs/experts/fashion_mnist', num_experts=2, epochs=4, seed=0,
                 log=lambda s: print(s, flush=True))
print('done', flush=True)
