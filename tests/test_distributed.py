"""torch.distributed scale-out (issue 19) with gloo on the CPU: `torchrun --nproc_per_node 2` runs tests/dist_worker.py, and every result
is compared with one process. Tolerance: the processes render their images in other batches than one process (the generator's output
differs at 1e-7–1e-6 with the batch) and sum the RMS values behind the calibrated step sizes in another order (1e-7 relative); the
optimization carries such differences along and can amplify them, as a single-process run does with another `chunk` (3 vs 5 here: one
image 2.8e-3 apart) or with τ × (1 + 1e-7) (Fashion-MNIST, IPC 10: 0.31 apart, as far as two processes from one). So here: the same
labels, the same candidate selected in every space, criteria within 1e-4 (relative), every pixel within 1e-2 and 99 % of them within
1e-4 (normalized units; the digits span about 4). The evaluation of the same images is identical."""
import os, subprocess, sys
from pathlib import Path
import pytest, torch
sys.path.insert(0, str(Path(__file__).parent))
from dist_worker import problem, interrupted_at, killed_in_stage
from hpd.core import load_json, load_tensors
from hpd.distill import distill
from hpd.distributed import evaluate_run

ROOT, WORKER = Path(__file__).resolve().parent.parent, Path(__file__).resolve().parent/'dist_worker.py'
TORCHRUN = Path(sys.executable).parent/'torchrun'
MAX_ABS, FEW_ABS, FEW = 1e-2, 1e-4, 0.01

def torchrun(out, *args, nproc=2):
    env = dict(os.environ, OMP_NUM_THREADS='1', HPD_DEVICE='cpu')
    return subprocess.run([str(TORCHRUN), '--standalone', '--nproc_per_node', str(nproc), str(WORKER), '--out', str(out), *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)

def assert_same_run(run:Path, ref:Path):
    "The sharded run `run` equals the one-process run `ref` within the tolerance above."
    h, hr = load_json(run/'history.json'), load_json(ref/'history.json')
    assert [(x['stage'], x['step'], x['selected']) for x in h] == [(x['stage'], x['step'], x['selected']) for x in hr]
    for a, b in zip(h, hr):
        for k, v in b['criteria'].items(): assert abs(a['criteria'][k] - v) <= 1e-4 * abs(v), (a, b)
    fp, fpr = load_json(run/'final_pick.json'), load_json(ref/'final_pick.json')
    assert fp['stage'] == fpr['stage'] and fp['final_pick'] == fpr['final_pick'] and (fp['scores'] is None) == (fpr['scores'] is None)
    if fpr['scores']: assert all(abs(a - b) <= 1e-4 * abs(b) for a, b in zip(fp['scores'], fpr['scores']))
    s, sr = load_tensors(run/'synset.pt'), load_tensors(ref/'synset.pt')
    assert torch.equal(s['labels'], sr['labels'])
    d = (s['images'] - sr['images']).abs()
    assert d.max() <= MAX_ABS and (d > FEW_ABS).float().mean() <= FEW, (d.max().item(), (d > FEW_ABS).float().mean().item())

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    digits, G, crit, configs, evaluate = problem()
    with interrupted_at(1), pytest.raises(RuntimeError, match='interrupted at stage 1'):  # one process stops after space 0; two finish it
        distill(digits, configs['image'], out/'resume', G=G, criteria=crit)
    with killed_in_stage(5), pytest.raises(RuntimeError, match='killed after checkpoint 5'):  # one process stops inside space 1 (step 2); two go on from there
        distill(digits, configs['image'], out/'resume_in_stage', G=G, criteria=crit, checkpoint_minutes=0)
    p = torchrun(out, '--jobs', 'image', 'class', 'resume', 'resume_in_stage', 'conflict')
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    assert 'resume_in_stage: stage 1 resumes after step 2 (in_stage.pt)' in p.stdout, p.stdout[-4000:]
    for job in ('image', 'class'): distill(digits, configs[job], out/f'ref_{job}', G=G, criteria=crit, evaluate=evaluate if job == 'image' else None)
    return out, (digits, G, crit, configs, evaluate)

@pytest.mark.parametrize('job', ['image', 'class', 'resume', 'resume_in_stage'])
def test_every_rank_returns_the_saved_set(runs, job):
    out, _ = runs
    r0, r1 = torch.load(out/f'{job}_rank0.pt'), torch.load(out/f'{job}_rank1.pt')
    assert torch.equal(r0['images'], r1['images']) and torch.equal(r0['images'], load_tensors(out/job/'synset.pt')['images'])
    rec = load_json(out/job/'record.json')['config']
    assert rec['processes'] == 2 and rec['shard'].startswith('20 synthetic images over 2 processes: 10 + 10' if job != 'class' else '10 classes over 2 processes: 5 + 5')

@pytest.mark.parametrize('job', ['image', 'class'])
def test_two_processes_equal_one(runs, job):
    out, _ = runs
    assert_same_run(out/job, out/f'ref_{job}')

def test_resume_with_another_world_size(runs):
    out, _ = runs
    assert load_json(out/'resume'/'history.json')[0]['stage'] == 0
    assert_same_run(out/'resume', out/'ref_image')

def test_resume_inside_a_stage_with_another_world_size(runs):
    out, _ = runs
    assert not (out/'resume_in_stage'/'in_stage.pt').exists()  # deleted once the last stage's state.pt was written
    assert_same_run(out/'resume_in_stage', out/'ref_image')

def test_evaluation_fanout_equals_one_process(runs, tmp_path):
    out, (digits, G, crit, configs, evaluate) = runs
    job = 'image'
    s = load_tensors(out/job/'synset.pt')
    one = evaluate_run(s['images'], s['labels'], digits, tmp_path, None, **evaluate)  # the same images in one process
    two = load_json(out/job/'eval.json')
    assert two['per_model'] == one['per_model'] and two['accs'] == one['accs'] and two['cross_arch_mean'] == one['cross_arch_mean']
    assert all(load_json(out/job/'eval'/f'{m}.json')['accs'] == load_json(tmp_path/'eval'/f'{m}.json')['accs'] for m in evaluate['models'])

def test_rank0_error_stops_every_rank(runs):
    out, _ = runs
    for r in (0, 1): assert 'holds a run with another config' in (out/f'conflict_rank{r}.txt').read_text()

def test_failing_rank_stops_all_and_the_run_resumes(runs, tmp_path):
    out, (digits, G, crit, configs, evaluate) = runs
    p = torchrun(tmp_path, '--jobs', 'image', '--fail-stage', '1')
    assert p.returncode != 0 and 'injected failure on rank 1 at stage 1' in p.stdout + p.stderr
    run = tmp_path/'image'
    assert int(load_tensors(run/'state.pt')['done']) == 1 and (run/'stage_0.pt').exists() and not (run/'stage_1.pt').exists()
    distill(digits, configs['image'], run, G=G, criteria=crit)  # resumed by one process from the last finished space
    assert_same_run(run, out/'ref_image')
