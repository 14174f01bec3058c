"""Test support, not public API: writes a StyleGAN-XL fixture in the official pickle layout, without the official code.

Tests cannot download a real checkpoint, so `write_official_pickle` writes one of ours (`hpd.stylegan_xl.StyleGANXL`) the way the
official pickles are laid out: a pickle of `dict(G, D, G_ema, augment_pipe, training_set_kwargs, progress)` in which each network is
`torch_utils.persistence._reconstruct_persistent_obj(meta)` with a source-text string, the official class name and the object's
`__dict__`, each tensor a `torch._utils._rebuild_tensor_v2` of a `torch.storage._load_from_bytes` legacy stream that says `cuda:0`, the
class embedding an `nn.Embedding` built with `NEWOBJ`, and a `D` holding a dill-style function, an `os.system` call and an instance of a
class that dill pickled by value. These payloads are what `hpd.sgxl_pickle` must read without running: that is the point of the fixture.
Used by nbs/10a_sgxl_pickle.ipynb (which puts tests/ on sys.path)."""
from __future__ import annotations
import io, pickle, struct, collections
from pathlib import Path
import numpy as np
import torch
from hpd.core import atomic_path
from hpd.stylegan_xl import StyleGANXL
from hpd.sgxl_pickle import _STORAGE_DTYPES, _LEGACY_MAGIC, _LEGACY_PROTOCOL

__all__ = ['FIXTURE_SOURCE', 'write_legacy_storage', 'generator_payload', 'write_official_pickle']

class _Global:
    "A global reference to emit by name (the object need not exist here)."
    def __init__(self, module, name): self.module, self.name = module, name
    def __call__(self, *a): raise TypeError('only for pickling')

class _Call:
    "Emit `func(*args)` (REDUCE, or NEWOBJ when `newobj`), then dict items and BUILD state, like a `__reduce__` value."
    def __init__(self, func, args=(), state=None, dictitems=None, newobj=False):
        self.func, self.args, self.state, self.dictitems, self.newobj = func, tuple(args), state, dictitems, newobj

class _FixturePickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)
    def __init__(self, f, protocol=4, numpy_module=None, pid=None):
        super().__init__(f, protocol=protocol); self.numpy_module, self._pid = numpy_module, pid
    def persistent_id(self, obj): return self._pid(obj) if self._pid else None
    def save_global(self, obj, name=None):
        if isinstance(obj, _Global): module, name = obj.module, obj.name
        else:
            name = name or getattr(obj, '__qualname__', None) or obj.__name__
            module = pickle.whichmodule(obj, name)
            if self.numpy_module and module.startswith('numpy._core'): module = module.replace('numpy._core', self.numpy_module, 1)
        self.write(pickle.GLOBAL + f'{module}\n{name}\n'.encode()); self.memoize(obj)
    def _save_call(self, obj):
        self.save(obj.func); self.save(obj.args); self.write(pickle.NEWOBJ if obj.newobj else pickle.REDUCE); self.memoize(obj)
        if obj.dictitems: self._batch_setitems(iter(obj.dictitems.items()))
        if obj.state is not None: self.save(obj.state); self.write(pickle.BUILD)
    dispatch[_Global] = save_global
    dispatch[_Call] = _save_call

def write_legacy_storage(t:torch.Tensor, # any tensor; its elements are written contiguously
                         location:str='cuda:0') -> bytes: # the device the stream claims
    "A legacy (non-zip) `torch.save` stream of `t`'s storage, as the official pickles embed them."
    t = t.detach().cpu().contiguous().reshape(-1)
    name = {d: n for n, d in reversed(_STORAGE_DTYPES.items())}[t.dtype]  # ByteStorage for uint8
    f = io.BytesIO()
    for o in (_LEGACY_MAGIC, _LEGACY_PROTOCOL, dict(protocol_version=_LEGACY_PROTOCOL, little_endian=True, type_sizes=dict(short=2, int=4, long=4))):
        pickle.dump(o, f, protocol=2)
    root = object()
    pid = lambda o: ('storage', _Global('torch.cuda' if location.startswith('cuda') else 'torch', name), '0', location, t.numel(), None) if o is root else None
    _FixturePickler(f, protocol=2, pid=pid).dump(root)
    pickle.dump(['0'], f, protocol=2)
    f.write(struct.pack('<q', t.numel())); f.write(t.view(torch.uint8).numpy().tobytes() if t.numel() else b'')
    return f.getvalue()

