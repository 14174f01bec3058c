"""Seconds per matcher iteration on Fashion-MNIST (ConvNet-3, width 128, 32×32): all classes batched vs a per-class loop.

DM: one iteration = loss over all classes (256 real images per class by default) + backward into the pixels.
DSA: one outer iteration = the same for gradient matching (at IPC 1 the DC schedule draws a fresh network every outer
step; at IPC 10 an outer step also trains the network 50 inner epochs on the synthetic set, identical in both paths).
Batched DM embeds every class's real images in one forward pass; batched DSA computes all classes' gradients with one
torch.func.vmap(grad(...)) per side. Both paths draw the same real images and DSA parameters, so their losses must agree:
the script records the largest relative difference. Timed iterations alternate between the paths (the machine is shared).
Each row also records the floating-point work of one iteration (torch.utils.flop_counter, forward + backward), the rate the
per-class loop reaches, and this core's fp32 matrix-multiply rate: their ratio bounds what any batching could gain.

Usage: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/matchers.py [--dm-ipcs 1 10] [--dsa-ipcs 1] [--iters 3] [--batch-real 256] [--device cpu] [--out DIR]
Writes runs/benchmarks/matchers/results_<device>.json (or DIR/results_<device>.json): per row the command, git commit, device
name, each path's peak memory (CUDA: max_memory_allocated over its iterations; CPU: peak RSS) and load average; each
measurement is also appended to the file's `history`. The last line, `SUMMARY: …`, is what benchmarks/gpu_check.sh shows."""
import argparse, os, time
import torch
from torch.utils.flop_counter import FlopCounterMode
from hpd.init import real_init
from hpd.matchers import get_matcher
from common import open_benchmark, add_row, device_name, PeakMemory, gib

ap = argparse.ArgumentParser()
ap.add_argument('--dm-ipcs', type=int, nargs='*', default=[1, 10])
ap.add_argument('--dsa-ipcs', type=int, nargs='*', default=[1])
ap.add_argument('--iters', type=int, default=3, help='timed iterations per path (after one untimed warm-up)')
ap.add_argument('--batch-real', type=int, default=256)
ap.add_argument('--device', default=None)
ap.add_argument('--out', default=None, help='folder of the results file (default runs/benchmarks/matchers)')
ap.add_argument('--dataset', default='fashion_mnist', help='any hpd.data.load_dataset name (digits: a tiny one for smoke tests); rows of other datasets than fashion_mnist get it as a key prefix')
args = ap.parse_args()
cmd, alloc, device, data, path, res = open_benchmark('matchers', args.device, args.out, args.dataset)
pre = '' if args.dataset == 'fashion_mnist' else args.dataset + '_'
dname = device_name(device)

def gemm_gflops(n=2048, reps=3):
    "Best-of-reps fp32 matrix-multiply rate of this device at the benchmark's thread count."
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = float('inf')
    for _ in range(reps + 1):
        t0 = time.perf_counter(); a @ b
        if device.type == 'cuda': torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9
peak = gemm_gflops()
summ = []
print(f'fp32 matmul rate: {peak:.1f} GFLOP/s', flush=True)

for name, ipcs in (('dm', args.dm_ipcs), ('dsa', args.dsa_ipcs)):
    for ipc in ipcs:
        x0, y, _ = real_init(data, ipc, seed=0, device=device)
        ms = {b: get_matcher(name, data, ipc, seed=0, batched=b, batch_real=args.batch_real, device=device) for b in (True, False)}
        xs = {b: x0.clone().requires_grad_(True) for b in (True, False)}
        times, losses, peaks = {True: [], False: []}, {True: [], False: []}, {True: [], False: []}
        load0 = os.getloadavg()[0]
        for it in range(args.iters + 1):
            for b in (True, False):
                with PeakMemory(device) as pm:
                    t0 = time.perf_counter()
                    l = ms[b].loss(xs[b], y); l.backward()
                    if device.type == 'cuda': torch.cuda.synchronize()
                    dt = time.perf_counter() - t0
                peaks[b].append(pm.record())
                losses[b].append(l.item()); xs[b].grad = None
                if it: times[b].append(dt)
        with FlopCounterMode(display=False) as fc:  # one more loop-path iteration, counted, not timed
            ms[False].loss(xs[False], y).backward(); xs[False].grad = None
        flops = fc.get_total_flops()
        tb, tl = sum(times[True]) / len(times[True]), sum(times[False]) / len(times[False])
        rel = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(losses[True], losses[False]))
        key = f'{pre}{name}_ipc{ipc}_b{args.batch_real}'
        top = lambda b, k: max((p[k] for p in peaks[b] if p[k] is not None), default=None)
        add_row(res, key, dict(dataset=args.dataset, data_source=data.info.get('source'), n_train=len(data.train), matcher=name, ipc=ipc, batch_real=args.batch_real, iters=args.iters, s_per_iter_batched=tb, s_per_iter_loop=tl,
                         speedup_batched_over_loop=tl / tb, losses_batched=losses[True], losses_loop=losses[False],
                         max_rel_loss_diff=rel, gflop_per_iter=flops / 1e9, gflops_loop=flops / tl / 1e9, gemm_gflops=peak,
                         max_speedup_at_gemm_rate=peak * tl * 1e9 / flops, allocator=alloc, loadavg_before=load0, loadavg_after=os.getloadavg()[0], command=cmd, commit=res['git'].get('commit'),
                         dirty=res['git'].get('dirty'), device=str(device), device_name=dname, memory_kind=peaks[True][0]['memory_kind'],
                         peak_bytes_batched=top(True, 'peak_bytes'), peak_bytes_loop=top(False, 'peak_bytes'),
                         peak_over_before_bytes_batched=top(True, 'peak_over_before_bytes'), peak_over_before_bytes_loop=top(False, 'peak_over_before_bytes')), path)
        print(f'{key}: batched {tb:.2f} s/it, loop {tl:.2f} s/it, loop/batched {tl / tb:.2f}×, max rel loss diff {rel:.1e}; '
              f'{flops / 1e9:.0f} GFLOP/it, loop at {flops / tl / 1e9:.1f} GFLOP/s = {flops / tl / 1e9 / peak:.0%} of the matmul rate; '
              f'peak batched {gib(top(True, "peak_bytes"))}, loop {gib(top(False, "peak_bytes"))}', flush=True)
        summ.append(f'{name.upper()} IPC {ipc}: batched {tb:.3f} vs loop {tl:.3f} s/it = {tl / tb:.2f}× (loss diff {rel:.0e})')
print(f'wrote {path}\ncommand: {cmd} | device: {device} {dname}')
print('SUMMARY: ' + '; '.join(summ))
