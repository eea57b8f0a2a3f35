#!/usr/bin/env python3
"""A scripted model server that speaks both wire formats Quire's providers use.

It answers Anthropic's Messages API (POST .../v1/messages) and OpenAI's Chat Completions API
(POST .../chat/completions, under any prefix), and lists models (GET .../models). Model answers
come from a script, one step per model request, so a test or a benchmark decides exactly what
the "model" says, when it fails and how.

Usage:
    fake_model_server.py SCRIPT.json [--log REQUESTS.jsonl] [--host 127.0.0.1] [--port 0]
                         [--exit-with-stdin]

The first line on standard output is the port it listens on (port 0 picks a free one); nothing
else goes to standard output. It serves until SIGTERM or SIGINT, or, with --exit-with-stdin,
until its standard input closes (so it cannot outlive a parent that holds the other end).
Standard library only.

Script
------
A JSON object (a bare list is the same as {"steps": list}):

    {
      "api_key": "k",          optional. Model and models requests must carry it, as
                               "x-api-key: k" or "Authorization: Bearer k", or get a 401
                               (which uses no step).
      "models": ["m1"],        optional. What GET .../models lists; default ["fake-model"];
                               null answers 404, as a server without that endpoint does.
      "after_last": "fail",    what a model request after the last step gets: "fail" (a 500
                               saying the script is used up; the default), "repeat" (the last
                               step again) or "cycle" (the steps again from the first).
      "validate": true,        optional, default true. Checks each model request the way the
                               real API does (roles, tool ids, block shapes, at most four
                               cache_control marks) and answers 400 with the reason otherwise,
                               using no step.
      "cache_min_tokens": 0,   optional. Shorter prefixes are never cached (the real APIs cache
                               from 1024 tokens on); 0 so that small test conversations cache.
      "steps": [STEP, ...]
    }

Each STEP is one of the following; any of them may add "delay_ms": N to wait N milliseconds
before answering (to run a client into its timeout).

    {"reply": REPLY}         a successful answer in the wire format of the request
    {"status": 429,          an error answer. "retry_after" (a number or a string) becomes the
     "retry_after": 2,       retry-after header, "headers" are added as given. "body": a JSON
     "headers": {...},       object or list is sent as is; a string becomes the message inside
     "body": "text"}         the wire format's error envelope, as is a default message if absent.
    {"raw": "text",          exactly these bytes as the body (default status 200): an answer that
     "status": 200}          is not the wire format.
    {"drop": true}           closes the connection without an answer.

REPLY:

    {
      "text": "Done.",                       optional
      "tool_calls": [                        optional
        {"id": "call_1", "name": "set_cells", "arguments": {"a": 1}}
      ],                                     "id" is made up when absent. "arguments" may be a
                                             string, sent as the model's raw text (OpenAI: as is,
                                             malformed or not; Anthropic: parsed as JSON, or sent
                                             as a JSON string when it does not parse).
      "stop_reason": "tool_use",             optional: "end_turn", "tool_use" or "max_tokens"
                                             (or the OpenAI names stop, tool_calls, length);
                                             default tool_use when there are tool calls.
      "usage": {"input_tokens": 10,          optional, in Anthropic's names; each field given
                "output_tokens": 5,          replaces the computed one. For OpenAI prompt_tokens
                "cache_read_input_tokens": 0,  is the sum of the three input fields and
                "cache_creation_input_tokens": 0}  cached_tokens the cache reads.
    }

Computed usage
--------------
A request is cut into blocks in the order the APIs cache them: each tool, then the system
prompt, then each message's content blocks (Anthropic) or each message (OpenAI). A block costs
ceil(characters of its compact JSON / 4) tokens, at least 1; output costs the same of the reply's
text and tool calls.

Anthropic: blocks carrying cache_control are breakpoints. From each breakpoint the server looks
back up to 20 blocks for a prefix an earlier request wrote to the cache, as the real API does;
the longest such prefix counts as cache_read_input_tokens. The prefix up to the last breakpoint,
beyond what was read, counts as cache_creation_input_tokens and is written (as is the prefix at
every breakpoint). The rest is input_tokens.

OpenAI: caching is automatic. The longest prefix of whole blocks that an earlier request also
had counts as prompt_tokens_details.cached_tokens; prompt_tokens counts everything.

The cache is per model and lives as long as the server.

Request log
-----------
Every request the server receives (model, models, or rejected) is recorded as one JSON object,
before it is answered: {"n": 1, "method": "POST", "path": "/v1/messages", "format":
"anthropic" | "openai" | null, "headers": {lower-case name: value}, "body": the parsed JSON or
the text, "step": the step's index or null, "outcome": "reply" | "fault" | "raw" | "drop" |
"unauthorized" | "invalid" | "used_up" | "models" | "not_found", "reason": text or null}.
With --log they are appended to the file, one a line, flushed each time; GET /_requests answers
all of them as a JSON list.
"""

