"""API tests: the real binary on a loopback port, real HTTP, real files."""

import concurrent.futures
import datetime
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zipfile

import openpyxl

from harness import BINARY, EXAMPLES_DIR, QuireServer, SharedServer, corpus_rows, read_example

ERROR_FIELDS = {"success", "error", "message", "request_id"}


class ApiTest(SharedServer, unittest.TestCase):
    # --- helpers ---

    def assertError(self, response, status, code, field=None):
        self.assertEqual(response.status, status, response)
        body = response.json()
        self.assertEqual(set(body) & ERROR_FIELDS, ERROR_FIELDS, body)
        self.assertIs(body["success"], False)
        self.assertEqual(body["error"], code, body)
        self.assertEqual(body["request_id"], response.headers["x-request-id"])
        if field:
            self.assertIn(field, body["message"])
        return body

    def upload_csv(self, key=None, name="seattle-weather.csv"):
        response = self.server.upload(key or self.key, name, read_example("seattle-weather.csv"))
        self.assertEqual(response.status, 201, response)
        return response.json()["file_id"]

    def download(self, url):
        response = self.server.request("GET", url)
        self.assertEqual(response.status, 200, response)
        return response

    def workbook(self, url):
        return openpyxl.load_workbook(io.BytesIO(self.download(url).body))

    def run_count(self, key=None):
        count, cursor = 0, None
        while True:
            path = "/api/v1/runs?limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = self.server.request("GET", path, key=key or self.key).json()
            count += len(page["data"])
            if not page["has_more"]:
                return count
            cursor = page["next_cursor"]

    # --- auth and envelope ---

    def test_healthz_needs_no_key(self):
        self.assertEqual(self.server.request("GET", "/healthz").status, 200)

    def test_missing_and_unknown_keys_are_401(self):
        self.assertError(self.server.request("GET", "/api/v1/verify"), 401, "invalid_api_key")
        self.assertError(self.server.request("GET", "/api/v1/verify", key="qk_nope"), 401,
                         "invalid_api_key")

    def test_bearer_and_header_keys_verify(self):
        for headers in ({"X-API-Key": self.key}, {"Authorization": f"Bearer {self.key}"}):
            response = self.server.request("GET", "/api/v1/verify", headers=headers)
            self.assertEqual(response.status, 200, response)
            body = response.json()
            self.assertEqual(body["org_name"], "local")
            self.assertTrue(self.key.startswith(body["key_prefix"]))
            self.assertNotEqual(body["key_prefix"], self.key)
            self.assertIn("x-request-id", response.headers)

    def test_unknown_path_and_wrong_method(self):
        self.assertError(self.server.request("GET", "/api/v1/nothing", key=self.key), 404,
                         "not_found")
        response = self.server.request("GET", "/api/v1/excel/generate", key=self.key)
        self.assertError(response, 405, "method_not_allowed")

    # --- request validation ---

    def test_malformed_bodies_are_400_naming_the_field(self):
        cases = [
            ("not json", None),
            ([1, 2], None),
            ({}, "prompt"),
            ({"prompt": ""}, "prompt"),
            ({"prompt": "x" * 10001}, "prompt"),
            ({"prompt": 7}, "prompt"),
            ({"prompt": "hi", "async": "yes"}, "async"),
            ({"prompt": "hi", "timeout_ms": 5}, "timeout_ms"),
            ({"prompt": "hi", "timeout_ms": 1800001}, "timeout_ms"),
            ({"prompt": "hi", "data_sources": "x"}, "data_sources"),
            ({"prompt": "hi", "data_sources": [{"kind": "csv"}]}, "data_sources[0].file_id"),
            ({"prompt": "hi", "file_name": "../etc/passwd"}, "file_name"),
            # An empty name used to be taken as "no name" and the default given.
            ({"prompt": "hi", "file_name": ""}, "file_name"),
            # Unknown fields were ignored, so a misspelt run_id quietly started a new run.
            ({"prompt": "hi", "runId": "run_01JNOSUCHRUN0000000000000"}, "runId"),
            ({"prompt": "hi", "webhook_url": "http://127.0.0.1:9/"}, "webhook_url"),
            # A prompt of white space only was taken and gave an "Untitled" document.
            ({"prompt": " \t\n "}, "prompt"),
        ]
        before = self.run_count()
        for body, field in cases:
            with self.subTest(body=str(body)[:60]):
                raw = body if isinstance(body, str) else None
                response = self.server.request(
                    "POST", "/api/v1/excel/generate", key=self.key,
                    body=raw.encode() if raw else body,
                    headers={"Content-Type": "application/json"})
                self.assertError(response, 400, "invalid_request", field)
        self.assertEqual(self.run_count(), before)

    def test_prompt_of_exactly_10000_characters_is_accepted(self):
        response = self.server.generate(self.key, "word", prompt="é" * 10000)
        self.assertEqual(response.status, 200, response)

    # --- the main flow ---

    def test_csv_to_workbook_then_follow_up_turns(self):
        file_id = self.upload_csv()
        first = self.server.generate(self.key, "excel", prompt="Make a workbook from this data",
                                     data_sources=[{"file_id": file_id, "kind": "csv"}])
        self.assertEqual(first.status, 200, first)
        body = first.json()
        self.assertRegex(body["run_id"], r"^run_[0-9A-HJKMNP-TV-Z]{26}$")
        self.assertRegex(body["task_id"], r"^task_[0-9A-HJKMNP-TV-Z]{26}$")
        self.assertEqual(body["status"], "completed")
        self.assertIsNone(body["edit_url"])
        self.assertIn("seattle-weather", body["summary"])
        # The import and its add_sheet: two tool calls at a tenth of a credit each.
        self.assertEqual(body["usage"]["tool_calls"], 2)
        self.assertEqual(body["usage"]["input_tokens"], 0)
        self.assertAlmostEqual(body["credits_used"], 0.2)
        self.assertIn(b'"credits_used":0.2,', first.body)
        self.assertIsInstance(body["duration_ms"], int)

        book = self.workbook(body["download_url"])
        sheet = book["seattle-weather"]
        self.assertEqual([c.value for c in sheet[1]],
                         ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"])
        self.assertTrue(sheet["A1"].font.b)
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet["A2"].value, datetime.datetime(2012, 1, 1))
        self.assertEqual(sheet["B2"].value, 0)
        self.assertEqual(sheet["C2"].value, 12.8)
        self.assertEqual(sheet["F2"].value, "drizzle")
        self.assertEqual(sheet.max_row, 1462)

        run_id = body["run_id"]
        second = self.server.generate(
            self.key, "excel", run_id=run_id,
            prompt="Add a sheet named Summary and set Summary!A1 to 42. Then rename sheet "
                   "seattle-weather to Weather")
        self.assertEqual(second.status, 200, second)
        self.assertEqual(second.json()["run_id"], run_id)
        book = self.workbook(second.json()["download_url"])
        self.assertEqual(book.sheetnames, ["Weather", "Summary"])
        self.assertEqual(book["Summary"]["A1"].value, 42)

        run = self.server.request("GET", f"/api/v1/runs/{run_id}", key=self.key).json()
        self.assertEqual(run["version"], 2)
        self.assertEqual(run["format"], "excel")
        self.assertEqual(run["status"], "active")
        self.assertEqual(run["file_name"], "workbook.xlsx")
        for field in ("created_at", "updated_at", "last_task_at"):
            self.assertRegex(run[field], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

        redirect = self.server.request("GET", f"/api/v1/runs/{run_id}/download", key=self.key)
        self.assertEqual(redirect.status, 302, redirect)
        final = self.download(redirect.headers["location"])
        self.assertEqual(final.headers["content-type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn('filename="workbook.xlsx"', final.headers["content-disposition"])
        self.assertEqual(openpyxl.load_workbook(io.BytesIO(final.body)).sheetnames,
                         ["Weather", "Summary"])

    def test_concurrent_enqueued_follow_ups_on_one_run_all_keep_their_edits(self):
        first = self.server.generate(self.key, "excel", prompt="Add a sheet named Base")
        self.assertEqual(first.status, 200, first)
        run_id = first.json()["run_id"]
        names = [f"Part{i}" for i in range(6)]
        with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
            answers = list(pool.map(
                lambda name: self.server.generate(self.key, "excel", run_id=run_id,
                                                  multitask="enqueue",
                                                  prompt=f"Add a sheet named {name}"),
                names))
        for answer in answers:
            self.assertEqual(answer.status, 200, answer)
        run = self.server.request("GET", f"/api/v1/runs/{run_id}", key=self.key).json()
        self.assertEqual(run["version"], 1 + len(names))
        book = self.workbook(run["download_url"])
        self.assertEqual(sorted(book.sheetnames), sorted(["Base", *names]))

    def test_summary_says_what_was_not_acted_on(self):
        body = self.server.generate(self.key, "excel",
                                    prompt="Add a sheet named Plan. Paint it purple").json()
        self.assertIn("Not acted on", body["summary"])
        self.assertIn("Paint it purple", body["summary"])

    def test_an_ask_answers_without_a_new_version(self):
        first = self.server.generate(self.key, "excel", prompt="Add a sheet named Plan").json()
        run_id = first["run_id"]
        asked = self.server.generate(self.key, "excel", run_id=run_id, mode="ask",
                                     prompt="Which sheets are there?")
        self.assertEqual(asked.status, 200, asked)
        body = asked.json()
        self.assertEqual(body["version"], 1)
        self.assertIn('"Plan"', body["summary"])
        run = self.server.request("GET", f"/api/v1/runs/{run_id}", key=self.key).json()
        self.assertEqual(run["version"], 1)
        book = self.workbook(body["download_url"])
        self.assertEqual(book.sheetnames, ["Plan"])

    def test_bad_mode_and_context_files_are_refused(self):
        self.assertError(self.server.generate(self.key, "excel", prompt="x", mode="think"),
                         400, "invalid_request", "mode")
        self.assertError(self.server.generate(self.key, "excel", prompt="x", mode="ask"),
                         400, "invalid_request", "run_id")
        self.assertError(self.server.generate(self.key, "excel", prompt="x",
                                              context_files=["file_missing"]),
                         404, "not_found", "context_files[0]")
        self.assertError(self.server.generate(self.key, "excel", prompt="x", context_files="a"),
                         400, "invalid_request", "context_files")
        file_id = self.upload_csv()
        accepted = self.server.generate(self.key, "excel", prompt="Add a sheet named Brief",
                                        context_files=[{"file_id": file_id}])
        self.assertEqual(accepted.status, 200, accepted)

    def test_word_and_slides_documents_resume(self):
        for fmt, extension in (("word", ".docx"), ("slides", ".pptx")):
            with self.subTest(fmt=fmt):
                first = self.server.generate(self.key, fmt, prompt="Launch plan. Ship in May.",
                                             file_name="plan")
                self.assertEqual(first.status, 200, first)
                # A Word turn carries out instructions; a deck turn adds a slide.
                follow_up = ('Add a section Risks at the end. Add a paragraph to Risks saying '
                             '"Supply delays"') if fmt == "word" else "Risks. Supply delays."
                second = self.server.generate(self.key, fmt, prompt=follow_up,
                                              run_id=first.json()["run_id"])
                self.assertEqual(second.status, 200, second)
                data = self.download(second.json()["download_url"]).body
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                                   if n.endswith(".xml"))
                self.assertIn("Ship in May", text)
                self.assertIn("Supply delays", text)
                run = self.server.request("GET", f"/api/v1/runs/{first.json()['run_id']}",
                                          key=self.key).json()
                self.assertEqual(run["file_name"], "plan" + extension)

    def test_run_of_another_format_is_400(self):
        run_id = self.server.generate(self.key, "word", prompt="Memo").json()["run_id"]
        response = self.server.generate(self.key, "excel", prompt="Add a sheet named X",
                                        run_id=run_id)
        self.assertError(response, 400, "invalid_request", "run_id")

    def test_unknown_run_is_404(self):
        response = self.server.generate(self.key, "excel", prompt="hi",
                                        run_id="run_01ARZ3NDEKTSV4RRFFQ69G5FAV")
        self.assertError(response, 404, "not_found")

    # --- async ---

    def test_async_returns_202_with_location_and_completes(self):
        response = self.server.generate(self.key, "excel", prompt="Add a sheet named Later",
                                        **{"async": True})
        self.assertEqual(response.status, 202, response)
        body = response.json()
        self.assertEqual(body["status"], "queued")
        self.assertTrue(response.headers["location"].endswith(f"/api/v1/tasks/{body['task_id']}"))
        task = self.server.wait_task(self.key, body["task_id"])
        self.assertEqual(task["status"], "completed", task)
        self.assertEqual(task["run_id"], body["run_id"])
        self.assertEqual(task["result"]["version"], 1)
        for field in ("created_at", "started_at", "finished_at"):
            self.assertTrue(task[field].endswith("Z"))
        self.assertEqual(self.workbook(task["result"]["download_url"]).sheetnames, ["Later"])

    # --- runs listing ---

    def test_pagination_visits_every_run_once(self):
        created = {self.server.generate(self.key, "word", prompt=f"Doc {i}").json()["run_id"]
                   for i in range(7)}
        seen, cursor, previous = [], None, None
        while True:
            path = "/api/v1/runs?limit=3" + (f"&cursor={cursor}" if cursor else "")
            page = self.server.request("GET", path, key=self.key).json()
            self.assertLessEqual(len(page["data"]), 3)
            seen += [r["run_id"] for r in page["data"]]
            if not page["has_more"]:
                self.assertIsNone(page["next_cursor"])
                break
            cursor = urllib.parse.quote(page["next_cursor"])
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(created <= set(seen))
        self.assertEqual(seen, sorted(seen, reverse=True))

    def test_bad_limit_and_cursor_are_400(self):
        for query in ("limit=0", "limit=101", "limit=x", "cursor=garbage"):
            with self.subTest(query=query):
                self.assertError(self.server.request("GET", f"/api/v1/runs?{query}",
                                                     key=self.key), 400, "invalid_request")

    # --- organisations ---

    def test_another_organisations_objects_are_404(self):
        other = self.server.cli("keys", "create", "--data-dir", self.server.data_dir,
                                "--org", "acme").stdout.strip()
        self.assertTrue(other.startswith("qk_"))
        file_id = self.upload_csv()
        mine = self.server.generate(self.key, "excel", prompt="Import this data",
                                    data_sources=[{"file_id": file_id}]).json()

        self.assertError(self.server.request("GET", f"/api/v1/runs/{mine['run_id']}", key=other),
                         404, "not_found")
        self.assertError(self.server.request("GET", f"/api/v1/tasks/{mine['task_id']}",
                                             key=other), 404, "not_found")
        self.assertError(self.server.request("GET", f"/api/v1/runs/{mine['run_id']}/download",
                                             key=other), 404, "not_found")
        self.assertError(self.server.generate(other, "excel", prompt="x", run_id=mine["run_id"]),
                         404, "not_found")
        self.assertError(self.server.generate(other, "excel", prompt="x",
                                              data_sources=[{"file_id": file_id}]),
                         404, "not_found")
        self.assertEqual(self.server.request("GET", "/api/v1/runs", key=other).json()["data"], [])

    def test_revoked_key_gets_401_at_once(self):
        created = self.server.cli("keys", "create", "--data-dir", self.server.data_dir,
                                  "--org", "temp")
        key = created.stdout.strip()
        self.assertEqual(created.stdout.count("\n"), 1, created.stdout)
        self.assertRegex(key, r"^\S+$")
        self.assertEqual(self.server.request("GET", "/api/v1/verify", key=key).status, 200)
        listing = self.server.cli("keys", "list", "--data-dir", self.server.data_dir).stdout
        self.assertIn(key[:11], listing)
        self.assertNotIn(key, listing)
        self.server.cli("keys", "revoke", key[:11], "--data-dir", self.server.data_dir)
        self.assertError(self.server.request("GET", "/api/v1/verify", key=key), 401,
                         "invalid_api_key")

    # --- downloads ---

    def test_unusable_csv_is_400_and_creates_no_run(self):
        upload = self.server.upload(self.key, "bad.csv", b"a,b\n1,2\n" + b"\x00" * 10)
        self.assertEqual(upload.status, 201)
        response = self.server.generate(self.key, "excel", prompt="Import",
                                        data_sources=[{"file_id": upload.json()["file_id"]}])
        self.assertError(response, 400, "invalid_request", "data_sources[0]")
        self.assertNotIn("run_id", response.json())

    def test_signed_links_refuse_any_change(self):
        url = self.server.generate(self.key, "excel", prompt="Add a sheet named S").json()[
            "download_url"]
        self.assertEqual(self.server.request("GET", url).status, 200)
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        tampered = [
            url.replace("/versions/1", "/versions/2"),
            url.replace(f"signature={query['signature']}", "signature=" + "0" * 64),
            url.replace(f"expires={query['expires']}", f"expires={int(query['expires']) + 1}"),
            parts._replace(query="").geturl(),
        ]
        for bad in tampered:
            with self.subTest(url=bad):
                self.assertError(self.server.request("GET", bad), 403, "forbidden")
                self.assertEqual(self.server.request("HEAD", bad).status, 403)

    def test_signed_links_answer_head_with_the_headers_of_get(self):
        # Download tools that ask with HEAD first were answered 405.
        url = self.server.generate(self.key, "excel", prompt="Add a sheet named H").json()[
            "download_url"]
        got = self.server.request("GET", url)
        head = self.server.request("HEAD", url)
        self.assertEqual(head.status, 200, head)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.headers["content-length"], str(len(got.body)))
        self.assertEqual(head.headers["content-type"], got.headers["content-type"])
        posted = self.server.request("POST", url)
        self.assertEqual(posted.status, 405)
        self.assertEqual(posted.headers["allow"], "GET, HEAD")

    # --- uploads and init files ---

    def test_upload_returns_metadata(self):
        response = self.server.upload(self.key, "notes.csv", b"a,b\n1,2\n", purpose="reference")
        self.assertEqual(response.status, 201, response)
        body = response.json()
        self.assertRegex(body["file_id"], r"^file_[0-9A-Z]{26}$")
        self.assertEqual((body["name"], body["size"], body["purpose"]),
                         ("notes.csv", 8, "reference"))
        bad = self.server.upload(self.key, "x.csv", b"1", purpose="weird")
        self.assertError(bad, 400, "invalid_request", "purpose")

    def test_hostile_init_files_are_400_and_create_no_run(self):
        before = self.run_count()
        formats = {"xlsx": "excel", "docx": "word", "pptx": "slides"}
        hostile = [(p, f) for p, f in corpus_rows() if f.startswith("hostile:")]
        self.assertGreater(len(hostile), 10)
        for path, features in hostile:
            with self.subTest(file=os.path.basename(path)):
                with open(path, "rb") as f:
                    data = f.read()
                file_id = self.server.upload(self.key, os.path.basename(path), data,
                                             purpose="init").json()["file_id"]
                fmt = formats[path.split("/")[-2]]
                started = time.time()
                response = self.server.generate(self.key, fmt, prompt="Add a sheet named X",
                                                init_file=file_id)
                self.assertError(response, 400, "invalid_request", "init_file")
                self.assertLess(time.time() - started, 10)
        self.assertEqual(self.run_count(), before)

    def test_init_file_edit_keeps_untouched_parts_byte_for_byte(self):
        path = [p for p, f in corpus_rows() if p.endswith("poi-simple-monthly-budget.xlsx")][0]
        with open(path, "rb") as f:
            original = f.read()
        file_id = self.server.upload(self.key, "budget.xlsx", original,
                                     purpose="init").json()["file_id"]
        response = self.server.generate(self.key, "excel", prompt="Add a sheet named Notes",
                                        init_file=file_id)
        self.assertEqual(response.status, 200, response)
        edited = self.download(response.json()["download_url"]).body
        with zipfile.ZipFile(io.BytesIO(original)) as a, zipfile.ZipFile(io.BytesIO(edited)) as b:
            changed = {n for n in a.namelist() if a.read(n) != b.read(n)}
            self.assertTrue(set(a.namelist()) <= set(b.namelist()))
        self.assertTrue(changed <= {"[Content_Types].xml", "xl/workbook.xml",
                                    "xl/_rels/workbook.xml.rels", "docProps/app.xml"}, changed)
        book = openpyxl.load_workbook(io.BytesIO(edited))
        self.assertEqual(book.sheetnames[-1], "Notes")
        run = self.server.request("GET", f"/api/v1/runs/{response.json()['run_id']}",
                                  key=self.key).json()
        self.assertEqual(run["file_name"], "budget.xlsx")

    def test_macro_enabled_workbook_downloads_with_its_own_content_type(self):
        path = [p for p, f in corpus_rows() if p.endswith("rxw-button07.xlsm")][0]
        with open(path, "rb") as f:
            file_id = self.server.upload(self.key, "buttons.xlsm", f.read(),
                                         purpose="init").json()["file_id"]
        response = self.server.generate(self.key, "excel", prompt="Add a sheet named Notes",
                                        init_file=file_id)
        self.assertEqual(response.status, 200, response)
        download = self.download(response.json()["download_url"])
        self.assertEqual(download.headers["content-type"],
                         "application/vnd.ms-excel.sheet.macroEnabled.12")

    def test_a_macro_enabled_document_was_put_into_a_run_of_plain_workbooks(self):
        # The run's file kept its .xlsx name and type while its bytes held macros, which Excel
        # refuses to open.
        path = [p for p, f in corpus_rows() if p.endswith("rxw-button07.xlsm")][0]
        with open(path, "rb") as f:
            macros = f.read()
        plain = self.server.generate(self.key, "excel", prompt="Put 5 in A1").json()

        def put(run_id, data):
            return self.server.request("PUT", f"/api/v1/runs/{run_id}/document", body=data,
                                       key=self.key,
                                       headers={"Content-Type": "application/octet-stream"})

        refused = put(plain["run_id"], macros)
        self.assertEqual(refused.status, 400, refused)
        self.assertEqual(refused.json()["error"], "invalid_request")
        self.assertIn("macro-enabled", refused.json()["message"])
        self.assertEqual(self.server.request("GET", f"/api/v1/runs/{plain['run_id']}",
                                             key=self.key).json()["version"], 1)
        file_id = self.server.upload(self.key, "buttons.xlsm", macros,
                                     purpose="init").json()["file_id"]
        kept = self.server.generate(self.key, "excel", prompt="Add a sheet named Notes",
                                    init_file=file_id).json()
        self.assertEqual(put(kept["run_id"], macros).status, 201)

    # --- the command-line client ---

    def test_cli_generates_lists_and_downloads(self):
        env = {"QUIRE_URL": self.server.base, "QUIRE_API_KEY": self.key}
        out = os.path.join(self.server.data_dir, "cli.xlsx")
        csv = os.path.join(EXAMPLES_DIR, "seattle-weather.csv")
        self.server.cli("generate", "excel", "--prompt", "Make a workbook from this data",
                        "--data", csv, "--out", out, env=env)
        self.assertEqual(openpyxl.load_workbook(out).sheetnames, ["seattle-weather"])
        listing = self.server.cli("runs", "list", env=env).stdout
        run_ids = re.findall(r"run_[0-9A-Z]{26}", listing)
        self.assertTrue(run_ids)
        again = os.path.join(self.server.data_dir, "again.xlsx")
        self.server.cli("runs", "download", run_ids[0], "-o", again, env=env)
        self.assertTrue(zipfile.is_zipfile(again))
        bad = self.server.cli("generate", "excel", "--prompt", "x", env={**env,
                              "QUIRE_API_KEY": "qk_wrong"}, check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("invalid_api_key", bad.stderr)
        self.assertNotIn("qk_wrong", bad.stderr)


class DocOutlineTest(unittest.TestCase):
    def run_outline(self, path):
        return subprocess.run([BINARY, "doc", "outline", path], capture_output=True, text=True,
                              timeout=60)

    def test_outline_lists_sheets_with_their_dimension(self):
        path = [p for p, f in corpus_rows() if p.endswith("poi-simple-monthly-budget.xlsx")][0]
        result = self.run_outline(path)
        self.assertEqual(result.returncode, 0, result.stderr)
        outline = json.loads(result.stdout)
        book = openpyxl.load_workbook(path)
        self.assertEqual([s["name"] for s in outline["sheets"]], book.sheetnames)
        self.assertTrue(all(re.match(r"^[A-Z]+[0-9]+(:[A-Z]+[0-9]+)?$", s["dimension"])
                            for s in outline["sheets"]), outline)

    def test_outline_refuses_hostile_files_with_the_reason(self):
        for path, features in corpus_rows():
            if features.startswith("hostile:"):
                with self.subTest(file=os.path.basename(path)):
                    result = self.run_outline(path)
                    self.assertNotEqual(result.returncode, 0)
                    self.assertEqual(result.stdout, "")
                    self.assertIn(os.path.basename(path), result.stderr)


class DocFilesTest(unittest.TestCase):
    def test_doc_new_does_not_replace_an_existing_file(self):
        with tempfile.TemporaryDirectory() as workdir:
            path = os.path.join(workdir, "notes.docx")
            with open(path, "wb") as f:
                f.write(b"the user's own file")
            result = subprocess.run([BINARY, "doc", "new", path], capture_output=True, text=True,
                                    timeout=60)
            self.assertEqual(result.returncode, 1)
            self.assertIn("exists already", result.stderr)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), b"the user's own file")

    def test_doc_apply_refuses_an_out_name_of_another_format(self):
        # An edited Word document was written under whatever name --out gave, .xlsx included.
        with tempfile.TemporaryDirectory() as workdir:
            source = os.path.join(workdir, "memo.docx")
            subprocess.run([BINARY, "doc", "new", source], check=True, timeout=60)
            calls = os.path.join(workdir, "calls.json")
            with open(calls, "w") as f:
                f.write("[]")
            out = os.path.join(workdir, "memo.xlsx")
            result = subprocess.run([BINARY, "doc", "apply", source, "--calls", calls, "--out",
                                     out], capture_output=True, text=True, timeout=60)
            self.assertEqual(result.returncode, 1)
            self.assertIn(".docx", result.stderr)
            self.assertFalse(os.path.exists(out))


