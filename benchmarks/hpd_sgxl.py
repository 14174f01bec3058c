"""A short H-PD run (`hpd.distill.distill`) through StyleGAN-XL at real size, random weights, on a small synthetic dataset.

Nothing is downloaded: the generator is `hpd.stylegan_xl.build_from_plan(official_plan('imagenet128'))` with random weights,
wrapped by `hpd.generators.DataAdapter` (10 classes mapped to ImageNette's ImageNet indices); the data are 10 classes of random
smooth colour patterns plus noise at 3×128×128 (an `HPDData` built here); the CAM criterion is `hpd.cam.CamDistance`
with an untrained ResNet18BN proxy. The config: DistillConfig(method='hpd', matcher='dm', ipc=1, steps_per_space=2,
select_every=1, lr_mode='paper', chunk=--chunk, withdrawal=--withdrawal), i.e. 14 spaces × 2 steps at layers_per_space=2.
What is measured: wall-clock per phase (init, every stage), seconds per optimization step, the peak memory of the whole
run, and that every stage ran with finite losses; the accuracies mean nothing here (random weights, random data).

withdrawal is off by default: before commit 2ad2ce3 each space's entering state was scored with a loss rendered in one
autograd graph for all images at once (≈17 GiB of saved activations per image at space 0, more than one GPU holds for 10
images); it now renders that state without a graph, and --withdrawal should become the default once a GPU run confirms it.

    .venv/bin/python benchmarks/hpd_sgxl.py --device cuda                        # writes runs/benchmarks/hpd_sgxl/results_cuda.json
    .venv/bin/python benchmarks/hpd_sgxl.py --device cpu --plan tiny --out /tmp/x  # the smoke test's sizes
The run directory itself (stage files with latents) goes to a temporary folder, deleted afterwards unless --keep-run DIR.
Exit status 0: the run finished; 1: it failed (the reason is recorded). The last line, `SUMMARY: …`, is for gpu_check.sh.
"""
import argparse, os, shutil, sys, tempfile, time
from dataclasses import asdict
import torch
import torch.nn.functional as F
from hpd.core import get_device, device_info, load_json, save_json, tune_malloc
from hpd.data import HPDData, Split, IMAGENET_SUBSETS
from hpd.config import DistillConfig
from hpd.distill import distill
try: from hpd.generators import DataAdapter
except ImportError: from hpd.experiment import DataAdapter   # before this moved to generators
from hpd.networks import get_network
from hpd.cam import CamDistance
from common import command_line, code_version, device_name, PeakMemory, gib, results_file, stop_on_sigterm
from sgxl_memory import make_generator, PLANS


def synthetic_data(num_classes:int, im_size:int, train:int, val:int, test:int, seed:int=0) -> HPDData:
    "Each class a smooth random colour pattern (4×4 noise upsampled), each image that pattern plus 30 % uniform noise, uint8."
    g = torch.Generator().manual_seed(seed)
    protos = F.interpolate(torch.rand(num_classes, 3, 4, 4, generator=g), size=im_size, mode='bilinear', align_corners=False)
    def split(n):
        y = torch.arange(num_classes).repeat_interleave(n)
        x = (0.7 * protos[y] + 0.3 * torch.rand(len(y), 3, im_size, im_size, generator=g)).mul(255).round().clamp(0, 255).to(torch.uint8)
        return x, y
    (xt, yt), (xv, yv), (xs, ys) = split(train), split(val), split(test)
    f = xt.float().div(255)
    mean, std = f.mean((0, 2, 3)), f.std((0, 2, 3))
    return HPDData('synthetic', Split(xt, yt, mean, std), Split(xv, yv, mean, std), Split(xs, ys, mean, std), num_classes,
                   [f'class{c}' for c in range(num_classes)], mean, std,
                   dict(source='benchmarks/hpd_sgxl.py: random class patterns + noise', seed=seed, n_train=len(yt), n_val=len(yv), n_test=len(ys)))