import argparse
import hashlib
import http.server
import json
import math
import os
import signal
import sys
import threading
import time

CACHE_LOOKBACK_BLOCKS = 20
MAX_CACHE_BREAKPOINTS = 4

ANTHROPIC_STOP = {"end_turn": "end_turn", "tool_use": "tool_use", "max_tokens": "max_tokens",
                  "stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}
OPENAI_STOP = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length",
               "stop": "stop", "tool_calls": "tool_calls", "length": "length"}

ANTHROPIC_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                         403: "permission_error", 404: "not_found_error",
                         413: "request_too_large", 429: "rate_limit_error",
                         529: "overloaded_error"}


class ScriptError(Exception):
    pass


class InvalidRequest(Exception):
    pass


def compact(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def tokens_of(text):
    return max(1, math.ceil(len(text) / 4))


def without_cache_control(block):
    if isinstance(block, dict) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block


def load_script(path):
    with open(path, encoding="utf-8") as f:
        script = json.load(f)
    if isinstance(script, list):
        script = {"steps": script}
    if not isinstance(script, dict) or not isinstance(script.get("steps", []), list):
        raise ScriptError("a script is a JSON object with a list of steps, or a list of steps")
    if script.get("after_last", "fail") not in ("fail", "repeat", "cycle"):
        raise ScriptError("after_last must be fail, repeat or cycle")
    for i, step in enumerate(script.get("steps", [])):
        if not isinstance(step, dict):
            raise ScriptError(f"step {i} is not an object")
        kinds = [k for k in ("reply", "status", "raw", "drop") if k in step]
        if not kinds and "delay_ms" not in step:
            raise ScriptError(f"step {i} has none of reply, status, raw, drop, delay_ms")
        if "reply" in step and ("status" in step or "drop" in step):
            raise ScriptError(f"step {i} is both a reply and a fault")
    return script


# ---- validation, the way the real APIs refuse requests ---------------------------------------

def validate_anthropic(headers, body):
    if "anthropic-version" not in headers:
        raise InvalidRequest("anthropic-version header is required")
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidRequest("model: field required")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        raise InvalidRequest("max_tokens: field required, a positive integer")
    marks = 0
    system = body.get("system")
    if system is not None:
        if isinstance(system, list):
            for block in system:
                if not isinstance(block, dict) or block.get("type") != "text" or \
                        not block.get("text"):
                    raise InvalidRequest("system: each block must be a non-empty text block")
                marks += "cache_control" in block
        elif not isinstance(system, str):
            raise InvalidRequest("system: must be a string or a list of text blocks")
    names = set()
    for i, tool in enumerate(body.get("tools", [])):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise InvalidRequest(f"tools.{i}.name: field required")
        if not isinstance(tool.get("input_schema"), dict):
            raise InvalidRequest(f"tools.{i}.input_schema: field required, an object")
        if tool["name"] in names:
            raise InvalidRequest(f"tools: tool names must be unique ({tool['name']})")
        names.add(tool["name"])
        marks += "cache_control" in tool
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages: at least one message is required")
    expected_role = "user"
    open_tool_uses = set()
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != expected_role:
            raise InvalidRequest(f"messages.{i}: roles must alternate user, assistant, user...")
        content = message.get("content")
        if isinstance(content, str):
            if not content:
                raise InvalidRequest(f"messages.{i}: content must be non-empty")
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list) or not content:
            raise InvalidRequest(f"messages.{i}: content must be a non-empty list")
        answered = set()
        seen_other = False
        for j, block in enumerate(content):
            where = f"messages.{i}.content.{j}"
            if not isinstance(block, dict):
                raise InvalidRequest(f"{where}: must be an object")
            marks += "cache_control" in block
            kind = block.get("type")
            if kind == "text":
                if not isinstance(block.get("text"), str) or not block["text"]:
                    raise InvalidRequest(f"{where}: text content blocks must be non-empty")
                seen_other = True
            elif kind == "tool_use":
                if expected_role != "assistant":
                    raise InvalidRequest(f"{where}: tool_use blocks belong to the assistant")
                if not block.get("id") or not block.get("name") or \
                        not isinstance(block.get("input"), dict):
                    raise InvalidRequest(f"{where}: tool_use needs id, name and an input object")
                open_tool_uses.add(block["id"])
            elif kind == "tool_result":
                if expected_role != "user":
                    raise InvalidRequest(f"{where}: tool_result blocks belong to the user")
                if seen_other:
                    raise InvalidRequest(f"{where}: tool_result blocks must come first")
                if block.get("tool_use_id") not in open_tool_uses:
                    raise InvalidRequest(f"{where}: unexpected tool_use_id "
                                         f"{block.get('tool_use_id')!r}")
                answered.add(block["tool_use_id"])
                result = block.get("content")
                if result is not None and not isinstance(result, (str, list)):
                    raise InvalidRequest(f"{where}: content must be a string or a list")
            else:
                raise InvalidRequest(f"{where}: unknown block type {kind!r}")
        if expected_role == "user":
            if open_tool_uses - answered:
                raise InvalidRequest(f"messages.{i}: tool_use ids without a tool_result: "
                                     f"{sorted(open_tool_uses - answered)}")
            open_tool_uses = set()
        expected_role = "assistant" if expected_role == "user" else "user"
    if marks > MAX_CACHE_BREAKPOINTS:
        raise InvalidRequest(f"a request may have at most {MAX_CACHE_BREAKPOINTS} blocks with "
                             f"cache_control, this one has {marks}")


