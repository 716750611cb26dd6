"""Ciw peer of depinsim's M/M/c model (benches/peers/run.sh): the same
M/M/c queue written as idiomatic Ciw.

    lambda jobs/h (Poisson, --rate), service ~ Exp(mean 1 h), c servers
    (--servers), FIFO, warmup 2 days; time unit hours.

A one-node network (`ciw.create_network`) with exponential arrival and
service distributions, simulated with `simulate_until_max_time`. Ciw keeps
a record of every completed job (its arrival, wait, service and exit
times); the mean wait and the utilization are computed from them. Jobs are
counted the way depinsim counts `jobs_submitted`: arrivals at or after the
warmup (completed ones from the records, plus those still in the system).

jobs/s = counted arrivals / wall seconds of `simulate_until_max_time`.

    python mmc_ciw.py --servers 8 --rate 6 --days 300 --reps 3
"""

import argparse
import statistics
import sys
import time

import ciw

SERVICE_MEAN_H = 1.0
WARMUP_H = 2 * 24.0


def erlang_c(c, a):
    """P(wait) in M/M/c with offered load a = lambda/mu < c."""
    term = 1.0
    s = 1.0
    for k in range(1, c):
        term *= a / k
        s += term
    top = term * a / c * c / (c - a)
    return top / (s + top)


def one_run(servers, rate, days, seed):
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rate)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / SERVICE_MEAN_H)],
        number_of_servers=[servers],
    )
    ciw.seed(seed)
    q = ciw.Simulation(network)
    horizon_h = days * 24.0
    t0 = time.perf_counter()
    q.simulate_until_max_time(horizon_h)
    wall = time.perf_counter() - t0
    recs = [r for r in q.get_all_records() if r.arrival_date >= WARMUP_H]
    in_system = [
        ind
        for ind in q.nodes[1].all_individuals
        if getattr(ind, "arrival_date", 0.0) >= WARMUP_H
    ]
    submitted = len(recs) + len(in_system)
    busy = sum(min(r.exit_date, horizon_h) - max(r.service_start_date, WARMUP_H)
               for r in q.get_all_records() if r.exit_date > WARMUP_H)
    util = busy / (servers * (horizon_h - WARMUP_H))
    mean_wait = statistics.fmean(r.waiting_time for r in recs)
    return submitted, len(recs), wall, util, mean_wait


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", type=int, default=16, help="c")
    ap.add_argument("--rate", type=float, default=12.0, help="lambda, jobs/h")
    ap.add_argument("--days", type=float, default=300.0, help="horizon, days")
    ap.add_argument("--reps", type=int, default=3, help="replications")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    c, lam = args.servers, args.rate
    wq = erlang_c(c, lam * SERVICE_MEAN_H) / (c / SERVICE_MEAN_H - lam)
    print(
        f"Ciw {ciw.__version__}, Python {sys.version.split()[0]}; "
        f"M/M/{c}, lambda={lam}/h, mean service={SERVICE_MEAN_H} h, "
        f"horizon={args.days:g} d, warmup={WARMUP_H / 24:g} d"
    )
    print(f"Erlang C: utilization={lam * SERVICE_MEAN_H / c:.4f} mean_wait_h={wq:.4f}")
    rates = []
    for r in range(args.reps):
        submitted, completed, wall, util, mean_wait = one_run(c, lam, args.days, args.seed + r)
        rate = submitted / wall
        rates.append(rate)
        print(
            f"rep {r}: jobs_submitted={submitted} jobs_completed={completed} "
            f"wall_s={wall:.3f} jobs_per_s={rate:.0f} "
            f"utilization={util:.4f} mean_wait_h={mean_wait:.4f}"
        )
    print(
        f"jobs/s over {args.reps} reps: median={statistics.median(rates):.0f} "
        f"min={min(rates):.0f} max={max(rates):.0f}"
    )


if __name__ == "__main__":
    main()
