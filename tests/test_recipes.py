"""The recipes (`hpd.recipes`, plain data at the bottom of the import graph) against the modules that act on them: every name a
recipe holds is one those modules know, the defaults `hpd.distill` still keeps agree with the recipes, and a new dataset is one
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
from hpd import distill

@pytest.mark.parametrize('r', RECIPES.values(), ids=list(RECIPES))
def test_names_are_known(r):
    assert r.generator is None or r.generator in GENERATORS or r.generator in OFFICIAL_RECIPES, f'{r.name}: unknown generator {r.generator!r}'
    assert r.proxy is None or r.proxy in CLASSIFIERS or r.proxy == TORCHVISION_PROXY, f'{r.name}: unknown proxy {r.proxy!r}'
    assert set(r.eval_models) <= set(NETWORKS), f'{r.name}: unknown evaluation models {set(r.eval_models) - set(NETWORKS)}'
    assert {m for m, _ in r.tau} <= set(MATCHERS) and {m for m, _ in r.glad_layers} <= set(MATCHERS), r.name
    assert r.loader in hpd.data.LOADERS, f'{r.name}: hpd.data.LOADERS has no loader {r.loader!r}'

def test_official_recipes_are_downloadable():
    assert set(OFFICIAL_RECIPES) <= set(OFFICIAL_NAMES)

def test_distill_agrees_with_the_recipes():
    "hpd.distill still keeps τ and the lr-mode rule itself (until it reads the recipe): they must say what the recipes say."
    assert distill.TAU == TAU
    for r in RECIPES.values():
        if r.generator is None: continue
        klass = StyleGANXL if r.generator in OFFICIAL_RECIPES else StyleGenerator
        G = klass.__new__(klass)  # resolve_lr_mode looks at the class only
        assert distill.resolve_lr_mode(distill.DistillConfig(), G) == r.lr_mode, r.name

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
