"""`quire serve` with a model agent: QUIRE_LLM points at the scripted fake model server, and
the whole path (HTTP, worker, provider, tools, run memory) runs for real on loopback. Workbooks
are checked with openpyxl, Word documents with python-docx."""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import docx
import openpyxl

from harness import BINARY, SOURCE_DIR, QuireServer, read_example

FAKE_SERVER = os.path.join(SOURCE_DIR, "tests", "support", "fake_model_server.py")

BUILD_STEPS = [
    {"reply": {"tool_calls": [{"name": "add_sheet", "arguments": {"name": "Summary"}}]}},
    {"reply": {"tool_calls": [
        {"name": "set_cells", "arguments": {"sheet": "Summary", "cells": [
            {"ref": "A1", "value": "Days"},
            {"ref": "B1", "formula": "=COUNTA('seattle-weather'!A2:A1462)"}]}},
        {"name": "remember", "arguments": {"note": "The day count is Summary!B1."}}]}},
    {"reply": {"text": "Added a Summary sheet counting the days.", "stop_reason": "end_turn"}},
    {"reply": {"text": "The day count is in Summary!B1.", "stop_reason": "end_turn"}},
]

REPORT_STEPS = [
    {"reply": {"tool_calls": [{"name": "insert_blocks", "arguments": {"anchor": "end", "blocks": [
        {"type": "heading", "level": 1, "text": "Weather in Seattle"},
        {"type": "paragraph", "text": "Days by weather type, from the attached data."},
        {"type": "table", "name": "tbl_days", "caption": "Table 1: Days by weather",
         "rows": [["Weather", "Days"], ["rain", 641], ["sun", 640]]},
        {"type": "heading", "level": 1, "text": "Notes"},
        {"type": "paragraph", "text": "Counted from seattle-weather.csv."}]}}]}},
    {"reply": {"tool_calls": [
        {"name": "add_chart", "arguments": {
            "anchor": "tbl_days", "position": "after", "type": "bar", "name": "fig_days",
            "caption": "Figure 1: Days by weather", "categories": ["rain", "sun"],
            "series": [{"name": "Days", "values": [641, 640]}]}},
        {"name": "remember", "arguments": {"note": "The days chart is fig_days."}},
        {"name": "finish", "arguments": {"summary": "Wrote the weather report."}}]}},
    {"reply": {"tool_calls": [
        {"name": "move_block", "arguments": {
            "block": "fig_days", "to_anchor": "sec_notes", "position": "end_of_section"}},
        {"name": "finish", "arguments": {"summary": "Moved the chart to Notes."}}]}},
    {"reply": {"tool_calls": [{"name": "read_section", "arguments": {"anchor": "sec_notes"}}]}},
    {"reply": {"text": "The chart is in the Notes section.", "stop_reason": "end_turn"}},
]

CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"


def section_of_chart(document):
    """The text of the last heading before the paragraph that holds a chart."""
    heading = None
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("Heading"):
            heading = paragraph.text
        if "c:chart" in paragraph._p.xml:
            return heading
    return None


