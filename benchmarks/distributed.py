"""torchrun scale-out (issue 19 item 6): 1 vs N processes (gloo on the CPU, NCCL on GPUs) for an H-PD + DM distillation, sharded by
image and by class, and for the evaluation fan-out; and the memory one GPU needs for IPC 50 × 10 classes at 128² with StyleGAN-XL,
projected from measured per-image costs.

Usage:
  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/distributed.py [--parts dm eval] [--nprocs 1 2] [--ipc 10] [--steps 2] [--K 4] [--epochs 50]
  .venv/bin/python benchmarks/distributed.py --projection [--ipc 50 --classes 10 --chunk 1 --processes 1 2 4 8]

The timing parts launch this script under `torchrun --standalone --nproc_per_node N` (one thread per process) on Fashion-MNIST with the
shipped generator, time each part on rank 0 between barriers, and check that the N-process result matches the 1-process one (largest
pixel difference of the distilled set, identical evaluation accuracies). Rows go to runs/benchmarks/distributed/results_<device>.json
(or --out), each with its command, commit, load average and per-process peak RSS: on a shared machine they are not idle-machine figures.
The projection prints a table per process count (image and class mode) with every term and where its per-image figure comes from."""
import argparse, json, math, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Measured per-image costs behind the projection (NOTES.md, "StyleGAN-XL on this CPU" and "GPU check"; random weights, real-size
# ImageNet-128 layout): autograd saved tensors when rendering from space 0 (the largest; 14.2 GiB from space 6, 2.0 GiB from space 12),
# counted on the meta device, and the forward's FLOPs. The generator holds 226 M values.
SGXL_GRAPH_GIB_SPACE0 = 17.4
SGXL_TFLOP_FORWARD = 2.32
SGXL_VALUES = 226e6


def worker(a):
    "One process under torchrun: run the part, report rank 0's wall-clock and every rank's peak RSS."
    from hpd.core import tune_malloc
    from hpd.distributed import init_distributed, close_distributed, Shard, evaluate_models
    import torch.distributed as dist
    tune_malloc()
    device = init_distributed()
    from hpd.data import load_dataset
    from hpd.evaluate import random_real_subset
    data = load_dataset('fashion_mnist')
    out, rank = Path(a.scratch), dist.get_rank()
    dist.barrier(); t0 = time.perf_counter()
    if a.part == 'eval':
        x, y = random_real_subset(data, a.ipc, seed=0)
        r = evaluate_models(x, y, data, {'ConvNet': dict(K=a.K, epochs=a.epochs)}, device, Shard())
        result = dict(accs=r['ConvNet']['accs'])
    else:
        from hpd.config import DistillConfig
        from hpd.distill import distill
        from hpd.generators import load_generator
        G = load_generator('fashion_mnist', device=device)
        cfg = DistillConfig(matcher='dm', ipc=a.ipc, steps_per_space=a.steps, select_every=a.steps, criterion='loss', record_criteria=('loss',),
                            matcher_kwargs=dict(batch_real=a.batch_real), init_kwargs=dict(M=100))
        mode = a.part.split('_')[1]
        r = distill(data, cfg, out/f'{a.part}_{a.nprocs[0]}', G=G, device=device, shard=Shard(mode))
        result = dict(images=str(out/f'{a.part}_{a.nprocs[0]}'/'synset.pt'))
    dist.barrier(); secs = time.perf_counter() - t0
    rss = [None] * dist.get_world_size()
    dist.all_gather_object(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    if rank == 0: Path(a.result).write_text(json.dumps(dict(result, seconds=secs, peak_rss=rss)))
    close_distributed()


def launch(a, part, n, scratch):
    "Run one part with n processes; its result dict."
    res = Path(scratch)/f'{part}_{n}.json'
    cmd = [str(Path(sys.executable).parent/'torchrun'), '--standalone', '--nproc_per_node', str(n), __file__, '--worker', '--part', part,
           '--nprocs', str(n), '--scratch', str(scratch), '--result', str(res), '--ipc', str(a.ipc), '--steps', str(a.steps),
           '--batch-real', str(a.batch_real), '--K', str(a.K), '--epochs', str(a.epochs)]
    p = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS='1'), capture_output=True, text=True)
    if p.returncode: sys.exit(f'{part} with {n} processes failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}')
    return json.loads(res.read_text())


