"""Benchmark: StyleGAN-XL (hpd.stylegan_xl) forward and chunked gan_backward on this CPU — time and peak memory.

Not a test. Each measurement runs in a fresh subprocess (so peak RSS is that measurement's own), with random weights:

* `real`: the ImageNet-128 layout at real size (226 M values). One image takes minutes on one core, so only a few
  images are measured and 10 / 500 images are *extrapolated* linearly (labelled as such in the output).
* `reduced`: the 32×32 layout (16² stem + one ×2 head, 16 layers, the ImageNet-32 / assumed CIFAR-10 recipe) with
  channels cut to channel_max=32 / channel_base=1024, measured for real at 10 and 500 images, to show that
  gan_backward's peak memory follows the chunk size, not the number of images. (The same reduction at 128×128 took
  1.5 s/image forward and 4.3 s/image gan_backward on the loaded machine — 500 images would not fit the time cap.)

gan_backward is `hpd.generators.gan_backward` (chunked re-render backprop), rendering from space 0 (W+ only: the
full synthesis, the most expensive space) with a stand-in loss mean(x²).

    .venv/bin/python benchmarks/stylegan_xl.py                 # everything (≈10 min on one core), writes runs/benchmarks/stylegan_xl/
    .venv/bin/python benchmarks/stylegan_xl.py --parts reduced  # only the reduced configuration
    .venv/bin/python benchmarks/stylegan_xl.py --parts real --modes gan_backward --checkpoint-layers --real-images 2 --real-chunk 1
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, time, datetime, platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT/'runs'/'benchmarks'/'stylegan_xl'


def _rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field): return int(line.split()[1]) * 1024
    return None


def _reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')   # resets VmHWM to the current RSS
        return True
    except OSError: return False


def one(cfg:str, n:int, mode:str, chunk:int, threads:int, seed:int=0, checkpoint_layers:bool=False) -> dict:
    "One measurement in this process: build, make inputs, then time `mode` ('forward' or 'gan_backward') once."
    import torch
    torch.set_num_threads(threads)
    from hpd.stylegan_xl import official_plan, stem_plan, superres_plan, build_from_plan
    from hpd.generators import Hierarchy, gan_backward
    if cfg == 'real': plan = official_plan('imagenet128')
    else:
        plan = stem_plan(16, num_layers=10, channel_base=1024, channel_max=32)
        while plan['img_resolution'] < 32: plan = superres_plan(plan, head_layers=7)
    t0 = time.perf_counter()
    G = build_from_plan(plan, seed=seed)
    build_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(seed)
    z, c = torch.randn(n, G.z_dim, generator=g), torch.randint(0, G.num_classes, (n,), generator=g)
    with torch.no_grad(): ws = G.mapping(z, c)
    H = Hierarchy(G)
    base = _rss('VmRSS:'); reset = _reset_peak()
    t0 = time.perf_counter()
    if mode == 'forward':
        with torch.no_grad():
            for i in range(0, n, chunk): H.from_space(ws[i:i + chunk], None, 0)
    else:
        w = ws.clone().requires_grad_(True)
        loss, x = gan_backward(H, w, None, 0, lambda x: x.square().mean(), chunk=chunk, checkpoint_layers=checkpoint_layers)
        assert w.grad is not None and torch.isfinite(w.grad).all()
    secs = time.perf_counter() - t0
    peak = _rss('VmHWM:')
    return dict(cfg=cfg, n=n, mode=mode, chunk=chunk, threads=threads, checkpoint_layers=checkpoint_layers, seconds=secs, seconds_per_image=secs / n,
                build_seconds=build_s, values=sum(t.numel() for t in G.state_dict().values()),
                rss_before_bytes=base, peak_rss_bytes=peak, peak_minus_before_bytes=(peak - base) if reset else None,
                peak_reset=reset, img_resolution=G.img_resolution, num_layers=G.num_layers)


def run_sub(**kw) -> dict:
    cmd = [sys.executable, __file__, '--one', json.dumps(kw)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode: raise RuntimeError(f'{cmd} failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])


def git_commit():
    from hpd.core import git_info
    g = git_info(ROOT, files=['hpd/stylegan_xl.py', 'hpd/generators.py', 'benchmarks/stylegan_xl.py'])
    return dict(commit=g['commit'], dirty_relevant_files=g.get('dirty'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--one', help=argparse.SUPPRESS)
    ap.add_argument('--parts', default='reduced,real', help='comma list of: reduced, real')
    ap.add_argument('--threads', type=int, default=1, help='torch threads (default 1: the machine is shared)')
    ap.add_argument('--real-images', type=int, default=1, help='images measured at real size (then extrapolated)')
    ap.add_argument('--real-chunk', type=int, default=None, help='chunk at real size (default: all measured images at once)')
    ap.add_argument('--chunk', type=int, default=10, help='gan_backward chunk (reduced config)')
    ap.add_argument('--modes', default='forward,gan_backward', help='comma list of: forward, gan_backward')
    ap.add_argument('--checkpoint-layers', action='store_true', help='gan_backward recomputes layer by layer (hpd.generators.gan_backward(checkpoint_layers=True))')
    ap.add_argument('--reduced-ns', default='10,500', help='image counts measured in the reduced configuration')
    ap.add_argument('--out', default=str(OUT))
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(**json.loads(a.one)))); return
    import torch
    command = ' '.join(['.venv/bin/python', 'benchmarks/stylegan_xl.py', *sys.argv[1:]])
    res = dict(command=command, started=datetime.datetime.now().isoformat(timespec='seconds'), git=git_commit(),
               env=dict(torch=torch.__version__, python=platform.python_version(), cpu_count=os.cpu_count(), threads=a.threads,
                        load_avg_at_start=os.getloadavg(), precision='float32', allocator='glibc default (no tune_malloc)',
                        device='cpu', processor=platform.processor() or platform.machine()),
               note='Random weights. Each row is one fresh subprocess; peak_minus_before = peak RSS during the timed call minus RSS '
                    'just before it (model weights and inputs excluded). The machine is shared with other jobs: times are upper bounds.',
               measured=[], extrapolated=[])
    parts = a.parts.split(',')
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    modes, ck = a.modes.split(','), a.checkpoint_layers
    name = 'results.json' if parts == ['reduced', 'real'] and len(modes) == 2 and not ck else \
        f"results_{'_'.join(parts)}_{'_'.join(modes)}{'_ckpt' if ck else ''}.json"
    def save():   # after every measurement, so that an interrupted run keeps what it measured
        tmp = out/f'.{name}.tmp'; tmp.write_text(json.dumps(res, indent=1) + '\n'); os.replace(tmp, out/name)
    def show(r, tag='measured'):
        save()
        pm = r.get('peak_minus_before_bytes')
        print(f"[{tag}] {r['cfg']:8s} {r['mode']:12s} n={r['n']:4d} chunk={r['chunk']:3d}: {r['seconds']:9.1f} s "
              f"({r['seconds_per_image']:.3f} s/img), peak over baseline {pm / 2**20 if pm is not None else float('nan'):9.1f} MiB", flush=True)
    if 'reduced' in parts:
        for n in map(int, a.reduced_ns.split(',')):
            for mode in modes:
                r = run_sub(cfg='reduced', n=n, mode=mode, chunk=a.chunk, threads=a.threads, checkpoint_layers=ck and mode == 'gan_backward')
                res['measured'].append(r); show(r)
    if 'real' in parts:
        k = a.real_images
        for mode in modes:
            r = run_sub(cfg='real', n=k, mode=mode, chunk=a.real_chunk or k, threads=a.threads, checkpoint_layers=ck and mode == 'gan_backward')
            res['measured'].append(r); show(r)
            for n in (10, 500):
                e = dict(r, n=n, seconds=r['seconds_per_image'] * n, extrapolated_from=f"{k} image(s) measured, linear in n",
                         peak_minus_before_bytes=(r['peak_minus_before_bytes'] if mode == 'gan_backward' else None),
                         memory_note=('gan_backward with chunk=%d: peak per chunk as measured, plus n×(3×128×128 image + dL/dx + W+ grad) = %.1f MiB for n=%d'
                                      % (a.real_chunk or k, n * (2 * 3 * 128 * 128 + 2 * 27 * 512) * 4 / 2**20, n)) if mode == 'gan_backward'
                                     else 'forward in chunks of %d under no_grad: peak as measured per chunk' % k)
                res['extrapolated'].append(e); show(e, 'EXTRAPOLATED')
    res['finished'] = datetime.datetime.now().isoformat(timespec='seconds')
    save()
    print(f'wrote {out/name}\ncommand: {command}')


if __name__ == '__main__':
    main()