class LimitsTest(unittest.TestCase):
    """Servers started with small limits: upload size, sync ceiling, link lifetime."""

    def test_upload_over_the_limit_is_413(self):
        server = QuireServer(["--max-upload-mb", "1"]).start()
        try:
            response = server.upload(server.local_key(), "big.csv", b"1,2\n" * 400_000)
            self.assertEqual(response.status, 413, response)
            self.assertEqual(response.json()["error"], "payload_too_large")
        finally:
            server.cleanup()

    def test_sync_call_past_the_ceiling_continues_async(self):
        server = QuireServer(["--sync-ceiling", "1"],
                             env={"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": "700"}).start()
        try:
            key = server.local_key()
            response = server.generate(key, "excel", prompt="Add a sheet named Slow")
            self.assertEqual(response.status, 202, response)
            body = response.json()
            self.assertEqual(body["message"],
                             "Sync ceiling (1s) exceeded; continuing asynchronously.")
            self.assertIn(body["status"], ("queued", "running"))
            run = server.request("GET", f"/api/v1/runs/{body['run_id']}", key=key).json()
            self.assertEqual((run["version"], run["download_url"]), (0, None))
            self.assertError409(server.request("GET", f"/api/v1/runs/{body['run_id']}/download",
                                               key=key))
            running = server.wait_task(key, body["task_id"], until=("running",))
            self.assertIn(running["phase"], ("planning", "editing", "saving"))
            task = server.wait_task(key, body["task_id"])
            self.assertEqual(task["status"], "completed")
        finally:
            server.cleanup()

    def test_client_that_disconnects_does_not_cancel_its_task(self):
        server = QuireServer(env={"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": "300"}).start()
        try:
            key = server.local_key()
            with socket.create_connection(("127.0.0.1", server.port)) as s:
                body = json.dumps({"prompt": "Add a sheet named Orphan"}).encode()
                s.sendall(b"POST /api/v1/excel/generate HTTP/1.1\r\nHost: x\r\n"
                          b"X-API-Key: " + key.encode() + b"\r\nContent-Type: application/json"
                          b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                time.sleep(0.2)
            deadline = time.time() + 30
            while time.time() < deadline:
                runs = server.request("GET", "/api/v1/runs", key=key).json()["data"]
                if runs and runs[0]["version"] == 1:
                    break
                time.sleep(0.1)
            self.assertEqual(runs[0]["version"], 1, runs)
        finally:
            server.cleanup()

    def assertError409(self, response):
        self.assertEqual(response.status, 409, response)
        self.assertEqual(response.json()["error"], "conflict")

    def test_task_past_its_timeout_fails_and_leaves_the_run_unchanged(self):
        server = QuireServer(env={"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": "4000"}).start()
        try:
            key = server.local_key()
            response = server.generate(key, "excel", prompt="Add a sheet named Slow",
                                       timeout_ms=10000)
            self.assertEqual(response.status, 504, response)
            body = response.json()
            self.assertEqual(body["error"], "timeout")
            self.assertTrue(body["run_id"].startswith("run_"))
            self.assertTrue(body["task_id"].startswith("task_"))
            task = server.request("GET", f"/api/v1/tasks/{body['task_id']}", key=key).json()
            self.assertEqual((task["status"], task["error"]["code"]), ("failed", "timeout"))
            run = server.request("GET", f"/api/v1/runs/{body['run_id']}", key=key).json()
            self.assertEqual(run["version"], 0)
        finally:
            server.cleanup()

    def test_expired_signed_link_is_403(self):
        server = QuireServer(["--download-ttl", "1"]).start()
        try:
            key = server.local_key()
            url = server.generate(key, "excel", prompt="Add a sheet named E").json()[
                "download_url"]
            time.sleep(2.2)
            response = server.request("GET", url)
            self.assertEqual(response.status, 403, response)
            self.assertIn("expired", response.json()["message"])
        finally:
            server.cleanup()

    def test_public_url_and_trusted_proxy_shape_links(self):
        server = QuireServer(["--public-url", "https://docs.example.com/"]).start()
        try:
            key = server.local_key()
            body = server.generate(key, "excel", prompt="Add a sheet named P",
                                   **{"async": True})
            self.assertTrue(body.headers["location"].startswith(
                "https://docs.example.com/api/v1/tasks/"))
        finally:
            server.cleanup()
        server = QuireServer(["--trust-proxy"]).start()
        try:
            key = server.local_key()
            response = server.request(
                "POST", "/api/v1/excel/generate", key=key,
                body={"prompt": "Add a sheet named P"},
                headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "q.example.org"})
            self.assertTrue(response.json()["download_url"].startswith(
                "https://q.example.org/api/v1/signed/"), response)
        finally:
            server.cleanup()