def timings(a):
    from common import command_line, code_version, results_file, add_row, device_name
    from hpd.core import get_device, load_tensors
    device = get_device(a.device)
    path, res = results_file('distributed', device, a.out)
    cmd, git = command_line(), code_version()
    res.update(command=cmd, git=git); res.setdefault('rows', {})
    parts = [p for p in ('dm_image', 'dm_class', 'eval') if p.split('_')[0] in a.parts]
    with tempfile.TemporaryDirectory() as scratch:
        for part in parts:
            base = None
            for n in a.nprocs:
                load0 = os.getloadavg()[0]
                r = launch(a, part, n, scratch)
                if part == 'eval': same = None if base is None else r['accs'] == base['accs']
                else: same = None if base is None else (load_tensors(r['images'])['images'] - load_tensors(base['images'])['images']).abs().max().item()
                base = base or r
                row = dict(part=part, processes=n, seconds=r['seconds'], speedup=base['seconds'] / r['seconds'], peak_rss_gib=[b / 2**30 for b in r['peak_rss']],
                           matches_1_process=same, ipc=a.ipc, steps_per_space=a.steps, batch_real=a.batch_real, K=a.K, epochs=a.epochs,
                           loadavg_before=load0, loadavg_after=os.getloadavg()[0], cpus=os.cpu_count(), command=cmd, commit=git.get('commit'),
                           dirty=git.get('dirty'), device=str(device), device_name=device_name(device))
                add_row(res, f'{part}_ipc{a.ipc}_n{n}', row, path)
                print(f'{part:9s} {n} processes: {r["seconds"]:7.1f} s  ×{row["speedup"]:.2f}  peak RSS {", ".join(f"{g:.2f}" for g in row["peak_rss_gib"])} GiB  '
                      f'{"(reference)" if same is None else ("accuracies identical" if same is True else "ACCURACIES DIFFER" if same is False else f"max pixel diff {same:.2e}")}  load {load0:.1f}', flush=True)
    print('command:', cmd, '| commit:', git.get('commit'), '| results:', path)


def matcher_costs(im_size:int=128, channels:int=3, num_classes:int=10) -> tuple[float, float]:
    "DM's ConvNet at this size: autograd bytes saved per synthetic image (measured), and the largest input+output pair of one layer per real image (no-grad peak)."
    from hpd.networks import get_network
    from hpd.generators import autograd_peak_bytes
    net = get_network('ConvNet', channels, num_classes, im_size)
    for p in net.parameters(): p.requires_grad_(False)
    x = torch.randn(2, channels, im_size, im_size, requires_grad=True)
    graph = autograd_peak_bytes(lambda: net.embed(x).mean(0).square().sum().backward()) / 2
    sizes = []
    hooks = [m.register_forward_hook(lambda m, i, o: sizes.append((i[0].numel() + o.numel()) * 4)) for m in net.modules() if not list(m.children())]
    with torch.no_grad(): net.embed(x[:1])
    for h in hooks: h.remove()
    return graph, max(sizes)


