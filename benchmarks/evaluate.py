"""Seconds per evaluated model: K ConvNet-3 trained together (torch.func.vmap) vs one after another, on Fashion-MNIST.

Usage: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/evaluate.py [--ipcs 1 10] [--epochs 300] [--K 5] [--device cpu]
Prints a table and the command; writes runs/benchmarks/evaluate/results_<device>.json (config, git commit, load average per row)."""
import argparse, os
from hpd.core import save_json
from hpd.evaluate import random_real_subset, evaluate_synset
from common import open_benchmark

ap = argparse.ArgumentParser()
ap.add_argument('--ipcs', type=int, nargs='+', default=[1, 10])
ap.add_argument('--epochs', type=int, default=300)
ap.add_argument('--K', type=int, default=5)
ap.add_argument('--device', default=None)
ap.add_argument('--no-dsa', action='store_true')
ap.add_argument('--measure-epochs', type=int, default=None, help='train this many epochs and scale the training time linearly to --epochs')
args = ap.parse_args()
cmd, alloc, device, data, path, res = open_benchmark('evaluate', args.device)
rows = res['rows']
for ipc in args.ipcs:
    x, y = random_real_subset(data, ipc, seed=0)
    for batched in [True, False]:
        key = f'ipc{ipc}_{"batched" if batched else "loop"}_e{args.epochs}_K{args.K}'
        load0 = os.getloadavg()[0]
        me = args.measure_epochs or args.epochs
        r = evaluate_synset(x, y, data, K=args.K, epochs=me, dsa=not args.no_dsa, batched=batched, device=device)
        rows[key] = dict(ipc=ipc, batched=batched, epochs=args.epochs, measured_epochs=me, K=args.K, dsa=not args.no_dsa,
                         s_per_model=r['seconds']['per_model'] * args.epochs / me, extrapolated=me != args.epochs,
                         train_s=r['seconds']['train'], test_s=r['seconds']['test'], acc_mean=r['mean'], acc_std=r['std'],
                         loadavg_before=load0, loadavg_after=os.getloadavg()[0], command=cmd, commit=res['git'].get('commit'))
        save_json(res, path)
        print(f'{key}: {rows[key]["s_per_model"]:.1f} s/model (train{", extrapolated from %d epochs" % me if me != args.epochs else ""}), acc {r["mean"]:.2f} ± {r["std"]:.2f}, load {load0:.1f}', flush=True)
print('\n| IPC | batched s/model | loop s/model | speed-up |')
for ipc in args.ipcs:
    b, l = rows.get(f'ipc{ipc}_batched_e{args.epochs}_K{args.K}'), rows.get(f'ipc{ipc}_loop_e{args.epochs}_K{args.K}')
    if b and l: print(f'| {ipc} | {b["s_per_model"]:.1f} | {l["s_per_model"]:.1f} | {l["s_per_model"] / b["s_per_model"]:.2f}× |')
print('command:', cmd, '| device:', device, '| allocator:', alloc, '| commit:', res['git'].get('commit'))
