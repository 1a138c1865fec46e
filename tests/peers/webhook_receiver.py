#!/usr/bin/env python3
"""A real HTTP receiver for the webhook tests: a threaded HTTP server on loopback that verifies
every delivery with the `standardwebhooks` package (the specification's own Python library, not
Rollcall's code) and keeps each request as a JSON file in a folder the test reads.

Each endpoint is a path (`/a`, `/b`, ...). What it answers is steered by `control.json` in that
folder, read again for every request:
  {"endpoints": {"a": {
      "secrets": ["whsec_..."],   verify with each of these, one by one
      "status": 204,              the answer (default 204)
      "fail_first": 2,            the first 2 attempts of each webhook-id answer `fail_status`
      "fail_status": 500,
      "retry_after": "1",         sent with a failing answer
      "delay_ms": 20000           wait this long before answering
  }}}

Each request is kept as `<n>.json`: {"path", "headers", "body", "verified": [bool per secret],
"answered": status}. Written before the answer is sent.

    python webhook_receiver.py --port 8099 --dir /tmp/hooks
Prints "ready" once it listens.
"""

import argparse
import itertools
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

FOLDER = None
COUNTER = itertools.count(1)
LOCK = threading.Lock()
ATTEMPTS = {}


def control():
    try:
        with open(os.path.join(FOLDER, "control.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        name = self.path.strip("/").split("?")[0]
        ctl = control().get("endpoints", {}).get(name, {})
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = []
        for secret in ctl.get("secrets", []):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(True)
            except WebhookVerificationError:
                verified.append(False)
        with LOCK:
            key = (name, headers.get("webhook-id"))
            attempt = ATTEMPTS.get(key, 0) + 1
            ATTEMPTS[key] = attempt
            n = next(COUNTER)
        status = ctl.get("status", 204)
        extra = {}
        if attempt <= ctl.get("fail_first", 0):
            status = ctl.get("fail_status", 500)
            if "retry_after" in ctl:
                extra["Retry-After"] = str(ctl["retry_after"])
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        record = {
            "path": name,
            "headers": headers,
            "body": parsed,
            "raw_length": len(body),
            "verified": verified,
            "attempt": attempt,
            "answered": status,
            "at": time.time(),
        }
        tmp = os.path.join(FOLDER, f".{n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.replace(tmp, os.path.join(FOLDER, f"{n:08d}.json"))
        if ctl.get("delay_ms"):
            time.sleep(ctl["delay_ms"] / 1000)
        answer = b"" if status == 204 else json.dumps({"status": status}).encode()
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    global FOLDER
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    FOLDER = args.dir
    os.makedirs(FOLDER, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Stops when the test closes stdin (or dies).
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
