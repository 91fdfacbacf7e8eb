#!/usr/bin/env python3
"""meshgd's network lab link emulator: a user-space netem over TUN devices.

One TUN device per host (a network namespace per peer and one for the bootstrap, plus the launcher's own namespace),
all in one 10.77.0.0/24 network. Every IPv4 packet a host sends comes out of its TUN here, is dropped with the link's
loss probability, held for the link's latency (+ uniform jitter, never reordering a link), paced to the link's rate,
and written into the destination host's TUN. TCP above sees real loss, delay and bandwidth.

Why user space: the kernels this lab must run on may lack sch_netem (and iptables and tc actions); TUN and network
namespaces are always there. Node cannot attach a TUN device without a native addon, hence Python (standard library).

Usage: linkemu.py CONFIG.json   (run as root)
  CONFIG = {"seed": int, "prefix": str,
            "hosts": [{"name": str, "netns": str|null, "ip": "10.77.0.x"}],
            "default": {"latency_ms", "jitter_ms", "loss", "rate_mbit"},
            "links": [{"a": host index, "b": host index, ...overrides}],
            "unshaped": [host index, ...]}
Prints "ready" once every TUN is up. Reads commands on stdin: "cut A B", "heal A B" (host indices). Exits on EOF
or SIGTERM; its TUN devices vanish with it.
"""
import ctypes
import fcntl
import heapq
import json
import os
import random
import selectors
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def attach(name, ip):
    """A TUN device `name` in the current namespace, with `ip`/24, up; returns its file descriptor."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
    subprocess.run(["ip", "addr", "add", f"{ip}/24", "dev", name], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    return fd


class Link:
    def __init__(self, spec, rng):
        self.latency = spec.get("latency_ms", 0) / 1000
        self.jitter = spec.get("jitter_ms", 0) / 1000
        self.loss = spec.get("loss", 0)
        rate = spec.get("rate_mbit")
        self.byte_time = 8 / (rate * 1e6) if rate else 0
        self.rng = rng
        self.free_at = 0.0  # when the link's sender side is free again (rate)
        self.last = 0.0  # the latest delivery scheduled (no reordering)
        self.cut = False

    def schedule(self, now, size):
        if self.cut or (self.loss > 0 and self.rng.random() < self.loss):
            return None
        start = max(now, self.free_at)
        self.free_at = start + size * self.byte_time
        at = self.free_at + self.latency + (self.rng.uniform(0, self.jitter) if self.jitter else 0)
        self.last = max(self.last, at)
        return self.last


def main():
    config = json.load(open(sys.argv[1]))
    hosts = config["hosts"]
    rng = random.Random(config.get("seed", 1))
    own = "/proc/self/ns/net"
    home = os.open(own, os.O_RDONLY)
    fds = []
    name = config.get("prefix", "mgd") + "tun"
    for h in hosts:
        if h["netns"]:
            setns(f"/var/run/netns/{h['netns']}")
            fds.append(attach(f"{name}0", h["ip"]))
            libc.setns(home, CLONE_NEWNET)
        else:
            fds.append(attach(h.get("ifname", f"{name}h"), h["ip"]))
    by_ip = {bytes(int(x) for x in h["ip"].split(".")): k for k, h in enumerate(hosts)}
    default = config.get("default", {})
    unshaped = set(config.get("unshaped", []))
    overrides = {}
    for spec in config.get("links", []):
        merged = {**default, **spec}
        overrides[(spec["a"], spec["b"])] = merged
        overrides[(spec["b"], spec["a"])] = merged
    links = {}

    def link(a, b):
        key = (a, b)
        if key not in links:
            spec = {} if (a in unshaped or b in unshaped) else overrides.get(key, default)
            links[key] = Link(spec, rng)
        return links[key]

    sel = selectors.DefaultSelector()
    for k, fd in enumerate(fds):
        sel.register(fd, selectors.EVENT_READ, k)
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
    queue = []
    pending = ""
    seq = 0
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while running:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, dst, packet = heapq.heappop(queue)
            try:
                os.write(fds[dst], packet)
            except OSError:
                pass  # a full queue on the receiving side: the packet is lost, as on a wire
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        for key, _ in sel.select(timeout):
            src = key.data
            if src == "stdin":
                chunk = os.read(key.fd, 65536)  # not readline: several commands may come in one read
                if not chunk:
                    running = False
                    break
                pending += chunk.decode()
                *lines, pending = pending.split("\n")
                for line in lines:
                    words = line.split()
                    if len(words) == 3 and words[0] in ("cut", "heal"):
                        a, b = int(words[1]), int(words[2])
                        link(a, b).cut = link(b, a).cut = words[0] == "cut"
                        print(f"{words[0]} {a} {b}", flush=True)
                continue
            for _ in range(64):
                try:
                    packet = os.read(key.fd, 65536)
                except BlockingIOError:
                    break
                if len(packet) < 20 or packet[0] >> 4 != 4:
                    continue  # IPv4 only
                dst = by_ip.get(bytes(packet[16:20]))
                if dst is None:
                    continue
                at = link(src, dst).schedule(time.monotonic(), len(packet))
                if at is not None:
                    seq += 1
                    heapq.heappush(queue, (at, seq, dst, packet))


if __name__ == "__main__":
    main()
