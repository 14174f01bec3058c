"""Runs every notebook's tests through nbdev's test function, and checks that `hpd/` is what `nbdev_export` makes of `nbs/`
and that the notebooks are clean. Notebooks see a temporary HPD_RUNS, so tests never write into runs/, and HPD_TEST=1 (the paper
figure and table notebooks then write into a temporary folder). The notebooks that write runs have no test branch: they are run
with papermill on a tiny configuration given as parameters, by the test files named in PAPERMILL_TESTED."""
import filecmp, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS = sorted((ROOT/'nbs').glob('*.ipynb'))
BIN = Path(sys.executable).parent
PAPERMILL_TESTED = {'run_experiment': 'test_cli.py', 'run_baselines': 'test_run_notebooks.py', 'run_grid': 'test_run_notebooks.py'}

def _case(nb:Path):
    if nb.stem not in PAPERMILL_TESTED: return pytest.param(nb, id=nb.stem)
    return pytest.param(nb, id=nb.stem, marks=pytest.mark.skip(reason=f'run with papermill parameters by tests/{PAPERMILL_TESTED[nb.stem]}'))

@pytest.mark.parametrize('nb', [_case(p) for p in NBS])
def test_notebook(nb, tmp_path, monkeypatch):
    from nbdev.test import test_nb
    monkeypatch.setenv('HPD_TEST', '1'); monkeypatch.setenv('HPD_RUNS', str(tmp_path))
    monkeypatch.chdir(nb.parent)
    ok, secs = test_nb(nb, skip_flags=['notest', 'slow'], force_flags=[], basepath=ROOT)
    assert ok, f'{nb.name} failed (see the traceback above)'

def test_papermill_tested_notebooks_are_run():
    "Each notebook skipped above is run by its test file (with papermill, directly or through hpd-run)."
    here = Path(__file__).parent
    for nb, f in PAPERMILL_TESTED.items():
        assert (ROOT/'nbs'/f'{nb}.ipynb').exists(), f'nbs/{nb}.ipynb is gone: remove it from PAPERMILL_TESTED'
        src = (here/f).read_text()
        assert f"'{nb}'" in src or (nb == 'run_experiment' and 'hpd-run' in src), f'tests/{f} does not run nbs/{nb}.ipynb'

@pytest.fixture(scope='module')
def scratch(tmp_path_factory):
    d = tmp_path_factory.mktemp('repo')
    shutil.copy(ROOT/'settings.ini', d); shutil.copy(ROOT/'setup.py', d)
    shutil.copytree(ROOT/'nbs', d/'nbs'); shutil.copytree(ROOT/'hpd', d/'hpd', ignore=shutil.ignore_patterns('__pycache__'))
    return d

def test_hpd_in_sync_with_nbs(scratch):
    subprocess.run([BIN/'nbdev_export'], cwd=scratch, check=True)
    out = [p.relative_to(scratch) for p in (scratch/'hpd').rglob('*.py')]
    differ = [str(p) for p in out if not (ROOT/p).exists() or not filecmp.cmp(scratch/p, ROOT/p, shallow=False)]
    assert not differ, f'hpd/ is not in sync with nbs/: {differ}. Run nbdev_export and commit.'

def test_notebooks_clean(scratch):
    subprocess.run([BIN/'nbdev_clean', '--fname', 'nbs'], cwd=scratch, check=True)
    dirty = [p.name for p in NBS if not filecmp.cmp(p, scratch/'nbs'/p.name, shallow=False)]
    assert not dirty, f'Notebooks not clean: {dirty}. Run nbdev_clean and commit.'
