"""StyleGAN-XL at real size on one device: forward time of a few images, and `hpd.generators.gan_backward` time and peak
memory at 10 and 100 images, which must be flat (the chunked backward holds one chunk's graph, whatever the number of images).

Random weights (`hpd.stylegan_xl.build_from_plan`), ImageNet-128 layout (226 M values); gan_backward renders from space 0
(W+ only: the full synthesis, the most expensive space) with a stand-in loss mean(x²). Peak memory on CUDA is
`torch.cuda.max_memory_allocated`, reset before each measurement; on a CPU the process's peak RSS (VmHWM, reset through
/proc/self/clear_refs). Each plain gan_backward also records the peak of what autograd saved for backward
(`hpd.generators.autograd_peak_bytes`, distinct storages; not with checkpoint_layers, whose recomputation it cannot see).
The flatness test compares, at the largest vs the smallest image count, on CUDA the peak *over the memory allocated just
before the call* (weights and inputs excluded; the absolute peaks are recorded as well), on a CPU the autograd peak (a
never-trimmed heap makes RSS increments meaningless once the first chunk has grown it).
One image at real size keeps ≈17 GiB of autograd state (measured on the meta device): chunk 1 is the default. When a
plain gan_backward runs out of GPU memory, the measurements are redone with `checkpoint_layers=True` (and say so).

    .venv/bin/python benchmarks/sgxl_memory.py --device cuda                      # real size: runs/benchmarks/stylegan_xl/results_cuda.json
    .venv/bin/python benchmarks/sgxl_memory.py --device cpu --plan tiny --ns 4 40 --out /tmp/x   # the smoke test's sizes
Exit status 0: all measured and flat; 5: measured but not flat; 1: an error. The last line, `SUMMARY: …`, is for gpu_check.sh.
"""
import argparse, gc, os, sys, time
import torch
from hpd.core import get_device, device_info, save_json, tune_malloc
from hpd.stylegan_xl import official_plan, stem_plan, build_from_plan
from hpd.generators import Hierarchy, gan_backward, autograd_peak_bytes
from common import command_line, code_version, device_name, PeakMemory, gib, results_file, stop_on_sigterm

PLANS = {'real': 'official_plan("imagenet128"): 16² stem + heads to 128², channel_max 1024 (226 M values)',
         'tiny': 'stem_plan(16, num_layers=4, channel_base=256, channel_max=16), c_dim 10 (smoke test only)'}


def make_generator(plan:str, device, seed:int=0):
    if plan == 'real': return build_from_plan(official_plan('imagenet128'), seed=seed, device=device)
    return build_from_plan(stem_plan(16, num_layers=4, channel_base=256, channel_max=16), z_dim=8, c_dim=10, embed_dim=8, seed=seed, device=device)



