"""Seconds per evaluated model: K ConvNet-3 trained together (torch.func.vmap) vs one after another, on Fashion-MNIST.

Usage: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/evaluate.py [--ipcs 1 10] [--epochs 300] [--K 5] [--device cpu] [--out DIR]
Prints a table and the command; writes runs/benchmarks/evaluate/results_<device>.json (or DIR/results_<device>.json): per row the
config, command, git commit, device name, peak memory (CUDA: max_memory_allocated; CPU: peak RSS) and load average; each
measurement is also appended to the file's `history`. The last line, `SUMMARY: …`, is what benchmarks/gpu_check.sh shows."""
import argparse, os
from hpd.evaluate import random_real_subset, evaluate_synset
from common import open_benchmark, add_row, device_name, PeakMemory, gib

ap = argparse.ArgumentParser()
ap.add_argument('--ipcs', type=int, nargs='+', default=[1, 10])
ap.add_argument('--epochs', type=int, default=300)
ap.add_argument('--K', type=int, default=5)
ap.add_argument('--device', default=None)
ap.add_argument('--out', default=None, help='folder of the results file (default runs/benchmarks/evaluate)')
ap.add_argument('--dataset', default='fashion_mnist', help='any hpd.data.load_dataset name (digits: a tiny one for smoke tests); rows of other datasets than fashion_mnist get it as a key prefix')
ap.add_argument('--no-dsa', action='store_true')
ap.add_argument('--measure-epochs', type=int, default=None, help='train this many epochs and scale the training time linearly to --epochs')
args = ap.parse_args()
cmd, alloc, device, data, path, res = open_benchmark('evaluate', args.device, args.out, args.dataset)
pre = '' if args.dataset == 'fashion_mnist' else args.dataset + '_'
dname = device_name(device)
rows = res['rows']
for ipc in args.ipcs:
    x, y = random_real_subset(data, ipc, seed=0)
    for batched in [True, False]:
        key = f'{pre}ipc{ipc}_{"batched" if batched else "loop"}_e{args.epochs}_K{args.K}'
        load0 = os.getloadavg()[0]
        me = args.measure_epochs or args.epochs
        with PeakMemory(device) as pm:
            r = evaluate_synset(x, y, data, K=args.K, epochs=me, dsa=not args.no_dsa, batched=batched, device=device)
        add_row(res, key, dict(dataset=args.dataset, data_source=data.info.get('source'), n_train=len(data.train), ipc=ipc, batched=batched, epochs=args.epochs, measured_epochs=me, K=args.K, dsa=not args.no_dsa,
                         s_per_model=r['seconds']['per_model'] * args.epochs / me, extrapolated=me != args.epochs,
                         train_s=r['seconds']['train'], test_s=r['seconds']['test'], acc_mean=r['mean'], acc_std=r['std'],
                         loadavg_before=load0, loadavg_after=os.getloadavg()[0], command=cmd, commit=res['git'].get('commit'),
                         dirty=res['git'].get('dirty'), device=str(device), device_name=dname, **pm.record()), path)
        print(f'{key}: {rows[key]["s_per_model"]:.1f} s/model (train{", extrapolated from %d epochs" % me if me != args.epochs else ""}), '
              f'acc {r["mean"]:.2f} ± {r["std"]:.2f}, load {load0:.1f}, peak {gib(pm.peak)}', flush=True)
print('\n| IPC | batched s/model | loop s/model | speed-up |')
for ipc in args.ipcs:
    b, l = rows.get(f'{pre}ipc{ipc}_batched_e{args.epochs}_K{args.K}'), rows.get(f'{pre}ipc{ipc}_loop_e{args.epochs}_K{args.K}')
    if b and l: print(f'| {ipc} | {b["s_per_model"]:.1f} | {l["s_per_model"]:.1f} | {l["s_per_model"] / b["s_per_model"]:.2f}× |')
print('command:', cmd, '| device:', device, dname, '| allocator:', alloc, '| commit:', res['git'].get('commit'))
summ = []
for ipc in args.ipcs:
    b, l = rows.get(f'{pre}ipc{ipc}_batched_e{args.epochs}_K{args.K}'), rows.get(f'{pre}ipc{ipc}_loop_e{args.epochs}_K{args.K}')
    summ.append(f'IPC {ipc}: batched {b["s_per_model"]:.2f} vs loop {l["s_per_model"]:.2f} s/model = {l["s_per_model"] / b["s_per_model"]:.2f}×'
                f'{" (target ≥ 3× on a GPU: " + ("met" if l["s_per_model"] >= 3 * b["s_per_model"] else "MISSED") + ")" if device.type == "cuda" and ipc == 1 else ""}, '
                f'acc {b["acc_mean"]:.1f}/{l["acc_mean"]:.1f}')
print(f'wrote {path}\nSUMMARY: ' + '; '.join(summ))
