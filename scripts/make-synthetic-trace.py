#!/usr/bin/env python3
"""Writes a small synthetic job trace in depinsim's trace format (CSV).

Standard library only, seeded: the same arguments give the same bytes.
Jobs arrive as a Poisson process with a daily cycle (peak at 14:00); gang
sizes, run times (log-normal, heavy-tailed like public GPU-cluster traces)
and the way a job says what it needs (a class, a VRAM need, or nothing)
are drawn per job. Some jobs carry their own maximum price.

    python3 scripts/make-synthetic-trace.py > traces/synthetic.csv

Columns (docs/model.md, "Trace replay"): submit_s, gpus, duration_s,
gpu_class, vram_gb, max_price_per_gpu_hour, plus job_id (ignored by
depinsim).
"""

import argparse
import math
import random
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=float, default=7.0)
    p.add_argument("--rate-per-hour", type=float, default=12.0,
                   help="mean job arrivals per hour")
    p.add_argument("--amplitude", type=float, default=0.5,
                   help="relative amplitude of the daily cycle, 0..1")
    args = p.parse_args()
    rng = random.Random(args.seed)

    # Gang sizes and their weights: most jobs take one GPU (as in Philly and
    # Helios), a few a whole 8-GPU node.
    gangs = [1, 2, 4, 8]
    gang_w = [0.70, 0.15, 0.10, 0.05]
    out = sys.stdout
    out.write("job_id,submit_s,gpus,duration_s,gpu_class,vram_gb,max_price_per_gpu_hour\n")
    horizon_s = args.days * 86400.0
    rate_max = args.rate_per_hour * (1.0 + args.amplitude) / 3600.0
    t = 0.0
    n = 0
    while True:
        # Thinning (Lewis & Shedler 1979) for the daily cycle.
        t += rng.expovariate(rate_max)
        if t >= horizon_s:
            break
        phase = 2.0 * math.pi * (t / 86400.0 - 14.0 / 24.0)
        if rng.random() >= (1.0 + args.amplitude * math.cos(phase)) / (1.0 + args.amplitude):
            continue
        n += 1
        gpus = rng.choices(gangs, gang_w)[0]
        # Log-normal run time: median 40 min, sigma 1.2 (mean ≈ 1.4 h),
        # kept between 1 min and 2 days.
        dur = min(max(rng.lognormvariate(math.log(2400.0), 1.2), 60.0), 172800.0)
        need = rng.random()
        if need < 0.3:
            gpu_class, vram = "H100", ""
        elif need < 0.5:
            gpu_class, vram = "A100|H100", ""
        elif need < 0.8:
            gpu_class, vram = "", rng.choice(["24", "40", "80"])
        else:
            gpu_class, vram = "", ""  # the workload's gpu_class applies
        price = "" if rng.random() < 0.5 else "%.2f" % rng.uniform(1.5, 4.5)
        out.write("j%05d,%.3f,%d,%.0f,%s,%s,%s\n"
                  % (n, t, gpus, dur, gpu_class, vram, price))


if __name__ == "__main__":
    main()
