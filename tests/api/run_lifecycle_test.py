"""The run lifecycle over real HTTP: versions, documents uploaded outside the agent, reverts, the
outline diff the next turn sees, task listings, metadata, deletion, and retention."""

import hashlib
import io
import os
import sqlite3
import time
import unittest

import openpyxl

from harness import QuireServer, SharedServer

ERROR_FIELDS = {"success", "error", "message", "request_id"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def blob_path(server, digest):
    return os.path.join(server.data_dir, "blobs", digest[:2], digest)


def edited_workbook(data, edit):
    """The workbook `data` after `edit(book)`, saved by openpyxl."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Client:
    """Small helpers over one server and key shared by the test classes."""

    def assertError(self, response, status, code):
        self.assertEqual(response.status, status, response)
        body = response.json()
        self.assertEqual(set(body) & ERROR_FIELDS, ERROR_FIELDS, body)
        self.assertEqual(body["error"], code, body)
        return body

    def get(self, path, **kw):
        return self.server.request("GET", "/api/v1" + path, key=self.key, **kw)

    def new_run(self, prompt="Add a sheet named Data and set Data!B2 to 5", **body):
        response = self.server.generate(self.key, "excel", prompt=prompt, **body)
        self.assertEqual(response.status, 200, response)
        return response.json()

    def current_bytes(self, run_id):
        redirect = self.get(f"/runs/{run_id}/download")
        self.assertEqual(redirect.status, 302, redirect)
        response = self.server.request("GET", redirect.headers["location"])
        self.assertEqual(response.status, 200, response)
        return response.body

    def export_digest(self, run_id, fmt):
        """Exports the run and returns the SHA-256 of the exported file."""
        response = self.server.request("POST", f"/api/v1/runs/{run_id}/export", key=self.key,
                                       body={"format": fmt})
        self.assertEqual(response.status, 200, response)
        link = response.json()["download_url"]
        redirect = self.server.request("GET", link)
        self.assertEqual(redirect.status, 200, redirect)
        return sha256(redirect.body)

    def put_document(self, run_id, data):
        return self.server.request("PUT", f"/api/v1/runs/{run_id}/document", body=data,
                                   key=self.key,
                                   headers={"Content-Type": "application/octet-stream"})

    def revert(self, run_id, body):
        return self.server.request("POST", f"/api/v1/runs/{run_id}/revert", body=body,
                                   key=self.key)


class RunLifecycleTest(Client, SharedServer, unittest.TestCase):
    # --- versions ---

    def test_versions_list_newest_first_and_each_downloads_its_own_bytes(self):
        first = self.new_run()
        run_id = first["run_id"]
        second = self.server.generate(self.key, "excel", run_id=run_id,
                                      prompt="Set Data!B3 to 6").json()
        # A turn that changes nothing still commits a version, on the same blob.
        third = self.server.generate(self.key, "excel", run_id=run_id,
                                     prompt="Rename sheet Nowhere to Elsewhere").json()
        self.assertEqual(third["version"], 3, third)

        page = self.get(f"/runs/{run_id}/versions").json()
        self.assertEqual([v["version"] for v in page["data"]], [3, 2, 1])
        self.assertFalse(page["has_more"])
        self.assertIsNone(page["next_cursor"])
        newest, middle, oldest = page["data"]
        self.assertEqual(set(newest), {"version", "created_at", "created_by", "task_id", "size",
                                       "sha256"})
        self.assertEqual([v["created_by"] for v in page["data"]], ["agent"] * 3)
        self.assertEqual([oldest["task_id"], middle["task_id"], newest["task_id"]],
                         [first["task_id"], second["task_id"], third["task_id"]])
        self.assertEqual(newest["sha256"], middle["sha256"])

        for version in (oldest, middle):
            redirect = self.get(f"/runs/{run_id}/versions/{version['version']}/download")
            self.assertEqual(redirect.status, 302, redirect)
            self.assertIn(f"/versions/{version['version']}?", redirect.headers["location"])
            data = self.server.request("GET", redirect.headers["location"]).body
            self.assertEqual(sha256(data), version["sha256"])
            self.assertEqual(len(data), version["size"])
        book = openpyxl.load_workbook(io.BytesIO(self.server.request(
            "GET", self.get(f"/runs/{run_id}/versions/1/download").headers["location"]).body))
        self.assertIsNone(book["Data"]["B3"].value)

        first_page = self.get(f"/runs/{run_id}/versions?limit=2").json()
        self.assertTrue(first_page["has_more"])
        rest = self.get(f"/runs/{run_id}/versions?limit=2&cursor={first_page['next_cursor']}")
        self.assertEqual([v["version"] for v in rest.json()["data"]], [1])
        self.assertError(self.get(f"/runs/{run_id}/versions/9/download"), 404, "not_found")
        self.assertError(self.get(f"/runs/{run_id}/versions/x/download"), 404, "not_found")
        self.assertError(self.get("/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV/versions"), 404,
                         "not_found")

    def test_an_ask_commits_no_version(self):
        run_id = self.new_run()["run_id"]
        ask = self.server.generate(self.key, "excel", run_id=run_id, mode="ask",
                                   prompt="What is in B2?")
        self.assertEqual(ask.status, 200, ask)
        self.assertEqual(len(self.get(f"/runs/{run_id}/versions").json()["data"]), 1)

    # --- documents made outside the agent ---

    def test_a_good_document_becomes_an_upload_version_and_a_bad_one_changes_nothing(self):
        run_id = self.new_run()["run_id"]
        data = edited_workbook(self.current_bytes(run_id),
                               lambda book: book["Data"].__setitem__("B2", 99))

        made = self.put_document(run_id, data)
        self.assertEqual(made.status, 201, made)
        body = made.json()
        self.assertEqual((body["version"], body["created_by"], body["task_id"]),
                         (2, "upload", None))
        self.assertEqual(body["sha256"], sha256(data))
        self.assertEqual(self.current_bytes(run_id), data)

        docx = self.server.generate(self.key, "word", prompt="Memo\nHello").json()
        word_bytes = self.current_bytes(docx["run_id"])
        for bad in (b"not a zip at all", word_bytes, b""):
            with self.subTest(size=len(bad)):
                self.assertError(self.put_document(run_id, bad), 400, "invalid_request")
        run = self.get(f"/runs/{run_id}").json()
        self.assertEqual(run["version"], 2)
        self.assertEqual(len(self.get(f"/runs/{run_id}/versions").json()["data"]), 2)
        self.assertError(self.put_document("run_01ARZ3NDEKTSV4RRFFQ69G5FAV", data), 404,
                         "not_found")

    def test_revert_makes_a_new_version_equal_to_the_old_one(self):
        run_id = self.new_run()["run_id"]
        self.server.generate(self.key, "excel", run_id=run_id, prompt="Set Data!B2 to 7")
        versions = self.get(f"/runs/{run_id}/versions").json()["data"]

        made = self.revert(run_id, {"version": 1})
        self.assertEqual(made.status, 201, made)
        self.assertEqual((made.json()["version"], made.json()["created_by"]), (3, "revert"))
        self.assertEqual(made.json()["sha256"], versions[-1]["sha256"])
        self.assertEqual(sha256(self.current_bytes(run_id)), versions[-1]["sha256"])

        self.assertError(self.revert(run_id, {"version": 99}), 404, "not_found")
        for bad in ({}, {"version": "1"}, {"version": 0}, "[]"):
            with self.subTest(body=bad):
                self.assertError(self.revert(run_id, bad), 400, "invalid_request")
        self.assertEqual(self.get(f"/runs/{run_id}").json()["version"], 3)

    def test_the_next_turn_hears_what_changed_outside_the_agent(self):
        run_id = self.new_run("Add a sheet named Data and set Data!B2 to 5. Add a sheet named "
                              "Notes")["run_id"]

        def edit(book):
            book["Data"]["B2"] = 8
            book["Data"]["C7"] = "added by hand"
            book["Notes"].title = "Remarks"
            book.create_sheet("Extra")
        self.assertEqual(self.put_document(run_id, edited_workbook(self.current_bytes(run_id),
                                                                   edit)).status, 201)

        turn = self.server.generate(self.key, "excel", run_id=run_id, prompt="Set Data!A1 to 1")
        self.assertEqual(turn.status, 200, turn)
        summary = turn.json()["summary"]
        self.assertIn("Changed outside the agent since its last turn", summary)
        self.assertIn("sheets added: 'Extra'", summary)
        self.assertIn("'Notes' -> 'Remarks'", summary)
        self.assertIn("'Data'!B2 \"5\" -> \"8\"", summary)
        # The changes are separated by "; ", not run together with ";".
        self.assertNotRegex(summary, r";\S")
        self.assertIn("'Data'!C7 (empty) -> \"added by hand\"", summary)

        # The turn after that saw nothing new.
        again = self.server.generate(self.key, "excel", run_id=run_id, prompt="Set Data!A2 to 2")
        self.assertNotIn("Changed outside the agent", again.json()["summary"])

    # --- task listings ---

    def test_tasks_list_newest_first_per_run_and_for_the_organisation(self):
        first = self.new_run()
        run_id = first["run_id"]
        second = self.server.generate(self.key, "excel", run_id=run_id,
                                      prompt="Set Data!B3 to 1").json()
        third = self.server.generate(self.key, "excel", run_id=run_id,
                                     prompt="Set Data!B4 to 2").json()
        other = self.new_run()

        own = self.get(f"/runs/{run_id}/tasks").json()
        ids = [task["task_id"] for task in own["data"]]
        self.assertEqual(ids, [third["task_id"], second["task_id"], first["task_id"]])
        self.assertNotIn(other["task_id"], ids)
        self.assertEqual(own["data"][-1]["result"]["version"], 1)

        page = self.get(f"/runs/{run_id}/tasks?limit=2").json()
        self.assertTrue(page["has_more"])
        rest = self.get(f"/runs/{run_id}/tasks?limit=2&cursor={page['next_cursor']}").json()
        self.assertEqual([t["task_id"] for t in page["data"] + rest["data"]], ids)

        completed = self.get(f"/tasks?run_id={run_id}&status=completed&limit=100").json()["data"]
        self.assertTrue(all(t["status"] == "completed" and t["run_id"] == run_id
                            for t in completed))
        self.assertIn(first["task_id"], [t["task_id"] for t in completed])
        everyone = self.get("/tasks?limit=100").json()["data"]
        self.assertIn(other["task_id"], [t["task_id"] for t in everyone])
        self.assertEqual(everyone[0]["task_id"], other["task_id"])
        self.assertEqual(self.get(f"/tasks?run_id={run_id}&status=failed").json()["data"], [])

        self.assertError(self.get("/tasks?status=sleeping"), 400, "invalid_request")
        self.assertError(self.get("/tasks?limit=0"), 400, "invalid_request")
        self.assertError(self.get("/tasks?cursor=run_x"), 400, "invalid_request")
        self.assertError(self.get("/runs/run_01ARZ3NDEKTSV4RRFFQ69G5FAV/tasks"), 404, "not_found")

    # --- metadata and run filters ---

    def test_metadata_is_validated_returned_everywhere_and_filters_the_list(self):
        tag = os.urandom(4).hex()
        made = self.new_run(metadata={"team": "finance", "tag": tag})
        run = self.get(f"/runs/{made['run_id']}").json()
        self.assertEqual(run["metadata"], {"team": "finance", "tag": tag})
        self.assertEqual(run["status"], "active")
        self.assertRegex(run["expires_at"], r"^\d{4}-\d\d-\d\dT")

        found = self.get(f"/runs?metadata[tag]={tag}").json()["data"]
        self.assertEqual([r["run_id"] for r in found], [made["run_id"]])
        self.assertEqual(found[0]["metadata"]["team"], "finance")
        self.assertEqual(self.get(f"/runs?metadata[tag]={tag}&format=word").json()["data"], [])
        self.assertEqual(len(self.get(f"/runs?metadata[tag]={tag}&status=active").json()["data"]),
                         1)
        self.assertEqual(self.get(f"/runs?metadata[tag]={tag}&status=expired").json()["data"], [])
        words = self.get("/runs?format=word&limit=100").json()["data"]
        self.assertTrue(all(r["format"] == "word" for r in words))

        before = len(self.get("/runs?limit=100").json()["data"])
        too_many = {f"k{i}": "v" for i in range(17)}
        for bad in (too_many, {"team": 5}, {"bad key": "v"}, {"": "v"}, ["team"],
                    {"k": "x" * 513}):
            with self.subTest(metadata=str(bad)[:40]):
                response = self.server.generate(self.key, "excel", prompt="Add a sheet named X",
                                                metadata=bad)
                self.assertIn("metadata", self.assertError(response, 400,
                                                           "invalid_request")["message"])
        self.assertEqual(len(self.get("/runs?limit=100").json()["data"]), before)
        exactly = self.server.generate(self.key, "excel", prompt="Add a sheet named X",
                                       metadata={f"k{i}": "v" for i in range(16)})
        self.assertEqual(exactly.status, 200, exactly)
        resumed = self.server.generate(self.key, "excel", prompt="Set X!A1 to 1",
                                       run_id=exactly.json()["run_id"], metadata={"a": "b"})
        self.assertError(resumed, 400, "invalid_request")

        self.assertError(self.get("/runs?status=sleeping"), 400, "invalid_request")
        self.assertError(self.get("/runs?format=pdf"), 400, "invalid_request")
        self.assertError(self.get("/runs?metadata[a]=1&metadata[b]=2"), 400, "invalid_request")

    # --- deletion ---

    def test_deleting_a_run_removes_it_with_its_versions_and_only_its_own_blobs(self):
        made = self.new_run("Add a sheet named Doomed")
        run_id = made["run_id"]
        digest = self.get(f"/runs/{run_id}/versions").json()["data"][0]["sha256"]
        self.assertTrue(os.path.exists(blob_path(self.server, digest)))
        exported = self.export_digest(run_id, "csv")
        self.assertTrue(os.path.exists(blob_path(self.server, exported)))
        # Another org's key cannot delete it.
        other_key = self.server.cli("keys", "create", "--org", "deleters", "--data-dir",
                                    self.server.data_dir).stdout.strip()
        response = self.server.request("DELETE", f"/api/v1/runs/{run_id}", key=other_key)
        self.assertError(response, 404, "not_found")

        response = self.server.request("DELETE", f"/api/v1/runs/{run_id}", key=self.key)
        self.assertEqual(response.status, 204, response)
        self.assertEqual(response.body, b"")
        self.assertError(self.get(f"/runs/{run_id}"), 404, "not_found")
        self.assertError(self.get(f"/runs/{run_id}/versions"), 404, "not_found")
        self.assertError(self.get(f"/tasks/{made['task_id']}"), 404, "not_found")
        self.assertNotIn(run_id, [r["run_id"] for r in self.get("/runs?limit=100").json()["data"]])
        self.assertFalse(os.path.exists(blob_path(self.server, digest)))
        # Its exports went with it: the file and the cache entry that named it.
        self.assertFalse(os.path.exists(blob_path(self.server, exported)))
        self.assertFalse(os.path.exists(
            os.path.join(self.server.data_dir, "exports", "sources", digest)))
        self.assertError(self.server.request("DELETE", f"/api/v1/runs/{run_id}", key=self.key),
                         404, "not_found")
        with sqlite3.connect(os.path.join(self.server.data_dir, "quire.db")) as db:
            for table in ("versions", "turns", "tasks", "run_metadata"):
                count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE run_id = ?",
                                   (run_id,)).fetchone()[0]
                self.assertEqual(count, 0, table)

    def test_a_blob_a_run_and_an_upload_share_stays_until_the_last_goes(self):
        run_id = self.new_run("Add a sheet named Shared")["run_id"]
        data = self.current_bytes(run_id)
        digest = sha256(data)
        upload = self.server.upload(self.key, "copy.xlsx", data, purpose="init").json()

        response = self.server.request("DELETE", f"/api/v1/files/{upload['file_id']}",
                                       key=self.key)
        self.assertEqual(response.status, 204, response)
        self.assertTrue(os.path.exists(blob_path(self.server, digest)))
        self.assertError(self.server.request("DELETE", f"/api/v1/files/{upload['file_id']}",
                                             key=self.key), 404, "not_found")
        response = self.server.request("DELETE", f"/api/v1/runs/{run_id}", key=self.key)
        self.assertEqual(response.status, 204, response)
        self.assertFalse(os.path.exists(blob_path(self.server, digest)))

    def test_deleting_an_upload_removes_its_bytes(self):
        upload = self.server.upload(self.key, "notes.txt", os.urandom(16).hex().encode())
        file_id = upload.json()["file_id"]
        with sqlite3.connect(os.path.join(self.server.data_dir, "quire.db")) as db:
            digest = db.execute("SELECT blob FROM files WHERE id = ?", (file_id,)).fetchone()[0]
        self.assertTrue(os.path.exists(blob_path(self.server, digest)))
        response = self.server.request("DELETE", f"/api/v1/files/{file_id}", key=self.key)
        self.assertEqual(response.status, 204, response)
        self.assertFalse(os.path.exists(blob_path(self.server, digest)))
        response = self.server.generate(self.key, "excel", prompt="Summarise",
                                        context_files=[file_id])
        self.assertError(response, 404, "not_found")

    def test_unknown_methods_on_lifecycle_paths_are_405(self):
        run_id = self.new_run()["run_id"]
        response = self.server.request("PATCH", f"/api/v1/runs/{run_id}", key=self.key)
        self.assertEqual(response.status, 405, response)
        self.assertEqual(response.headers["allow"], "GET, DELETE")
        self.assertEqual(self.server.request("GET", f"/api/v1/runs/{run_id}/document",
                                             key=self.key).status, 405)
        self.assertEqual(self.server.request("GET", f"/api/v1/runs/{run_id}/revert",
                                             key=self.key).status, 405)


class BusyRunTest(Client, unittest.TestCase):
    """A slow offline agent keeps a task running while the client edits the run."""

    def test_document_revert_and_delete_wait_for_the_running_task(self):
        self.server = QuireServer(env={"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": "1500"}).start()
        self.key = self.server.local_key()
        try:
            made = self.new_run()
            run_id = made["run_id"]
            data = self.current_bytes(run_id)
            pending = self.server.generate(self.key, "excel", run_id=run_id,
                                           prompt="Set Data!B3 to 1", **{"async": True}).json()
            for response in (self.put_document(run_id, data), self.revert(run_id, {"version": 1}),
                             self.server.request("DELETE", f"/api/v1/runs/{run_id}",
                                                 key=self.key)):
                body = self.assertError(response, 409, "run_busy")
                self.assertEqual(body["active_task_id"], pending["task_id"])
                self.assertEqual(body["run_id"], run_id)  # missing from these routes once
                self.assertIn("retry-after", response.headers)
            task = self.server.wait_task(self.key, pending["task_id"])
            self.assertEqual(task["status"], "completed")
            self.assertEqual(self.put_document(run_id, data).status, 201)
        finally:
            self.server.cleanup()


class RetentionTest(Client, unittest.TestCase):
    """Retention with a window of a few seconds."""

    def wait_for(self, check, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.2)
        self.fail("condition not reached in time")

    def test_a_run_expires_refuses_every_mutation_then_is_purged_keeping_its_row(self):
        self.server = QuireServer(["--sweep-interval", "1s", "--purge-after", "3s"]).start()
        self.key = self.server.local_key()
        try:
            result = self.server.cli("orgs", "set-retention", "--data-dir", self.server.data_dir,
                                     "local", "3s")
            self.assertIn("3s", result.stdout)
            made = self.new_run()
            run_id = made["run_id"]
            link = made["download_url"]
            data = self.current_bytes(run_id)
            digest = sha256(data)
            self.assertTrue(os.path.exists(blob_path(self.server, digest)))
            exported = self.export_digest(run_id, "csv")
            unused = self.server.upload(self.key, "unused.txt", os.urandom(8).hex().encode())
            unused_id = unused.json()["file_id"]

            run = self.wait_for(lambda: (lambda r: r if r["status"] == "expired" else None)(
                self.get(f"/runs/{run_id}").json()))
            self.assertRegex(run["expired_at"], r"^\d{4}-\d\d-\d\dT")
            self.assertIsNone(run["download_url"])
            self.assertIn(run_id, [r["run_id"] for r in self.get("/runs").json()["data"]])
            self.assertIn(run_id, [r["run_id"] for r in
                                   self.get("/runs?status=expired").json()["data"]])

            refused = {
                "resume": self.server.generate(self.key, "excel", run_id=run_id,
                                               prompt="Set Data!B3 to 1"),
                "ask": self.server.generate(self.key, "excel", run_id=run_id, mode="ask",
                                            prompt="What is in B2?"),
                "download": self.get(f"/runs/{run_id}/download"),
                "version download": self.get(f"/runs/{run_id}/versions/1/download"),
                "signed link": self.server.request("GET", link),
                "document": self.put_document(run_id, data),
                "revert": self.revert(run_id, {"version": 1}),
                "export": self.server.request("POST", f"/api/v1/runs/{run_id}/export",
                                              key=self.key, body={"format": "csv"}),
            }
            for route, response in refused.items():
                with self.subTest(route=route):
                    self.assertError(response, 410, "run_expired")

            purged = self.wait_for(lambda: (lambda r: r if r.get("purged_at") else None)(
                self.get(f"/runs/{run_id}").json()))
            self.assertEqual(purged["status"], "expired")
            self.assertEqual(purged["version"], 1)
            self.assertEqual(self.get(f"/runs/{run_id}/versions").json()["data"], [])
            # purged_at is committed with the rows; the sweeper removes the files the purge left
            # unreferenced right after, the export's after the document's (tens of milliseconds
            # on a loaded machine). Checked at once, the export's file was seen once still there.
            for blob in (digest, exported):
                self.wait_for(lambda: not os.path.exists(blob_path(self.server, blob)),
                              seconds=10)
            with sqlite3.connect(os.path.join(self.server.data_dir, "quire.db")) as db:
                turns = db.execute("SELECT COUNT(*) FROM turns WHERE run_id = ?",
                                   (run_id,)).fetchone()[0]
                self.assertEqual(turns, 0)
            # The unused upload expired with the window.
            self.wait_for(lambda: self.server.request(
                "DELETE", f"/api/v1/files/{unused_id}", key=self.key).status == 404)
        finally:
            self.server.cleanup()

    def test_a_run_is_expired_as_soon_as_its_time_passed_and_one_sweep_marks_it(self):
        self.server = QuireServer(["--sweep-interval", "1h"]).start()
        self.key = self.server.local_key()
        try:
            self.server.cli("orgs", "set-retention", "--data-dir", self.server.data_dir,
                            "local", "2s")
            run_id = self.new_run()["run_id"]
            self.wait_for(lambda: self.get(f"/runs/{run_id}").json()["status"] == "expired")
            database = os.path.join(self.server.data_dir, "quire.db")
            with sqlite3.connect(database) as db:
                marked = db.execute("SELECT expired_at FROM runs WHERE id = ?",
                                    (run_id,)).fetchone()[0]
            self.assertEqual(marked, 0)

            swept = self.server.cli("sweep", "--data-dir", self.server.data_dir)
            self.assertIn("runs expired: 1", swept.stdout)
            with sqlite3.connect(database) as db:
                marked = db.execute("SELECT expired_at FROM runs WHERE id = ?",
                                    (run_id,)).fetchone()[0]
            self.assertGreater(marked, 0)
            self.assertIn("runs expired: 0",
                          self.server.cli("sweep", "--data-dir", self.server.data_dir).stdout)
        finally:
            self.server.cleanup()

    def test_bad_durations_and_unknown_organisations_are_refused(self):
        self.server = QuireServer().start()
        try:
            for args in (["local", "3w"], ["local", "-1s"], ["nobody", "3s"], ["local", "0s"]):
                with self.subTest(args=args):
                    result = self.server.cli("orgs", "set-retention", "--data-dir",
                                             self.server.data_dir, *args, check=False)
                    self.assertNotEqual(result.returncode, 0)
                    self.assertIn("quire:", result.stderr)
        finally:
            self.server.cleanup()
        result = self.server.cli("serve", "--sweep-interval", "soon", "--data-dir",
                                 self.server.data_dir, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--sweep-interval", result.stderr)
        # 1500ms used to be taken and cut to one second without a word.
        for option in ("--sync-ceiling", "--download-ttl"):
            result = self.server.cli("serve", option, "1500ms", "--data-dir",
                                     self.server.data_dir, check=False)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(f"{option} must be whole seconds", result.stderr)


if __name__ == "__main__":
    unittest.main()
