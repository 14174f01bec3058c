"""Speed levers on this CPU, each against fp32 at one thread (issue 18): seconds per iteration, and the accuracy of what it produces.

Parts (each writes its rows as it finishes; `--parts` picks some):
  eval  K ConvNet-3 models trained on one IPC-1 set (the fp32 Pixel-DM set of part `dmsets`, else the same set from the committed
        comparison run), 300 epochs with DSA, then the 10,000-image test pass: fp32, bf16, channels_last, torch.compile (its compile
        time is in the training seconds), in this process at one thread. Same seeds: the same models.
  workers  the same set: fp32 in this process at one thread, then bf16 with one single-threaded worker process per core
        (`hpd.distributed.evaluate_models(workers=)`, what a run alone on the machine does): wall-clock per model.
  cross  the same set on the other architectures (AlexNet, VGG-11, ResNet-18, ViT; K=3, 300 epochs, 2,000 test images, as the
        cpu profile), fp32 then bf16, each with one process per core: wall-clock and every model's accuracy (same seeds).
  dm    Pixel DM, 256 real images per class: seconds per iteration at IPC 1 and 10 for fp32, bf16 (real side), bf16 on both sides,
        channels_last (one thread); at every core: fp32, DM's defaults and the fastest lever.
  dmsets  the accuracy of a Pixel DM set (IPC 1) distilled for `--dm-steps`
        iterations (the comparison's Pixel budget) with fp32 and with bf16 on the real side and on both sides (same seeds),
        each evaluated by K fp32 ConvNets (300 epochs): the matcher's lever is the only difference.
  dsa   DSA outer iteration at IPC 1 (256 real images per class, as the target's reference in benchmarks/matchers.py): fp32, bf16,
        bf16 both sides, channels_last (one thread); at every core: fp32, DSA's defaults and the fastest lever.
  dsasets  the accuracy of a Pixel DSA set (IPC 1, 128 real/class) distilled for `--dsa-steps` iterations in fp32 and with bf16
        on both sides (same seeds), each evaluated by K fp32 ConvNets (300 epochs).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/levers.py                 # all parts, on an idle machine (≈ 40 min here)
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/levers.py --parts eval --K 2 --epochs 20 --out /tmp/x   # a quick look

Rows go to runs/benchmarks/levers/results_cpu.json (or --out), each with its command, commit, load average and thread count.
Ratios are measured in one run; a row whose load average exceeded the cores it loads itself says so (`shared: true`)."""
import argparse, os, time, tempfile
from pathlib import Path
import numpy as np
import torch
from common import open_benchmark, add_row, device_name
from hpd.core import cpu_plan
from hpd.config import DistillConfig
from hpd.distill import distill
from hpd.distributed import evaluate_models
from hpd.evaluate import evaluate_synset, random_real_subset
from hpd.matchers import get_matcher, MATCHERS
from hpd.init import real_init

