"""Checks the fake model server itself: script steps, key check, validation, usage accounting."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_model_server.py")


class FakeModel:
    def __init__(self, script):
        self.dir = tempfile.TemporaryDirectory(prefix="quire-fake-model-test-")
        path = os.path.join(self.dir.name, "script.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(script, f)
        self.log = os.path.join(self.dir.name, "requests.jsonl")
        self.process = subprocess.Popen(
            [sys.executable, SERVER, path, "--log", self.log, "--exit-with-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = int(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.dir.cleanup()

    def call(self, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         headers={"content-type": "application/json",
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


ANTHROPIC = {"anthropic-version": "2023-06-01"}
MARK = {"type": "ephemeral"}


def anthropic_body(*texts, marks=()):
    """Alternating user/assistant text messages; `marks` are message indexes to mark."""
    messages = []
    for i, text in enumerate(texts):
        block = {"type": "text", "text": text}
        if i in marks:
            block["cache_control"] = MARK
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": [block]})
    return {"model": "m", "max_tokens": 10,
            "system": [{"type": "text", "text": "system " * 40, "cache_control": MARK}],
            "messages": messages}


class FakeModelServerTest(unittest.TestCase):
    def start(self, script):
        server = FakeModel(script)
        self.addCleanup(server.close)
        return server

    def test_steps_cycle_and_the_log_records_each_request(self):
        server = self.start({"after_last": "cycle",
                             "steps": [{"reply": {"text": "a"}}, {"reply": {"text": "b"}}]})
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
        texts = [server.call("/v1/chat/completions", body)[1]["choices"][0]["message"]["content"]
                 for _ in range(3)]
        self.assertEqual(texts, ["a", "b", "a"])
        status, requests = server.call("/_requests")
        self.assertEqual([r["step"] for r in requests], [0, 1, 0])
        with open(server.log, encoding="utf-8") as f:
            self.assertEqual(len(f.readlines()), 3)

    def test_a_used_up_script_answers_500(self):
        server = self.start([{"reply": {"text": "only"}}])
        body = anthropic_body("x")
        self.assertEqual(server.call("/v1/messages", body, ANTHROPIC)[0], 200)
        self.assertEqual(server.call("/v1/messages", body, ANTHROPIC)[0], 500)

    def test_a_wrong_key_or_an_invalid_request_uses_no_step(self):
        server = self.start({"api_key": "k", "steps": [{"reply": {"text": "first"}}]})
        body = {"model": "m", "messages": [{"role": "tool", "tool_call_id": "x", "content": "1"}]}
        auth = {"authorization": "Bearer k"}
        self.assertEqual(server.call("/v1/chat/completions", body, {"authorization": "no"})[0], 401)
        status, answer = server.call("/v1/chat/completions", body, auth)
        self.assertEqual(status, 400)
        self.assertIn("tool message", answer["error"]["message"])
        body["messages"] = [{"role": "user", "content": "hi"}]
        status, answer = server.call("/v1/chat/completions", body, auth)
        self.assertEqual(answer["choices"][0]["message"]["content"], "first")

    def test_anthropic_reads_the_prefix_an_earlier_request_wrote(self):
        server = self.start({"after_last": "repeat", "steps": [{"reply": {"text": "ok"}}]})
        first = server.call("/v1/messages", anthropic_body("q" * 400, marks={0}), ANTHROPIC)[1]
        usage = first["usage"]
        self.assertEqual(usage["cache_read_input_tokens"], 0)
        self.assertGreater(usage["cache_creation_input_tokens"], 100)
        written = usage["cache_creation_input_tokens"]

        second = server.call("/v1/messages", anthropic_body("q" * 400, "a" * 80, "r" * 80,
                                                            marks={2}), ANTHROPIC)[1]["usage"]
        self.assertEqual(second["cache_read_input_tokens"], written)
        self.assertGreater(second["cache_creation_input_tokens"], 40)  # 160 characters and more
        self.assertEqual(second["input_tokens"], 0)

        unmarked = anthropic_body("z" * 400)
        del unmarked["system"][0]["cache_control"]
        third = server.call("/v1/messages", unmarked, ANTHROPIC)[1]["usage"]
        self.assertEqual(third["cache_read_input_tokens"] + third["cache_creation_input_tokens"], 0)
        self.assertGreater(third["input_tokens"], 100)

    def test_openai_counts_a_shared_prefix_as_cached(self):
        server = self.start({"after_last": "repeat", "steps": [{"reply": {"text": "ok"}}]})
        messages = [{"role": "system", "content": "s" * 400}, {"role": "user", "content": "u"}]
        first = server.call("/v1/chat/completions", {"model": "m", "messages": messages})[1]
        self.assertEqual(first["usage"]["prompt_tokens_details"]["cached_tokens"], 0)
        messages += [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
        second = server.call("/v1/chat/completions", {"model": "m", "messages": messages})[1]
        self.assertEqual(second["usage"]["prompt_tokens_details"]["cached_tokens"],
                         first["usage"]["prompt_tokens"])

    def test_scripted_usage_replaces_the_computed_fields(self):
        server = self.start([{"reply": {"text": "ok", "usage": {"output_tokens": 99}}}])
        usage = server.call("/v1/messages", anthropic_body("x"), ANTHROPIC)[1]["usage"]
        self.assertEqual(usage["output_tokens"], 99)
        self.assertGreater(usage["cache_creation_input_tokens"], 0)

    def test_too_many_cache_marks_are_refused(self):
        server = self.start([{"reply": {"text": "ok"}}])
        body = anthropic_body("a", "b", "c", "d", marks={0, 1, 2, 3})
        status, answer = server.call("/v1/messages", body, ANTHROPIC)
        self.assertEqual(status, 400)
        self.assertIn("cache_control", answer["error"]["message"])

    def test_a_bad_script_fails_at_start(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as script:
            script.write('{"steps": [{"sing": true}]}')
            script.flush()
            result = subprocess.run([sys.executable, SERVER, script.name],
                                    capture_output=True, text=True, timeout=10)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertIn("step 0", result.stderr)


if __name__ == "__main__":
    unittest.main()
