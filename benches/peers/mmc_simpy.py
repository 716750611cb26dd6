"""SimPy peer of depinsim's M/M/c model (benches/peers/run.sh): the M/M/c
queue of scenarios/mmc.toml written as idiomatic SimPy.

    lambda jobs/h (Poisson, --rate, default 12), service ~ Exp(mean 1 h),
    c servers (--servers, default 16; simpy.Resource(capacity=c)), FIFO,
    warmup 2 days.

A source process spawns one process per job; the job requests a server,
holds it for its service time, then releases it. Jobs are counted the way
depinsim counts `jobs_submitted`: arrivals at or after the warmup. Waits of
counted jobs are recorded (depinsim records them too), and the measured
utilization and mean wait are printed next to the Erlang C values, as a
check that the model is the one intended.

jobs/s = counted arrivals / wall seconds of env.run(). Building the
environment is not timed (it is negligible).

    python mmc_simpy.py --servers 8 --rate 6 --days 3000 --reps 3
"""

import argparse
import random
import statistics
import sys
import time

import simpy

LAMBDA_PER_H = 12.0  # --rate
SERVICE_MEAN_H = 1.0
SERVERS = 16  # --servers
WARMUP_H = 2 * 24.0


class Stats:
    def __init__(self):
        self.submitted = 0
        self.completed = 0
        self.waits = []
        self.busy_h = 0.0  # server-hours of service after warmup


def job(env, servers, rng, stats, counted):
    arrived = env.now
    with servers.request() as req:
        yield req
        started = env.now
        if counted:
            stats.waits.append(started - arrived)
        yield env.timeout(rng.expovariate(1.0 / SERVICE_MEAN_H))
    if counted:
        stats.completed += 1
    # Utilization over [warmup, horizon]: service time after the warmup
    # (jobs still in service at the horizon are left out; negligible).
    if env.now > WARMUP_H:
        stats.busy_h += env.now - max(started, WARMUP_H)


def source(env, servers, rng, stats):
    while True:
        yield env.timeout(rng.expovariate(LAMBDA_PER_H))
        counted = env.now >= WARMUP_H
        if counted:
            stats.submitted += 1
        env.process(job(env, servers, rng, stats, counted))


def erlang_c(c, a):
    """P(wait) in M/M/c with offered load a = lambda/mu < c."""
    term = 1.0
    s = 1.0
    for k in range(1, c):
        term *= a / k
        s += term
    top = term * a / c * c / (c - a)
    return top / (s + top)


def one_run(days, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    stats = Stats()
    env.process(source(env, servers, rng, stats))
    horizon_h = days * 24.0
    t0 = time.perf_counter()
    env.run(until=horizon_h)
    wall = time.perf_counter() - t0
    util = stats.busy_h / (SERVERS * (horizon_h - WARMUP_H))
    return stats, wall, util


def main():
    global SERVERS, LAMBDA_PER_H
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=float, default=3000.0, help="horizon, days")
    ap.add_argument("--reps", type=int, default=3, help="replications")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--servers", type=int, default=SERVERS, help="c")
    ap.add_argument("--rate", type=float, default=LAMBDA_PER_H, help="lambda, jobs/h")
    args = ap.parse_args()
    SERVERS, LAMBDA_PER_H = args.servers, args.rate

    a = LAMBDA_PER_H * SERVICE_MEAN_H
    wq = erlang_c(SERVERS, a) / (SERVERS / SERVICE_MEAN_H - LAMBDA_PER_H)
    print(
        f"SimPy {simpy.__version__}, Python {sys.version.split()[0]}; "
        f"M/M/{SERVERS}, lambda={LAMBDA_PER_H}/h, mean service={SERVICE_MEAN_H} h, "
        f"horizon={args.days:g} d, warmup={WARMUP_H / 24:g} d"
    )
    print(f"Erlang C: utilization={a / SERVERS:.4f} mean_wait_h={wq:.4f}")
    rates = []
    for r in range(args.reps):
        stats, wall, util = one_run(args.days, args.seed + r)
        rate = stats.submitted / wall
        rates.append(rate)
        print(
            f"rep {r}: jobs_submitted={stats.submitted} jobs_completed={stats.completed} "
            f"wall_s={wall:.3f} jobs_per_s={rate:.0f} "
            f"utilization={util:.4f} mean_wait_h={statistics.fmean(stats.waits):.4f}"
        )
    print(
        f"jobs/s over {args.reps} reps: median={statistics.median(rates):.0f} "
        f"min={min(rates):.0f} max={max(rates):.0f}"
    )


if __name__ == "__main__":
    main()