FIXTURE_SOURCE = ('# Stand-in for the module source that official pickles embed (training/networks_stylegan3_resetting.py).\n'
                  '# hpd never executes it; if anything did, this would leave a file behind:\n'
                  "import os; open(os.path.join(os.environ.get('TMPDIR', '/tmp'), 'hpd_embedded_source_ran'), 'w').write('ran')\n")
_OD = collections.OrderedDict

def _tensor_call(t, param, location):
    t = t.detach().cpu().contiguous()
    blob = _Call(_Global('torch.storage', '_load_from_bytes'), (write_legacy_storage(t, location),))
    tr = _Call(_Global('torch._utils', '_rebuild_tensor_v2'), (blob, 0, tuple(t.shape), tuple(t.stride()), False, _OD()))
    return _Call(_Global('torch._utils', '_rebuild_parameter'), (tr, False, _OD())) if param else tr

def _persist(class_name, attrs, params, buffers, modules, init_kwargs, location, src=FIXTURE_SOURCE):
    state = dict(training=False, _parameters=_OD((k, None if v is None else _tensor_call(v, True, location)) for k, v in params.items()),
                 _buffers=_OD((k, None if v is None else _tensor_call(v, False, location)) for k, v in buffers.items()),
                 _non_persistent_buffers_set=set(), _backward_hooks=_OD(), _forward_hooks=_OD(), _forward_pre_hooks=_OD(),
                 _state_dict_hooks=_OD(), _load_state_dict_pre_hooks=_OD(), _modules=_OD(modules),
                 _init_args=(), _init_kwargs=_Call(_Global('dnnlib.util', 'EasyDict'), (), None, dict(init_kwargs), newobj=True), **attrs)
    meta = dict(type='class', version=6, module_src=src, class_name=class_name, state=state)
    return _Call(_Global('torch_utils.persistence', '_reconstruct_persistent_obj'), (meta,))

def _dill_array(x:np.ndarray) -> _Call:
    "An ndarray the way dill writes it (`dill._dill._create_array`); plain numpy pickling is used elsewhere."
    f, args, state = x.__reduce__()
    return _Call(_Global('dill._dill', '_create_array'), (f, args, state, None))

def _np_attrs(a:dict) -> dict:
    "Attributes as the official objects hold them: sizes as numpy int arrays, design floats as numpy float64."
    out = {}
    for k, v in a.items():
        if k in ('in_size', 'out_size', 'size'): out[k] = _dill_array(np.broadcast_to(np.asarray(v, dtype=np.int64), [2]))
        elif isinstance(v, float) and not isinstance(v, bool): out[k] = np.float64(v)
        else: out[k] = v
    return out

