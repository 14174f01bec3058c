"""End-to-end wall-clock of the default run (`make run` = `hpd-run`: H-PD + DM, IPC 1, Fashion-MNIST, cpu profile) and of
its phases (initialization, each space, the final pick, the evaluation of each architecture, from the run's own record.json),
into a fresh temporary runs folder, so nothing is resumed. Issue 18's target: ≤ 10 minutes on an idle 2-core machine.

    .venv/bin/python benchmarks/make_run.py                     # the default run, as `make run` starts it (OMP_NUM_THREADS unset: every core)
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/make_run.py   # the same run kept to one core (as runs side by side)
    .venv/bin/python benchmarks/make_run.py -- -p K 1           # any hpd-run parameters after --
    .venv/bin/python benchmarks/make_run.py --smoke                               # a tiny run (digits), to test this script

Rows go to runs/benchmarks/make_run/results_cpu.json (or --out), each with its command, commit, load average and thread count;
a row whose machine was busy before it started (load average > 1) or more than fully loaded during it says so (`shared: true`)."""
import argparse, os, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch
from common import command_line, code_version, results_file, add_row, device_name
from hpd.core import load_json
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_cli import TINY as SMOKE  # the tests' tiny experiment (digits with the Fashion-MNIST generator and proxy), one definition


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--smoke', action='store_true', help='a tiny run on digits: tests the script, measures nothing')
    ap.add_argument('--out', help='results folder (default runs/benchmarks/make_run; --smoke: a new temporary folder)')
    ap.add_argument('hpd_run_args', nargs='*', help='hpd-run parameters, after --')
    a = ap.parse_args()
    params = (SMOKE if a.smoke else []) + a.hpd_run_args
    out = a.out or (tempfile.mkdtemp(prefix='make_run_smoke_') if a.smoke else None)
    path, res = results_file('make_run', torch.device('cpu'), out)
    res.update(command=command_line(), git=code_version())
    res.setdefault('rows', {})
    runs = Path(tempfile.mkdtemp(prefix='hpd_make_run_'))
    env = dict(os.environ, HPD_RUNS=str(runs))
    load0, t0 = os.getloadavg()[0], time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).parent/'hpd-run'), *params], env=env, capture_output=True, text=True)
    total, load1 = time.perf_counter() - t0, os.getloadavg()[0]
    if r.returncode: sys.exit(f'hpd-run failed ({r.returncode}); its output ends with:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}')
    rec, = [load_json(p) for p in runs.glob('experiments/*/*/record.json')]
    ev, = [load_json(p) for p in runs.glob('experiments/*/*/eval.json')]
    phases = {k: round(v, 1) for k, v in rec['phases'].items()}
    row = dict(seconds=round(total, 1), phases=phases, distill=round(sum(v for k, v in phases.items() if k.startswith(('init', 'stage_', 'final'))), 1),
               evaluate=round(sum(v for k, v in phases.items() if k.startswith('evaluate_')), 1), hpd_run_args=params,
               convnet=dict(mean=round(ev['mean'], 2), std=round(ev['std'], 2)), cross_arch_mean=ev.get('cross_arch_mean'),
               per_model={m: round(v['mean'], 2) for m, v in ev.get('per_model', {}).items()},
               threads=rec['env'].get('torch_threads'), eval_workers=ev.get('workers'), cpus=os.cpu_count(), loadavg_before=load0, loadavg_after=load1,
               shared=load0 > 1.0 or load1 > (os.cpu_count() or 1) + 0.5,  # busy before, or more than the run's own cores during device_name=device_name('cpu'),
               command=res['command'], commit=res['git'].get('commit'), dirty=res['git'].get('dirty'), smoke=a.smoke)
    row['other'] = round(total - row['distill'] - row['evaluate'], 1)  # kernel and imports, data, generator and CAM proxy, writing
    add_row(res, 'smoke' if a.smoke else ('default' if not params else ' '.join(params)), row, path)
    print(f"{res['command']}\n  total {row['seconds']} s = distill {row['distill']} s + evaluate {row['evaluate']} s + other {row['other']} s (start-up, data, proxy, writing); "
          f"load average {load0:.1f} → {load1:.1f} on {row['cpus']} cores{' (shared: not an idle-machine figure)' if row['shared'] else ''}; "
          f"{row['threads']} torch threads, {row['eval_workers']} evaluation processes; ConvNet {ev['mean']:.2f} ± {ev['std']:.2f}, cross-architecture mean {ev.get('cross_arch_mean')}")
    for k, v in phases.items(): print(f'  {k:>20} {v:8.1f} s')
    print(f'→ {path}')

if __name__ == '__main__': main()
