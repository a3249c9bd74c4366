#!/usr/bin/python3
"""Where the CPU goes while bench/events/api_while_webhooks.sh runs: CPU time read from
/proc (utime + stime of every thread of each process, and the whole machine's busy time
from /proc/stat) at the start and at the end of each measured round.

    cpu_split.py sample FILE KEY=VALUE... -- ROLE=PID...
        appends one JSON line to FILE: the KEY=VALUE pairs (round, phase, delivered, ...),
        the monotonic time, the machine's busy and total ticks, and for each ROLE the
        process's CPU ticks, per thread name (upgate names its threads: upgate-io,
        upgate-outbox, upgate-dispatch, upgate-hook, ...; see src/events, src/http; the
        main thread is "main", and threads left unnamed, such as serve's blocking pool, keep
        the program's name).
    cpu_split.py report FILE
        pairs each round's start and end samples and prints, per round and as medians:
        the CPU-seconds of each process (and of serve's threads by name) per 1,000 webhooks
        delivered in the round (flow rounds) or per 1,000 API requests (quiet rounds), the
        machine's busy share, and what no sampled process accounts for ("other": the
        kernel's own threads such as the filesystem journal doing the fsyncs, and anything
        else running on the machine).

A process that is not running at a sample (wrk between rounds) is left out of it; wrk's
CPU comes from /usr/bin/time instead (cpu_wrk=USER+SYS seconds in the end sample's pairs).
"""
import json
import os
import statistics
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def thread_ticks(pid):
    """{thread name: utime + stime ticks} over the threads of `pid` alive now."""
    out = {}
    task_dir = f"/proc/{pid}/task"
    for tid in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended between the listing and the read
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if tid == str(pid):
            name = "main"  # the main thread has the program's name, as unnamed threads do
        fields = stat[stat.rindex(")") + 2:].split()
        # Fields after the name start at 3 (state); utime and stime are 14 and 15.
        ticks = int(fields[11]) + int(fields[12])
        out[name] = out.get(name, 0) + ticks
    return out


def process_ticks(pid):
    """utime + stime of the process itself: includes threads that have ended."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def machine_ticks():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]  # idle + iowait
    total = sum(cpu[:8])    # guest time is already counted in user
    return total - idle, total


def sample(path, args):
    split = args.index("--")
    pairs = dict(a.split("=", 1) for a in args[:split])
    busy, total = machine_ticks()
    record = {"pairs": pairs, "time": time.monotonic(), "busy": busy, "total": total,
              "procs": {}}
    for item in args[split + 1:]:
        role, pid = item.split("=", 1)
        try:
            record["procs"][role] = {"ticks": process_ticks(pid), "threads": thread_ticks(pid)}
        except OSError:
            pass  # not running now
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def seconds(ticks):
    return ticks / TICKS


def report(path):
    samples = [json.loads(line) for line in open(path)]
    starts = {}
    rows = {"quiet": [], "flow": []}
    for s in samples:
        key = (s["pairs"]["round"], s["pairs"]["phase"])
        if s["pairs"]["at"] == "start":
            starts[key] = s
            continue
        begin = starts[key]
        row = {"round": key[0], "phase": key[1], "wall": s["time"] - begin["time"],
               "busy": seconds(s["busy"] - begin["busy"]), "procs": {}, "threads": {}}
        row["capacity"] = seconds(s["total"] - begin["total"])
        for role, now in s["procs"].items():
            if role not in begin["procs"]:
                continue
            row["procs"][role] = seconds(now["ticks"] - begin["procs"][role]["ticks"])
            for name, ticks in now["threads"].items():
                before = begin["procs"][role]["threads"].get(name, 0)
                row["threads"][f"{role}:{name}"] = seconds(ticks - before)
        if "cpu_wrk" in s["pairs"]:
            row["procs"]["wrk"] = float(s["pairs"]["cpu_wrk"])
        row["requests"] = int(s["pairs"].get("requests", 0))
        row["webhooks"] = int(s["pairs"]["delivered"]) - int(begin["pairs"]["delivered"])
        row["other"] = row["busy"] - sum(row["procs"].values())
        rows[key[1]].append(row)

    def per(value, count):
        return 1000 * value / count if count else float("nan")

    print("CPU split (CPU-seconds; /proc utime+stime; the machine has "
          f"{os.cpu_count()} cores)")
    for phase in ("quiet", "flow"):
        for r in rows[phase]:
            unit = r["webhooks"] if phase == "flow" else r["requests"]
            what = "webhooks" if phase == "flow" else "requests"
            procs = ", ".join(f"{k} {v:.2f} ({per(v, unit):.3f}/1k)"
                              for k, v in sorted(r["procs"].items()))
            print(f"CPU {phase} round {r['round']}: {r['wall']:.1f}s wall, machine busy "
                  f"{r['busy']:.2f} of {r['capacity']:.2f}, {unit} {what}, {r['requests']} API "
                  f"requests; {procs}; other {r['other']:.2f} ({per(r['other'], unit):.3f}/1k)")
            threads = ", ".join(f"{k.split(':', 1)[1]} {v:.2f}"
                                for k, v in sorted(r["threads"].items())
                                if k.startswith("serve:") and v >= 0.005)
            print(f"    serve's threads: {threads}")
    quiet, flow = rows["quiet"], rows["flow"]
    if not flow:
        return
    # serve's API cost per request from the quiet rounds; what serve spent beyond that in a
    # flow round is its webhook work (ingest, outbox, delivery), per webhook delivered.
    serve_per_request = statistics.median(
        r["procs"]["serve"] / r["requests"] for r in quiet if r["requests"]) if quiet else 0
    roles = sorted({k for r in flow for k in r["procs"]} | {"other"})
    medians = {}
    for role in roles:
        values = [per(r["procs"].get(role, 0) if role != "other" else r["other"], r["webhooks"])
                  for r in flow]
        medians[role] = statistics.median(values)
    serve_hooks = statistics.median(
        per(r["procs"]["serve"] - serve_per_request * r["requests"], r["webhooks"]) for r in flow)
    webhooks_per_s = statistics.median(r["webhooks"] / r["wall"] for r in flow)
    print(f"CPU-SPLIT per 1,000 webhooks (medians of {len(flow)} flow rounds, "
          f"{webhooks_per_s:.0f} webhooks/s): " +
          ", ".join(f"{role} {medians[role]:.3f} s" for role in roles) +
          f"; of serve's, beyond its API work at the quiet rounds' "
          f"{1e6 * serve_per_request:.1f} us/request: {serve_hooks:.3f} s")
    names = sorted({k.split(":", 1)[1] for r in flow for k in r["threads"] if k.startswith("serve:")})
    serve_threads = {
        name: statistics.median(per(r["threads"].get("serve:" + name, 0), r["webhooks"])
                                for r in flow) for name in names}
    print("CPU-SPLIT serve's threads per 1,000 webhooks (flow rounds, API work included): " +
          ", ".join(f"{n} {v:.3f} s" for n, v in sorted(serve_threads.items(),
                                                       key=lambda kv: -kv[1]) if v >= 0.0005))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "sample":
        sample(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
