"""The recipes (`hpd.recipes`, plain data at the bottom of the import graph) against the modules that act on them: every name a
recipe holds is one those modules know, `hpd.distill` resolves τ, the lr rule and GLaD's layer from them, and a new dataset is one
recipe plus its loader."""
import dataclasses
import pytest
import hpd.data, hpd.recipes
from hpd.recipes import RECIPES, OFFICIAL_RECIPES, TAU, TORCHVISION_PROXY, Recipe, recipe
from hpd.assets import GENERATORS, CLASSIFIERS, OFFICIAL_NAMES
from hpd.networks import NETWORKS
from hpd.matchers import MATCHERS
from hpd.generators import Hierarchy, StyleGenerator
from hpd.stylegan_xl import StyleGANXL, official_plan, plan_shapes
from hpd.config import DistillConfig
from hpd import distill

@pytest.mark.parametrize('r', RECIPES.values(), ids=list(RECIPES))
def test_names_are_known(r):
    for g in (r.generator, r.untagged_generator):
        assert g is None or g in GENERATORS or g in OFFICIAL_RECIPES, f'{r.name}: unknown generator {g!r}'
    assert r.proxy is None or r.proxy in CLASSIFIERS or r.proxy == TORCHVISION_PROXY, f'{r.name}: unknown proxy {r.proxy!r}'
    assert set(r.eval_models) <= set(NETWORKS), f'{r.name}: unknown evaluation models {set(r.eval_models) - set(NETWORKS)}'
    assert {m for m, _ in r.tau} <= set(MATCHERS) and {m for m, _ in r.glad_layers} <= set(MATCHERS), r.name
    assert r.loader in hpd.data.LOADERS, f'{r.name}: hpd.data.LOADERS has no loader {r.loader!r}'

def test_official_recipes_are_downloadable():
    assert set(OFFICIAL_RECIPES) <= set(OFFICIAL_NAMES)

def test_distill_reads_the_recipes(monkeypatch):
    "hpd.distill takes τ, the lr rule and GLaD's layer from the dataset's recipe: a recipe that says otherwise changes what distill resolves."
    assert not hasattr(distill, 'TAU')  # one table, in hpd.recipes
    H = Hierarchy(StyleGenerator(10, 1, 32), layers_per_space=2)  # 4 spaces: DM's layer and MTT's fall into different ones
    for r in RECIPES.values():
        if r.generator is None: continue
        klass = StyleGANXL if r.generator in OFFICIAL_RECIPES else StyleGenerator
        G = klass.__new__(klass)  # resolve_lr_mode looks at the class only
        assert distill.resolve_lr_mode(DistillConfig(), G, r.name) == r.lr_mode, r.name
        other, dm_space = 'paper' if r.lr_mode == 'calibrated' else 'calibrated', distill.glad_space_for('dm', H, r.name)
        monkeypatch.setitem(RECIPES, r.name, dataclasses.replace(r, lr_mode=other, tau=tuple(dict(r.tau, dm=0.5).items()),
                                                                  glad_layers=tuple(dict(r.glad_layers, dm=r.glad_layer('mtt')).items())))
        assert distill.resolve_lr_mode(DistillConfig(), G, r.name) == other, r.name
        assert distill.resolve_tau(DistillConfig(matcher='dm'), r.name) == 0.5 and distill.resolve_tau(DistillConfig(matcher='dc'), r.name) == r.tau_for('dc')
        assert distill.glad_space_for('dm', H, r.name) == distill.glad_space_for('mtt', H, r.name) < dm_space

@pytest.mark.parametrize('matcher', ['dm', 'dc', 'dsa', 'mtt'])
def test_glad_space_is_the_recipes_layer(matcher):
    "GLaD's space for our generator is the deepest whose boundary lies at or above the recipe's GLaD layer, at the same relative depth."
    r, H = recipe('fashion_mnist'), Hierarchy(StyleGenerator(), layers_per_space=2)
    depth = (r.glad_layer(matcher) + 1) / len(plan_shapes(official_plan(r.glad_reference)))
    want = max(k for k, b in enumerate(H.boundaries) if b / H.G.num_layers <= depth + 1e-9)
    assert distill.glad_space_for(matcher, H) == want

def test_a_new_dataset_is_one_recipe_and_its_loader(monkeypatch):
    from hpd.experiment import ExperimentParams, experiment_generator
    from hpd.cam import load_classifier
    toy = lambda root=None, **kw: dataclasses.replace(hpd.data.load_digits_data(**kw), name='toy')
    monkeypatch.setitem(hpd.data.LOADERS, 'toy', toy)
    monkeypatch.setitem(RECIPES, 'toy', Recipe('toy', 'toy', generator='fashion_mnist', proxy='fashion_mnist', eval_models=('ConvNet',)))
    data = hpd.data.load_dataset('Toy')
    assert data.name == 'toy' and isinstance(experiment_generator(data), StyleGenerator)
    assert load_classifier('toy')[1]['source'].endswith('fmnist_resnet18.pt')
    p = ExperimentParams(dataset='toy').check()
    assert p.name().startswith('experiments/toy/') and p.evaluation()['models'] == ['ConvNet']
