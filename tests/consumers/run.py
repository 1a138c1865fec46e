#!/usr/bin/env python3
"""Consumers in other languages: clients generated from openapi/rollcall.yaml by tools we did not
write run the three seed flows against a live server.

Called by `cargo xtask ci` (step "consumers") with the consumers' virtual environment's python,
the path of a built `rollcall` binary and the folder the TypeScript packages were installed in
(target/consumers/typescript, by `npm ci`). It
1. generates the Python client with openapi-python-client into target/consumers/python;
2. generates the TypeScript types with openapi-typescript (`--enum`) and type-checks
   tests/consumers/typescript/flows.ts with them under `tsc --strict`;
3. for each language, starts `rollcall serve` on a fresh SQLite database, mints the tokens with
   `rollcall token`, and runs that language's flows (python/flows.py, typescript/flows.ts),
   which fail at the first answer that is not what the seed says.
A document change that breaks either client's generation, its type check or a flow fails CI.
Each server's log lands in target/consumers/<language>.server.log.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOCUMENT = os.path.join(ROOT, "openapi", "rollcall.yaml")
SECRET = "consumers-secret-not-for-production"


def run(command, **kwargs):
    print("run.py:", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def generate_python(out_dir):
    bin_dir = os.path.dirname(sys.executable)
    package = os.path.join(out_dir, "rollcall_client")
    shutil.rmtree(package, ignore_errors=True)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    run([os.path.join(bin_dir, "openapi-python-client"), "generate", "--path", DOCUMENT,
         "--config", os.path.join(HERE, "python", "config.yaml"),
         "--output-path", package, "--meta", "none", "--fail-on-warning"], env=env)


def generate_typescript(ts_dir):
    bin_dir = os.path.join(ts_dir, "node_modules", ".bin")
    for name in ["flows.ts", "tsconfig.json"]:
        shutil.copy(os.path.join(HERE, "typescript", name), ts_dir)
    shutil.rmtree(os.path.join(ts_dir, "dist"), ignore_errors=True)
    run([os.path.join(bin_dir, "openapi-typescript"), DOCUMENT, "--enum",
         "-o", os.path.join(ts_dir, "generated", "rollcall.ts")])
    run([os.path.join(bin_dir, "tsc"), "-p", os.path.join(ts_dir, "tsconfig.json")])


def tokens(binary, env, *args):
    out = subprocess.run([binary, "token", "--ttl", "3600", *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())


class Server:
    """`rollcall serve` on a fresh SQLite database and a random port."""

    def __init__(self, binary, log_path):
        self.data_dir = tempfile.mkdtemp(prefix="rollcall-consumers-")
        self.env = dict(os.environ, DATABASE_URL=f"sqlite://{self.data_dir}/rollcall.db?mode=rwc",
                        ROLLCALL_JWT_SECRET=SECRET, ROLLCALL_BIND="127.0.0.1:0", ROLLCALL_LOG="info")
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([binary, "serve", "--workers", "2"], env=self.env,
                                        stderr=subprocess.PIPE, text=True)
        self.url = None
        for line in self.process.stderr:
            self.log.write(line)
            if line.startswith("Rollcall listening on "):
                self.url = line.split()[-1]
                break
        if self.url is None:
            sys.exit(f"run.py: the server exited before it listened; see {log_path}")
        self.copier = subprocess.Popen(["cat"], stdin=self.process.stderr, stdout=self.log)

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.copier.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def flow_env(binary, server):
    founder = tokens(binary, server.env, "--user", "1", "--email", "founder@acme.example")
    backoffice = tokens(binary, server.env, "--user", "9000", "--backoffice")
    invitee = tokens(binary, server.env, "--user", "100", "--email", "jane@example.com")
    return dict(os.environ, ROLLCALL_URL=server.url,
                FOUNDER_BEARER=founder["ROLLCALL_BEARER"],
                BACKOFFICE_BEARER=backoffice["ROLLCALL_BEARER"],
                BACKOFFICE_SESSION=backoffice["ROLLCALL_SESSION"],
                INVITEE_BEARER=invitee["ROLLCALL_BEARER"])


def against_a_live_server(binary, out_dir, language, command, **kwargs):
    server = Server(binary, os.path.join(out_dir, f"{language}.server.log"))
    try:
        run(command, env={**flow_env(binary, server), **kwargs.pop("env", {})}, **kwargs)
    finally:
        server.stop()


def main():
    binary, ts_dir = sys.argv[1], sys.argv[2]
    out_dir = os.path.dirname(os.path.abspath(ts_dir))
    python_dir = os.path.join(out_dir, "python")
    os.makedirs(python_dir, exist_ok=True)
    generate_python(python_dir)
    generate_typescript(ts_dir)
    against_a_live_server(binary, out_dir, "python", [sys.executable, os.path.join(HERE, "python", "flows.py")],
                          env={"PYTHONPATH": python_dir})
    against_a_live_server(binary, out_dir, "typescript", ["node", os.path.join(ts_dir, "dist", "flows.js")])
    print("run.py: the Python and TypeScript clients ran the three seed flows")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        sys.exit(f"run.py: {' '.join(e.cmd)} failed with {e.returncode}")
