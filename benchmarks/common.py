"""What the benchmarks share: the command line as run, the allocator, the device, the data, a results file under
runs/benchmarks/<name>/ (or `--out`) whose rows accumulate across runs (each row records its own command and commit),
the device's name and the peak memory of a measured block."""
import os, sys, time, signal, platform
from pathlib import Path
import torch
from hpd.core import tune_malloc, get_device, git_info, device_info, run_dir, load_json, save_json
from hpd.data import load_dataset


def command_line() -> str:
    "The command as run: thread setting, the Python (relative when inside the working directory) and the arguments."
    exe = sys.executable if not sys.executable.startswith(os.getcwd() + os.sep) else os.path.relpath(sys.executable)
    return 'OMP_NUM_THREADS=%s %s %s' % (os.environ.get('OMP_NUM_THREADS', '<unset>'), exe, ' '.join(sys.argv))


def code_version() -> dict:
    "`hpd.core.git_info()`; where this copy has no git checkout (a device machine's copy of the tree), `$HPD_CHECK_COMMIT` as given by the caller."
    g = git_info()
    if not g.get('commit') and os.environ.get('HPD_CHECK_COMMIT'):
        g = dict(commit=os.environ['HPD_CHECK_COMMIT'], dirty=None, source='$HPD_CHECK_COMMIT (no git checkout in this copy)')
    return g


def results_file(name:str, device:torch.device, out=None) -> tuple[Path, dict]:
    "The results file `results_<device type>.json` in `out` (default runs/benchmarks/<name>) and what it holds so far."
    folder = Path(out) if out else run_dir(f'benchmarks/{name}')
    folder.mkdir(parents=True, exist_ok=True)
    path = folder/f'results_{device.type}.json'
    return path, load_json(path) if path.exists() else {}


def stop_on_sigterm():
    "Turn the SIGTERM of gpu_check.sh's time limit into an exception, so a script records what it has before it ends."
    def _term(*_): raise TimeoutError('SIGTERM (the time limit of gpu_check.sh)')
    signal.signal(signal.SIGTERM, _term)


def open_benchmark(name:str, device=None, out=None, dataset:str='fashion_mnist'):
    "Returns (command, allocator, device, data, results path, results dict with a 'rows' dict); `out`: the folder (default runs/benchmarks/<name>)."
    cmd = command_line()
    alloc = tune_malloc()
    device = get_device(device)
    data = load_dataset(dataset)
    path, res = results_file(name, device, out)
    res.update(command=cmd, git=code_version(), env=device_info(device), allocator=alloc, precision='float32')
    res.setdefault('rows', {})
    return cmd, alloc, device, data, path, res


def add_row(res:dict, key:str, row:dict, path):
    "Store `row` as the latest under `key` and append it to the file's `history` (every measurement ever made), then save."
    row = dict(row, time=time.strftime('%Y-%m-%dT%H:%M:%S'), check_id=os.environ.get('HPD_CHECK_ID'))
    res['rows'][key] = row
    res.setdefault('history', []).append(dict(row, key=key))
    save_json(res, path)
    return row


def device_name(device) -> str:
    "The GPU's name, or the CPU's model name."
    device = torch.device(device)
    if device.type == 'cuda': return torch.cuda.get_device_name(device)
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def _status_bytes(field):
    try:
        for line in open('/proc/self/status'):
            if line.startswith(field): return int(line.split()[1]) * 1024
    except OSError: pass
    return None


class PeakMemory:
    """Peak memory of a `with` block. CUDA: `torch.cuda.max_memory_allocated`, reset on entry (tensors only, what the caching
    allocator handed out). CPU: the process's peak RSS (VmHWM), reset on entry through /proc/self/clear_refs where allowed."""
    def __init__(self, device): self.device = torch.device(device)
    def __enter__(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device); torch.cuda.reset_peak_memory_stats(self.device)
            self.before, self.reset = torch.cuda.memory_allocated(self.device), True
        else:
            try:
                with open('/proc/self/clear_refs', 'w') as f: f.write('5')
                self.reset = True
            except OSError: self.reset = False
            self.before = _status_bytes('VmRSS:')
        return self
    def __exit__(self, *exc):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            self.peak = torch.cuda.max_memory_allocated(self.device)
        else: self.peak = _status_bytes('VmHWM:')
        return False
    def record(self) -> dict:
        over = self.peak - self.before if self.reset and self.peak is not None and self.before is not None else None
        return dict(peak_bytes=self.peak, before_bytes=self.before, peak_over_before_bytes=over,
                    memory_kind='torch.cuda.max_memory_allocated (reset before)' if self.device.type == 'cuda'
                    else 'process peak RSS, VmHWM' + (' (reset before)' if self.reset else ' (not resettable: process lifetime peak)'))


def gib(b) -> str: return 'n/a' if b is None else f'{b / 2**30:.2f} GiB'
