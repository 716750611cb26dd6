#!/usr/bin/env python3
"""Converts the Microsoft Philly trace into depinsim's trace format (CSV).

Standard library only; nothing is downloaded. Input: the `cluster_job_log`
file of https://github.com/msr-fiddle/philly-traces (Jeon et al., ATC'19),
a JSON array with one object per job:

    {"status": "Pass" | "Killed" | "Failed",
     "vc": "...", "jobid": "application_...", "user": "...",
     "submitted_time": "2017-10-03 02:53:36",
     "attempts": [{"start_time": "YYYY-MM-DD HH:MM:SS" | "None",
                   "end_time":   "YYYY-MM-DD HH:MM:SS" | "None",
                   "detail": [{"ip": "m1", "gpus": ["gpu0", "gpu1"]}, ...]},
                  ...]}

Mapping to depinsim's columns (docs/model.md, "Trace replay"):
    job_id      jobid (ignored by depinsim)
    submit_s    submitted_time minus the earliest submitted_time kept, seconds
    gpus        GPUs of the first attempt: the lengths of its detail[].gpus, summed
    duration_s  the attempts' run times summed (end_time - start_time of each
                attempt that has both); the time the job held its GPUs
    gpu_class   empty (Philly names no GPU models)
    vram_gb     with --machine-list: the per-GPU memory of the first attempt's
                first machine (Philly's machines have 12 GB or 24 GB GPUs);
                else empty, so the workload's gpu_class applies
    max_price_per_gpu_hour  empty (the workload's applies)

Jobs with no attempt, no GPUs, or no attempt with both times are skipped
and counted on stderr. Rows are sorted by submit time (then jobid).

    python3 scripts/convert-philly-trace.py cluster_job_log > traces/philly.csv
    python3 scripts/convert-philly-trace.py cluster_job_log --status Pass \\
        --max-gpus 8 --days 14 --machine-list cluster_machine_list > traces/philly.csv

--machine-list reads Philly's `cluster_machine_list` CSV (machine id, number
of GPUs, single-GPU memory such as "12GB", in that column order, with a
header row).
"""

import argparse
import csv
import datetime
import json
import re
import sys

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_time(s):
    if s is None or s in ("", "None"):
        return None
    return datetime.datetime.strptime(s, TIME_FORMAT)


def machine_memory(path):
    """Machine id -> per-GPU memory, GB."""
    mem = {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        next(rows, None)  # header
        for row in rows:
            if len(row) < 3:
                continue
            m = re.search(r"[\d.]+", row[2])
            if m:
                mem[row[0].strip()] = float(m.group(0))
    return mem


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("cluster_job_log", help="Philly's cluster_job_log (JSON)")
    p.add_argument("--status", action="append",
                   help="keep only jobs with this status (repeatable): Pass, Killed, Failed")
    p.add_argument("--max-gpus", type=int,
                   help="drop jobs with more GPUs (larger than any node of your fleet)")
    p.add_argument("--days", type=float,
                   help="keep only jobs submitted within this many days of the first")
    p.add_argument("--machine-list", help="Philly's cluster_machine_list (CSV), for vram_gb")
    args = p.parse_args()

    with open(args.cluster_job_log) as f:
        jobs = json.load(f)
    mem = machine_memory(args.machine_list) if args.machine_list else {}

    rows = []
    skipped = {"status": 0, "no attempt": 0, "no GPUs": 0, "no run time": 0, "too large": 0}
    for job in jobs:
        if args.status and job.get("status") not in args.status:
            skipped["status"] += 1
            continue
        attempts = job.get("attempts") or []
        submitted = parse_time(job.get("submitted_time"))
        if not attempts or submitted is None:
            skipped["no attempt"] += 1
            continue
        detail = attempts[0].get("detail") or []
        gpus = sum(len(d.get("gpus") or []) for d in detail)
        if gpus == 0:
            skipped["no GPUs"] += 1
            continue
        if args.max_gpus is not None and gpus > args.max_gpus:
            skipped["too large"] += 1
            continue
        run_s = 0.0
        for a in attempts:
            start, end = parse_time(a.get("start_time")), parse_time(a.get("end_time"))
            if start is not None and end is not None and end > start:
                run_s += (end - start).total_seconds()
        if run_s <= 0:
            skipped["no run time"] += 1
            continue
        vram = ""
        if mem and detail:
            v = mem.get(str(detail[0].get("ip", "")).strip())
            if v is not None:
                vram = "%g" % v
        rows.append((submitted, job.get("jobid", ""), gpus, run_s, vram))

    rows.sort(key=lambda r: (r[0], r[1]))
    if rows:
        t0 = rows[0][0]
        if args.days is not None:
            end = t0 + datetime.timedelta(days=args.days)
            rows = [r for r in rows if r[0] < end]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["job_id", "submit_s", "gpus", "duration_s", "gpu_class", "vram_gb",
                  "max_price_per_gpu_hour"])
    for submitted, jobid, gpus, run_s, vram in rows:
        out.writerow([jobid, "%.0f" % (submitted - t0).total_seconds(), gpus,
                      "%.0f" % run_s, "", vram, ""])
    print("convert-philly-trace: %d jobs written; skipped: %s"
          % (len(rows), ", ".join("%s %d" % kv for kv in skipped.items() if kv[1])
             or "none"), file=sys.stderr)


if __name__ == "__main__":
    main()
