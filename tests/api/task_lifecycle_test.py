"""Tasks under concurrency, crashes, cancels, retries and reconnects, over real HTTP to the real
binary: one active task per run, leases, cancel, idempotency keys and the task event stream."""

import concurrent.futures
import http.client
import io
import json
import os
import time
import unittest

import openpyxl

from harness import QuireServer
from model_agent_test import FakeModel

# Each offline step (planning, the edit, saving) takes this long, so a task is seen running.
def slow(ms):
    return {"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": str(ms)}


def read_events(response, limit=None):
    """Server-sent events from `response` as dicts (id, event, data) until the stream ends or
    `limit` events were read."""
    events, current = [], {}
    while limit is None or len(events) < limit:
        line = response.readline()
        if not line:
            break
        line = line.decode("utf-8").rstrip("\n")
        if line == "":
            if current:
                current["data"] = json.loads(current.get("data", "{}"))
                current["id"] = int(current["id"])
                events.append(current)
                current = {}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(": ")
        current[field] = value
    return events


class TaskLifecycleTest(unittest.TestCase):
    def serve(self, env=None, args=(), data_dir=None):
        server = QuireServer(env=env, args=args, data_dir=data_dir).start()
        if data_dir is None:
            self.addCleanup(server.cleanup)
        else:
            self.addCleanup(server.stop)
        return server, server.local_key()

    def open_events(self, server, key, task_id, last_event_id=None, timeout=60):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        headers = {"X-API-Key": key}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        connection.request("GET", f"/api/v1/tasks/{task_id}/events", headers=headers)
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "text/event-stream")
        return connection, response

    def new_run(self, server, key):
        body = server.generate(key, "excel", prompt="Add a sheet named Start").json()
        self.assertEqual(body["status"], "completed", body)
        return body["run_id"]

    def sheet_names(self, server, key, run_id):
        run = server.request("GET", f"/api/v1/runs/{run_id}", key=key).json()
        data = server.request("GET", run["download_url"]).body
        return openpyxl.load_workbook(io.BytesIO(data)).sheetnames

    # --- one active task per run ---

    def test_twenty_concurrent_calls_on_one_run_start_exactly_one_task(self):
        server, key = self.serve(env=slow(1000))
        run_id = self.new_run(server, key)

        def call(i):
            return server.generate(key, "excel", prompt=f"Add a sheet named Race{i}",
                                   run_id=run_id, **{"async": True})

        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(call, range(20)))

        accepted = [a for a in answers if a.status == 202]
        busy = [a for a in answers if a.status == 409]
        self.assertEqual(len(accepted), 1, answers)
        self.assertEqual(len(busy), 19, answers)
        task_id = accepted[0].json()["task_id"]
        for answer in busy:
            body = answer.json()
            self.assertEqual(body["error"], "run_busy")
            self.assertEqual(body["active_task_id"], task_id)
            self.assertEqual(body["run_id"], run_id)
            self.assertTrue(answer.headers["retry-after"].isdigit())

        task = server.wait_task(key, task_id)
        self.assertEqual(task["status"], "completed")
        self.assertEqual(task["result"]["version"], 2)
        self.assertEqual(len(self.sheet_names(server, key, run_id)), 2)

    def test_twenty_enqueued_calls_on_one_run_run_in_arrival_order_each_on_the_last(self):
        server, key = self.serve(env=slow(30), args=["--workers", "4"])
        run_id = self.new_run(server, key)

        def call(i):
            return server.generate(key, "excel", prompt=f"Add a sheet named Q{i}",
                                   run_id=run_id, multitask="enqueue", **{"async": True})

        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(call, range(20)))
        self.assertTrue(all(a.status == 202 for a in answers), answers)

        sheet_of = {a.json()["task_id"]: f"Q{i}" for i, a in enumerate(answers)}
        tasks = [server.wait_task(key, a.json()["task_id"], seconds=120) for a in answers]
        self.assertTrue(all(t["status"] == "completed" for t in tasks), tasks)
        by_version = sorted(tasks, key=lambda t: t["result"]["version"])
        self.assertEqual([t["result"]["version"] for t in by_version], list(range(2, 22)))
        # Queue order is arrival order: no task started before an earlier-queued one finished.
        for earlier, later in zip(by_version, by_version[1:]):
            self.assertLessEqual(earlier["created_at"], later["created_at"])
            self.assertLessEqual(earlier["finished_at"], later["started_at"])
        # Every turn started from its predecessor's version: nothing was lost.
        names = self.sheet_names(server, key, run_id)
        self.assertEqual(len(names), 21)
        self.assertEqual(names[1:], [sheet_of[t["task_id"]] for t in by_version])

    def test_bad_multitask_value_is_refused(self):
        server, key = self.serve()
        answer = server.generate(key, "excel", prompt="Add a sheet", multitask="sometimes")
        self.assertEqual(answer.status, 400)
        self.assertIn("multitask", answer.json()["message"])

    # --- leases and recovery ---

    def test_worker_killed_mid_task_is_requeued_and_completes_once_with_one_version(self):
        server, key = self.serve(env=slow(1500), args=["--task-lease", "1s"])
        body = server.generate(key, "excel", prompt="Add a sheet named Survivor",
                               **{"async": True}).json()
        server.wait_task(key, body["task_id"], until=("running",))
        server.kill()

        again, _ = self.serve(args=["--task-lease", "1s"], data_dir=server.data_dir)
        task = again.wait_task(key, body["task_id"], seconds=60)
        self.assertEqual(task["status"], "completed", task)
        self.assertEqual(task["attempt"], 2)
        self.assertEqual(task["result"]["version"], 1)
        run = again.request("GET", f"/api/v1/runs/{body['run_id']}", key=key).json()
        self.assertEqual(run["version"], 1)
        self.assertEqual(self.sheet_names(again, key, body["run_id"]), ["Survivor"])

        _, response = self.open_events(again, key, body["task_id"])
        types = [e["event"] for e in read_events(response)]
        self.assertEqual(types.count("version_committed"), 1, types)
        self.assertEqual(types.count("completed"), 1, types)
        self.assertEqual(types[-1], "completed")
        requeue = types.index("queued", 1)
        self.assertEqual(types[requeue - 1], "running", types)

    def test_task_queued_past_the_queue_limit_expires_and_its_stream_ends(self):
        server, key = self.serve(env=slow(1500), args=["--queue-ttl", "1s"])
        first = server.generate(key, "excel", prompt="Add a sheet named Slow",
                                **{"async": True}).json()
        waiting = server.generate(key, "excel", prompt="Add a sheet named Late",
                                  run_id=first["run_id"], multitask="enqueue",
                                  **{"async": True}).json()
        task = server.wait_task(key, waiting["task_id"], seconds=30,
                                until=("expired", "running", "completed"))
        self.assertEqual(task["status"], "expired", task)
        self.assertEqual(task["error"]["code"], "task_expired")
        _, response = self.open_events(server, key, waiting["task_id"])
        self.assertEqual([e["event"] for e in read_events(response)], ["queued", "expired"])
        self.assertEqual(server.wait_task(key, first["task_id"])["status"], "completed")

    def test_shutdown_past_its_grace_leaves_the_task_for_the_next_start(self):
        server, key = self.serve(env=slow(2000), args=["--shutdown-grace", "200ms"])
        body = server.generate(key, "excel", prompt="Add a sheet named Later",
                               **{"async": True}).json()
        server.wait_task(key, body["task_id"], until=("running",))
        self.assertEqual(server.stop(), 0)

        again, _ = self.serve(data_dir=server.data_dir)
        task = again.wait_task(key, body["task_id"], seconds=60)
        self.assertEqual(task["status"], "completed", task)
        self.assertEqual(task["attempt"], 2)
        self.assertEqual(self.sheet_names(again, key, body["run_id"]), ["Later"])

    def test_bad_lease_duration_stops_the_server_with_a_message(self):
        result = QuireServer().cli("serve", "--task-lease", "soon", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--task-lease", result.stderr)

    # --- cancel ---

    def test_cancel_during_a_long_step_stops_the_task_and_frees_the_run_at_once(self):
        server, key = self.serve(env=slow(4000))
        body = server.generate(key, "excel", prompt="Add a sheet named Never",
                               **{"async": True}).json()
        server.wait_task(key, body["task_id"], until=("running",))

        cancelled = server.request("POST", f"/api/v1/tasks/{body['task_id']}/cancel", key=key)
        self.assertEqual(cancelled.status, 200, cancelled)
        task = cancelled.json()
        self.assertEqual(task["status"], "cancelled")
        self.assertIsNotNone(task["finished_at"])

        # The run is free at once, even though the first agent is still inside its step.
        follow = server.generate(key, "excel", prompt="Add a sheet named After",
                                 run_id=body["run_id"], **{"async": True})
        self.assertEqual(follow.status, 202, follow)

        repeat = server.request("POST", f"/api/v1/tasks/{body['task_id']}/cancel", key=key)
        self.assertEqual(repeat.json(), task)
        after = server.wait_task(key, follow.json()["task_id"], seconds=60)
        self.assertEqual(after["status"], "completed")
        self.assertEqual(after["result"]["version"], 1)
        self.assertEqual(self.sheet_names(server, key, body["run_id"]), ["After"])
        # The stopped turn never lands, however long one waits.
        self.assertEqual(
            server.request("GET", f"/api/v1/tasks/{body['task_id']}", key=key).json(), task)
        self.assertIn("task stopped without committing", server.read_log())

    def test_cancel_of_queued_and_finished_tasks_and_of_unknown_ones(self):
        server, key = self.serve(env=slow(1000))
        first = server.generate(key, "excel", prompt="Add a sheet named One",
                                **{"async": True}).json()
        queued = server.generate(key, "excel", prompt="Add a sheet named Two",
                                 run_id=first["run_id"], multitask="enqueue",
                                 **{"async": True}).json()
        answer = server.request("POST", f"/api/v1/tasks/{queued['task_id']}/cancel", key=key)
        self.assertEqual(answer.json()["status"], "cancelled")

        done = server.wait_task(key, first["task_id"])
        self.assertEqual(done["status"], "completed")
        unchanged = server.request("POST", f"/api/v1/tasks/{first['task_id']}/cancel", key=key)
        self.assertEqual(unchanged.status, 200)
        self.assertEqual(unchanged.json()["status"], "completed")
        self.assertEqual(
            server.request("GET", f"/api/v1/tasks/{queued['task_id']}", key=key).json()["status"],
            "cancelled")
        self.assertEqual(self.sheet_names(server, key, first["run_id"]), ["One"])

        missing = server.request("POST", "/api/v1/tasks/task_01JNOSUCHTASK000000000000/cancel",
                                 key=key)
        self.assertEqual(missing.status, 404)
        wrong_method = server.request("GET", f"/api/v1/tasks/{first['task_id']}/cancel", key=key)
        self.assertEqual(wrong_method.status, 405)

    def test_cancel_abandons_a_model_call_in_flight(self):
        model = FakeModel([{"delay_ms": 20000, "reply": {"text": "late", "stop_reason": "end_turn"}},
                           {"reply": {"text": "Done.", "stop_reason": "end_turn"}}])
        self.addCleanup(model.stop)
        env = {"QUIRE_LLM": "anthropic", "QUIRE_MODEL": "fake-model", "NO_PROXY": "127.0.0.1",
               "ANTHROPIC_API_KEY": "model-key", "ANTHROPIC_BASE_URL": model.url}
        server, key = self.serve(env=env, args=["--workers", "1"])
        body = server.generate(key, "excel", prompt="Add a sheet", **{"async": True}).json()
        deadline = time.time() + 20
        while not model.requests() and time.time() < deadline:
            time.sleep(0.05)
        self.assertTrue(model.requests(), "the model was never called")

        cancelled = server.request("POST", f"/api/v1/tasks/{body['task_id']}/cancel", key=key)
        self.assertEqual(cancelled.json()["status"], "cancelled")
        # The only worker is free again long before the 20 s answer would have come.
        started = time.time()
        follow = server.generate(key, "excel", prompt="Add a sheet", **{"async": True}).json()
        task = server.wait_task(key, follow["task_id"], seconds=15)
        self.assertEqual(task["status"], "completed", task)
        self.assertLess(time.time() - started, 15)
        self.assertIn("task stopped without committing", server.read_log())

    # --- idempotency ---

    def test_idempotent_replays_while_running_and_after_return_the_first_task(self):
        server, key = self.serve(env=slow(800))
        request = {"prompt": "Add a sheet named Once", "async": True}
        first = server.request("POST", "/api/v1/excel/generate", body=request, key=key,
                               headers={"Idempotency-Key": "order-17"})
        self.assertEqual(first.status, 202)
        ids = (first.json()["run_id"], first.json()["task_id"])
        server.wait_task(key, ids[1], until=("running",))

        for replay in (
                server.request("POST", "/api/v1/excel/generate", body=request, key=key,
                               headers={"Idempotency-Key": "order-17"}),
                server.request("POST", "/api/v1/excel/generate", key=key,
                               body={"idempotency_key": "order-17", **request})):
            self.assertEqual(replay.status, 202, replay)
            self.assertEqual((replay.json()["run_id"], replay.json()["task_id"]), ids)
            self.assertEqual(replay.headers["idempotent-replayed"], "true")

        other = server.request("POST", "/api/v1/excel/generate", key=key,
                               body={**request, "prompt": "Add a sheet named Twice"},
                               headers={"Idempotency-Key": "order-17"})
        self.assertEqual(other.status, 409)
        self.assertEqual(other.json()["error"], "conflict")

        server.wait_task(key, ids[1])
        done = server.request("POST", "/api/v1/excel/generate", key=key,
                              body={**request, "async": True},
                              headers={"Idempotency-Key": "order-17"})
        self.assertEqual(done.status, 200, done)
        self.assertEqual((done.json()["run_id"], done.json()["task_id"]), ids)
        self.assertEqual(done.json()["version"], 1)
        runs = server.request("GET", "/api/v1/runs", key=key).json()["data"]
        self.assertEqual([r["run_id"] for r in runs], [ids[0]])

    def test_concurrent_calls_with_one_key_create_one_run_and_task(self):
        server, key = self.serve(env=slow(300))

        def call(_):
            return server.request("POST", "/api/v1/excel/generate", key=key,
                                  body={"prompt": "Add a sheet named Same", "async": True},
                                  headers={"Idempotency-Key": "burst"})

        with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(call, range(10)))
        self.assertTrue(all(a.status == 202 for a in answers), answers)
        self.assertEqual(len({a.json()["task_id"] for a in answers}), 1)
        runs = server.request("GET", "/api/v1/runs", key=key).json()["data"]
        self.assertEqual(len(runs), 1)

    def test_header_and_field_that_disagree_are_refused(self):
        server, key = self.serve()
        answer = server.request("POST", "/api/v1/excel/generate", key=key,
                                body={"prompt": "Add a sheet", "idempotency_key": "a"},
                                headers={"Idempotency-Key": "b"})
        self.assertEqual(answer.status, 400)
        self.assertEqual(server.request("GET", "/api/v1/runs", key=key).json()["data"], [])

    # --- events ---

    def test_event_stream_reconnects_with_last_event_id_and_tells_the_whole_story(self):
        server, key = self.serve(env=slow(700))
        body = server.generate(key, "excel", prompt="Add a sheet named Story",
                               **{"async": True}).json()
        connection, response = self.open_events(server, key, body["task_id"])
        head = read_events(response, limit=2)
        connection.close()
        self.assertEqual([e["event"] for e in head], ["queued", "running"])

        _, response = self.open_events(server, key, body["task_id"], last_event_id=head[-1]["id"])
        tail = read_events(response)
        events = head + tail
        self.assertEqual([e["id"] for e in events], list(range(1, len(events) + 1)))
        types = [e["event"] for e in events]
        self.assertEqual(types[-2:], ["version_committed", "completed"])
        self.assertEqual(events[-2]["data"], {"version": 1})
        phases = [e["data"]["phase"] for e in events if e["event"] == "running"]
        self.assertEqual(phases[0], "starting")
        self.assertIn("saving", phases)

        # Polling tells the same story.
        task = server.request("GET", f"/api/v1/tasks/{body['task_id']}", key=key).json()
        self.assertEqual(task["status"], "completed")

        # A finished task replays the rest and ends at once.
        started = time.time()
        _, response = self.open_events(server, key, body["task_id"], last_event_id=2)
        rest = read_events(response)
        self.assertLess(time.time() - started, 5)
        self.assertEqual(rest, events[2:])
        _, response = self.open_events(server, key, body["task_id"], last_event_id=len(events))
        self.assertEqual(read_events(response), [])

    def test_event_stream_of_a_cancelled_task_ends_with_cancelled(self):
        server, key = self.serve(env=slow(3000))
        body = server.generate(key, "excel", prompt="Add a sheet", **{"async": True}).json()
        connection, response = self.open_events(server, key, body["task_id"])
        read_events(response, limit=2)
        server.request("POST", f"/api/v1/tasks/{body['task_id']}/cancel", key=key)
        rest = read_events(response)
        self.assertEqual(rest[-1]["event"], "cancelled")
        connection.close()

    def test_tool_calls_are_events_with_their_argument_names_only(self):
        model = FakeModel([
            {"reply": {"tool_calls": [{"name": "add_sheet",
                                       "arguments": {"name": "SecretPlans"}}]}},
            {"reply": {"text": "Added a sheet.", "stop_reason": "end_turn"}}])
        self.addCleanup(model.stop)
        env = {"QUIRE_LLM": "anthropic", "QUIRE_MODEL": "fake-model", "NO_PROXY": "127.0.0.1",
               "ANTHROPIC_API_KEY": "model-key", "ANTHROPIC_BASE_URL": model.url}
        server, key = self.serve(env=env)
        body = server.generate(key, "excel", prompt="Add a sheet").json()
        self.assertEqual(body["status"], "completed", body)
        _, response = self.open_events(server, key, body["task_id"])
        events = read_events(response)
        calls = [e["data"] for e in events if e["event"] == "tool_call"]
        self.assertEqual(calls, [{"tool": "add_sheet", "arguments": "name"}])
        self.assertNotIn("SecretPlans", json.dumps(events))

    def test_events_of_unknown_task_and_bad_last_event_id_are_refused(self):
        server, key = self.serve()
        missing = server.request("GET", "/api/v1/tasks/task_01JNOSUCHTASK000000000000/events",
                                 key=key)
        self.assertEqual(missing.status, 404)
        body = server.generate(key, "excel", prompt="Add a sheet").json()
        bad = server.request("GET", f"/api/v1/tasks/{body['task_id']}/events", key=key,
                             headers={"Last-Event-ID": "three"})
        self.assertEqual(bad.status, 400)

    def test_events_of_unknown_task_with_a_bad_last_event_id_are_not_found(self):
        # The header used to be checked first, so an unknown task answered 400, not 404.
        server, key = self.serve()
        missing = server.request("GET", "/api/v1/tasks/task_01JNOSUCHTASK000000000000/events",
                                 key=key, headers={"Last-Event-ID": "three"})
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.json()["error"], "not_found")


if __name__ == "__main__":
    unittest.main()
