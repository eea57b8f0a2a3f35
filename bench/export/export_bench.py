"""Export speed: cold `soffice --convert-to pdf` against Quire's warm pool over HTTP against a
cache hit, for a docx, an xlsx and a pptx of the shared corpus and a generated 30-page report;
then 20 concurrent exports of different documents. Prints medians and ratios."""

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "api"))
from harness import QuireServer, SHARED_DIR  # noqa: E402

CORPUS = os.path.join(SHARED_DIR, "corpus")
DOCUMENTS = [
    ("docx", os.path.join(CORPUS, "docx", "pandoc-notes.docx")),
    ("xlsx", os.path.join(CORPUS, "xlsx", "poi-simple-monthly-budget.xlsx")),
    ("pptx", os.path.join(CORPUS, "pptx", "pandoc-basic.pptx")),
]


def report_docx(pages=30):
    """A 30-page report: a heading and a few paragraphs per page, a page break after each."""
    import docx
    document = docx.Document()
    text = ("Quarterly figures improved across every region, with the strongest growth in the "
            "north, where new accounts doubled. ") * 6
    for page in range(1, pages + 1):
        document.add_heading(f"Section {page}", level=1)
        for _ in range(3):
            document.add_paragraph(text)
        if page < pages:
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def unique_copy(data):
    """Same document, other bytes (a zip comment), so the cache has not seen it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.comment = os.urandom(8).hex().encode()
    return out.getvalue()


def cold_seconds(name, data, scratch, runs):
    profile = os.path.join(scratch, "cold-profile")
    path = os.path.join(scratch, name)
    with open(path, "wb") as f:
        f.write(data)
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
               "--norestore", "--convert-to", "pdf", "--outdir", os.path.join(scratch, "out"),
               path]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        times.append(time.perf_counter() - started)
    return times


class Client:
    def __init__(self, server):
        self.server = server
        self.key = server.local_key()

    def upload(self, name, data):
        response = self.server.upload(self.key, name, data)
        assert response.status == 201, response
        return response.json()["file_id"]

    def convert(self, file_id, fmt="pdf"):
        started = time.perf_counter()
        response = self.server.request(
            "POST", f"/api/v1/files/{file_id}/convert", body=f"format={fmt}", key=self.key,
            headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=300)
        elapsed = time.perf_counter() - started
        assert response.status == 200, response
        return elapsed, response


def server_ms(server, request_ids):
    """The server's own duration of each request, from its request log (whole milliseconds)."""
    log = server.read_log()
    out = []
    for request_id in request_ids:
        match = re.search(rf"request_id={request_id} .* ms=(\d+)", log)
        if match:
            out.append(int(match.group(1)))
    return out


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one cold run, fewer repeats")
    args = parser.parse_args()
    cold_runs, warm_runs, hit_runs = (1, 2, 5) if args.quick else (3, 5, 20)

    scratch = tempfile.mkdtemp(prefix="quire-export-bench-")
    server = QuireServer(env={"QUIRE_OFFICE_PROCESSES": os.environ.get("QUIRE_OFFICE_PROCESSES",
                                                                       "1")}).start()
    try:
        deadline = time.time() + 120
        while server.request("GET", "/readyz").status != 200:
            if time.time() > deadline:
                raise SystemExit("the server never became ready")
            time.sleep(0.2)
        client = Client(server)
        documents = [(kind, os.path.basename(path), open(path, "rb").read())
                     for kind, path in DOCUMENTS]
        documents.append(("docx", "report-30-pages.docx", report_docx()))

        # Warms the cold profile once, so cold runs measure a process start, not a first start.
        cold_seconds("warmup.docx", documents[0][2], scratch, 1)

        print(f"{'document':<36} {'cold s':>8} {'warm ms':>8} {'hit ms':>8} {'hit srv':>8} "
              f"{'cold/warm':>9} {'warm/hit':>9}")
        ok = True
        for kind, name, data in documents:
            cold = statistics.median(cold_seconds(name, data, scratch, cold_runs))
            warm_times = []
            for _ in range(warm_runs):
                elapsed, _ = client.convert(client.upload(name, unique_copy(data)))
                warm_times.append(elapsed)
            warm = statistics.median(warm_times)
            file_id = client.upload(name, data)
            client.convert(file_id)
            hits, ids = [], []
            for _ in range(hit_runs):
                elapsed, response = client.convert(file_id)
                assert response.json()["cached"], response
                hits.append(elapsed)
                ids.append(response.headers["x-request-id"])
            hit = statistics.median(hits)
            hit_server = statistics.median(server_ms(server, ids) or [float("nan")])
            print(f"{name:<36} {cold:8.2f} {warm * 1000:8.0f} {hit * 1000:8.1f} "
                  f"{hit_server:8.0f} {cold / warm:8.1f}x {warm / hit:8.1f}x")
            ok = ok and cold / warm >= 8 and hit_server < 5

        # 20 concurrent exports of different documents.
        files = [client.upload(name, unique_copy(data))
                 for i in range(20) for kind, name, data in [documents[i % len(documents)]]]
        results = []

        def export(file_id):
            try:
                results.append(client.convert(file_id)[0])
            except AssertionError as error:
                results.append(error)

        threads = [threading.Thread(target=export, args=(f,)) for f in files]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        failed = [r for r in results if not isinstance(r, float)]
        times = [r for r in results if isinstance(r, float)]
        print(f"20 concurrent exports: {len(times)} succeeded, {len(failed)} failed; "
              f"p50 {percentile(times, 0.5) * 1000:.0f} ms, p95 {percentile(times, 0.95) * 1000:.0f}"
              f" ms, all done in {wall:.1f} s")
        print("targets: warm >= 8x faster than cold, cache hit < 5 ms on the server: "
              + ("met" if ok else "NOT met"))
        return 0 if not failed else 1
    finally:
        server.cleanup()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
