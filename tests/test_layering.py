"""The package's layering, read from the imports of every `hpd/*.py` (ast, nothing imported): which module may import which,
notebook order = dependency order, and module size."""
import ast, re
from pathlib import Path
import pytest

HPD = Path(__file__).resolve().parent.parent/'hpd'
MODULES = sorted(p.stem for p in HPD.glob('*.py') if not p.stem.startswith('_'))
MAX_LINES = 500
OVERSIZE_OWNED_ELSEWHERE = set()  # being restructured separately (issue 17); every other module must stay small
INLINE_IMPORTS_PENDING = set()    # still import inside functions (issue 17 item 4)
OPTIONAL = set()                                       # optional dependencies imported where needed (none today)

def imports(mod:str) -> list[tuple[str, bool]]:
    "(imported module, at module top?) for every import in `hpd/<mod>.py`; hpd modules by their short name, others by their top package."
    tree, out = ast.parse((HPD/f'{mod}.py').read_text()), []
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import): names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level: names = [f'hpd.{node.module}' if node.module else 'hpd']
            else: names = [node.module]
        else: continue
        for n in names:
            parts = n.split('.')
            name = parts[1] if parts[0] == 'hpd' and len(parts) > 1 else ('hpd' if parts[0] == 'hpd' else parts[0])
            out.append((f'hpd.{name}' if parts[0] == 'hpd' and name != 'hpd' else name, id(node) in top))
    return out

def hpd_deps(mod:str) -> set[str]: return {n[4:] for n, _ in imports(mod) if n.startswith('hpd.')}

def test_modules_found():
    assert {'core', 'recipes', 'assets', 'data', 'networks', 'augment', 'evaluate', 'matchers', 'cam', 'stylegan_xl', 'sgxl_pickle'} <= set(MODULES)

# recipes is plain data about datasets (names, no code to load): it imports no hpd module, so every module may read it
ALLOWED_ONLY = {'core': set(), 'recipes': set(), 'assets': {'core', 'recipes'}, 'data': {'core', 'assets', 'recipes'},
                'networks': {'core', 'assets', 'recipes'}, 'augment': {'core', 'assets', 'recipes'}}
FORBIDDEN = {'evaluate': {'generators', 'init', 'cam', 'matchers', 'distill', 'experiment'},
             'matchers': {'generators', 'cam', 'distill', 'experiment'},
             'cam': {'generators', 'distill', 'experiment'},
             'distributed': {'generators', 'init', 'cam', 'distill', 'experiment'}}  # process groups, DM by class, evaluation fan-out: below distill

@pytest.mark.parametrize('mod', sorted(ALLOWED_ONLY))
def test_low_level_modules(mod):
    extra = hpd_deps(mod) - ALLOWED_ONLY[mod]
    assert not extra, f'hpd.{mod} may import only {sorted(ALLOWED_ONLY[mod]) or "no hpd module"}, but imports {sorted(extra)}'

@pytest.mark.parametrize('mod', sorted(FORBIDDEN))
def test_forbidden_edges(mod):
    bad = hpd_deps(mod) & FORBIDDEN[mod]
    assert not bad, f'hpd.{mod} must not import {sorted(bad)}'

def test_no_papermill():
    users = [m for m in MODULES if any(n == 'papermill' for n, _ in imports(m))]
    assert not users, f'papermill is for running notebooks, not a library dependency; imported by {users}'

def test_imports_at_module_top():
    inline = {m: sorted({n for n, at_top in imports(m) if not at_top and n not in OPTIONAL}) for m in MODULES if m not in INLINE_IMPORTS_PENDING}
    inline = {m: v for m, v in inline.items() if v}
    assert not inline, f'imports inside functions (import them at the top, unless an optional dependency needs it): {inline}'

def notebook_of(mod:str) -> str:
    m = re.search(r'File to edit: \.\./nbs/(\S+)\.ipynb', (HPD/f'{mod}.py').read_text())
    assert m, f'hpd/{mod}.py does not say which notebook it is exported from'
    return m.group(1)

def test_notebook_order_is_dependency_order():
    bad = [f'{notebook_of(m)} ({m}) imports {notebook_of(d)} ({d})' for m in MODULES for d in sorted(hpd_deps(m)) if d in MODULES and notebook_of(d) >= notebook_of(m)]
    assert not bad, 'a notebook must only import notebooks that come before it: ' + '; '.join(bad)

def test_no_cycles():
    seen, done = set(), set()
    def visit(m, path):
        if m in done: return
        assert m not in seen, 'import cycle: ' + ' → '.join(path + [m])
        seen.add(m)
        for d in sorted(hpd_deps(m) & set(MODULES)): visit(d, path + [m])
        done.add(m)
    for m in MODULES: visit(m, [])

def test_module_size():
    sizes = {m: len((HPD/f'{m}.py').read_text().splitlines()) for m in MODULES}
    big = {m: n for m, n in sizes.items() if n > MAX_LINES and m not in OVERSIZE_OWNED_ELSEWHERE}
    assert not big, f'modules over {MAX_LINES} lines (split them): {big}'
