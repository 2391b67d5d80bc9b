"""Peer for DevicePollingBenchmarks: one asyncio task per simulated device (the shape of SGMP's edge agent, which
uses a thread per device), 1,000 devices, each round releases every task once; each task computes a PV-style
reading (sin^2 bell with hashed cloud noise), builds a dict reading and appends it to an in-memory sink.
Prints the mean time per reading over the measured rounds.

Usage: python3 poll_peer.py [rounds]
"""
import asyncio
import math
import sys
import time

DEVICES = 1000


def noise(seed, salt, bucket):
    z = (bucket * 0x9E3779B97F4A7C15 + (seed << 32) + salt) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def pv_power(seed, seconds, rated=5000.0):
    day = math.floor(seconds / 86400)
    hour = (seconds - day * 86400) / 3600
    x = (hour - 6) / 12
    if x <= 0 or x >= 1:
        return 0.0
    bell = math.sin(math.pi * x) ** 2
    return rated * bell * (1 - 0.7 * noise(seed, 1, day) * noise(seed, 2, math.floor(seconds / 300)))


async def device(index, clock, tick, sink, done):
    seen = 0
    while True:
        await tick.wait_for_round(seen)
        seen += 1
        now = clock[0]
        sink.append({"device": f"sim-{index}", "ts": int(now * 1e9), "fields": {"power": pv_power(index, now)}})
        done.count += 1
        if done.count == DEVICES:
            done.event.set()


class Tick:
    def __init__(self):
        self.round = 0
        self.cond = asyncio.Condition()

    async def wait_for_round(self, seen):
        async with self.cond:
            await self.cond.wait_for(lambda: self.round > seen)

    async def next(self):
        async with self.cond:
            self.round += 1
            self.cond.notify_all()


class Done:
    def __init__(self):
        self.count = 0
        self.event = asyncio.Event()


async def main(rounds):
    clock = [1780315200.0]  # 2026-06-01 12:00 UTC
    tick, sink = Tick(), []
    done = Done()
    tasks = [asyncio.create_task(device(i, clock, tick, sink, done)) for i in range(DEVICES)]
    timings = []
    for r in range(rounds + 3):
        done.count, done.event = 0, asyncio.Event()
        start = time.perf_counter()
        await tick.next()
        await done.event.wait()
        elapsed = time.perf_counter() - start
        clock[0] += 1
        sink.clear()
        if r >= 3:  # warm-up rounds
            timings.append(elapsed)
    for t in tasks:
        t.cancel()
    mean = sum(timings) / len(timings)
    print(f"python {sys.version.split()[0]} asyncio: {mean / DEVICES * 1e6:.2f} us per reading, "
          f"{DEVICES / mean:,.0f} readings/s ({len(timings)} rounds of {DEVICES})")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
