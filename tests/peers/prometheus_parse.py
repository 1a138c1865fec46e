#!/usr/bin/env python3
"""Reads a Prometheus text-format scrape on stdin and prints it as JSON, parsed by the official
Python client's parser (`prometheus_client.parser`), not by Rollcall's code: one object with
`families` (name, type, help) and `samples` (name, labels, value). A scrape the parser refuses
exits non-zero with its error on stderr."""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def number(value):
    return None if math.isnan(value) else ("+Inf" if value == math.inf else value)


def main():
    text = sys.stdin.read()
    families, samples = [], []
    for family in text_string_to_metric_families(text):
        families.append({"name": family.name, "type": family.type, "help": family.documentation})
        for s in family.samples:
            samples.append({"name": s.name, "labels": dict(s.labels), "value": number(s.value)})
    json.dump({"families": families, "samples": samples}, sys.stdout)


if __name__ == "__main__":
    main()
