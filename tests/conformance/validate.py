#!/usr/bin/env python3
"""Strict response validation of what the integration tests received, by openapi-core.

Called by `cargo xtask ci` (step "strict response validation") after the test pass on SQLite,
which ran with ROLLCALL_TEST_EXCHANGES set: every request the tests sent through the generated
client went through a recording proxy (tests/api/recording.rs), which wrote each exchange as a
JSON line. Here openapi-core (pinned in requirements.txt beside this file) validates each
answer against openapi/rollcall.yaml: the status must be declared for the operation, the
content type too, the body must match its schema (types, nullability, required properties,
enums, formats such as uuid, date-time and int64, ranges) and the declared headers must be
there and match theirs (`x-request-id` on every answer, `Retry-After`, `WWW-Authenticate`, …).

One thing is stricter than the document says: an object schema that does not mention
`additionalProperties` is validated as if it said `false`, so an answer may not carry a field
the document does not declare (a client generated from the document would drop it). An `allOf`
of object schemas is first joined into the one object it describes, then closed as a whole.

Usage: validate.py EXCHANGES_DIR [DOCUMENT] (default openapi/rollcall.yaml). Exit 0 when every answer conforms and every operation of the
document was seen at least once; 1 otherwise, with each failure, its test and how to look.
"""

import collections
import copy
import glob
import json
import os
import sys

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOCUMENT = os.path.join(ROOT, "openapi", "rollcall.yaml")
HOST = "http://127.0.0.1"


def merged(document):
    """Every `allOf` whose members are all object schemas becomes the one object they describe
    (properties and required lists joined), so that closing each member below does not make
    the composition unsatisfiable: a member closed alone would refuse its siblings' fields."""
    schemas = document.get("components", {}).get("schemas", {})

    def resolved(member):
        ref = member.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            return resolved(schemas[ref.rsplit("/", 1)[1]])
        return member

    def walk(node):
        if isinstance(node, dict):
            members = node.get("allOf")
            if isinstance(members, list) and members:
                parts = [walk(copy.deepcopy(resolved(m))) for m in members]
                if all(isinstance(p, dict) and "properties" in p and "allOf" not in p for p in parts):
                    one = {k: v for k, v in node.items() if k != "allOf"}
                    one["type"] = "object"
                    one["properties"] = {}
                    required = []
                    for part in parts:
                        one["properties"].update(part["properties"])
                        required += [r for r in part.get("required", []) if r not in required]
                    if required:
                        one["required"] = required
                    node = one
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)


def closed(node):
    """`additionalProperties: false` on every object schema that lists its properties."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            closed(value)
    elif isinstance(node, list):
        for value in node:
            closed(value)
    return node


def operations(document):
    """(METHOD, path template) → operationId, for every operation of the document."""
    return {
        (method.upper(), path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
    }


def exchanges(folder):
    for name in sorted(glob.glob(os.path.join(folder, "*.ndjson"))):
        test = os.path.basename(name).split(".")[0]
        with open(name) as f:
            for line in f:
                if line.strip():
                    yield test, json.loads(line)


def mock(exchange):
    req, res = exchange["request"], exchange["response"]
    args = {}
    for pair in filter(None, req["query"].split("&")):
        key, _, value = pair.partition("=")
        args.setdefault(key, []).append(value)
    headers = {name: ", ".join(values) for name, values in res["headers"].items()}
    request = MockRequest(HOST, req["method"].lower(), req["path"], args=args)
    content_type = headers.get("content-type", "")
    response = MockResponse(
        res["body"].encode(), status_code=res["status"], headers=headers, content_type=content_type
    )
    return request, response


def load(path=DOCUMENT):
    """The document as written, and openapi-core's strict reading of it."""
    with open(path) as f:
        document = yaml.safe_load(f)
    # openapi-core reads `application/json` bodies as JSON; problem+json is JSON too (RFC 9457).
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return document, OpenAPI.from_dict(closed(merged(copy.deepcopy(document))), config=config)


def check(api, exchange):
    """openapi-core's errors for one recorded exchange (none when the answer conforms)."""
    request, response = mock(exchange)
    return list(api.unmarshal_response(request, response).errors)


def main():
    folder = sys.argv[1]
    document, api = load(sys.argv[2] if len(sys.argv) > 2 else DOCUMENT)
    wanted = operations(document)
    seen = collections.Counter()
    statuses = collections.defaultdict(set)
    skipped = collections.Counter()
    failures = []
    total = 0
    for test, exchange in exchanges(folder):
        total += 1
        req = exchange["request"]
        errors = check(api, exchange)
        if any(isinstance(e, (PathNotFound, OperationNotFound)) for e in errors):
            skipped[f'{req["method"]} {req["path"]} → {exchange["response"]["status"]}'] += 1
            continue
        key = matched_operation(document, req)
        if key:
            seen[key] += 1
            statuses[key].add(exchange["response"]["status"])
        if errors:
            failures.append((test, exchange, "; ".join(describe(e) for e in errors)))
    report(total, wanted, seen, statuses, skipped, failures)
    missing = sorted(set(wanted.values()) - set(seen))
    if total == 0:
        print("validate.py: no exchange was recorded: did the tests run with ROLLCALL_TEST_EXCHANGES set?")
        return 1
    if missing:
        print(f"validate.py: no test received an answer from {', '.join(missing)} through the generated client")
        return 1
    return 1 if failures else 0


def describe(error):
    causes = [str(c) for c in getattr(error, "schema_errors", []) or []]
    text = f"{type(error).__name__}: {error}"
    return text + (" (" + "; ".join(causes) + ")" if causes else "")


def matched_operation(document, req):
    """The operationId whose template matches the request's method and path."""
    parts = req["path"].strip("/").split("/")
    for path, item in document["paths"].items():
        template = path.strip("/").split("/")
        if len(template) != len(parts):
            continue
        if all(t.startswith("{") or t == p for t, p in zip(template, parts)):
            op = item.get(req["method"].lower())
            if op:
                return op["operationId"]
    return None


def report(total, wanted, seen, statuses, skipped, failures):
    print(f"validate.py: {total} answers recorded; {sum(seen.values())} validated against "
          f"{len(seen)} of {len(wanted)} operations, {sum(skipped.values())} to paths or methods "
          "the document does not have (not validated)")
    for op in sorted(seen):
        print(f"  {op:32} {seen[op]:5} answers, statuses {sorted(statuses[op])}")
    for what, n in sorted(skipped.items()):
        print(f"  not in the document: {what} ×{n}")
    for test, exchange, why in failures[:50]:
        req, res = exchange["request"], exchange["response"]
        print(f"\nFAIL {test}: {req['method']} {req['path']}?{req['query']} → {res['status']}\n  {why}\n"
              f"  body: {res['body'][:300]}\n  headers: {json.dumps(res['headers'])[:300]}")
    if failures:
        print(f"\nvalidate.py: {len(failures)} answer(s) do not conform to openapi/rollcall.yaml. Each names "
              "the test that received it; fix the server or the document (then `cargo xtask drift`).")


if __name__ == "__main__":
    sys.exit(main())