def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default=None)
    ap.add_argument('--plan', default='real', choices=list(PLANS))
    ap.add_argument('--forward-images', type=int, default=4, help='images in the timed forward (one batch, no_grad)')
    ap.add_argument('--ns', type=int, nargs='+', default=[10, 100], help='image counts for gan_backward (the first and last are compared)')
    ap.add_argument('--chunk', type=int, default=1, help="gan_backward chunk (images rendered with autograd at once)")
    ap.add_argument('--checkpoint-layers', action='store_true', help='gan_backward(checkpoint_layers=True) from the start')
    ap.add_argument('--max-growth', type=float, default=0.10, help='largest allowed relative growth of the peak from the first to the last n')
    ap.add_argument('--out', default=None, help='folder of the results file (default runs/benchmarks/stylegan_xl)')
    a = ap.parse_args()
    stop_on_sigterm()
    alloc = tune_malloc()
    device = get_device(a.device)
    path, res = results_file('stylegan_xl', device, a.out)
    res.setdefault('runs', [])
    run = dict(command=command_line(), check_id=os.environ.get('HPD_CHECK_ID'), started=time.strftime('%Y-%m-%dT%H:%M:%S'),
               git=code_version(), env=device_info(device), device_name=device_name(device), torch=torch.__version__, allocator=alloc,
               plan=a.plan, plan_desc=PLANS[a.plan], precision='float32 (cuDNN may use TF32 for convolutions: torch defaults)',
               tf32=dict(cudnn=torch.backends.cudnn.allow_tf32, matmul=torch.backends.cuda.matmul.allow_tf32),
               chunk=a.chunk, max_growth=a.max_growth, rows=[], status='running')
    res['runs'].append(run)
    save = lambda: save_json(res, path)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == 'cuda' else (lambda: None)
    ck = a.checkpoint_layers
    try:
        t0 = time.perf_counter()
        G = make_generator(a.plan, device)
        sync(); run['build_seconds'] = time.perf_counter() - t0
        run['values'] = sum(t.numel() for t in G.state_dict().values())
        run['weights_bytes'] = sum(t.numel() * t.element_size() for t in G.state_dict().values())
        H = Hierarchy(G)
        g = torch.Generator().manual_seed(0)
        def latents(n):
            z, c = torch.randn(n, G.z_dim, generator=g), torch.randint(0, G.num_classes, (n,), generator=g)
            with torch.no_grad(): return G.mapping(z.to(device), c.to(device))
        save()
        # forward: one untimed image (kernel selection), then the timed batch
        with torch.no_grad(): H.from_space(latents(1), None, 0); sync()
        ws = latents(a.forward_images)
        with PeakMemory(device) as pm, torch.no_grad():
            t0 = time.perf_counter(); x = H.from_space(ws, None, 0); sync(); secs = time.perf_counter() - t0
        assert torch.isfinite(x).all(), 'the forward pass gave non-finite images'
        run['rows'].append(dict(mode='forward', n=a.forward_images, seconds=secs, seconds_per_image=secs / a.forward_images,
                                image_shape=list(x.shape[1:]), image_min=x.min().item(), image_max=x.max().item(), **pm.record()))
        print(f'forward {a.forward_images} images: {secs:.2f} s ({secs / a.forward_images:.3f} s/image), peak {gib(pm.peak)}', flush=True)
        del x, ws; save()
        loss_fn = lambda x: x.square().mean()
        def backward(n, ck):
            w = latents(n).clone().requires_grad_(True)
            with PeakMemory(device) as pm:
                t0 = time.perf_counter(); box = []
                call = lambda: box.append(gan_backward(H, w, None, 0, loss_fn, chunk=a.chunk, checkpoint_layers=ck))
                saved = None if ck else autograd_peak_bytes(call)
                if ck: call()
                sync(); secs = time.perf_counter() - t0
                loss = box[0][0]
            assert w.grad is not None and torch.isfinite(w.grad).all(), 'gan_backward gave no or non-finite W+ gradients'
            return dict(mode='gan_backward', n=n, chunk=a.chunk, checkpoint_layers=ck, seconds=secs, seconds_per_image=secs / n,
                        loss=loss.item(), autograd_saved_peak_bytes=saved, **pm.record())
        def measure(ck):
            backward(min(a.chunk, a.ns[0]), ck)   # untimed: the backward kernels' selection
            for n in a.ns:
                r = backward(n, ck); run['rows'].append(r); save()
                print(f'gan_backward n={n} chunk={a.chunk} checkpoint_layers={ck}: {r["seconds"]:.2f} s ({r["seconds_per_image"]:.3f} s/image), '
                      f'peak {gib(r["peak_bytes"])}, over the memory before the call {gib(r["peak_over_before_bytes"])}, '
                      f'autograd saved {gib(saved) if (saved := r["autograd_saved_peak_bytes"]) is not None else "n/a"}', flush=True)
        oom = None
        try: measure(ck)
        except torch.cuda.OutOfMemoryError as e:
            if ck: raise
            oom = str(e)[:300]
        if oom is not None:   # outside the except block, so that the failed call's frames (and tensors) are gone
            run['rows'].append(dict(mode='gan_backward', chunk=a.chunk, checkpoint_layers=False, error=f'CUDA out of memory: {oom}'))
            print('gan_backward ran out of GPU memory: measuring again with checkpoint_layers=True', flush=True)
            ck = True; gc.collect(); torch.cuda.empty_cache(); measure(ck)
        rows = [r for r in run['rows'] if r['mode'] == 'gan_backward' and 'error' not in r and r['checkpoint_layers'] == ck]
        first, last = rows[0], rows[-1]
        key = 'peak_over_before_bytes' if device.type == 'cuda' or ck else 'autograd_saved_peak_bytes'
        growth = last[key] / first[key] - 1
        growth_abs = last['peak_bytes'] / first['peak_bytes'] - 1
        flat = None if device.type != 'cuda' and ck else growth <= a.max_growth   # CPU + checkpoint_layers: only RSS, no verdict
        run.update(growth=growth, growth_measure=key, growth_absolute_peak=growth_abs, flat=flat, checkpoint_layers_used=ck,
                   status='not flat' if flat is False else 'ok')
        fw = run['rows'][0]
        print(f'SUMMARY: {run["device_name"]}, {a.plan}: forward {fw["seconds_per_image"]:.3f} s/img; gan_backward (chunk {a.chunk}'
              f'{", checkpoint_layers" if ck else ""}) {first["seconds_per_image"]:.3f}/{last["seconds_per_image"]:.3f} s/img, '
              f'{key.replace("_bytes", "")} {gib(first[key])} at n={first["n"]} vs {gib(last[key])} at n={last["n"]}: {growth:+.1%} '
              f'({ {True: "flat", False: "NOT FLAT", None: "no verdict: RSS only"}[flat]}, limit {a.max_growth:.0%}; '
              f'absolute peaks {gib(first["peak_bytes"])} vs {gib(last["peak_bytes"])})')
        return 5 if flat is False else 0
    except BaseException as e:
        run['status'] = f'failed: {type(e).__name__}: {str(e)[:500]}'
        print(f'SUMMARY: FAILED ({type(e).__name__}: {str(e)[:200]}) after {len(run["rows"])} measurement(s)', flush=True)
        if isinstance(e, (TimeoutError, KeyboardInterrupt)): return 1
        raise
    finally:
        run['finished'] = time.strftime('%Y-%m-%dT%H:%M:%S')
        save()
        print(f'wrote {path}', flush=True)


if __name__ == '__main__':
    sys.exit(main())
