"""The papermill notebooks that write runs, executed as a user runs them — papermill with `-p` options — on a tiny configuration,
into a temporary `HPD_RUNS` (the notebooks have no test branches; `tests/test_notebooks.py` leaves them to these tests).
`nbs/run_experiment.ipynb` runs through `hpd-run` in `tests/test_cli.py`."""
import json, os, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COVERED = ('run_baselines', 'run_grid')

def papermill(nb:str, out:Path, runs:Path, *params:str) -> dict:
    "Run `nbs/<nb>.ipynb` with papermill into `out` with `HPD_RUNS=runs`; the executed notebook."
    env = dict(os.environ, HPD_RUNS=str(runs), OMP_NUM_THREADS='1')
    env.pop('HPD_TEST', None)  # the parameters alone size the run
    r = subprocess.run([str(BIN/'papermill'), str(ROOT/'nbs'/f'{nb}.ipynb'), str(out), '-k', 'python3', *params],
                       env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(out.read_text())

def outputs(nb:dict) -> str:
    return ''.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) for c in nb['cells'] for o in c.get('outputs', []))

def test_run_baselines(tmp_path):
    runs = tmp_path/'runs'
    nb = papermill('run_baselines', tmp_path/'out.ipynb', runs, '-p', 'dataset', 'digits', '-y', 'ipcs: [1]', '-p', 'K', '2', '-p', 'epochs', '5',
                   '-p', 'full_epochs', '1', '-y', 'subset_seeds: [0]')
    out = runs/'baselines'/'digits_dc'
    res = {f: json.loads((out/f).read_text()) for f in ('random_real_ipc1_subset0_e5.json', 'full_train.json')}  # epochs given: in the name
    assert len(res['random_real_ipc1_subset0_e5.json']['accs']) == 2 and res['random_real_ipc1_subset0_e5.json']['config']['epochs'] == 5
    assert res['full_train.json']['config']['epochs'] == 1 and (out/'record.json').exists()
    assert 'IPC 1 subset 0' in outputs(nb)

def tiny_generator(path:Path, num_classes:int=10) -> Path:
    "A small random StyleGenerator checkpoint (32×32, one channel, as digits)."
    import torch
    from hpd.core import save_tensors
    from hpd.generators import StyleGenerator, generator_checkpoint
    torch.manual_seed(0)
    save_tensors(generator_checkpoint(StyleGenerator(num_classes=num_classes, channels={4: 16, 8: 16, 16: 8, 32: 8})), path)
    return path

def test_run_baselines_generator_start(tmp_path):
    "With `generators`, the generator's averaged-noise set (H-PD's and GLaD's start) is evaluated and named by the weights' fingerprint."
    runs, g = tmp_path/'runs', tiny_generator(tmp_path/'g.pt')
    nb = papermill('run_baselines', tmp_path/'out.ipynb', runs, '-p', 'dataset', 'digits', '-y', 'ipcs: [2]', '-p', 'K', '1', '-p', 'epochs', '1',
                   '-p', 'full_epochs', '0', '-y', 'subset_seeds: []', '-y', f'generators: [{g}]', '-y', 'latent_inits: [averaged_noise, random_z]')
    out = runs/'baselines'/'digits_dc'
    f, = out.glob('generator_init_*[0-9a-f]_ipc2_e1.json')  # the default init keeps the name without it
    r, rz = json.loads(f.read_text()), json.loads(f.with_name(f.name.replace('_ipc2', '_random_z_ipc2')).read_text())
    assert r['generator_fingerprint'].startswith(f.name.split('_')[2]) and r['init']['init'] == 'averaged_noise' and r['init']['ipc'] == 2
    assert rz['init']['init'] == 'random_z' and rz['run_config']['init'] == 'random_z' and rz['generator_fingerprint'] == r['generator_fingerprint']
    assert len(r['accs']) == 1 and r['n_train'] == 20 and not (out/'full_train.json').exists() and 'random_z init, IPC 2' in outputs(nb)

def test_run_baselines_unknown_init(tmp_path):
    "An init that is not a generator init: a clear error before any work."
    r = subprocess.run([str(BIN/'papermill'), str(ROOT/'nbs'/'run_baselines.ipynb'), str(tmp_path/'out.ipynb'), '-k', 'python3', '-p', 'dataset', 'digits',
                        '-y', 'latent_inits: [real]'], env=dict(os.environ, HPD_RUNS=str(tmp_path/'runs'), OMP_NUM_THREADS='1'), capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and "latent_inits ['real']" in r.stderr + r.stdout and 'random_z' in r.stderr + r.stdout, r.stderr[-2000:]
    assert not (tmp_path/'runs').exists()

def test_run_baselines_generator_of_another_dataset(tmp_path):
    "A generator whose classes (or image size) differ from the dataset's: a clear error naming both."
    env = dict(os.environ, HPD_RUNS=str(tmp_path/'runs'), OMP_NUM_THREADS='1')
    g = tiny_generator(tmp_path/'g3.pt', num_classes=3)
    r = subprocess.run([str(BIN/'papermill'), str(ROOT/'nbs'/'run_baselines.ipynb'), str(tmp_path/'out.ipynb'), '-k', 'python3', '-p', 'dataset', 'digits',
                        '-y', 'ipcs: [1]', '-p', 'K', '1', '-p', 'epochs', '1', '-p', 'full_epochs', '0', '-y', 'subset_seeds: []', '-y', f'generators: [{g}]'],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and 'makes 3 classes' in r.stderr + r.stdout and 'digits has 10 classes' in r.stderr + r.stdout, r.stderr[-2000:]

def test_run_grid_dry_run(tmp_path):
    nb = papermill('run_grid', tmp_path/'out.ipynb', tmp_path/'runs', '-p', 'grid', 'fmnist_dm_ipc1', '-p', 'dry_run', 'True')
    text = outputs(nb)
    assert 'fmnist_dm_ipc1: 3 experiments' in text and text.count('todo') == 3, text[-2000:]
    assert not (tmp_path/'runs').exists() or not any((tmp_path/'runs').rglob('*.json'))  # a dry run writes no run

def test_run_experiment_pixel_without_generator(tmp_path):
    "A dataset whose recipe has no generator and no CAM proxy (digits) still runs the Pixel baseline: no generator is loaded, no CAM distance recorded."
    runs = tmp_path/'runs'
    papermill('run_experiment', tmp_path/'out.ipynb', runs, '-p', 'dataset', 'digits', '-p', 'method', 'pixel', '-p', 'steps_per_space', '3',
              '-p', 'K', '1', '-y', 'eval_models: [ConvNet]', '-p', 'eval_epochs', '2', '-p', 'batch_real', '16', '-y', 'eval_net_kwargs: {width: 16}')
    d, = (runs/'experiments'/'digits').iterdir()
    assert json.loads((d/'config.json').read_text())['stages'] == [dict(space=None, steps=3, restart=True)]
    assert not (d/'generator.json').exists() and json.loads((d/'eval.json').read_text())['model'] == 'ConvNet'
    assert all(set(h['criteria']) == {'last', 'loss'} for h in json.loads((d/'history.json').read_text()))