def validate_openai(body):
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise InvalidRequest("you must provide a model parameter")
    if "max_tokens" in body and (not isinstance(body["max_tokens"], int) or
                                 body["max_tokens"] < 1):
        raise InvalidRequest("max_tokens must be a positive integer")
    for i, tool in enumerate(body.get("tools", [])):
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(function, dict) or \
                not isinstance(function.get("name"), str):
            raise InvalidRequest(f"tools[{i}]: must be {{type: function, function: {{name}}}}")
        if "parameters" in function and not isinstance(function["parameters"], dict):
            raise InvalidRequest(f"tools[{i}].function.parameters must be an object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages must be a non-empty list")
    open_calls = set()
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("system", "developer", "user", "assistant", "tool"):
            raise InvalidRequest(f"messages[{i}].role must be system, user, assistant or tool")
        if role == "tool":
            if message.get("tool_call_id") not in open_calls:
                raise InvalidRequest(f"messages[{i}]: a tool message must answer a tool call "
                                     "of the assistant message before it")
            open_calls.discard(message["tool_call_id"])
            if not isinstance(message.get("content"), str):
                raise InvalidRequest(f"messages[{i}].content must be a string")
            continue
        if open_calls:
            raise InvalidRequest(f"messages[{i}]: the tool calls {sorted(open_calls)} have no "
                                 "tool message answering them")
        if role == "assistant":
            calls = message.get("tool_calls", [])
            if not isinstance(calls, list):
                raise InvalidRequest(f"messages[{i}].tool_calls must be a list")
            for j, call in enumerate(calls):
                function = call.get("function") if isinstance(call, dict) else None
                if not call.get("id") or call.get("type") != "function" or \
                        not isinstance(function, dict) or \
                        not isinstance(function.get("name"), str) or \
                        not isinstance(function.get("arguments"), str):
                    raise InvalidRequest(f"messages[{i}].tool_calls[{j}] must have an id, type "
                                         "function and function {name, arguments string}")
                open_calls.add(call["id"])
            if message.get("content") is None and not calls:
                raise InvalidRequest(f"messages[{i}]: content is required without tool_calls")
        elif not isinstance(message.get("content"), (str, list)):
            raise InvalidRequest(f"messages[{i}].content must be a string or a list")


