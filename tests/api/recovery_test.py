"""A task whose process dies is put back in the queue and finishes after a restart; SIGTERM lets
running tasks finish."""

import signal
import time
import unittest

import openpyxl
import io

from harness import QuireServer

SLOW = {"QUIRE_OFFLINE_AGENT_STEP_DELAY_MS": "1500"}


class RecoveryTest(unittest.TestCase):
    def test_killed_running_task_is_requeued_and_completes_after_restart(self):
        server = QuireServer(env=SLOW).start()
        try:
            key = server.local_key()
            body = server.generate(key, "excel", prompt="Add a sheet named Survivor",
                                   **{"async": True}).json()
            server.wait_task(key, body["task_id"], until=("running",))
            server.kill()

            restarted = QuireServer(data_dir=server.data_dir).start()
            try:
                task = restarted.wait_task(key, body["task_id"], seconds=60)
                self.assertEqual(task["status"], "completed", task)
                self.assertEqual(task["result"]["version"], 1)
                run = restarted.request("GET", f"/api/v1/runs/{body['run_id']}", key=key).json()
                self.assertEqual(run["version"], 1)
                data = restarted.request("GET", task["result"]["download_url"]).body
                self.assertEqual(openpyxl.load_workbook(io.BytesIO(data)).sheetnames,
                                 ["Survivor"])
                self.assertIn("requeued", restarted.read_log())
            finally:
                restarted.stop()
        finally:
            server.cleanup()

    def test_sigterm_lets_a_running_task_finish(self):
        server = QuireServer(env=SLOW).start()
        try:
            key = server.local_key()
            body = server.generate(key, "excel", prompt="Add a sheet named Graceful",
                                   **{"async": True}).json()
            server.wait_task(key, body["task_id"], until=("running",))
            started = time.time()
            self.assertEqual(server.stop(signal.SIGTERM), 0)
            self.assertLess(time.time() - started, 15)

            again = QuireServer(data_dir=server.data_dir).start()
            try:
                task = again.request("GET", f"/api/v1/tasks/{body['task_id']}", key=key).json()
                self.assertEqual(task["status"], "completed", task)
                self.assertNotIn("requeued", again.read_log())
            finally:
                again.stop()
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
