#!/usr/bin/env python3
"""Schemathesis against a live Rollcall: the contract test CI jobs run against us.

Called by `cargo xtask ci` (step "schemathesis") with the path of a built `rollcall` binary.
It starts that binary on a fresh SQLite database, seeds it through the API (an organization
with a team, a member and an invitation), mints tokens with `rollcall token`, and runs
schemathesis over every operation of openapi/rollcall.yaml (plus the token links of
TOKEN_LINKS, in a copy under target/schemathesis/) with every check on, configured by
schemathesis.toml beside this file. Exits with schemathesis' status; reports go to
target/schemathesis/.

Environment: ROLLCALL_SCHEMATHESIS_EXAMPLES (examples per operation, default 100),
ROLLCALL_SCHEMATHESIS_SEED (default fixed, so CI runs are reproducible).
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SECRET = "schemathesis-secret-not-for-production"


def call(base, method, path, token, body=None, session=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if session:
        req.add_header("x-session-token", session)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


# Links schemathesis follows but OpenAPI 3.0 cannot say: a body built around a value of the
# response. In the standard, a link's `requestBody` is one runtime expression or a literal, so
# `{"token": "$response.body#/token"}` is a literal there (openapi-generator refuses the
# document that holds it); schemathesis evaluates expressions nested in it. They are added to
# the copy of the document schemathesis reads, never to openapi/rollcall.yaml.
TOKEN_LINKS = {
    name: {"operationId": operation, "requestBody": {"token": "$response.body#/token"}}
    for name, operation in [
        ("InvitationLookup", "invitation_lookup"),
        ("InvitationAccept", "invitation_accept"),
        ("InvitationDecline", "invitation_decline"),
    ]
}


def document_with_token_links(out_dir):
    """openapi/rollcall.yaml with TOKEN_LINKS on seed 002's invite; returns the copy's path."""
    import yaml

    with open(os.path.join(ROOT, "openapi", "rollcall.yaml")) as f:
        doc = yaml.safe_load(f)
    created = doc["paths"]["/organization/{organizationId}/invite"]["post"]["responses"]["201"]
    created.setdefault("links", {}).update(TOKEN_LINKS)
    path = os.path.join(out_dir, "rollcall.schemathesis.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    return path


def tokens(binary, env, *args):
    out = subprocess.run(
        [binary, "token", "--ttl", "86400", *args], env=env, check=True, capture_output=True, text=True
    ).stdout
    pairs = (line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    return dict(pairs)


def main():
    binary = sys.argv[1]
    out_dir = os.path.join(ROOT, "target", "schemathesis")
    os.makedirs(out_dir, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="rollcall-schemathesis-")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite://{data_dir}/rollcall.db?mode=rwc",
        ROLLCALL_JWT_SECRET=SECRET,
        ROLLCALL_BIND="127.0.0.1:0",
        ROLLCALL_LOG="warn",
        # Quotas are tested by the suite; here they must not shape the run.
        ROLLCALL_INVITATIONS_PER_HOUR="1000000000",
        ROLLCALL_ORGANIZATIONS_PER_HOUR="1000000000",
    )
    server = subprocess.Popen([binary, "serve", "--workers", "2"], env=env, stderr=subprocess.PIPE, text=True)
    base = None
    for line in server.stderr:
        if line.startswith("Rollcall listening on "):
            base = line.split()[-1]
            break
    if base is None:
        sys.exit("run.py: the server exited before it listened")
    log = open(os.path.join(out_dir, "server.log"), "w")
    threading.Thread(target=lambda: [log.write(l) for l in server.stderr], daemon=True).start()
    try:
        # User 1: founder and administrator of organization 1, with the back-office role.
        founder = tokens(binary, env, "--user", "1", "--email", "founder@acme.example",
                         "--backoffice", "--organization", "1")
        org = call(base, "POST", "/organization", founder["ROLLCALL_BEARER"], {"name": "Acme"})
        team = call(base, "POST", f"/organization/{org['id']}/teams", founder["ROLLCALL_BEARER"],
                    {"name": "Platform"})
        invitation = call(base, "POST", f"/organization/{org['id']}/invite", founder["ROLLCALL_BEARER"],
                          {"email": "jane@example.com", "role": "member",
                           "teamAssignments": [{"teamId": team["id"], "role": "developer"}]})
        member = tokens(binary, env, "--user", "2", "--email", "joe@example.com")
        joined = call(base, "POST", f"/organization/{org['id']}/invite", founder["ROLLCALL_BEARER"],
                      {"email": "joe@example.com", "role": "member"})
        call(base, "POST", "/invitations/accept", member["ROLLCALL_BEARER"], {"token": joined["token"]})
        st_env = dict(
            os.environ,
            ROLLCALL_BEARER=founder["ROLLCALL_BEARER"],
            ROLLCALL_SESSION=founder["ROLLCALL_SESSION"],
            ROLLCALL_ORGANIZATION=org["id"],
            ROLLCALL_TEAM=team["id"],
            ROLLCALL_INVITATION=invitation["id"],
            ROLLCALL_INVITATION_TOKEN=invitation["token"],
            PYTHONPATH=HERE,
            SCHEMATHESIS_HOOKS="hooks",
        )
        examples = os.environ.get("ROLLCALL_SCHEMATHESIS_EXAMPLES", "100")
        seed = os.environ.get("ROLLCALL_SCHEMATHESIS_SEED", "20261123")
        command = [
            os.path.join(os.path.dirname(sys.executable), "st"),
            "--config-file", os.path.join(HERE, "schemathesis.toml"),
            "run", document_with_token_links(out_dir),
            "--url", base,
            "--max-examples", examples,
            "--seed", seed,
            "--report", "junit,ndjson",
            "--report-dir", out_dir,
            "--no-color",
        ]
        print("run.py:", " ".join(command), flush=True)
        return subprocess.run(command, env=st_env).returncode
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