def main():  # guarded: evaluation worker processes are spawned, and a spawned process imports the main script
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--parts', default='dm,dmsets,eval,workers,cross,dsa,dsasets')
    ap.add_argument('--K', type=int, default=5)
    ap.add_argument('--epochs', type=int, default=300)
    ap.add_argument('--iters', type=int, default=3, help='timed matcher iterations per lever (after one warm-up)')
    ap.add_argument('--dm-steps', type=int, default=80, help='Pixel DM iterations of the sets whose accuracy is compared')
    ap.add_argument('--dsa-steps', type=int, default=40, help='Pixel DSA iterations of the sets whose accuracy is compared')
    ap.add_argument('--out', default=None)
    a = ap.parse_args()
    cmd, alloc, device, data, path, res = open_benchmark('levers', 'cpu', a.out)
    cores = os.cpu_count()
    res.update(precision='per row')

    def row(key, uses=1, **kw):  # uses: the cores the measurement itself loads (a machine is shared when the load exceeds them)
        load = os.getloadavg()[0]
        r = add_row(res, key, dict(kw, threads=torch.get_num_threads(), loadavg=load, shared=load > uses + 0.5, device_name=device_name('cpu'),
                                   command=cmd, commit=res['git'].get('commit'), dirty=res['git'].get('dirty')), path)
        print(key, {k: v for k, v in r.items() if k not in ('command', 'device_name', 'time', 'check_id', 'commit', 'dirty')}, flush=True)

    def threads(n): torch.set_num_threads(n)

    EVAL_LEVERS = {'fp32': dict(bf16=False), 'bf16': dict(bf16=True), 'channels_last': dict(bf16=False, channels_last=True), 'compile': dict(bf16=False, compile=True)}
    MATCHER_LEVERS = {'fp32': dict(bf16=False, bf16_syn=False), 'bf16': dict(bf16=True, bf16_syn=False), 'bf16_both': dict(bf16=True, bf16_syn=True),
                      'channels_last': dict(bf16=False, bf16_syn=False, channels_last=True)}  # explicit: DM's defaults are bf16 on both sides

    def dm_set(kw:dict, steps:int, folder:Path):
        "A Pixel DM set (IPC 1, 256 real per class) distilled through `hpd.distill.distill` with the matcher levers `kw`; (images, labels, seconds per step)."
        cfg = DistillConfig(method='pixel', matcher='dm', ipc=1, total_steps=steps, select_every=min(steps, 20), criterion='last', record_criteria=('loss',),
                            matcher_kwargs=dict(batch_real=256, **kw), seed=0)
        t0 = time.perf_counter()
        r = distill(data, cfg, folder, device='cpu', progress=False)
        return r['images'], r['labels'], (time.perf_counter() - t0) / steps

    def evaluate(x, y, **kw):
        r = evaluate_synset(x, y, data, K=a.K, epochs=a.epochs, seed=0, device='cpu', **kw)
        return dict(mean=round(r['mean'], 2), std=round(r['std'], 2), accs=[round(v, 2) for v in r['accs']],
                    train_s_per_model=round(r['seconds']['train'] / a.K, 2), test_s_per_model=round(r['seconds']['test'] / a.K, 2),
                    s_per_model=round((r['seconds']['train'] + r['seconds']['test']) / a.K, 2))

    tmp = Path(tempfile.mkdtemp(prefix='levers_'))
    sets = {}
    parts = a.parts.split(',')

    def s_per_iter(matcher, ipc, kw, n_threads=1):
        "Seconds per loss + backward of `matcher` at IPC `ipc` (256 real images per class) with the levers `kw`, after one warm-up."
        threads(n_threads)
        x0, y0, _ = real_init(data, ipc, seed=0)
        m = get_matcher(matcher, data, ipc, seed=0, device='cpu', batch_real=256, **kw)
        x = x0.clone().requires_grad_(True); m.loss(x, y0).backward()
        t0 = time.perf_counter()
        for _ in range(a.iters): x.grad = None; m.loss(x, y0).backward()
        secs = (time.perf_counter() - t0) / a.iters
        threads(1)
        return secs

    def lever_timings(matcher, ipc):
        "Every lever at one thread; fp32 (threads alone), the matcher's defaults and the fastest lever at every core."
        secs = {name: s_per_iter(matcher, ipc, kw) for name, kw in MATCHER_LEVERS.items()}
        fastest = min(secs, key=secs.get)
        multi = {name: s_per_iter(matcher, ipc, {} if name == 'default' else MATCHER_LEVERS[name], cores) for name in dict.fromkeys(['fp32', 'default', fastest])}
        return dict(batch_real=256, s_per_iter={k: round(v, 3) for k, v in secs.items()}, speedup={k: round(secs['fp32'] / v, 2) for k, v in secs.items()},
                    fastest=fastest, defaults={k: MATCHERS[matcher].defaults[k] for k in ('bf16', 'bf16_syn', 'channels_last')},
                    all_cores=dict(threads=cores, **{k: dict(s_per_iter=round(v, 3), speedup=round(secs['fp32'] / v, 2)) for k, v in multi.items()}))

    if 'dm' in parts:
        for ipc in (1, 10): row(f'dm_ipc{ipc}_seconds', uses=cores, **lever_timings('dm', ipc))
    if 'dmsets' in parts:
        acc = {}
        for name in ('fp32', 'bf16', 'bf16_both'):
            x, y, s = dm_set(MATCHER_LEVERS[name], a.dm_steps, tmp/f'dm_{name}')
            sets[name] = (x, y)
            acc[name] = dict(evaluate(x, y, bf16=False), distill_s_per_step=round(s, 3))
            row(f'dm_ipc1_set_{name}', steps=a.dm_steps, K=a.K, epochs=a.epochs, evaluation='fp32, one thread', **acc[name])
        row('dm_ipc1_sets', steps=a.dm_steps, K=a.K, means={k: v['mean'] for k, v in acc.items()}, stds={k: v['std'] for k, v in acc.items()},
            max_abs_pixel_diff_vs_fp32={k: round(float((sets[k][0] - sets['fp32'][0]).abs().max()), 4) for k in sets})

    SET = 'runs/experiments/fashion_mnist/pixel_dm_ipc1_critlast_mkbatch_real256_eval_epochs300/synset.pt'  # the comparison's Pixel DM set (= dmsets' fp32 set)
    def eval_set():
        if 'fp32' in sets: return (*sets['fp32'], f'Pixel DM IPC 1, {a.dm_steps} steps, fp32 (made here)')
        s = torch.load(SET, weights_only=True)
        return s['images'], s['labels'], SET

    if 'eval' in parts:
        x, y, src = eval_set()
        threads(1)
        out = {}
        for name, kw in EVAL_LEVERS.items():
            out[name] = evaluate(x, y, **kw)
            row(f'eval_convnet_ipc1_{name}', set=src, K=a.K, epochs=a.epochs, **out[name])
        fp = out['fp32']['s_per_model']
        row('eval_convnet_ipc1', set=src, K=a.K, epochs=a.epochs, means={k: v['mean'] for k, v in out.items()}, stds={k: v['std'] for k, v in out.items()},
            speedup_vs_fp32={k: round(fp / v['s_per_model'], 2) for k, v in out.items()},
            train_speedup_vs_fp32={k: round(out['fp32']['train_s_per_model'] / v['train_s_per_model'], 2) for k, v in out.items()},
            test_speedup_vs_fp32={k: round(out['fp32']['test_s_per_model'] / v['test_s_per_model'], 2) for k, v in out.items()})

    if 'workers' in parts:  # what a run alone on the machine does: bf16, one single-threaded process per core; against fp32 in this process at one thread
        x, y, src = eval_set()
        threads(1)
        t0 = time.perf_counter(); ref = evaluate(x, y, bf16=False); ref_wall = (time.perf_counter() - t0) / a.K
        t0 = time.perf_counter()
        r = evaluate_models(x, y, data, {'ConvNet': dict(K=a.K, epochs=a.epochs, seed=0, bf16=True)}, 'cpu', workers=cores)['ConvNet']
        wall = (time.perf_counter() - t0) / a.K
        row('eval_convnet_ipc1_bf16_workers', uses=cores, set=src, K=a.K, epochs=a.epochs, workers=cores, mean=round(r['mean'], 2), std=round(r['std'], 2),
            accs=[round(v, 2) for v in r['accs']], wall_s_per_model=round(wall, 2), fp32_one_thread=dict(mean=ref['mean'], std=ref['std'], wall_s_per_model=round(ref_wall, 2)),
            speedup_wall_vs_fp32=round(ref_wall / wall, 2))

    if 'cross' in parts:  # the cross-architecture evaluation of one set (the comparison's Pixel DM set), fp32 and bf16, each with a process per core
        x, y, src = eval_set()
        threads(1)
        models = ('AlexNet', 'VGG11', 'ResNet18', 'ViT')
        out = {}
        for name, bf in (('fp32', False), ('bf16', True)):
            t0 = time.perf_counter()
            r = evaluate_models(x, y, data, {m: dict(K=3, epochs=a.epochs, seed=0, test_subset=2000, bf16=bf) for m in models}, 'cpu', workers=cores)
            out[name] = dict(wall_s=round(time.perf_counter() - t0, 1), means={m: round(v['mean'], 2) for m, v in r.items()},
                             accs={m: [round(v, 2) for v in r[m]['accs']] for m in models}, cross_arch_mean=round(float(np.mean([v['mean'] for v in r.values()])), 2))
        row('cross_arch_ipc1', uses=cores, set=src, K=3, epochs=a.epochs, test_images=2000, workers=cores, **out, speedup_wall=round(out['fp32']['wall_s'] / out['bf16']['wall_s'], 2))

    if 'dsasets' in parts:  # the accuracy of a Pixel DSA set (IPC 1, 128 real/class as the cpu profile) distilled in fp32 and in bf16 on both sides
        acc, dsets = {}, {}
        for name in ('fp32', 'bf16_both'):
            threads(1)
            cfg = DistillConfig(method='pixel', matcher='dsa', ipc=1, total_steps=a.dsa_steps, select_every=min(a.dsa_steps, 20), criterion='last',
                                record_criteria=('loss',), matcher_kwargs=dict(batch_real=128, **MATCHER_LEVERS[name]), seed=0)
            t0 = time.perf_counter(); r = distill(data, cfg, tmp/f'dsa_{name}', device='cpu', progress=False); s = (time.perf_counter() - t0) / a.dsa_steps
            dsets[name] = r['images']
            acc[name] = dict(evaluate(r['images'], r['labels'], bf16=False), distill_s_per_step=round(s, 3))
            row(f'dsa_ipc1_set_{name}', steps=a.dsa_steps, K=a.K, epochs=a.epochs, evaluation='fp32, one thread', **acc[name])
        row('dsa_ipc1_sets', steps=a.dsa_steps, K=a.K, means={k: v['mean'] for k, v in acc.items()}, stds={k: v['std'] for k, v in acc.items()},
            max_abs_pixel_diff_vs_fp32=round(float((dsets['bf16_both'] - dsets['fp32']).abs().max()), 4))

    if 'dsa' in parts: row('dsa_ipc1_seconds', uses=cores, **lever_timings('dsa', 1))
    print(f'→ {path}')


if __name__ == '__main__': main()
