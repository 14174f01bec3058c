"""Renders every table and figure family of the paper from a small fixture grid — a copy of the committed method-comparison runs
(their small files only) — with papermill, as `make reproduce` does, into a temporary folder; checks that each family has a file."""
import shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)
GRID = 'fmnist_dm_ipc1'  # Pixel, GLaD and H-PD with DM at IPC 1: what every figure family needs
KEEP = ('*.json', 'synset.pt', 'stage_[0-9].pt', 'stage_[0-9][0-9].pt')  # no latents, no resume state

def copy_run(src:Path, dst:Path):
    dst.mkdir(parents=True)
    for pat in KEEP:
        for f in src.glob(pat): shutil.copy(f, dst/f.name)
    if (src/'eval').exists(): shutil.copytree(src/'eval', dst/'eval')

@pytest.fixture(scope='module')
def fixture_runs(tmp_path_factory):
    sys.path.insert(0, str(ROOT))
    from hpd.experiment import grid_entries
    runs = tmp_path_factory.mktemp('fixture')/'runs'
    for p in grid_entries(GRID):
        src = ROOT/'runs'/p.name()
        if not (src/'eval.json').exists(): pytest.fail(f'{src} is not a finished run: the fixture grid copies the committed runs of {GRID}')
        copy_run(src, runs/p.name())
    shutil.copytree(ROOT/'runs'/'baselines', runs/'baselines')
    return runs

def papermill(nb, out, *params, cwd=ROOT):
    r = subprocess.run([PY, '-m', 'papermill', str(ROOT/'nbs'/nb), str(out), '-k', 'python3', *params], cwd=cwd, capture_output=True, text=True)
    assert r.returncode == 0, f'{nb} failed:\n{r.stderr[-3000:]}'

def test_figures_from_fixture_grid(fixture_runs, tmp_path):
    papermill('paper_figures.ipynb', tmp_path/'pf.ipynb', '-p', 'runs', str(fixture_runs), '-p', 'out_dir', str(tmp_path/'figs'))
    figs = tmp_path/'figs'
    index = (figs/'figures_fashion_mnist.md').read_text()
    for family in ('fig3_synthetic_sets_fashion_mnist_dm_ipc1', 'fig7a_transition_hpd_dm_ipc1', 'fig7b_9_cam_fashion_mnist_ipc1', 'fig8_trajectories_fashion_mnist'):
        for ext in ('png', 'pdf'): assert list(figs.glob(f'{family}*.{ext}')), f'{family}*.{ext} not rendered'
    # the fixture has no run that recorded validation accuracy: Figs. 4 and 5 must say so, not be silently missing
    assert index.count('none: no run with') == 2, index
    assert (figs/'fashion_mnist_comparison.csv').read_text().count('\n') == 4  # header + 3 runs

def test_tables_from_fixture_grid(fixture_runs, tmp_path):
    papermill('paper_tables.ipynb', tmp_path/'pt.ipynb', '-p', 'runs', str(fixture_runs), '-p', 'out_dir', str(tmp_path/'tabs'), cwd=ROOT/'nbs')
    tabs = tmp_path/'tabs'
    for family in ('01_02_03_06_accuracy', '04_05_11_cross_architecture', '07_time_performance', '08_components', '09_steps_per_space',
                   '10_fixed_vs_unfixed', '12_13_14_layers_x_steps', '15_criterion', '16_17_average_init'):
        for ext in ('md', 'csv', 'tex'): assert (tabs/f'table_{family}.{ext}').exists(), f'table_{family}.{ext} not rendered'
    # the paper's tables are on other datasets: each says which finished runs it looked at and why none fits, never a guess
    acc = (tabs/'table_01_02_03_06_accuracy.md').read_text()
    assert 'none of the 3 finished runs of the grids' in acc and '(they are on fashion_mnist)' in acc, acc[-2000:]

def test_readme_results_are_the_rendered_ones():
    "The README's results block is `papers_figures/results_<dataset>.md` as `paper_figures` last rendered it from runs/."
    readme = (ROOT/'README.md').read_text()
    for f in sorted((ROOT/'papers_figures').glob('results_*.md')):
        ds = f.stem.removeprefix('results_')
        start, end = f'<!-- results:{ds}:start -->\n', f'<!-- results:{ds}:end -->'
        assert start in readme and end in readme, f'README.md has no results block for {ds}'
        assert readme.split(start, 1)[1].split(end, 1)[0] == f.read_text(), f'README.md results for {ds} differ from {f}: re-render with nbs/paper_figures.ipynb'
