"""What the oracle scripts share: counting checks, `quire doc apply`, LibreOffice and pdftotext.

Standard library only. A script imports it by putting this folder on sys.path relative to its
own file:

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
    import oracle_checks
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile


class Checks:
    """Counts checks. A failed check is printed at once; finish() prints the closing line."""

    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, condition, what):
        """Counts one check; prints `FAIL: what` when condition is false. Returns condition."""
        if condition:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL:", what, flush=True)
        return condition

    def finish(self, label=None):
        """Prints `[label: ]N passed, M failed` alone on a line; returns the exit status."""
        prefix = f"{label}: " if label else ""
        print(f"{prefix}{self.passed} passed, {len(self.failures)} failed", flush=True)
        return 1 if self.failures else 0


def arguments(doc, count):
    """The script's count arguments; prints doc and exits with status 2 when there are not."""
    if len(sys.argv) != count + 1:
        print(doc)
        sys.exit(2)
    return sys.argv[1:]


def shared_dir(given):
    """The shared folder: QUIRE_SHARED_DIR when that is set, else given."""
    return os.environ.get("QUIRE_SHARED_DIR") or given


def corpus_dir(given):
    """The corpus folder: QUIRE_SHARED_DIR's corpus/ when that is set, else given."""
    shared = os.environ.get("QUIRE_SHARED_DIR")
    return os.path.join(shared, "corpus") if shared else given


def apply_calls(quire, source, calls, out, timeout=None):
    """Runs `quire doc apply source --calls FILE --out out` with calls (a list of
    {"tool", "args"} objects) written as JSON to a temporary FILE, and returns the completed
    process (text stdout and stderr captured)."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".calls.json") as calls_file:
        json.dump(calls, calls_file)
        calls_file.flush()
        return subprocess.run(
            [quire, "doc", "apply", source, "--calls", calls_file.name, "--out", out],
            capture_output=True, text=True, timeout=timeout)


def soffice_convert(path, target, outdir, profile_dir, timeout):
    """Converts path with `soffice --headless --norestore --convert-to target` into outdir,
    with a private LibreOffice profile in profile_dir. Returns the converted file's path, or
    None when LibreOffice fails, writes nothing, or takes longer than timeout seconds (it is then
    killed, with the processes it started)."""
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    converted = os.path.join(outdir, stem + "." + target.split(":")[0])
    if os.path.exists(converted):
        os.remove(converted)
    profile = pathlib.Path(profile_dir).absolute().as_uri()
    process = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", outdir, path],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None
    if process.returncode != 0 or not os.path.exists(converted) or \
            os.path.getsize(converted) == 0:
        if stderr.strip():
            print(f"soffice on {os.path.basename(path)}: {stderr.strip()}", file=sys.stderr)
        return None
    return converted


def pdf_text(pdf):
    """The text of a PDF by pdftotext, each run of whitespace folded to one space ("" when
    pdftotext fails)."""
    result = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True)
    return " ".join(result.stdout.split()) if result.returncode == 0 else ""
