#!/usr/bin/env python3
"""Times c-kzg's compute_cells_and_kzg_proofs (EIP-7594 / PeerDAS) on this machine.

The reference point for Lamina's PeerDAS-shape frame generation
(4096 symbols, coding rate 2, 128 chunks of 64): see docs/benchmarks.md.

Usage: pip install ckzg; scripts/bench_ckzg.py [--precompute 8] [--iterations 20]
       [--setup ../shared/anchors/trusted_setup_4844.txt]
c-kzg is single-threaded, so this is a one-thread timing.
"""

import argparse
import os
import random
import statistics
import time

import ckzg

BYTES_PER_BLOB = 4096 * 32
# BLS12-381 scalar field modulus: every 32-byte field element must be below it.
BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def random_blob(rng: random.Random) -> bytes:
    return b"".join(rng.randrange(BLS_MODULUS).to_bytes(32, "big") for _ in range(4096))


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    default_setup = os.path.normpath(os.path.join(here, "..", "..", "shared", "anchors", "trusted_setup_4844.txt"))
    if not os.path.exists(default_setup):
        default_setup = "/work/shared/anchors/trusted_setup_4844.txt"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", default=default_setup)
    parser.add_argument("--precompute", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()

    start = time.perf_counter()
    settings = ckzg.load_trusted_setup(args.setup, args.precompute)
    load_s = time.perf_counter() - start

    rng = random.Random(7)
    blob = random_blob(rng)
    assert len(blob) == BYTES_PER_BLOB
    cells, proofs = ckzg.compute_cells_and_kzg_proofs(blob, settings)  # warm-up
    assert len(cells) == 128 and len(proofs) == 128
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        ckzg.compute_cells_and_kzg_proofs(blob, settings)
        times.append(time.perf_counter() - start)
    print(
        f"ckzg {getattr(ckzg, '__version__', '?')} compute_cells_and_kzg_proofs (precompute {args.precompute}): "
        f"median {statistics.median(times) * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms "
        f"over {args.iterations} runs (setup load {load_s:.1f} s)"
    )


if __name__ == "__main__":
    main()
