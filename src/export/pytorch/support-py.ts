/**
 * @file `grove_support.py`: the rules of Grove that PyTorch lacks (Philox draws, the epoch shuffle, safetensors
 * checkpoints in Grove's format, schedules, clipping, optimizers with Grove's hyper-parameters).
 * Kept as Python text here (written out verbatim by the PyTorch export, with `OPTIMIZERS` from
 * optimizers-py.ts and `SCHEDULES` from schedules-py.ts); the tests run it with Debian's
 * python3-torch.
 */
import { optimizersPy } from "./optimizers-py.js";
import { schedulesPy } from "./schedules-py.js";

export const supportPy = String.raw`"""Grove's own rules that PyTorch does not have, for model.py and train.py (written by grove export).

- Random draws: Grove's counter-based Philox-4x32-10 generator, so dropout masks and noise are
  the numbers 'grove train' draws: element i of a draw is philox([i, step, rank, 0], [seed, stream]).
  'set_draws' sets the step (0 in evaluation) and the rank (0 in a single process) before a forward.
- The epoch order: Grove's Fisher-Yates shuffle driven by the same generator.
- Checkpoints: Grove's safetensors files (parameters, optimizer moments, '__metadata__').
- Learning-rate schedules, clipping by global norm and the optimizers, with Grove's semantics.
"""
import gzip
import json
import math
import os
import struct

import numpy as np
import torch

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
U32 = 0xFFFFFFFF

_draws = {"seed": 0, "step": 0, "rank": 0}


def set_draws(seed, step, rank=0):
    """The key and counter words of the next forward's random draws."""
    _draws.update(seed=seed, step=step, rank=rank)


def _mulhilo(a, b):
    """High and low 32 bits of the constant a times each u32 in b (int64 tensors, no overflow)."""
    al, ah = a & 0xFFFF, a >> 16
    bl, bh = b & 0xFFFF, b >> 16
    ll, lh, hl, hh = al * bl, al * bh, ah * bl, ah * bh
    mid = (ll >> 16) + (lh & 0xFFFF) + (hl & 0xFFFF)
    hi = (hh + (lh >> 16) + (hl >> 16) + (mid >> 16)) & U32
    lo = ((mid & 0xFFFF) << 16) | (ll & 0xFFFF)
    return hi, lo


def philox(count, seed, stream, step=0, rank=0, device=None):
    """Words x0 and x1 of philox4x32-10([i, step, rank, 0], [seed, stream]) for i < count."""
    c0 = torch.arange(count, dtype=torch.int64, device=device)
    c1 = torch.full_like(c0, step & U32)
    c2 = torch.full_like(c0, rank & U32)
    c3 = torch.zeros_like(c0)
    k0, k1 = seed & U32, stream & U32
    for r in range(10):
        if r > 0:
            k0, k1 = (k0 + W0) & U32, (k1 + W1) & U32
        hi0, lo0 = _mulhilo(M0, c0)
        hi1, lo1 = _mulhilo(M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1


def uniform(shape, stream, device=None):
    """Grove's random_uniform: (x0 >> 8) * 2^-24, in [0, 1)."""
    x0, _ = philox(math.prod(shape), _draws["seed"], stream, _draws["step"], _draws["rank"], device)
    return ((x0 >> 8).double() * 2.0**-24).float().reshape(shape)


def normal(shape, stream, device=None):
    """Grove's random_normal: Box-Muller on words 0 and 1."""
    x0, x1 = philox(math.prod(shape), _draws["seed"], stream, _draws["step"], _draws["rank"], device)
    u1 = ((x0 >> 8) + 1).double() * 2.0**-24
    u2 = (x1 >> 8).double() * 2.0**-24
    return (torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2.0 * math.pi * u2)).float().reshape(shape)


def one_hot(ids, depth):
    """Rows of zeros with a 1 at each id; an id outside 0..depth-1 gives zeros (as in Grove)."""
    return (ids.unsqueeze(-1) == torch.arange(depth, dtype=ids.dtype, device=ids.device)).float()


def permutation(n, seed, stream):
    """Grove's epoch order: Fisher-Yates from the last position down, j = floor(u_i * (i + 1))."""
    x0, _ = philox(n, seed, stream)
    words = (x0 >> 8).tolist()
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = min(i, (words[i] * (i + 1)) >> 24)
        order[i], order[j] = order[j], order[i]
    return order


# ---------------------------------------------------------------------------- data


def load_split(folder, split, shapes):
    """A split's fields (each of 'shapes' read from 'data/SPLIT.FIELD.npy.gz' and shaped
    [count, *shape]) as numpy arrays, or None if the split is absent."""
    arrays = {}
    for name, shape in shapes.items():
        path = os.path.join(folder, f"{split}.{name}.npy.gz")
        if not os.path.exists(path):
            return None
        with gzip.open(path, "rb") as f:
            a = np.load(f)
        if a.size != len(a) * math.prod(shape):
            raise SystemExit(f"{path}: examples of {a.shape[1:]} values, but the model reads {name} as {shape}")
        arrays[name] = a.reshape(len(a), *shape)
    return arrays


# ---------------------------------------------------------------------------- safetensors

_DTYPES = {"F32": (np.float32, torch.float32), "I32": (np.int32, torch.int32)}


def read_safetensors(path):
    """Tensors by name and the '__metadata__' strings of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + size
    tensors = {}
    for name, t in header.items():
        np_type, _ = _DTYPES[t["dtype"]]
        start, end = t["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=np.dtype(np_type).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.astype(np_type).reshape(t["shape"]))
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    """Writes float32 tensors (in order) and string metadata; atomically, through a temporary file."""
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        raw = t.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- optimization


${schedulesPy()}


def learning_rate(schedule, lr, step, total):
    """The rate of 1-based step 'step' of 'total' (Grove's schedules, src/session/schedule.ts):
    a linear warmup over 'warmup' steps, then the schedule's rate."""
    args = schedule["args"]
    warmup = args["warmup"]
    if step <= warmup:
        return lr * step / warmup
    since = step - warmup - 1
    p = min(1.0, since / max(1, total - warmup - 1))
    return SCHEDULES[schedule["name"]](args, lr, since, p)


def clip_grad_norm(params, max_norm):
    """Grove's clipping: the global norm summed in float64, rounded to float32; scaled above max_norm."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = np.float32(math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads)))
    clip = np.float32(max_norm)
    if clip > 0 and norm > clip:
        scale = float(np.float32(clip / norm))
        for g in grads:
            g.mul_(scale)
    return float(norm)


# Grove's optimizers as torch.optim classes: (class, keyword arguments from Grove's, moments).
# Each moment maps a Grove checkpoint name (optimizer.m:NAME) to the optimizer's state key.
# The arguments are Grove's bound ones: every default is filled in.
def _sgd(a, wd):
    mu = a["momentum"]
    kw = {"momentum": mu, "weight_decay": wd}
    if mu != 0:
        kw["nesterov"] = bool(a["nesterov"])
    return torch.optim.SGD, kw, ({"m": "momentum_buffer"} if mu != 0 else {})


def _adam(a, wd, cls):
    betas = (a["beta1"], a["beta2"])
    return cls, {"betas": betas, "eps": a["eps"], "weight_decay": wd}, {"m": "exp_avg", "v": "exp_avg_sq"}


def _rmsprop(a, wd):
    mu = a["momentum"]
    kw = {"alpha": a["alpha"], "eps": a["eps"], "momentum": mu, "weight_decay": wd}
    return torch.optim.RMSprop, kw, ({"m": "momentum_buffer", "v": "square_avg"} if mu != 0 else {"v": "square_avg"})


${optimizersPy()}


def make_optimizer(spec, named_params, rules):
    """The optimizer over the parameters not frozen, one group per parameter (its lr scale, decay);
    the frozen ones are kept as 'grove_frozen' (their moments stay zero, as in Grove)."""
    name, args = spec["name"], spec["args"]
    default_wd = args["weight_decay"]
    cls, _, moments = OPTIMIZERS[name](args, default_wd)
    groups, frozen = [], []
    for pname, p in named_params:
        rule = rules.get(pname, {})
        if rule.get("frozen"):
            p.requires_grad_(False)
            frozen.append((pname, p))
            continue
        _, kw, _ = OPTIMIZERS[name](args, rule.get("weightDecay", default_wd))
        groups.append({"params": [p], "lr": 0.0, "grove_scale": rule.get("lrScale", 1.0), "grove_name": pname, **kw})
    optimizer = cls(groups)
    optimizer.grove_frozen = frozen
    return optimizer, moments


def optimizer_moments(optimizer, moments):
    """Each moment as Grove names it in a checkpoint ('optimizer.m:l1.w'), zeros before the first
    step and for frozen parameters."""
    out = {}
    for group in optimizer.param_groups:
        p = group["params"][0]
        state = optimizer.state.get(p, {})
        for grove_name, key in moments.items():
            value = state.get(key)
            out[f"optimizer.{grove_name}:{group['grove_name']}"] = value if value is not None else torch.zeros_like(p)
    for pname, p in optimizer.grove_frozen:
        for grove_name in moments:
            out[f"optimizer.{grove_name}:{pname}"] = torch.zeros_like(p)
    return out


def load_moments(optimizer, moments, tensors, step):
    """Puts a Grove checkpoint's moments into the optimizer's state (resuming a run)."""
    for group in optimizer.param_groups:
        p = group["params"][0]
        state = {key: tensors[f"optimizer.{g}:{group['grove_name']}"].to(p.device).clone() for g, key in moments.items() if f"optimizer.{g}:{group['grove_name']}" in tensors}
        if state:
            if "exp_avg" in state:
                state["step"] = torch.tensor(float(step))
            optimizer.state[p] = state
`;