# ---- usage ------------------------------------------------------------------------------------

class PromptCache:
    """Prefixes earlier requests wrote, as hashes; shared by every request to the server."""

    def __init__(self, min_tokens):
        self.min_tokens = min_tokens
        self.prefixes = set()
        self.lock = threading.Lock()

    @staticmethod
    def prefix_keys(model, blocks):
        digest = hashlib.sha256(model.encode())
        keys = []
        for text, _ in blocks:
            digest.update(b"\0" + text.encode())
            keys.append(digest.hexdigest())
        return keys

    def anthropic_usage(self, body):
        blocks = anthropic_blocks(body)
        keys = self.prefix_keys(body.get("model", ""), blocks)
        totals = cumulative_tokens(blocks)
        marks = [i for i, (_, marked) in enumerate(blocks) if marked]
        with self.lock:
            read_at = -1
            for mark in marks:
                for j in range(mark, max(-1, mark - CACHE_LOOKBACK_BLOCKS), -1):
                    if keys[j] in self.prefixes:
                        read_at = max(read_at, j)
                        break
            read = totals[read_at] if read_at >= 0 else 0
            written = 0
            cacheable = [m for m in marks if totals[m] >= self.min_tokens]
            if cacheable and cacheable[-1] > read_at:
                written = totals[cacheable[-1]] - read
            for mark in cacheable:
                self.prefixes.add(keys[mark])
        total = totals[-1] if totals else 0
        return {"input_tokens": total - read - written,
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": written}

    def openai_usage(self, body):
        blocks = openai_blocks(body)
        keys = self.prefix_keys(body.get("model", ""), blocks)
        totals = cumulative_tokens(blocks)
        with self.lock:
            read = 0
            for i in range(len(keys) - 1, -1, -1):
                if keys[i] in self.prefixes:
                    if totals[i] >= self.min_tokens:
                        read = totals[i]
                    break
            self.prefixes.update(keys)
        total = totals[-1] if totals else 0
        return {"input_tokens": total - read, "cache_read_input_tokens": read,
                "cache_creation_input_tokens": 0}


def cumulative_tokens(blocks):
    totals, running = [], 0
    for text, _ in blocks:
        running += tokens_of(text)
        totals.append(running)
    return totals


def anthropic_blocks(body):
    """(compact JSON, carries cache_control) for each block, in the API's caching order."""
    blocks = []
    for tool in body.get("tools", []):
        blocks.append(("tool:" + compact(without_cache_control(tool)), "cache_control" in tool))
    system = body.get("system")
    if isinstance(system, str):
        blocks.append(("system:" + compact(system), False))
    elif isinstance(system, list):
        for block in system:
            blocks.append(("system:" + compact(without_cache_control(block)),
                           "cache_control" in block))
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content or []:
            blocks.append((message.get("role", "") + ":" + compact(without_cache_control(block)),
                           isinstance(block, dict) and "cache_control" in block))
    return blocks


def openai_blocks(body):
    blocks = [("tool:" + compact(tool), False) for tool in body.get("tools", [])]
    blocks += [("message:" + compact(message), False) for message in body.get("messages", [])]
    return blocks


def output_tokens(reply):
    return tokens_of(reply.get("text", "") + compact(reply.get("tool_calls", [])))


# ---- answers ----------------------------------------------------------------------------------

def anthropic_reply(n, body, reply, usage):
    content = []
    if reply.get("text"):
        content.append({"type": "text", "text": reply["text"]})
    for i, call in enumerate(reply.get("tool_calls", [])):
        arguments = call.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                pass
        content.append({"type": "tool_use", "id": call.get("id") or f"toolu_fake_{n}_{i}",
                        "name": call["name"], "input": arguments})
    stop = reply.get("stop_reason") or ("tool_use" if reply.get("tool_calls") else "end_turn")
    return {"id": f"msg_fake_{n}", "type": "message", "role": "assistant",
            "model": body.get("model"), "content": content,
            "stop_reason": ANTHROPIC_STOP.get(stop, stop), "stop_sequence": None,
            "usage": usage}


def openai_reply(n, body, reply, usage):
    message = {"role": "assistant", "content": reply.get("text") or None}
    calls = []
    for i, call in enumerate(reply.get("tool_calls", [])):
        arguments = call.get("arguments", {})
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        calls.append({"id": call.get("id") or f"call_fake_{n}_{i}", "type": "function",
                      "function": {"name": call["name"], "arguments": arguments}})
    if calls:
        message["tool_calls"] = calls
    stop = reply.get("stop_reason") or ("tool_use" if calls else "end_turn")
    prompt = (usage["input_tokens"] + usage["cache_read_input_tokens"] +
              usage["cache_creation_input_tokens"])
    return {"id": f"chatcmpl-fake-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": OPENAI_STOP.get(stop, stop)}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": usage["output_tokens"],
                      "total_tokens": prompt + usage["output_tokens"],
                      "prompt_tokens_details": {"cached_tokens":
                                                usage["cache_read_input_tokens"]}}}


