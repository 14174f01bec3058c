"""`hpd-run`, the command a user types, run under a pseudo-terminal (papermill refuses to print a notebook to a terminal, which is
why the command must give it an output path inside the run's directory)."""
import json, os, pty, sys
from pathlib import Path

BIN = Path(sys.executable).parent

def run_in_pty(cmd:list, env:dict, timeout:int=900) -> tuple[int, str]:
    "Run `cmd` with a pseudo-terminal as its stdin/stdout/stderr; return (exit status, output)."
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(cmd[0], cmd, env)
    out = b''
    while True:
        try: chunk = os.read(fd, 4096)
        except OSError: break  # EIO: the child closed the terminal
        if not chunk: break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors='replace')

# a tiny experiment, given as parameters (the notebook has no test branch): the digits at 32×32 with the Fashion-MNIST generator and
# proxy (whose shapes match), a CAM distance over 10 real images per class, narrow networks, two steps per space and two epochs
TINY = ['-p', 'dataset', 'digits', '-p', 'generator', 'fashion_mnist', '-p', 'proxy', 'fashion_mnist', '-p', 'cam_real', '10',
        '-p', 'steps_per_space', '2', '-p', 'select_every', '1', '-p', 'batch_real', '16', '-y', 'matcher_kwargs: {net_kwargs: {width: 16}}',
        '-p', 'K', '1', '-p', 'eval_epochs', '2', '-y', 'eval_net_kwargs: {width: 16}', '-y', 'eval_models: [ConvNet, AlexNet]',
        '-p', 'cross_K', '1', '-p', 'cross_epochs', '2']

def test_hpd_run_in_a_terminal(tmp_path):
    env = dict(os.environ, HPD_RUNS=str(tmp_path), OMP_NUM_THREADS='1')
    env.pop('HPD_TEST', None)
    rc, out = run_in_pty([str(BIN/'hpd-run'), *TINY, '-p', 'seed', '3'], env)
    assert rc == 0, out[-4000:]
    nbs = list(tmp_path.glob('experiments/*/*/run_experiment.ipynb'))
    assert len(nbs) == 1 and (nbs[0].parent/'eval.json').exists() and (nbs[0].parent/'stages.png').exists(), (nbs, out[-2000:])
    assert f'run directory: {nbs[0].parent}' in out
    ev = json.loads((nbs[0].parent/'eval.json').read_text())
    assert len(ev['accs']) == 1 and ev['config']['epochs'] == 2 and ev['cross_arch_models'] == ['AlexNet'], ev  # the parameters reached the run

def test_hpd_run_refuses_bad_parameters(tmp_path):
    env = dict(os.environ, HPD_RUNS=str(tmp_path))
    rc, out = run_in_pty([str(BIN/'hpd-run'), '-p', 'matcher', 'nosuch', '-p', 'ipc', 'ten'], env)
    assert rc != 0 and "matcher='nosuch'" in out and "ipc='ten'" in out, out
    assert not any(tmp_path.iterdir())  # nothing created

def test_papermill_sees_every_parameter():
    "papermill reads a `parameters` cell line by line: every assignment must be one line of its own, or it is invisible to --help-notebook."
    import ast, json, papermill
    root = Path(__file__).resolve().parent.parent
    for nb in sorted((root/'nbs').glob('*.ipynb')):
        cells = [c for c in json.loads(nb.read_text())['cells'] if 'parameters' in c['metadata'].get('tags', [])]
        if not cells: continue
        names = [t.id for node in ast.parse(''.join(cells[0]['source'])).body for t in getattr(node, 'targets', [])]
        seen = papermill.inspect_notebook(str(nb))
        assert sorted(seen) == sorted(names), f'{nb.name}: papermill sees {sorted(seen)}, the cell assigns {sorted(names)}'
