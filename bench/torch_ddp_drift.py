"""PyTorch DDP's side of README's float32 drift figure: the recipe of test_distributed_ddp's "matches
one process on the doubled batch" case (64-50-10 sigmoid, N(0, 1) weights, SGD lr 0.1, 50 rows per
rank, 100 steps over the training rows in order), once with DistributedDataParallel over gloo and
once in this process on the 100-row batches; rank 0 prints the largest |difference| of the weights,
in float32 and float64.
Usage: mpirun -np 2 python3 bench/torch_ddp_drift.py DIR   (DIR: `xgrad_bench export`'s data)"""
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

PER_RANK, STEPS, LR = 50, 100, 0.1


def net(dtype):
    torch.manual_seed(3)
    m = torch.nn.Sequential(torch.nn.Linear(64, 50), torch.nn.Sigmoid(), torch.nn.Linear(50, 10))
    with torch.no_grad():
        for layer in (m[0], m[2]):
            layer.weight.normal_(0, 1)
            layer.bias.fill_(0.01)
    return m.to(dtype)


def main(d):
    x_all = torch.from_numpy(np.fromfile(f"{d}/digits_train_x.f32", dtype=np.float32).reshape(-1, 64))
    y_all = torch.from_numpy(np.fromfile(f"{d}/digits_train_y.i64", dtype=np.int64))
    ranks, rank = dist.get_world_size(), dist.get_rank()
    glob = PER_RANK * ranks
    for dtype in (torch.float32, torch.float64):
        x_all_t = x_all.to(dtype)
        model, big = DistributedDataParallel(net(dtype)), net(dtype)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        big_opt = torch.optim.SGD(big.parameters(), lr=LR)
        for k in range(STEPS):
            start = (k * glob) % (x_all.shape[0] // glob * glob)
            mine = slice(start + rank * PER_RANK, start + (rank + 1) * PER_RANK)
            opt.zero_grad()
            F.cross_entropy(model(x_all_t[mine]), y_all[mine]).backward()
            opt.step()
            big_opt.zero_grad()
            F.cross_entropy(big(x_all_t[start:start + glob]), y_all[start:start + glob]).backward()
            big_opt.step()
        diff = max((a - b).abs().max().item() for a, b in zip(model.module.parameters(), big.parameters()))
        if rank == 0:
            print(f"{str(dtype).replace('torch.', '')}, {ranks} ranks vs one process on the {glob}-row batch, "
                  f"{STEPS} steps at lr {LR}: max |difference| {diff:.3g}", flush=True)


if __name__ == "__main__":
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{os.environ.get('XGRAD_BENCH_PORT', '29512')}",
                            rank=int(os.environ["OMPI_COMM_WORLD_RANK"]),
                            world_size=int(os.environ["OMPI_COMM_WORLD_SIZE"]))
    main(sys.argv[1])
    dist.destroy_process_group()
