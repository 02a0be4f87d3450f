/**
 * @file The body of `train.py` after its settings: data, DistributedDataParallel under torchrun,
 * the optimizer, schedule, clipping, evaluation and Grove checkpoints.
 * Kept as Python text here (written out verbatim by the PyTorch export); the tests run it with
 * Debian's python3-torch.
 */
export const trainBodyPy = String.raw`import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

import grove_support as grove
from model import MODEL_CLASS, objective

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=f"Trains the Grove model {MODEL} with PyTorch (written by grove export).")
    p.add_argument("--epochs", type=int, default=EPOCHS, help="epochs to train (default: the train section's)")
    p.add_argument("--max-steps", type=int, help="stop after this many steps, then save and evaluate")
    p.add_argument("--checkpoint", default=os.path.join(HERE, "checkpoints", f"{MODEL}.safetensors"), help="where to save Grove checkpoints")
    p.add_argument("--init", default=os.path.join(HERE, "init.safetensors"), help="initial parameters (a Grove safetensors file)")
    p.add_argument("--resume", help="continue the run saved in this Grove checkpoint (its parameters, moments and position)")
    p.add_argument("--data", default=os.path.join(HERE, "data"), help="the folder of the data files")
    p.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: this rank's GPU if there is one, else cpu)")
    p.add_argument("--eval-limit", type=int, help="evaluate at most this many examples of each split")
    p.add_argument("--log-json", help="write every step, epoch and the end as JSON lines to this file")
    return p.parse_args()


class Run:
    """The process's place in a distributed run: rank, world size, device (one process: 0, 1)."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device is None:
            device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")

    def shard(self, indices):
        """This rank's part of a batch: contiguous, sizes differing by at most one."""
        return np.array_split(np.asarray(indices), self.world)[self.rank]

    def total(self, value):
        """The sum of a float over the ranks."""
        if self.world == 1:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item())


def to_batch(arrays, indices, device):
    return {name: torch.from_numpy(a[indices]).to(device) for name, a in arrays.items()}


def evaluate(model, arrays, device):
    """Mean loss and metrics over a split, weighted by batch size, in evaluation mode."""
    model.eval()
    count = len(next(iter(arrays.values())))
    total, sums = 0.0, {m: 0.0 for m in METRICS}
    grove.set_draws(SEED, 0)
    with torch.no_grad():
        for start in range(0, count, BATCH):
            batch = to_batch(arrays, np.arange(start, min(start + BATCH, count)), device)
            out = model(**{k: batch[k] for k in INPUTS})
            loss, metrics = objective(model, out, batch, False)
            n = min(start + BATCH, count) - start
            total += float(loss) * n
            for m in METRICS:
                sums[m] += float(metrics[m]) * n
    return {"loss": total / count, "metrics": {m: s / count for m, s in sums.items()}}


def params_digest(model):
    """SHA-256 of every parameter's float32 bytes in state_dict order: equal on every rank."""
    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()


def main():
    args = parse_args()
    run = Run(args.device)
    log = open(args.log_json, "w") if args.log_json and run.rank == 0 else None

    def event(**e):
        if log:
            log.write(json.dumps(e) + "\n")
            log.flush()

    def say(text):
        if run.rank == 0:
            print(text, flush=True)

    splits = {s: grove.load_split(args.data, s, FIELD_SHAPES) for s in ("train", "validation", "test")}
    if args.eval_limit is not None:
        for s in ("validation", "test"):
            if splits[s] is not None:
                splits[s] = {k: a[: args.eval_limit] for k, a in splits[s].items()}
    train = splits["train"]
    if train is None:
        sys.exit(f"train.py: no training data in {args.data}")
    count = len(next(iter(train.values())))
    batch_size = min(BATCH, count)
    steps_per_epoch = math.ceil(count / batch_size)
    total_steps = args.epochs * steps_per_epoch

    model = MODEL_CLASS()
    start = args.resume or args.init
    tensors, meta = grove.read_safetensors(start)
    model.load_state_dict({k: tensors[k] for k in model.state_dict()})
    model.to(run.device)
    optimizer, moments = grove.make_optimizer(OPTIMIZER, list(model.named_parameters()), PARAM_RULES)
    trained = [g["params"][0] for g in optimizer.param_groups]
    net = DistributedDataParallel(model) if run.world > 1 else model
    step, epoch0, next_batch, loss_sum, history = 0, 1, 0, 0.0, []
    if args.resume:
        step, epoch0, next_batch = int(meta["step"]), int(meta["epoch"]), int(meta["next_batch"])
        loss_sum, history = float(meta["epoch_loss_sum"]), json.loads(meta.get("history", "[]"))
        grove.load_moments(optimizer, moments, tensors, step)
    say(f"training {MODEL} with PyTorch {torch.__version__} on {run.device}" + (f", {run.world} processes" if run.world > 1 else "") + f": {count} examples, batch {batch_size}, {steps_per_epoch} steps per epoch")

    def save(epoch, next_batch, loss_sum, reason):
        if run.rank != 0:
            return
        meta = {
            "format": "grove", "format_version": "1", "model": MODEL, "source": SOURCE,
            "step": str(step), "epoch": str(epoch), "next_batch": str(next_batch), "epochs": str(args.epochs),
            "steps_per_epoch": str(steps_per_epoch), "batch": str(batch_size), "seed": str(SEED), "lr": repr(LR),
            "optimizer": OPTIMIZER["name"], "optimizer_args": json.dumps(OPTIMIZER["args"]),
            "schedule": json.dumps(SCHEDULE), "clip_grad_norm": repr(float(CLIP_GRAD_NORM)),
            "train_examples": str(count), "examples_seen": str((epoch - 1) * count + next_batch * batch_size),
            "epoch_loss_sum": repr(loss_sum), "history": json.dumps(history), "reason": reason,
        }
        if CLASSES is not None:
            meta["classes"] = json.dumps(CLASSES)
        grove.write_safetensors(args.checkpoint, {**model.state_dict(), **grove.optimizer_moments(optimizer, moments)}, meta)
        say(f"saved {args.checkpoint}")

    stopped = False
    for epoch in range(epoch0, args.epochs + 1):
        order = grove.permutation(count, SEED, 0x30000 + epoch)
        began = time.time()
        for b in range(next_batch if epoch == epoch0 else 0, steps_per_epoch):
            indices = order[b * batch_size : (b + 1) * batch_size]
            mine = run.shard(indices)
            batch = to_batch(train, mine, run.device)
            step += 1
            lr = grove.learning_rate(SCHEDULE, LR, step, total_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr * group["grove_scale"]
            grove.set_draws(SEED, step, run.rank)
            net.train()
            out = net(**{k: batch[k] for k in INPUTS})
            loss, metrics = objective(model, out, batch, True)
            # DDP averages gradients over ranks: weighting each rank's mean by its share of the
            # batch gives the whole batch's mean, as one process computes it
            (loss * (len(mine) * run.world / len(indices))).backward()
            norm = grove.clip_grad_norm(trained, CLIP_GRAD_NORM) if CLIP_GRAD_NORM else None
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            batch_loss = run.total(float(loss) * len(mine)) / len(indices)
            values = {m: run.total(float(v) * len(mine)) / len(indices) for m, v in metrics.items()}
            loss_sum += batch_loss * len(indices)
            event(event="step", step=step, epoch=epoch, loss=batch_loss, lr=lr, metrics=values, **({"grad_norm": norm} if norm is not None else {}))
            if not math.isfinite(batch_loss):
                sys.exit(f"train.py: the loss is {batch_loss} at step {step}: training diverged")
            if args.max_steps is not None and step >= args.max_steps:
                stopped = b + 1 < steps_per_epoch
                if stopped:
                    next_batch = b + 1
                break
        seen = (next_batch if stopped else steps_per_epoch) - (next_batch if epoch == epoch0 and not stopped else 0)
        mean = loss_sum / max(1, min(count, (next_batch if stopped else steps_per_epoch) * batch_size))
        report = {"epoch": epoch, "loss": mean}
        if splits["validation"] is not None and run.rank == 0:
            report["validation"] = evaluate(model, splits["validation"], run.device)
        if stopped:
            report["partial"] = True
        history = [h for h in history if h["epoch"] != epoch] + [report]
        rate = seen / max(1e-9, time.time() - began)
        val = report.get("validation")
        say(f"epoch {epoch}: loss {mean:.4f}" + (f", validation loss {val['loss']:.4f}" + "".join(f", {k} {v:.4f}" for k, v in val["metrics"].items()) if val else "") + f" ({rate:.1f} steps/s)")
        event(event="epoch", **report)
        if stopped:
            save(epoch, next_batch, loss_sum, "max-steps")
            break
        save(epoch + 1, 0, 0.0, "epoch")
        loss_sum, next_batch = 0.0, 0
        if args.max_steps is not None and step >= args.max_steps:
            break
    result = {"event": "end", "step": step, "params_sha256": params_digest(model)}
    if splits["test"] is not None and run.rank == 0:
        result["test"] = evaluate(model, splits["test"], run.device)
        say(f"test: loss {result['test']['loss']:.4f}" + "".join(f", {k} {v:.4f}" for k, v in result["test"]["metrics"].items()))
    event(**result)
    print(f"rank {run.rank}: parameters sha256 {result['params_sha256']}", flush=True)
    if run.world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
