"""Run by tests/test_distributed.py under `torchrun --nproc_per_node 2` (gloo, CPU): tiny distillations sharded by image and by class,
resumes of runs another world size started (between stages and inside one), a refused run directory, and an injected failure. Rank 0 writes each run directory;
every rank saves what `distill` returned to it, so the test can compare all of them with one process."""
import argparse, contextlib, inspect, json, os, sys
from pathlib import Path
import torch
from torch.distributed.elastic.multiprocessing.errors import record
import hpd.distill
from hpd.config import DistillConfig
from hpd.distill import distill
from hpd.distributed import Shard, init_distributed, close_distributed
from hpd.data import load_dataset
from hpd.generators import StyleGenerator
from hpd.networks import get_network
from hpd.cam import CamDistance

def problem():
    "The digits at 16×16, an untrained small generator and CAM proxy (seeded: every process builds the same), and the run configs."
    torch.manual_seed(0)
    digits = load_dataset('digits', im_size=16)
    G = StyleGenerator(10, 1, 16, z_dim=8, w_dim=16, embed_dim=8, mapping_layers=2, channels={4: 16, 8: 16, 16: 8}).eval()
    proxy = get_network('ResNet18BN', 1, 10, 16, width=8, seed=0).eval()
    crit = {'cam_distance': CamDistance(proxy, digits, n_real=20)}
    # fp32 matcher: sharding is compared against one process at fp32 rounding (bf16, DM's default, rounds those 1e-7 differences up to 1e-3)
    small = dict(ipc=2, matcher_kwargs=dict(net_kwargs={'width': 16}, batch_real=32, bf16=False, bf16_syn=False), init_kwargs=dict(M=20), steps_per_space=4, select_every=2,
                 layers_per_space=2, record_criteria=('cam_distance', 'loss'))
    configs = {'image': DistillConfig(chunk=3, **small),  # gan_backward in chunks; 20 images: 10 per process
               'class': DistillConfig(criterion='val_accuracy', final_pick='val_accuracy', val_K=2, val_epochs=2, **small)}  # validation models spread too
    evaluate = dict(models=['ConvNet', 'AlexNet'], K=3, cross_K=1, epochs=10, net_kwargs={'width': 16})  # 4 tasks over 2 processes
    return digits, G, crit, configs, evaluate

@contextlib.contextmanager
def interrupted_at(stage:int, error=RuntimeError, message:str='interrupted'):
    "Stand-in for a kill (or a failing process): `hpd.distill`'s loop calls `run_stage`, replaced here by one that raises `error` when stage `stage` starts."
    real = hpd.distill.run_stage
    def stop(*a, **kw):
        if inspect.signature(real).bind(*a, **kw).arguments['stage'] == stage: raise error(f'{message} at stage {stage}')
        return real(*a, **kw)
    hpd.distill.run_stage = stop
    try: yield
    finally: hpd.distill.run_stage = real

@contextlib.contextmanager
def killed_in_stage(saves:int):
    "Stand-in for a kill inside a stage: `hpd.distill`'s `save_tensors` raises once it has written `in_stage.pt` `saves` times."
    real, written = hpd.distill.save_tensors, []
    def save(obj, path):
        out = real(obj, path)
        if Path(path).name == 'in_stage.pt':
            written.append(path)
            if len(written) == saves: raise RuntimeError(f'killed after checkpoint {saves}')
        return out
    hpd.distill.save_tensors = save
    try: yield
    finally: hpd.distill.save_tensors = real

@record
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--jobs', nargs='+', default=['image', 'class', 'resume', 'resume_in_stage', 'conflict'])
    ap.add_argument('--fail-stage', type=int, default=None, help='rank 1 raises when this stage starts (then run only the image job)')
    a = ap.parse_args()
    device = init_distributed()
    rank, out = torch.distributed.get_rank(), Path(a.out)
    digits, G, crit, configs, evaluate = problem()
    failing = a.fail_stage is not None and rank == 1
    with interrupted_at(a.fail_stage, message='injected failure on rank 1') if failing else contextlib.nullcontext():
        for job in a.jobs:
            mode = 'class' if job == 'class' else 'image'
            if job == 'conflict':  # the finished image run's directory with another seed: rank 0 refuses it, every rank must raise its error
                try: distill(digits, DistillConfig(**dict(vars(configs['image']), seed=5)), out/'image', G=G, criteria=crit, device=device, shard=Shard())
                except ValueError as e: (out/f'conflict_rank{rank}.txt').write_text(str(e))
                continue
            r = distill(digits, configs['class' if job == 'class' else 'image'], out/job, G=G, criteria=crit, device=device, shard=Shard(mode),
                        evaluate=evaluate if job == 'image' else None, checkpoint_minutes=0 if job == 'resume_in_stage' else 10)  # 0: gathers at every step
            torch.save(dict(images=r['images'], labels=r['labels'], accs=r.get('eval', {}).get('accs')), out/f'{job}_rank{rank}.pt')
    close_distributed()

if __name__ == '__main__': main()
