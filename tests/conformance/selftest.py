#!/usr/bin/env python3
"""The strict validation can fail: validate.py's check, fed answers that each break the document
in one way, must refuse every one of them, and accept the answers they were made from.

Run by `cargo xtask ci` before validate.py, with the same pinned openapi-core.
"""

import copy
import json
import sys

import validate

INVITATION = {
    "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    "email": "jane@example.com",
    "status": "pending",
    "organizationId": "0127acc9-459d-4c19-90d2-e5b9bbd16184",
    "organizationName": "Acme",
    "organizationRole": "member",
    "expiresAt": "2026-12-07T10:00:00.000Z",
    "teamAssignments": [],
    "permissions": None,
    "invitedBy": 1,
    "createdAt": "2026-11-30T10:00:00.000Z",
    "emailDelivery": {"status": "queued", "attempts": 0, "sentAt": None, "lastError": None},
}
PATH = "/organization/0127acc9-459d-4c19-90d2-e5b9bbd16184/invitations/3c90c3cc-0d44-4b50-8888-8dd25736052a"


def exchange(body=INVITATION, status=200, headers=None, path=PATH, method="GET", content_type="application/json"):
    headers = {"content-type": [content_type], "x-request-id": ["r-1"]} if headers is None else headers
    return {
        "request": {"method": method, "path": path, "query": "", "contentType": None},
        "response": {"status": status, "headers": headers, "body": json.dumps(body)},
    }


def changed(**fields):
    body = copy.deepcopy(INVITATION)
    for name, value in fields.items():
        if value is KeyError:
            del body[name]
        else:
            body[name] = value
    return exchange(body)


PROBLEM = {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "no bearer", "requestId": "r-1"}
BAD = {
    "a status the operation does not declare": exchange(status=418),
    "an answer without x-request-id": exchange(headers={"content-type": ["application/json"]}),
    "null where the schema has no null": changed(email=None),
    "a value outside an enum": changed(status="lost"),
    "a required field left out": changed(invitedBy=KeyError),
    "a field the document does not declare": changed(secret="x"),
    "a malformed date-time": changed(expiresAt="tomorrow"),
    "a malformed uuid": changed(organizationId="not-a-uuid"),
    "an int64 beyond ±(2^53−1)": changed(invitedBy=2**60),
    "a 401 without WWW-Authenticate": exchange(PROBLEM, 401, {"content-type": ["application/problem+json"], "x-request-id": ["r-1"]},
                                                content_type="application/problem+json"),
    "a content type the answer does not declare": exchange(content_type="text/plain",
                                                           headers={"content-type": ["text/plain"], "x-request-id": ["r-1"]}),
}


# An answer whose schema is an allOf (the endpoint and its secret): strictness applies to the
# composition as a whole, not to each member alone.
WEBHOOK = {
    "id": "01a22d19-3461-70b0-86b2-eae53f57c4d0",
    "url": "https://hooks.example.com/rollcall",
    "events": ["invitation.accepted"],
    "description": None,
    "enabled": True,
    "disabledReason": None,
    "createdAt": "2026-11-30T15:35:56.172Z",
    "updatedAt": "2026-11-30T15:35:56.172Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}
WEBHOOKS = "/organization/0127acc9-459d-4c19-90d2-e5b9bbd16184/webhooks"


def webhook(**fields):
    body = {**WEBHOOK, **fields}
    return exchange(body, 201, path=WEBHOOKS, method="POST")


CONFORMING = {
    "an invitation": exchange(),
    "a composed (allOf) answer": webhook(),
}
BAD["a field neither member of an allOf declares"] = webhook(extra="x")
BAD["a field an allOf member requires left out"] = exchange(
    {k: v for k, v in WEBHOOK.items() if k != "secret"}, 201, path=WEBHOOKS, method="POST")


def main():
    _, api = validate.load()
    failures = []
    for what, good in CONFORMING.items():
        errors = validate.check(api, good)
        print(f"  {'REFUSED' if errors else 'accepted'}: {what}")
        if errors:
            failures.append(f"{what} was refused: {errors}")
    for what, bad in BAD.items():
        errors = validate.check(api, bad)
        print(f"  {'refused' if errors else 'ACCEPTED'}: {what}")
        if not errors:
            failures.append(what)
    if failures:
        print(f"selftest.py: the strict validation let through: {failures}")
        return 1
    print(f"selftest.py: all {len(BAD)} kinds of non-conforming answer are refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