class FakeModel:
    def __init__(self, steps, api_key="model-key"):
        self.dir = tempfile.mkdtemp(prefix="quire-fake-model-")
        script = os.path.join(self.dir, "script.json")
        with open(script, "w") as f:
            json.dump({"api_key": api_key, "steps": steps}, f)
        self.log = os.path.join(self.dir, "requests.jsonl")
        self.process = subprocess.Popen(
            [sys.executable, FAKE_SERVER, script, "--log", self.log, "--exit-with-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


class ModelAgentApiTest(unittest.TestCase):
    def serve(self, model, key="model-key", kind="anthropic", args=()):
        env = {"QUIRE_LLM": kind, "QUIRE_MODEL": "fake-model", "NO_PROXY": "127.0.0.1"}
        if kind == "anthropic":
            env.update(ANTHROPIC_API_KEY=key, ANTHROPIC_BASE_URL=model.url)
        else:
            env.update(OPENAI_API_KEY=key, OPENAI_BASE_URL=model.url + "/v1")
        server = QuireServer(args=args, env=env).start()
        self.addCleanup(server.cleanup)
        return server, server.local_key()

    def test_a_model_builds_on_imported_data_and_a_follow_up_turn_gets_its_memory(self):
        model = FakeModel(BUILD_STEPS)
        self.addCleanup(model.stop)
        server, key = self.serve(model)
        self.assertEqual(server.request("GET", "/readyz").json()["checks"]["model"], "ok")

        upload = server.upload(key, "seattle-weather.csv", read_example("seattle-weather.csv"))
        file_id = upload.json()["file_id"]
        first = server.generate(key, "excel", prompt="Count the days in a summary.",
                                data_sources=[{"file_id": file_id, "kind": "csv"}])
        self.assertEqual(first.status, 200, first)
        body = first.json()
        self.assertEqual(body["summary"], "Added a Summary sheet counting the days.")
        self.assertGreater(body["credits_used"], 0)
        self.assertEqual(body["usage"]["steps"], 3)
        self.assertEqual(body["usage"]["tool_calls"], 3)
        self.assertGreater(body["usage"]["input_tokens"] + body["usage"]["cache_read_tokens"], 0)
        task = server.request("GET", f"/api/v1/tasks/{body['task_id']}", key=key).json()
        self.assertEqual(task["result"]["usage"], body["usage"])
        book = openpyxl.load_workbook(io.BytesIO(server.request("GET", body["download_url"]).body))
        self.assertEqual(book.sheetnames, ["seattle-weather", "Summary"])
        self.assertEqual(book["Summary"]["B1"].value, "=COUNTA('seattle-weather'!A2:A1462)")
        self.assertTrue(book["seattle-weather"]["A1"].font.b)

        second = server.generate(key, "excel", run_id=body["run_id"],
                                 prompt="Where is the day count?")
        self.assertEqual(second.status, 200, second)
        self.assertEqual(second.json()["summary"], "The day count is in Summary!B1.")
        last = json.dumps(model.requests()[-1]["body"]["messages"])
        self.assertIn("Earlier request: Count the days in a summary.", last)
        self.assertIn("The day count is Summary!B1.", last)

    def test_a_word_report_is_written_moved_and_asked_about_through_the_model(self):
        model = FakeModel(REPORT_STEPS)
        self.addCleanup(model.stop)
        server, key = self.serve(model, kind="openai")

        upload = server.upload(key, "seattle-weather.csv", read_example("seattle-weather.csv"))
        first = server.generate(key, "word", prompt="Write a short report on this weather data.",
                                data_sources=[{"file_id": upload.json()["file_id"], "kind": "csv"}])
        self.assertEqual(first.status, 200, first)
        body = first.json()
        self.assertEqual(body["summary"], "Wrote the weather report.")
        self.assertEqual(body["usage"]["steps"], 2)
        self.assertIn("seattle-weather.csv", json.dumps(model.requests()[0]["body"]["messages"]))
        document = docx.Document(io.BytesIO(server.request("GET", body["download_url"]).body))
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        self.assertEqual(headings, ["Weather in Seattle", "Notes"])
        self.assertEqual(len(document.tables), 1)
        self.assertEqual([cell.text for cell in document.tables[0].rows[1].cells], ["rain", "641"])
        captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
        self.assertEqual(captions, ["Table 1: Days by weather", "Figure 1: Days by weather"])
        charts = [rel for rel in document.part.rels.values() if rel.reltype == CHART_REL]
        self.assertEqual(len(charts), 1)
        self.assertEqual(section_of_chart(document), "Weather in Seattle")

        second = server.generate(key, "word", run_id=body["run_id"],
                                 prompt="Move the chart to the notes.")
        self.assertEqual(second.status, 200, second)
        self.assertEqual(second.json()["version"], 2)
        moved = docx.Document(io.BytesIO(server.request("GET", second.json()["download_url"]).body))
        self.assertEqual(section_of_chart(moved), "Notes")
        turn2 = json.dumps(model.requests()[2]["body"]["messages"])
        self.assertIn("The days chart is fig_days.", turn2)
        self.assertIn("figure fig_days (chart) in sec_weather_in_seattle", turn2)

        asked = server.generate(key, "word", run_id=body["run_id"], mode="ask",
                                prompt="Where is the chart?")
        self.assertEqual(asked.status, 200, asked)
        self.assertEqual(asked.json()["summary"], "The chart is in the Notes section.")
        self.assertEqual(asked.json()["version"], 2)
        run = server.request("GET", f"/api/v1/runs/{body['run_id']}", key=key).json()
        self.assertEqual(run["version"], 2)
        tools = [tool["function"]["name"] for tool in model.requests()[3]["body"]["tools"]]
        self.assertIn("read_section", tools)
        self.assertNotIn("move_block", tools)

    def test_a_rejected_key_shows_in_readyz_and_fails_the_task_with_its_own_code(self):
        model = FakeModel([], api_key="the-right-key")
        self.addCleanup(model.stop)
        server, key = self.serve(model, key="a-wrong-key", kind="openai")
        ready = server.request("GET", "/readyz")
        self.assertEqual(ready.status, 503, ready)
        self.assertEqual(ready.json()["checks"]["model"]["code"], "provider_auth_failed")
        self.assertNotIn("a-wrong-key", ready.body.decode())

        failed = server.generate(key, "excel", prompt="Add a sheet named X.")
        self.assertEqual(failed.status, 502, failed)
        self.assertEqual(failed.json()["error"], "provider_auth_failed")
        self.assertNotIn("a-wrong-key", server.read_log())

    def test_the_turn_limits_set_on_the_server_stop_a_turn_with_their_codes(self):
        looping = [{"reply": {"tool_calls": [
            {"name": "read_range", "arguments": {"sheet": "Sheet1", "range": "A1"}}]}}] * 3
        too_many_cells = [{"reply": {"tool_calls": [{"name": "set_cells", "arguments": {
            "sheet": "Sheet1", "cells": [{"ref": f"A{row}", "value": row}
                                         for row in range(1, 12)]}}]}}]
        model = FakeModel(looping + too_many_cells)
        self.addCleanup(model.stop)
        server, key = self.serve(model, args=["--max-steps", "3", "--max-cells", "10"])

        stopped = server.generate(key, "excel", prompt="Read A1 forever.")
        self.assertEqual(stopped.status, 502, stopped)
        self.assertEqual(stopped.json()["error"], "step_limit")
        self.assertIn("3 steps", stopped.json()["message"])

        capped = server.generate(key, "excel", prompt="Write eleven cells.")
        self.assertEqual(capped.status, 502, capped)
        self.assertEqual(capped.json()["error"], "output_limit")
        self.assertIn("10 cells", capped.json()["message"])
        self.assertEqual(len(model.requests()), 4)

        refused = subprocess.run(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--max-steps", "0",
             "--data-dir", os.path.join(tempfile.mkdtemp(prefix="quire-api-test-"), "data")],
            capture_output=True, text=True, timeout=30)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--max-steps", refused.stderr)

    def test_log_level_debug_used_to_print_no_debug_line(self):
        model = FakeModel([
            {"reply": {"tool_calls": [{"name": "add_sheet", "arguments": {"name": "Days"}}]}},
            {"reply": {"text": "Added a sheet.", "stop_reason": "end_turn"}}])
        self.addCleanup(model.stop)
        server, key = self.serve(model, args=["--log-level", "debug"])
        built = server.generate(key, "excel", prompt="Count the days in a summary.")
        self.assertEqual(built.status, 200, built)
        log = server.read_log()
        self.assertIn("model replied step=2 tool_calls=0", log)
        self.assertNotIn("model-key", log)
        self.assertNotIn("Count the days", log)

        unknown_level = subprocess.run(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--log-level", "verbose",
             "--data-dir", os.path.join(tempfile.mkdtemp(prefix="quire-api-test-"), "data")],
            capture_output=True, text=True, timeout=30)
        self.assertNotEqual(unknown_level.returncode, 0)
        self.assertIn("--log-level", unknown_level.stderr)

    def test_an_unknown_provider_stops_the_server_before_it_makes_its_data_directory(self):
        data_dir = os.path.join(tempfile.mkdtemp(prefix="quire-api-test-"), "data")
        result = subprocess.run(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
            capture_output=True, text=True, timeout=30, env={**os.environ, "QUIRE_LLM": "nonsense"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("QUIRE_LLM", result.stderr)
        self.assertFalse(os.path.exists(data_dir))

if __name__ == "__main__":
    unittest.main()