def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default=None)
    ap.add_argument('--plan', default='real', choices=list(PLANS))
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--train-per-class', type=int, default=70)
    ap.add_argument('--batch-real', type=int, default=64, help="DM's real images per class per step")
    ap.add_argument('--chunk', type=int, default=1, help='gan_backward chunk (≈17 GiB of autograd state per image at space 0, real size)')
    ap.add_argument('--steps-per-space', type=int, default=2)
    ap.add_argument('--init-M', type=int, default=1000, help='noises averaged per latent (averaged_noise init)')
    ap.add_argument('--cam-width', type=int, default=64, help='width of the untrained ResNet18BN proxy behind the CAM criterion')
    ap.add_argument('--withdrawal', action='store_true', help='score each entering state too (see the module doc: off until a GPU run confirms it)')
    ap.add_argument('--out', default=None, help='folder of the results file (default runs/benchmarks/hpd_sgxl)')
    ap.add_argument('--keep-run', default=None, help='write the run directory here and keep it (default: a temporary folder, deleted)')
    a = ap.parse_args()
    stop_on_sigterm()
    alloc = tune_malloc()
    device = get_device(a.device)
    path, res = results_file('hpd_sgxl', device, a.out)
    res.setdefault('runs', [])
    rundir = a.keep_run or tempfile.mkdtemp(prefix='hpd_sgxl_')
    cfg = DistillConfig(method='hpd', matcher='dm', ipc=1, steps_per_space=a.steps_per_space, select_every=1, lr_mode='paper',
                        chunk=a.chunk, withdrawal=a.withdrawal, matcher_kwargs=dict(batch_real=a.batch_real),
                        init_kwargs=dict(M=a.init_M), record_criteria=('cam_distance', 'loss'))
    run = dict(command=command_line(), check_id=os.environ.get('HPD_CHECK_ID'), started=time.strftime('%Y-%m-%dT%H:%M:%S'),
               git=code_version(), env=device_info(device), device_name=device_name(device), torch=torch.__version__, allocator=alloc,
               plan=a.plan, plan_desc=PLANS[a.plan], config=asdict(cfg), run_dir=rundir if a.keep_run else None, status='running')
    res['runs'].append(run)
    save = lambda: save_json(res, path)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == 'cuda' else (lambda: None)
    pm = PeakMemory(device).__enter__()
    t_all = time.perf_counter()
    try:
        t0 = time.perf_counter()
        G = make_generator(a.plan, device)
        cmap = IMAGENET_SUBSETS['imagenette'][:a.classes] if G.num_classes == 1000 and a.classes <= 10 else list(range(a.classes))
        data = synthetic_data(a.classes, G.img_resolution, a.train_per_class, 5, 5)
        Ga = DataAdapter(G, data.mean, data.std, cmap).to(device)
        proxy = get_network('ResNet18BN', 3, a.classes, data.im_size, seed=0, width=a.cam_width).eval()
        cam = CamDistance(proxy, data, n_real=min(20, a.train_per_class), device=device)
        sync(); run['setup_seconds'] = time.perf_counter() - t0
        run['data'] = repr(data); save()
        print(f'set-up {run["setup_seconds"]:.1f} s: {data}; generator {G.img_resolution}², {G.num_layers} layers; run directory {rundir}', flush=True)
        t0 = time.perf_counter()
        r = distill(data, cfg, rundir, G=Ga, criteria={'cam_distance': cam}, device=device)
        sync(); run['distill_seconds'] = time.perf_counter() - t0
        run['finished_all'] = True
        return 0
    except BaseException as e:
        run['status'] = f'failed: {type(e).__name__}: {str(e)[:800]}'
        if isinstance(e, (TimeoutError, KeyboardInterrupt)): return 1
        raise
    finally:
        try: pm.__exit__(None, None, None); run.update(pm.record())
        except Exception as e: run['peak_error'] = repr(e)[:300]
        run['total_seconds'] = time.perf_counter() - t_all
        rec = os.path.join(rundir, 'record.json'); hist = os.path.join(rundir, 'history.json')
        phases = load_json(rec)['phases'] if os.path.exists(rec) else {}
        history = load_json(hist) if os.path.exists(hist) else []
        stages = sorted(int(k.split('_')[1]) for k in phases if k.startswith('stage_'))
        run['phases'] = phases
        run['stages'] = [dict(stage=i, seconds=phases[f'stage_{i}'],
                              losses=[h['loss'] for h in history if h['stage'] == i],
                              cam=[h['criteria'].get('cam_distance') for h in history if h['stage'] == i],
                              selected_step=next((h['step'] for h in history if h['stage'] == i and h.get('selected')), None),
                              lr=next((h['lr'] for h in history if h['stage'] == i), None)) for i in stages]
        done = [s for s in run['stages'] if s['losses']]
        steps = len(done) * a.steps_per_space
        run['seconds_per_step'] = sum(s['seconds'] for s in done) / steps if steps else None
        if run['status'] == 'running':
            import math
            ok = all(math.isfinite(l) for s in done for l in s['losses'])
            run['status'] = 'ok' if ok else 'failed: non-finite loss'
        if os.path.exists(os.path.join(rundir, 'final_pick.json')): run['final_pick'] = load_json(os.path.join(rundir, 'final_pick.json'))
        run['finished'] = time.strftime('%Y-%m-%dT%H:%M:%S')
        save()
        if not a.keep_run: shutil.rmtree(rundir, ignore_errors=True)
        l0 = done[0]['losses'][0] if done else float('nan'); l1 = done[-1]['losses'][-1] if done else float('nan')
        print(f'wrote {path}', flush=True)
        print(f'SUMMARY: {"ok" if run["status"] == "ok" else run["status"][:200]}; {run["device_name"]}, {a.plan}, {a.classes} images: '
              f'{len(done)} stage(s) × {a.steps_per_space} steps, init {phases.get("init", float("nan")):.1f} s, '
              f'{(run["seconds_per_step"] or float("nan")):.2f} s per step (stage time / steps), total {run["total_seconds"]:.1f} s, '
              f'DM loss {l0:.4g} → {l1:.4g}, peak {gib(run.get("peak_bytes"))}', flush=True)


if __name__ == '__main__':
    sys.exit(main())