def generator_payload(G:StyleGANXL, location:str='cuda:0',
                      class_names:dict|None=None, # {official module path: class name} overrides (to test refusals)
                      superres:bool=True) -> _Call:
    "The pickle payload of `G` in the official persistent-object layout."
    cn = class_names or {}
    def fc(m, path): return _persist(cn.get(path, 'FullyConnectedLayer'), m.attrs, dict(weight=m.weight, bias=m.bias), {}, {}, dict(in_features=m.in_features, out_features=m.out_features), location)
    M, S = G.mapping_net, G.synthesis_net
    e = M.embed
    embed = _Call(_Global('torch.nn.modules.sparse', 'Embedding'), (), newobj=True, state=dict(
        training=False, _parameters=_OD(weight=_tensor_call(e.weight, True, location)), _buffers=_OD(), _modules=_OD(),
        num_embeddings=e.num_embeddings, embedding_dim=e.embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False))
    mmods = _OD(embed=embed)
    if M.embed_proj is not None: mmods['embed_proj'] = fc(M.embed_proj, 'mapping.embed_proj')
    for i in range(M.num_layers): mmods[f'fc{i}'] = fc(getattr(M, f'fc{i}'), f'mapping.fc{i}')
    mapping = _persist(cn.get('mapping', 'MappingNetwork'), M.attrs, {}, dict(w_avg=M.w_avg), mmods, dict(z_dim=M.z_dim, c_dim=M.c_dim, w_dim=M.w_dim, num_ws=M.num_ws), location)
    I = S.input
    smods = _OD(input=_persist(cn.get('synthesis.input', 'SynthesisInput'), _np_attrs(I.attrs), dict(weight=I.weight),
                               dict(transform=I.transform, freqs=I.freqs, phases=I.phases), _OD(affine=fc(I.affine, 'synthesis.input.affine')), I.attrs, location))
    for n in S.layer_names:
        L = getattr(S, n)
        smods[n] = _persist(cn.get(f'synthesis.{n}', 'SynthesisLayer'), _np_attrs(L.attrs), dict(weight=L.weight, bias=L.bias),
                            dict(magnitude_ema=L.magnitude_ema, up_filter=L.up_filter, down_filter=L.down_filter),
                            _OD(affine=fc(L.affine, f'synthesis.{n}.affine')), {k: L.attrs[k] for k in ('w_dim', 'in_channels', 'out_channels')}, location)
    sattrs = dict(w_dim=S.w_dim, num_ws=S.num_ws, img_resolution=S.img_resolution, img_channels=S.img_channels,
                  num_layers=len(S.layer_names), output_scale=S.output_scale, layer_names=list(S.layer_names),
                  sampling_rates=np.array([float(getattr(S, n).attrs['out_sampling_rate']) for n in S.layer_names]), **S.extra_attrs)
    stale = dict(w_dim=S.w_dim, img_resolution=16, img_channels=S.img_channels, num_layers=10)   # SR pickles keep the stem's kwargs
    synthesis = _persist(cn.get('synthesis', 'SynthesisNetwork'), sattrs, {}, {}, smods, stale, location)
    gattrs = dict(z_dim=G.z_dim, c_dim=M.c_dim, w_dim=G.w_dim, img_resolution=G.img_resolution, img_channels=G.img_channels, num_ws=G.num_ws)
    if superres: gattrs.update(path_stem='/home/authors/runs/stem/best_model.pkl', up_factor=2, num_layers=len(S.layer_names))
    init = dict(img_resolution=G.img_resolution, path_stem=gattrs.get('path_stem'), head_layers=7, up_factor=2) if superres else gattrs
    return _persist(cn.get('', 'SuperresGenerator' if superres else 'Generator'), gattrs, {}, {}, _OD(mapping=mapping, synthesis=synthesis), init, location)

def write_official_pickle(path:str|Path, G:StyleGANXL,
                          numpy_module:str|None='numpy.core', # write numpy globals under this name (old pickles: numpy.core)
                          location:str='cuda:0', **payload_kwargs) -> Path:
    "Write a fixture in the official StyleGAN-XL pickle layout (G, D, G_ema, …), without any official code."
    g = generator_payload(G, location, **payload_kwargs)
    dill_fn = _Call(_Global('dill._dill', '_create_function'), (_Call(_Global('dill._dill', '_create_code'), (2, 0, b'|\x00S\x00', 'lambda')), {}, '<lambda>'))
    by_value = _Call(_Global('dill._dill', '_create_type'), (_Call(_Global('dill._dill', '_load_type'), ('type',)), 'LossHook',
                     (_Global('builtins', 'object'),), {'__module__': '__main__', '__call__': dill_fn}))   # a class dill pickled by value
    D = _persist('ProjectedDiscriminator', dict(diffaug=True, interp224=True, hook=dill_fn, loss_hook=_Call(by_value, (), state=dict(n=3), newobj=True),
                                                shell=_Call(_Global('os', 'system'), ('echo D ran > /tmp/hpd_D_ran',))), {}, {}, {}, {}, location)
    data = dict(G=g, D=D, G_ema=g, augment_pipe=None, training_set_kwargs=dict(class_name='training.dataset.ImageFolderDataset', resolution=G.img_resolution),
                progress=dict(cur_nimg=torch.tensor(0)))
    with atomic_path(path) as tmp, open(tmp, 'wb') as f: _FixturePickler(f, protocol=4, numpy_module=numpy_module).dump(data)
    return Path(path)
