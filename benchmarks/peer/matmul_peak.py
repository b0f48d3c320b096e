"""Float32 matmul speed of this PyTorch: the best of several n x n x n products, as JSON GFLOP/s."""
import argparse
import json
import time

import torch


def measure(n, repeats, threads):
    torch.set_num_threads(threads)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    out = torch.empty(n, n)
    torch.matmul(a, b, out=out)   # warm-up: first-call set-up is not what we measure
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    gflops = measure(args.size, args.repeats, args.threads)
    print(json.dumps({"torch": torch.__version__, "size": args.size, "threads": args.threads, "gflops": gflops}))


if __name__ == "__main__":
    main()
