"""Starts the real `quire` binary on a loopback port and talks HTTP to it.

Used by the API tests; standard library only (plus openpyxl where a test checks a workbook).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid

SOURCE_DIR = os.environ.get(
    "QUIRE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY = os.environ.get("QUIRE_BINARY", os.path.join(SOURCE_DIR, "build", "quire"))
SHARED_DIR = os.environ.get("QUIRE_SHARED_DIR", os.path.join(SOURCE_DIR, "..", "shared"))
EXAMPLES_DIR = os.path.join(SOURCE_DIR, "examples")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class QuireServer:
    """One `quire serve` process on its own port and (by default) its own data directory."""

    def __init__(self, args=(), env=None, data_dir=None, cwd=None, data_dir_arg=None):
        """`cwd` is where the server starts; `data_dir_arg`, when given, is the --data-dir it is
        told (say, a path relative to `cwd`) for the directory that `data_dir` names here."""
        self.owns_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="quire-api-test-")
        os.makedirs(self.data_dir, exist_ok=True)
        self.cwd = cwd
        self.data_dir_arg = data_dir_arg or self.data_dir
        self.port = free_port()
        self.args = list(args)
        self.env = dict(os.environ)
        # Servers start without the office converter unless a test asks for it: most tests do
        # not export, and each warm LibreOffice process costs seconds of CPU to start.
        self.env.setdefault("QUIRE_OFFICE_PROCESSES", "0")
        self.env.update(env or {})
        self.process = None
        self.log_path = os.path.join(self.data_dir, f"server-{self.port}.log")
        self.stdout_path = os.path.join(self.data_dir, f"server-{self.port}.out")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.out = open(self.stdout_path, "ab")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir",
             self.data_dir_arg, *self.args],
            stdout=self.out, stderr=self.log, env=self.env, cwd=self.cwd)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"quire serve exited with {self.process.returncode}: "
                                   + self.read_log())
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("quire serve did not become ready: " + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        for f in (getattr(self, "log", None), getattr(self, "out", None)):
            if f:
                f.close()
        return self.process.returncode if self.process else None

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def local_key(self):
        with open(os.path.join(self.data_dir, "local-api-key")) as f:
            return f.read().strip()

    def cli(self, *args, env=None, check=True):
        merged = dict(os.environ)
        merged.update(env or {})
        result = subprocess.run([BINARY, *args], capture_output=True, text=True, env=merged,
                                timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"quire {' '.join(args)} failed: {result.stderr}")
        return result

    # --- HTTP ---

    def request(self, method, path, body=None, headers=None, key=None, timeout=60):
        parsed = urllib.parse.urlsplit(path)
        if parsed.scheme:
            host, port = parsed.hostname, parsed.port
            path = parsed.path + ("?" + parsed.query if parsed.query else "")
        else:
            host, port = "127.0.0.1", self.port
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        all_headers = dict(headers or {})
        if key:
            all_headers["X-API-Key"] = key
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        result = Response(response.status, response.getheaders(), response.read())
        connection.close()
        return result

    def upload(self, key, name, data, purpose=None):
        boundary = uuid.uuid4().hex
        parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                 f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
                 + data + b"\r\n"]
        if purpose:
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
                         f"{purpose}\r\n".encode())
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", "/api/v1/files", body=body, key=key,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def generate(self, key, fmt, **body):
        return self.request("POST", f"/api/v1/{fmt}/generate", body=body, key=key, timeout=400)

    def wait_task(self, key, task_id, seconds=60, until=("completed", "failed")):
        deadline = time.time() + seconds
        while time.time() < deadline:
            task = self.request("GET", f"/api/v1/tasks/{task_id}", key=key).json()
            if task["status"] in until:
                return task
            time.sleep(0.1)
        raise AssertionError(f"task {task_id} did not reach {until}")


def read_example(name):
    with open(os.path.join(EXAMPLES_DIR, name), "rb") as f:
        return f.read()


def corpus_rows():
    """(path, features) of every file in the shared corpus manifest."""
    rows = []
    manifest = os.path.join(SHARED_DIR, "corpus", "MANIFEST.tsv")
    with open(manifest, encoding="utf-8") as f:
        next(f)
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 6:
                rows.append((os.path.join(SHARED_DIR, "corpus", fields[0]), fields[5]))
    return rows


class SharedServer:
    """A test case mixin: one default `quire serve` for the whole class, as `cls.server`, with
    the local organisation's key as `cls.key`."""

    @classmethod
    def setUpClass(cls):
        cls.server = QuireServer().start()
        cls.key = cls.server.local_key()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
