#!/usr/bin/env python3
"""A real SMTP server for the integration tests: aiosmtpd, on loopback, keeping every message it
accepts as a JSON file (envelope, Message-ID, the raw message) in a folder the test reads.

What it answers is steered by `control.json` in that folder, read again for every command:
  {"reject": [{"pattern": "regex", "code": 550}]}  a RCPT matching the pattern is refused
  {"tempfail": 2}                                  the first 2 DATA of each Message-ID get 451
  {"delay_ms": 200}                                each DATA waits this long before answering

    python smtp_sink.py --port 2525 --dir /tmp/mail
Prints "ready" once it listens.
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import re
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)
        self.tempfailed = {}

    def control(self):
        try:
            with open(os.path.join(self.folder, "control.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for rule in self.control().get("reject", []):
            if re.search(rule["pattern"], address):
                return f"{rule.get('code', 550)} {rule.get('text', 'mailbox unavailable')}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        ctl = self.control()
        if ctl.get("delay_ms"):
            await asyncio.sleep(ctl["delay_ms"] / 1000)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = message.get("Message-ID", "")
        failed = self.tempfailed.get(message_id, 0)
        if failed < ctl.get("tempfail", 0):
            self.tempfailed[message_id] = failed + 1
            return "451 try again later"
        n = next(self.counter)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message_id,
            "received_at": time.time(),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.folder, f"message-{os.getpid()}-{n:06d}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or kills us)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
