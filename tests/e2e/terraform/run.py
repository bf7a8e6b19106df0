"""Terraform end-to-end test: the unmodified Terraform AWS provider (hashicorp/aws 5.100.0, from the
filesystem mirror named in cli.tfrc) applies main.tf against a freshly started `cognate` binary,
plans again (which must show no changes), and destroys everything.

Usage: python3 run.py path/to/cognate
Standard library only. Needs `terraform` on PATH (or $TERRAFORM) and the provider in /opt/tf-plugins.
Prints PASS/FAIL per step and exits non-zero on any failure; on failure it also prints the provider's
AWS calls with their HTTP status (from TF_LOG=DEBUG), the failed calls' response bodies, and the last
200 lines of the server's log. Set KEEP=1 to keep the working and data directories.
"""

import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TERRAFORM = os.environ.get("TERRAFORM", "terraform")
STEP_TIMEOUT = int(os.environ.get("STEP_TIMEOUT", "900"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()[-n:]
    except OSError:
        return []


def log_entries(path):
    """TF_LOG entries: a line starting with a timestamp, plus its indented continuation lines."""
    entry = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if re.match(r"\d{4}-\d\d-\d\dT", line) and entry:
                    yield "".join(entry)
                    entry = []
                entry.append(line)
    except OSError:
        return
    if entry:
        yield "".join(entry)


def attr(entry, name):
    m = re.search(r"(?:^|\s)" + re.escape(name) + r'=("(?:[^"\\]|\\.)*"|\S+)', entry)
    return m.group(1).strip('"') if m else None


def body(entry):
    return "\n".join(line[4:] for line in entry.splitlines() if line.startswith("  | "))


def summarize_tf_log(path):
    """The AWS calls the provider made (service, operation, HTTP status, in order), the bodies of the
    requests and responses of failed calls, and the log's error lines."""
    print(f"--- provider AWS calls (from {path}) ---")
    pending = {}
    for entry in log_entries(path):
        if "HTTP Request Sent" in entry:
            target = attr(entry, "http.request.header.x_amz_target")
            req = body(entry)
            if req.startswith("Action="):
                req = urllib.parse.unquote_plus(req)
            if target:
                op = target.split(".", 1)[-1]
            else:
                m = re.search(r"Action=([A-Za-z]+)", req)
                op = m.group(1) if m else "?"
            pending[attr(entry, "tf_req_id") or ""] = req
            attempt = re.search(r"attempt=(\d+)", attr(entry, "http.request.header.amz_sdk_request") or "")
            again = f" (attempt {attempt.group(1)})" if attempt and attempt.group(1) != "1" else ""
            service = attr(entry, "rpc.service")
            print(f"  -> {service + ' ' if service else ''}{op}{again}")
        elif "HTTP Response Received" in entry:
            service, method, status = attr(entry, "rpc.service"), attr(entry, "rpc.method"), attr(entry, "http.status_code")
            print(f"  <- {service} {method}: HTTP {status}")
            if status and not status.startswith("2"):
                print("     request:  " + pending.get(attr(entry, "tf_req_id") or "", "")[:2000].replace("\n", "\n     "))
                print("     response: " + body(entry)[:2000].replace("\n", "\n     "))
        elif "retrying request" in entry.split("\n", 1)[0]:
            print("  " + entry.split("\n", 1)[0].split(": ", 1)[-1].split(":", 1)[0])
        elif "[ERROR]" in entry.split("\n", 1)[0]:
            print("  " + entry.strip()[:2000])
    print("--- end of provider AWS calls ---")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    data_dir = tempfile.mkdtemp(prefix="cognate-tf-data-")
    work_dir = tempfile.mkdtemp(prefix="cognate-tf-work-")
    server_log_path = os.path.join(work_dir, "server.log")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server_log = open(server_log_path, "w")
    server = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--log-level", "debug"],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        # Request traces and the operations' own logs, without the database driver's statements.
        env={**os.environ, "RUST_LOG": os.environ.get("COGNATE_TF_RUST_LOG", "debug,sqlx=warn"), "NO_COLOR": "1"},
    )
    results = []
    failed = False
    try:
        creds_file = os.path.join(data_dir, "credentials")
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError(f"cognate exited with status {server.returncode}")
            try:
                urllib.request.urlopen(f"{endpoint}/health", timeout=1)
                if os.path.exists(creds_file):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("cognate did not become healthy (or wrote no credentials) in 30 s")
        creds = configparser.ConfigParser()
        creds.read(creds_file)
        access_key = creds["default"]["aws_access_key_id"]
        secret_key = creds["default"]["aws_secret_access_key"]

        shutil.copy(os.path.join(HERE, "main.tf"), work_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update(
            TF_CLI_CONFIG_FILE=os.path.join(HERE, "cli.tfrc"),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            TF_LOG="DEBUG",
            TF_VAR_endpoint=endpoint + "/",
            TF_VAR_access_key=access_key,
            TF_VAR_secret_key=secret_key,
            # Nothing from the machine's AWS configuration; no instance metadata.
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
            CHECKPOINT_DISABLE="1",
        )
        steps = [
            ("init", ["init", "-input=false", "-no-color"]),
            ("apply", ["apply", "-auto-approve", "-input=false", "-no-color"]),
            ("plan (no changes)", ["plan", "-detailed-exitcode", "-input=false", "-no-color"]),
            ("destroy", ["destroy", "-auto-approve", "-input=false", "-no-color"]),
        ]
        for name, args in steps:
            if failed:
                results.append((name, "SKIP"))
                print(f"SKIP {name}")
                continue
            slug = name.split()[0]
            tf_log = os.path.join(work_dir, f"tf-{slug}.log")
            started = time.time()
            try:
                out = subprocess.run(
                    [TERRAFORM, *args],
                    cwd=work_dir,
                    env={**env, "TF_LOG_PATH": tf_log},
                    capture_output=True,
                    text=True,
                    timeout=STEP_TIMEOUT,
                )
                rc, stdout, stderr = out.returncode, out.stdout, out.stderr
            except subprocess.TimeoutExpired as e:
                rc = "timeout"
                stdout = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
                stderr = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            elapsed = time.time() - started
            with open(os.path.join(work_dir, f"{slug}.out"), "w") as f:
                f.write(stdout + stderr)
            ok = rc == 0
            if ok:
                print(f"PASS {name} ({elapsed:.1f} s)")
                results.append((name, "PASS"))
                continue
            failed = True
            results.append((name, "FAIL"))
            why = {2: "the plan is not empty"}.get(rc, f"exit status {rc}") if slug == "plan" else f"exit status {rc}"
            print(f"FAIL {name} ({elapsed:.1f} s): {why}")
            print(f"--- terraform {' '.join(args)} ---")
            text = stdout + stderr
            lines = text.splitlines()
            print("\n".join(lines if slug == "plan" else lines[-150:]))
            print("--- end of terraform output ---")
            if slug != "init":
                summarize_tf_log(tf_log)
    except Exception as e:  # noqa: BLE001 - report and fall through to the server log
        failed = True
        print(f"FAIL setup: {e}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    if failed:
        print(f"--- last 200 lines of the server log ({server_log_path}) ---")
        sys.stdout.write(re.sub(r"\x1b\[[0-9;]*m", "", "".join(tail(server_log_path, 200))))
        print("--- end of server log ---")
    print(", ".join(f"{name}: {status}" for name, status in results))
    if os.environ.get("KEEP") or failed:
        print(f"kept: work dir {work_dir}, data dir {data_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
