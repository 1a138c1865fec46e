#!/usr/bin/env python3
"""Slow request bodies against a real `rollcall serve`: memory while many are held, and after.

Opens N connections (default 1,000) that each send a POST's headers and one byte of its body,
then go silent; reads the server's resident memory (VmRSS, /proc) before, while they are held,
and after the server has answered them 408 and closed them (the body deadline is 10 s). Also
checks that a normal request is served while they are held. Prints the figures; asserts
nothing about them (they are measured, not promised by a test).

    python3 xtask/bench/slow_bodies.py target/release/rollcall [N]
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SECRET = "slow-bodies-measurement-secret"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    data = tempfile.mkdtemp(prefix="rollcall-slow-")
    env = dict(os.environ, DATABASE_URL=f"sqlite://{data}/rollcall.db?mode=rwc",
               ROLLCALL_JWT_SECRET=SECRET, ROLLCALL_BIND="127.0.0.1:0", ROLLCALL_LOG="warn")
    server = subprocess.Popen([binary, "serve"], env=env, stderr=subprocess.PIPE, text=True)
    base = None
    for line in server.stderr:
        if line.startswith("Rollcall listening on "):
            base = line.split()[-1]
            break
    host, port = base.removeprefix("http://").split(":")
    tokens = subprocess.run([binary, "token", "--user", "1", "--email", "slow@example.com"],
                            env=env, capture_output=True, text=True, check=True).stdout
    bearer = [l.split("=", 1)[1] for l in tokens.splitlines() if "ROLLCALL_BEARER=" in l][0]
    time.sleep(0.5)
    before = rss_kib(server.pid)
    head = (f"POST /organization HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {bearer}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{").encode()
    held = []
    for _ in range(count):
        s = socket.create_connection((host, int(port)))
        s.sendall(head)
        held.append(s)
    time.sleep(2)
    while_held = rss_kib(server.pid)
    started = time.time()
    req = urllib.request.Request(f"{base}/healthz")
    served = urllib.request.urlopen(req, timeout=5).status
    served_in = time.time() - started
    answers = {}
    for s in held:
        s.settimeout(30)
        try:
            first = s.recv(64).split(b"\r\n")[0].decode()
        except OSError as e:
            first = f"error: {e}"
        answers[first] = answers.get(first, 0) + 1
        s.close()
    time.sleep(2)
    after = rss_kib(server.pid)
    server.terminate()
    server.wait(timeout=30)
    print(json.dumps({
        "connections": count,
        "rss_before_mib": round(before / 1024, 1),
        "rss_while_held_mib": round(while_held / 1024, 1),
        "rss_after_closed_mib": round(after / 1024, 1),
        "healthz_while_held": served,
        "healthz_seconds": round(served_in, 3),
        "answers": answers,
    }, indent=2))


if __name__ == "__main__":
    main()
