"""PyTorch's side of the distributed benchmark (P1-P3), launched by bench/run.py under mpirun (the
rank and world size come from OpenMPI's environment; the process group is gloo, since Debian's
python3-torch has no MPI backend). One intra-op thread per rank.
Usage: torch_ddp_bench.py epoch DIR | allreduce N   (rank 0 prints `key value` lines)"""
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

GLOBAL_BATCH, EPOCHS = 200, 100


def put(key, value):
    print(f"{key} {value:.6g}", flush=True)


def load(d, name):
    x = np.fromfile(f"{d}/{name}_x.f32", dtype=np.float32).reshape(-1, 64)
    y = np.fromfile(f"{d}/{name}_y.i64", dtype=np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def epoch(d):
    (xt, yt), (xv, yv) = load(d, "digits_train"), load(d, "digits_test")
    ranks, rank = dist.get_world_size(), dist.get_rank()
    local = GLOBAL_BATCH // ranks
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 50), torch.nn.Sigmoid(), torch.nn.Linear(50, 10))
    with torch.no_grad():
        for m in (net[0], net[2]):
            m.weight.normal_(0, 1)
            m.bias.fill_(0.01)
    model = DistributedDataParallel(net)
    weights = [p for n, p in model.named_parameters() if "bias" not in n]
    biases = [p for n, p in model.named_parameters() if "bias" in n]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": 0.001}, {"params": biases}], lr=1.0)
    sampler = DistributedSampler(range(xt.shape[0]), num_replicas=ranks, rank=rank, seed=0)
    t = []
    for e in range(EPOCHS):
        dist.barrier()
        start = time.perf_counter()
        sampler.set_epoch(e)
        idx = torch.tensor(list(sampler))
        x_shard, y_shard = xt.index_select(0, idx), yt.index_select(0, idx)
        for b in range(x_shard.shape[0] // local):
            x, y = x_shard[b * local:(b + 1) * local], y_shard[b * local:(b + 1) * local]
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        t.append((time.perf_counter() - start) * 1e3)
    if rank == 0:
        put("ms_per_epoch", statistics.median(t))
        with torch.no_grad():
            put("test_accuracy", (net(xv).argmax(1) == yv).double().mean().item())


def allreduce(n):
    t = torch.ones(n)
    reps = 2000 if n <= 100000 else 10
    dist.barrier()
    times = []
    for rep in range(6):
        start = time.perf_counter()
        for _ in range(reps):
            dist.all_reduce(t)
        if rep:
            times.append((time.perf_counter() - start) * 1e6 / reps)
    if dist.get_rank() == 0:
        put("us_per_allreduce", statistics.median(times))


if __name__ == "__main__":
    torch.set_num_threads(1)
    rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
    size = int(os.environ["OMPI_COMM_WORLD_SIZE"])
    port = os.environ.get("XGRAD_BENCH_PORT", "29511")
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size)
    what, arg = sys.argv[1], sys.argv[2]
    if what == "epoch":
        epoch(arg)
    else:
        allreduce(int(arg))
    dist.barrier()
    dist.destroy_process_group()