def projection(a):
    "Per-GPU memory for IPC × classes images at 128² with StyleGAN-XL ImageNet-128, from measured per-image costs."
    from hpd.stylegan_xl import official_plan, plan_shapes
    shapes = [math.prod(s) for _, s in plan_shapes(official_plan('imagenet128'))]
    lps, n, w = 2, a.ipc * a.classes, 512
    f_max = max(shapes[b] for b in range(lps, len(shapes), lps))  # features of the largest space (StyleGAN-XL's margins make a middle one largest)
    latent = (len(shapes) * w + f_max) * 4  # W+ (one code per layer, an upper bound on num_ws) + features, fp32
    copies = 4 + 1 + a.steps // a.select_every  # params, grads, momentum, the entering state; candidate 0 and the snapshots
    graph, real_peak = matcher_costs()
    GiB = 2**30
    print(f'StyleGAN-XL ImageNet-128, {n} images (IPC {a.ipc} × {a.classes}), layers_per_space {lps}: largest feature space {f_max / 1e6:.1f} M values/image; '
          f'{copies} copies of the latents per image (params, grads, momentum, entering state, {1 + a.steps // a.select_every} candidates at steps_per_space {a.steps}, select_every {a.select_every})')
    print(f'per image: generator graph {SGXL_GRAPH_GIB_SPACE0} GiB (space 0, NOTES.md), latents {latent / 2**20:.1f} MiB × {copies}, '
          f'DM ConvNet graph {graph / 2**20:.1f} MiB (measured here), real batch no-grad peak {real_peak / 2**20:.1f} MiB (measured here)')
    print('| processes | mode | images/process | weights | G graph (chunk) | latents+state | images+dL/dx | DM graph | DM real batch | total GiB/GPU | forward TFLOP/process/step |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    rows = []
    for P in a.processes:
        for mode in (('image', 'class') if P > 1 else ('one process',)):
            if P > (n if mode != 'class' else a.classes): continue
            own = math.ceil(n / P)
            own_classes = math.ceil(a.classes / P)
            t = dict(weights=SGXL_VALUES * 4 / GiB, graph=a.chunk * SGXL_GRAPH_GIB_SPACE0, latents=own * latent * copies / GiB,
                     images=(n if mode != 'class' else own) * 3 * 128 * 128 * 4 * 2 / GiB,
                     dm=(n if mode != 'class' else own) * graph / GiB,
                     real=(a.classes if mode != 'class' else own_classes) * a.batch_real * real_peak / GiB if a.batched_real else a.batch_real * real_peak / GiB)
            total = sum(t.values())
            rows.append(dict(processes=P, mode=mode, own=own, total=total, **t))
            print(f'| {P} | {mode} | {own} | {t["weights"]:.2f} | {t["graph"]:.1f} | {t["latents"]:.1f} | {t["images"]:.2f} | {t["dm"]:.1f} | {t["real"]:.1f} | **{total:.1f}** | '
                  f'{own * SGXL_TFLOP_FORWARD:.0f} |')
    print('Upper bound: the generator graph peaks in space 0, the latents in the largest feature space. DM real batch: all classes at once '
          f'({"batched, as DM on CUDA" if a.batched_real else "one class at a time, as DM on the CPU"}), batch_real {a.batch_real} per class. '
          'Forward TFLOP per process and step: rendering its images once from space 0 (backward through G costs about twice that again).')
    return rows


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--parts', nargs='+', default=['dm', 'eval'], choices=['dm', 'eval'])
    ap.add_argument('--nprocs', type=int, nargs='+', default=[1, 2])
    ap.add_argument('--ipc', type=int, default=None, help='timing: 10 (default); projection: 50 (default)')
    ap.add_argument('--steps', type=int, default=None, help='steps per space (timing default 2; projection default 20, the paper profile for DM)')
    ap.add_argument('--batch-real', type=int, default=None, help='real images per class per DM step (timing default 64; projection default 256)')
    ap.add_argument('--K', type=int, default=4, help='evaluation: ConvNet models')
    ap.add_argument('--epochs', type=int, default=50, help='evaluation: epochs per model')
    ap.add_argument('--device', default=None); ap.add_argument('--out', default=None)
    ap.add_argument('--projection', action='store_true')
    ap.add_argument('--classes', type=int, default=10); ap.add_argument('--chunk', type=int, default=1)
    ap.add_argument('--select-every', type=int, default=5); ap.add_argument('--processes', type=int, nargs='+', default=[1, 2, 4, 8])
    ap.add_argument('--batched-real', action=argparse.BooleanOptionalAction, default=True, help='DM embeds every class\'s real batch at once (its CUDA default)')
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    for n in ('part', 'scratch', 'result'): ap.add_argument(f'--{n}', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.projection:
        a.ipc, a.steps, a.batch_real = a.ipc or 50, a.steps or 20, a.batch_real or 256
        projection(a)
    else:
        a.ipc, a.steps, a.batch_real = a.ipc or 10, a.steps or 2, a.batch_real or 64
        worker(a) if a.worker else timings(a)