class DataDirectoryTest(unittest.TestCase):
    def test_first_start_writes_a_private_key_file_and_prints_where_not_the_key(self):
        # The key was printed on the first start, and so went into whatever log kept the
        # server's output.
        server = QuireServer().start()
        try:
            path = os.path.join(server.data_dir, "local-api-key")
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            key = server.local_key()
            server.stop()
            with open(server.stdout_path) as f:
                printed = f.read()
            self.assertNotIn(key, printed)
            self.assertIn(path, printed)
            server2 = QuireServer(data_dir=server.data_dir).start()
            server2.stop()
            with open(server2.stdout_path) as f:
                self.assertNotIn(key, f.read())
            self.assertNotIn(key, server.read_log() + server2.read_log())
        finally:
            server.cleanup()

    def test_newer_schema_is_refused_and_not_modified(self):
        server = QuireServer().start()
        server.stop()
        db = os.path.join(server.data_dir, "quire.db")
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA user_version = 999")
        with open(db, "rb") as f:
            before = f.read()
        result = subprocess.run([BINARY, "serve", "--data-dir", server.data_dir, "--listen",
                                 "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("newer", result.stderr)
        with open(db, "rb") as f:
            self.assertEqual(f.read(), before)
        server.cleanup()

    def test_second_server_on_the_same_data_directory_stops_at_once(self):
        # A second `quire serve` on a directory in use used to requeue the first one's running
        # task and redo its work.
        server = QuireServer().start()
        try:
            result = subprocess.run([BINARY, "serve", "--data-dir", server.data_dir, "--listen",
                                     "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 1)
            self.assertIn("another quire serve is using the data directory", result.stderr)
            self.assertEqual(server.request("GET", "/healthz").status, 200)
        finally:
            server.stop()
            server.cleanup()

    def serve_without_data_dir(self, listen, *args):
        """Runs `quire serve --listen LISTEN ARGS…` on a data directory that does not exist yet,
        in a scratch working directory; returns the finished process and the data directory's
        path."""
        parent = tempfile.mkdtemp(prefix="quire-api-test-")
        self.addCleanup(shutil.rmtree, parent, ignore_errors=True)
        data_dir = os.path.join(parent, "quire-data")
        env = {**os.environ, "QUIRE_OFFICE_PROCESSES": "0", "QUIRE_LLM": "offline"}
        result = subprocess.run([BINARY, "serve", "--data-dir", data_dir, "--listen", listen,
                                 *args], capture_output=True, text=True, timeout=30, env=env,
                                cwd=parent)
        self.assertEqual(os.listdir(parent), [], "nothing may be written")
        return result, data_dir

    def test_taken_listen_address_stops_before_the_data_directory_is_made(self):
        # A server started on a port in use used to create the data directory, its database and
        # a new local key, print the key, and only then stop.
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result, data_dir = self.serve_without_data_dir(f"127.0.0.1:{port}")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stderr.splitlines(),
                         [f"quire: cannot listen on 127.0.0.1:{port}: Address already in use"])
        self.assertEqual(result.stdout, "")
        self.assertFalse(os.path.exists(data_dir))

    def test_unusable_listen_address_stops_with_the_reason_and_writes_nothing(self):
        cases = [
            ("127.0.0.1:99999", "quire: --listen: the port of 127.0.0.1:99999 is over 65535"),
            ("127.0.0.1:80x", "quire: --listen: the port of 127.0.0.1:80x is not a number"),
            ("127.0.0.1", "quire: --listen: 127.0.0.1 is not HOST:PORT"),
            ("192.0.2.1:8080", "quire: cannot listen on 192.0.2.1:8080: "
                               "Cannot assign requested address"),
        ]
        for listen, message in cases:
            with self.subTest(listen=listen):
                result, data_dir = self.serve_without_data_dir(listen)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertEqual(result.stderr.splitlines(), [message])
                self.assertFalse(os.path.exists(data_dir))

    def test_a_negative_cell_limit_was_taken_as_a_huge_one(self):
        # "--max-cells -5" wrapped around to an unsigned limit of about 1.8e19 and the server ran.
        for value in ("-5", "0"):
            with self.subTest(value=value):
                result, data_dir = self.serve_without_data_dir("127.0.0.1:0", "--max-cells",
                                                               value)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertEqual(result.stderr.splitlines(),
                                 ["quire: --max-cells must be at least 1"])
                self.assertFalse(os.path.exists(data_dir))


if __name__ == "__main__":
    unittest.main()