def error_body(wire_format, status, message):
    if wire_format == "anthropic":
        kind = ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def models_body(anthropic, models):
    if anthropic:
        data = [{"type": "model", "id": m, "display_name": m,
                 "created_at": "2025-01-01T00:00:00Z"} for m in models]
        return {"data": data, "has_more": False,
                "first_id": models[0] if models else None,
                "last_id": models[-1] if models else None}
    return {"object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "quire-fake"}
                     for m in models]}


# ---- the server -------------------------------------------------------------------------------

class FakeModel:
    """The script, where it stands, the cache and the request log; shared by handler threads."""

    def __init__(self, script, log_path):
        self.script = script
        self.steps = script.get("steps", [])
        self.cache = PromptCache(int(script.get("cache_min_tokens", 0)))
        self.lock = threading.Lock()
        self.next_step = 0  # guarded by lock
        self.requests = []  # guarded by lock
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    def take_step(self):
        """(index, step), or (None, None) when the script is used up."""
        with self.lock:
            i = self.next_step
            if i >= len(self.steps):
                mode = self.script.get("after_last", "fail")
                if not self.steps or mode == "fail":
                    return None, None
                i = len(self.steps) - 1 if mode == "repeat" else i % len(self.steps)
            self.next_step += 1
            return i, self.steps[i]

    def record(self, entry):
        with self.lock:
            entry["n"] = len(self.requests) + 1
            self.requests.append(entry)
            if self.log:
                self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log.flush()
            return entry["n"]

    def authorized(self, headers):
        key = self.script.get("api_key")
        if key is None:
            return True
        return headers.get("x-api-key") == key or headers.get("authorization") == f"Bearer {key}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "QuireFakeModel/1"
    model = None  # the FakeModel, set before serving

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"method": "GET", "path": self.path, "format": None, "headers": headers,
                 "body": None, "step": None, "reason": None}
        if path == "/_requests":
            with self.model.lock:
                self.send_json(200, list(self.model.requests))
            return
        if not path.endswith("/models"):
            entry["outcome"] = "not_found"
            self.model.record(entry)
            self.send_json(404, {"error": {"message": f"no route {path}"}})
            return
        anthropic = "anthropic-version" in headers
        entry["format"] = "anthropic" if anthropic else "openai"
        if not self.model.authorized(headers):
            entry["outcome"] = "unauthorized"
            self.model.record(entry)
            self.send_json(401, error_body(entry["format"], 401, "invalid api key"))
            return
        models = self.model.script.get("models", ["fake-model"])
        if models is None:
            entry["outcome"] = "not_found"
            self.model.record(entry)
            self.send_json(404, error_body(entry["format"], 404, f"no route {path}"))
            return
        entry["outcome"] = "models"
        self.model.record(entry)
        self.send_json(200, models_body(anthropic, models))

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8",
                                                                                  "replace")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        wire_format = ("anthropic" if path.endswith("/v1/messages") else
                       "openai" if path.endswith("/chat/completions") else None)
        entry = {"method": "POST", "path": self.path, "format": wire_format, "headers": headers,
                 "body": body, "step": None, "reason": None}
        if wire_format is None:
            entry["outcome"] = "not_found"
            self.model.record(entry)
            self.send_json(404, {"error": {"message": f"no route {path}"}})
            return
        if not self.model.authorized(headers):
            entry["outcome"] = "unauthorized"
            self.model.record(entry)
            self.send_json(401, error_body(wire_format, 401, "invalid x-api-key"))
            return
        if self.model.script.get("validate", True):
            try:
                if wire_format == "anthropic":
                    validate_anthropic(headers, body)
                else:
                    validate_openai(body)
            except InvalidRequest as e:
                entry["outcome"], entry["reason"] = "invalid", str(e)
                self.model.record(entry)
                self.send_json(400, error_body(wire_format, 400, str(e)))
                return
        self.answer_step(wire_format, body, entry)

    def answer_step(self, wire_format, body, entry):
        index, step = self.model.take_step()
        entry["step"] = index
        if step is None:
            entry["outcome"] = "used_up"
            self.model.record(entry)
            self.send_json(500, error_body(wire_format, 500, "the fake model's script is used up"))
            return
        entry["outcome"] = ("drop" if step.get("drop") else "reply" if "reply" in step else
                            "raw" if "raw" in step else "fault")
        n = self.model.record(entry)
        if step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000)
        if step.get("drop"):
            self.close_connection = True
            return
        if "raw" in step:
            self.send_bytes(step.get("status", 200), step["raw"].encode(), "application/json",
                            step.get("headers", {}))
            return
        if "reply" in step:
            self.send_json(200, self.reply(wire_format, n, body, step["reply"]))
            return
        self.send_fault(wire_format, step)

    def reply(self, wire_format, n, body, reply):
        if wire_format == "anthropic":
            usage = self.model.cache.anthropic_usage(body)
        else:
            usage = self.model.cache.openai_usage(body)
        usage["output_tokens"] = output_tokens(reply)
        usage.update(reply.get("usage", {}))
        if wire_format == "anthropic":
            return anthropic_reply(n, body, reply, usage)
        return openai_reply(n, body, reply, usage)

    def send_fault(self, wire_format, step):
        status = step.get("status", 500)
        extra = dict(step.get("headers", {}))
        if "retry_after" in step:
            extra["retry-after"] = str(step["retry_after"])
        fault_body = step.get("body", f"fake fault {status}")
        if isinstance(fault_body, str):
            fault_body = error_body(wire_format, status, fault_body)
        self.send_json(status, fault_body, extra)

    def send_json(self, status, value, extra_headers=None):
        self.send_bytes(status, json.dumps(value).encode(), "application/json",
                        extra_headers or {})

    def send_bytes(self, status, data, content_type, extra_headers):
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            for name, value in extra_headers.items():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout being tested); nothing more to say to it.
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is expected here; anything else is worth a line.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description="A scripted model server for tests.")
    parser.add_argument("script", help="the script, a JSON file (see the top of this file)")
    parser.add_argument("--log", help="append every request to this JSON-lines file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="exit when standard input closes")
    args = parser.parse_args()

    try:
        script = load_script(args.script)
    except (OSError, ValueError, ScriptError) as e:
        print(f"fake_model_server: {args.script}: {e}", file=sys.stderr)
        return 2

    Handler.model = FakeModel(script, args.log)
    server = Server((args.host, args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if args.exit_with_stdin:
        def wait_for_eof():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=wait_for_eof, daemon=True).start()

    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
