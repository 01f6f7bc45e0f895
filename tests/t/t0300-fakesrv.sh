#!/usr/bin/env bash
# loom-fakesrv, the scripted fake model server: command line, each API family's
# endpoints, --api filtering, streaming shapes, expectations, every fault as a
# client sees it, the request log, shutdown. Driven with curl, checked with python3.
. "$(dirname "$0")/lib.sh"
: "${LOOMFAKESRV:?LOOMFAKESRV must point at the loom-fakesrv binary}"
command -v curl >/dev/null || fail "curl is missing (.ci/setup installs it)"

# req METHOD PATH [BODY [CURL-OPTIONS...]]: the body goes to $T/out, headers to
# $T/hdr; sets CODE (HTTP status) and RC (curl's exit status)
req() {
  local m=$1 p=$2 args=()
  shift 2
  if [ $# -gt 0 ]; then
    [ -n "$1" ] && args=(-H 'Content-Type: application/json' --data-binary "$1")
    shift
  fi
  RC=0
  CODE=$(curl -sS -N --max-time 5 -X "$m" -o "$T/out" -D "$T/hdr" -w '%{http_code}' \
    "${args[@]}" "$@" "$URL$p" 2>"$T/curlerr") || RC=$?
}

# expect_req WHAT CODE: the last req answered CODE and curl succeeded
expect_req() {
  expect_eq "$1: curl exit status ($(cat "$T/curlerr"))" 0 "$RC"
  expect_eq "$1: HTTP status ($(cat "$T/out"))" "$2" "$CODE"
}

# The interpreter itself, without site (-S): a version manager's shim and site
# packages would cost 0.1 s a call.
PY=$(python3 -c 'import sys; print(sys.executable)')
# py EXPR FILE: a Python expression over the JSON document j in FILE; tuples
# print space-separated
py() {
  "$PY" -S -c 'import json, sys
j = json.load(open(sys.argv[2], encoding="utf-8"))
r = eval(sys.argv[1])
print(" ".join(map(str, r)) if isinstance(r, tuple) else r)' "$1" "$2"
}
# out EXPR: over the JSON response body
out() { py "$1" "$T/out"; }

# Summarizes a stream in $T/out (sse or ndjson) into $T/sum, checking each
# event's shape on the way; sum EXPR evaluates over it as j.
cat >"$T/stream.py" <<'PY'
import json, sys
raw = open(sys.argv[1], encoding="utf-8").read()
s = {"content": "", "chunks": 0, "done": False, "finish": None, "usage": None,
     "timings": None, "bad": 0, "errors": [], "pings": 0, "roles": 0, "shape": []}
if sys.argv[2] == "sse":
    if raw and not raw.endswith("\n\n"):
        s["shape"].append("stream does not end with a blank line")
    for line in raw.split("\n"):
        if line == "":
            continue
        if line == ": ping":
            s["pings"] += 1
        elif line.startswith("error: "):
            s["errors"].append(json.loads(line[7:]))
        elif line == "data: [DONE]":
            s["done"] = True
        elif line.startswith("data: "):
            try:
                j = json.loads(line[6:])
            except ValueError:
                s["bad"] += 1
                continue
            if "error" in j:
                s["errors"].append(j["error"])
                continue
            if j.get("object") != "chat.completion.chunk" or not j.get("id"):
                s["shape"].append(line)
            if j.get("usage"):
                s["usage"] = j["usage"]
            if "timings" in j:
                s["timings"] = j["timings"]
            for c in j["choices"]:
                d = c["delta"]
                if "role" in d:
                    s["roles"] += 1
                elif "content" in d:
                    s["chunks"] += 1
                    s["content"] += d["content"]
                if c["finish_reason"]:
                    s["finish"] = c["finish_reason"]
        else:
            s["shape"].append(line)
else:
    for line in raw.split("\n"):
        if line == "":
            continue
        try:
            j = json.loads(line)
        except ValueError:
            s["bad"] += 1
            continue
        if "error" in j:
            s["errors"].append(j["error"])
        elif j["done"]:
            s["done"] = True
            s["finish"] = j["done_reason"]
            s["usage"] = [j["prompt_eval_count"], j["eval_count"], j["eval_duration"]]
        else:
            if j["message"]["role"] != "assistant" or not j["created_at"].endswith("Z"):
                s["shape"].append(line)
            s["chunks"] += 1
            s["content"] += j["message"]["content"]
json.dump(s, open(sys.argv[3], "w"))
PY
summarize() {
  "$PY" -S "$T/stream.py" "$T/out" "$1" "$T/sum" || fail "cannot parse the $1 stream: $(cat "$T/out")"
  expect_eq "event shapes" "[]" "$(sum 'j["shape"]')"
}
sum() { py "$1" "$T/sum"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

hello='{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello world"}]'
stream_hello="$hello,\"stream\":true}"

# --- command line ------------------------------------------------------------

expect_status "no --script" 2 "$LOOMFAKESRV"
expect_match "no --script message" "script is required" "$(cat "$T/err")"
expect_status "bad --api" 2 "$LOOMFAKESRV" --script "$T" --api grpc
expect_match "bad --api message" "unknown --api 'grpc'" "$(cat "$T/err")"
expect_status "bad --n-ctx" 2 "$LOOMFAKESRV" --script "$T" --n-ctx lots
expect_status "missing script dir" 1 "$LOOMFAKESRV" --script "$T/nope"
expect_match "missing script dir message" "cannot open script directory" "$(cat "$T/err")"
reply "$T/bad1" 001-x $'# fine\nfault: explode 3\n' "text"
expect_status "unknown fault" 1 "$LOOMFAKESRV" --script "$T/bad1"
expect_match "unknown fault message" "'001-x.reply' line 2: unknown fault 'explode'" "$(cat "$T/err")"
reply "$T/bad2" 001-x $'expect: max_tokens = twelve\n' "text"
expect_status "bad expect value" 1 "$LOOMFAKESRV" --script "$T/bad2"
expect_match "bad expect message" "line 1: the value 'twelve' is not JSON" "$(cat "$T/err")"
reply "$T/bad3" 001-x $'fault: drip 5\nfault: reset 1\n' "text"
expect_status "two faults" 1 "$LOOMFAKESRV" --script "$T/bad3"
expect_match "two faults message" "line 2: more than one fault" "$(cat "$T/err")"
mkdir -p "$T/bad4" && printf 'fault: reset 1\nno separator\n' >"$T/bad4/001-x.reply"
expect_status "no --- line" 1 "$LOOMFAKESRV" --script "$T/bad4"
ok "usage errors exit 2, bad scripts exit 1 naming file and line"

mkdir -p "$T/empty"
"$LOOMFAKESRV" --script "$T/empty" >"$T/stdout-port" 2>"$T/stdout-port.err" &
PID=$!
SRV_PIDS="$SRV_PIDS $PID"
for i in $(seq 100); do [ -s "$T/stdout-port" ] && break; sleep 0.05; done
expect_match "port on stdout" '^[0-9]+$' "$(cat "$T/stdout-port")"
URL=http://127.0.0.1:$(cat "$T/stdout-port")
req POST /v1/chat/completions "$hello}"
expect_req "chat with an empty script" 500
expect_eq "exhausted message" "fake server: script exhausted" "$(out 'j["error"]["message"]')"
srv_stop
ok "port on stdout without --port-file; an empty script answers 500"

# --- the main server: --api any ---------------------------------------------

S=$T/main
reply "$S" 001-hello $'expect: messages[0].role = "system"\nexpect: stream = true\n' "Hello, wörld!"
reply "$S" 002-ollama $'expect: options.num_ctx = 8192\n' "abc def ghi"
reply "$S" 003-whole "" "Plain answer."
reply "$S" 004-whole-ollama "" "Plain ollama."
reply "$S" 005-expect-fail \
  $'expect: max_tokens = 256\nexpect: messages[-1].content ~ "needle"\nexpect: options absent\nexpect: stop[1] exists\n' "unused"
reply "$S" 006-length "" "one two three four five"
reply "$S" 007-stop "" "alpha STOP beta XX gamma"
reply "$S" 008-usage $'usage: 100 7 40\n' "counted"
reply "$S" 009-drip $'fault: drip 60\n' "abcdefghijklmnop"
reply "$S" 010-stall $'fault: stall 600 after 2\n' "abcdefghijklmnop"
reply "$S" 011-ping $'fault: ping 40 3\n' "pong"
reply "$S" 012-ping-ollama $'fault: ping 40 3\n' "pong"
reply "$S" 013-http429 $'# rate limited\nfault: http 429 retry-after 7\n' ""
reply "$S" 014-http503-ollama $'fault: http 503\n' ""
reply "$S" 015-truncate $'fault: truncate 2\n' "abcdefghijklmnop"
reply "$S" 016-truncate-clean $'fault: truncate 1 clean\n' "abcdefghijklmnop"
reply "$S" 017-truncate-ollama $'fault: truncate 2\n' "abcdefghijklmnop"
reply "$S" 018-malformed $'fault: malformed 1\n' "abcdefgh"
reply "$S" 019-malformed-ollama $'fault: malformed 1\n' "abcdefgh"
reply "$S" 020-error $'fault: error 2\n' "abcdefghijklmnop"
reply "$S" 021-error-ollama $'fault: error 1\n' "abcdefghijklmnop"
reply "$S" 022-overflow $'fault: overflow\n' "x"
reply "$S" 023-overflow-ollama $'fault: overflow\n' "x"
reply "$S" 024-reset $'fault: reset 1\n' "abcdefghijklmnop"
reply "$S" 025-reset-whole $'fault: reset 0\n' "abcdefghijklmnop"
reply "$S" 026-malformed-whole $'fault: malformed 0\n' "abc"
printf 'fault: truncate 0\n---\n' >"$S/027-notes.txt"
printf 'usage: 3 2\n---\nline one\r\nline two\n\n' >"$S/027-crlf.reply"
srv_start main

req GET /health
expect_req "/health" 200
expect_eq "/health body" '{"status":"ok"}' "$(cat "$T/out")"
req GET /props
expect_req "/props" 200
expect_eq "/props n_ctx" 4096 "$(out 'j["default_generation_settings"]["n_ctx"]')"
expect_eq "/props model_path" /models/fake-model.gguf "$(out 'j["model_path"]')"
expect_eq "/props total_slots" 1 "$(out 'j["total_slots"]')"
req POST /tokenize '{"content":"hello  wörld\n"}'
expect_req "/tokenize" 200
# "hell" "o" "  " "wör" (4 bytes) "ld" "\n"
expect_eq "/tokenize count" 6 "$(out 'len(j["tokens"])')"
expect_eq "/tokenize ids are small ints" True "$(out 'all(type(t) is int and 0 < t <= 32000 for t in j["tokens"])')"
first=$(out 'j["tokens"]')
req POST /tokenize '{"content":"hello  wörld\n"}'
expect_eq "/tokenize is deterministic" "$first" "$(out 'j["tokens"]')"
req POST /tokenize '{"content":"hello"}' -H 'Transfer-Encoding: chunked'
expect_req "chunked request body" 200
expect_eq "chunked request body tokens" 2 "$(out 'len(j["tokens"])')"
req POST /tokenize '{"content":"hello"}' -H 'Expect: 100-continue'
expect_req "Expect: 100-continue" 200
req POST /tokenize '{"content":'
expect_req "invalid JSON body" 400
expect_eq "invalid JSON message" "fake server: the request body is not a JSON object" \
  "$(out 'j["error"]["message"]')"
req GET /api/version
expect_req "/api/version" 200
expect_eq "/api/version" 0.6.0 "$(out 'j["version"]')"
req GET /api/tags
expect_req "/api/tags" 200
expect_eq "/api/tags name" fake-model "$(out 'j["models"][0]["name"]')"
req POST /api/show '{"model":"fake-model"}'
expect_req "/api/show" 200
expect_eq "/api/show context" 4096 "$(out 'j["model_info"]["qwen2.context_length"]')"
expect_eq "/api/show architecture" qwen2 "$(out 'j["model_info"]["general.architecture"]')"
expect_eq "/api/show details" gguf "$(out 'j["details"]["format"]')"
req GET /v1/models
expect_req "/v1/models" 200
expect_eq "/v1/models" "list fake-model model" "$(out 'j["object"]+" "+j["data"][0]["id"]+" "+j["data"][0]["object"]')"
req GET /nowhere
expect_req "unknown path" 404
expect_match "unknown path message" "no endpoint GET /nowhere" "$(out 'j["error"]["message"]')"
req GET /api/nowhere
expect_req "unknown Ollama path" 404
expect_match "unknown Ollama path: Ollama's error shape" "no endpoint" "$(out 'j["error"]')"
req GET /api/chat
expect_req "GET on a POST endpoint" 405
ok "--api any answers every family's endpoints; 404, 405 and 400 in JSON"

req POST /v1/chat/completions "$stream_hello"
expect_req "llama.cpp stream" 200
expect_match "chunked framing" "^Transfer-Encoding: chunked" "$(tr -d '\r' <"$T/hdr")"
expect_match "SSE content type" "^Content-Type: text/event-stream" "$(tr -d '\r' <"$T/hdr")"
summarize sse
expect_eq "llama.cpp stream content" "Hello, wörld!" "$(sum 'j["content"]')"
# "Hell" "o, w" "örl" "d!": 4-byte pieces that end on character boundaries
expect_eq "llama.cpp stream chunks" 4 "$(sum 'j["chunks"]')"
expect_eq "llama.cpp stream role chunk" 1 "$(sum 'j["roles"]')"
expect_eq "llama.cpp stream finish" stop "$(sum 'j["finish"]')"
expect_eq "llama.cpp stream [DONE]" True "$(sum 'j["done"]')"
# "be brief" = "be" " " "brie" "f", "hello world" = "hell" "o" " " "worl" "d"
expect_eq "llama.cpp stream usage" "{'prompt_tokens': 9, 'completion_tokens': 4, 'total_tokens': 13}" \
  "$(sum 'j["usage"]')"
expect_eq "llama.cpp stream timings" "9 0 4 180" \
  "$(sum '"%d %d %d %d" % (j["timings"]["prompt_n"], j["timings"]["cache_n"], j["timings"]["predicted_n"], j["timings"]["prompt_ms"] * 20)')"
ok "llama.cpp-style SSE stream: role chunk, 4-byte pieces, stop, usage and timings, [DONE]"

req POST /api/chat "$hello,\"options\":{\"num_ctx\":8192}}"
expect_req "Ollama stream" 200
expect_match "NDJSON content type" "^Content-Type: application/x-ndjson" "$(tr -d '\r' <"$T/hdr")"
summarize ndjson
expect_eq "Ollama stream content" "abc def ghi" "$(sum 'j["content"]')"
expect_eq "Ollama stream chunks" 3 "$(sum 'j["chunks"]')"
expect_eq "Ollama stream end" "True stop [9, 3, 60000000]" "$(sum 'j["done"], j["finish"], j["usage"]')"
ok "Ollama NDJSON stream (streams by default) with counts and durations"

req POST /chat/completions "$hello}"
expect_req "non-streaming llama.cpp" 200
expect_eq "non-streaming object" chat.completion "$(out 'j["object"]')"
expect_eq "non-streaming message" "assistant Plain answer. stop" \
  "$(out 'j["choices"][0]["message"]["role"]+" "+j["choices"][0]["message"]["content"]+" "+j["choices"][0]["finish_reason"]')"
expect_eq "non-streaming usage and timings" "13 4" "$(out '"%d %d" % (j["usage"]["total_tokens"], j["timings"]["predicted_n"])')"
req POST /api/chat "$hello,\"stream\":false}"
expect_req "non-streaming Ollama" 200
expect_eq "non-streaming Ollama" "Plain ollama. True stop 4" \
  "$(out 'j["message"]["content"]+" "+str(j["done"])+" "+j["done_reason"]+" "+str(j["eval_count"])')"
ok "\"stream\": false gives each family's one-object answer"

req POST /v1/chat/completions '{"max_tokens":512,"messages":[{"role":"user","content":"haystack"}],"options":{},"stop":["a"]}'
expect_req "failed expectations" 400
expect_eq "failed expectations message" \
  'fake server: expectation failed: max_tokens = 256 (got 512); messages[-1].content ~ "needle" (got "haystack"); options absent (got {}); stop[1] exists (got nothing)' \
  "$(out 'j["error"]["message"]')"
expect_match "failed expectations on stderr" "005-expect-fail.reply: expectation failed: max_tokens = 256" \
  "$(cat "$T/main.err")"
ok "failed expectations answer 400 saying what was expected and what came"

req POST /v1/chat/completions '{"stream":true,"max_tokens":2,"messages":[]}'
summarize sse
expect_eq "max_tokens cuts the reply" "one two |length|2" "$(sum 'j["content"]+"|"+j["finish"]+"|"+str(j["usage"]["completion_tokens"])')"
req POST /v1/chat/completions '{"stream":true,"stop":["XX","STOP"],"messages":[]}'
summarize sse
expect_eq "stop sequences cut the reply" "alpha |stop" "$(sum 'j["content"]+"|"+j["finish"]')"
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
summarize sse
expect_eq "usage: header" "100 7 107 60 40 7" \
  "$(sum '"%d %d %d %d %d %d" % (j["usage"]["prompt_tokens"], j["usage"]["completion_tokens"], j["usage"]["total_tokens"], j["timings"]["prompt_n"], j["timings"]["cache_n"], j["timings"]["predicted_n"])')"
ok "max_tokens, stop sequences and the usage header"

t0=$(now_ms)
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
t1=$(now_ms)
summarize sse
expect_eq "drip content" abcdefghijklmnop "$(sum 'j["content"]')"
[ $((t1 - t0)) -ge 170 ] || fail "drip 60 over 4 chunks took only $((t1 - t0)) ms"
[ $((t1 - t0)) -lt 3000 ] || fail "drip 60 over 4 chunks took $((t1 - t0)) ms"
ok "drip spaces the chunks ($((t1 - t0)) ms for 4 chunks at 60 ms)"

req POST /v1/chat/completions '{"stream":true,"messages":[]}' --max-time 0.3
expect_eq "stall: curl times out ($(cat "$T/curlerr"))" 28 "$RC"
summarize sse
expect_eq "stall: two chunks before the silence" "2 abcdefgh False" "$(sum 'j["chunks"], j["content"], j["done"]')"
ok "stall after 2 chunks: the client sees silence"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
summarize sse
expect_eq "ping" "3 pong True" "$(sum 'j["pings"], j["content"], j["done"]')"
t0=$(now_ms)
req POST /api/chat '{"messages":[]}'
t1=$(now_ms)
summarize ndjson
expect_eq "Ollama ping is silence" "pong True" "$(sum 'j["content"], j["done"]')"
[ $((t1 - t0)) -ge 110 ] || fail "Ollama ping 40 3 took only $((t1 - t0)) ms"
ok "ping sends SSE comments, and silence to Ollama clients"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "http 429" 429
expect_match "Retry-After" "^Retry-After: 7$" "$(tr -d '\r' <"$T/hdr")"
expect_eq "http 429 error" "429 rate_limit_error" "$(out '"%d %s" % (j["error"]["code"], j["error"]["type"])')"
req POST /api/chat '{"messages":[]}'
expect_req "http 503 Ollama" 503
expect_match "http 503 Ollama error" "503" "$(out 'j["error"]')"
expect_no_match "no Retry-After unless asked" "Retry-After" "$(cat "$T/hdr")"
ok "http faults: status, Retry-After, each family's error JSON"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_eq "truncate: curl sees the body cut ($(cat "$T/curlerr"))" 18 "$RC"
summarize sse
expect_eq "truncate" "2 None False" "$(sum 'j["chunks"], j["finish"], j["done"]')"
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "truncate clean" 200
summarize sse
expect_eq "truncate clean" "1 None False" "$(sum 'j["chunks"], j["finish"], j["done"]')"
req POST /api/chat '{"messages":[]}'
expect_eq "truncate Ollama" 18 "$RC"
summarize ndjson
expect_eq "truncate Ollama" "2 False" "$(sum 'j["chunks"], j["done"]')"
ok "truncate ends the stream without the final chunk, [DONE] or done:true"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "malformed" 200
summarize sse
expect_eq "malformed" "1 abcdefgh True" "$(sum 'j["bad"], j["content"], j["done"]')"
req POST /api/chat '{"messages":[]}'
summarize ndjson
expect_eq "malformed Ollama" "1 abcdefgh True" "$(sum 'j["bad"], j["content"], j["done"]')"
ok "malformed sends one broken chunk and carries on"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "llama.cpp mid-stream error" 200
expect_match "llama.cpp error line" '^error: \{' "$(cat "$T/out")"
summarize sse
expect_eq "llama.cpp mid-stream error" "2 False 500 server_error" \
  "$(sum '"%d %s %d %s" % (j["chunks"], j["done"], j["errors"][0]["code"], j["errors"][0]["type"])')"
req POST /api/chat '{"messages":[]}'
expect_req "Ollama mid-stream error" 200
summarize ndjson
expect_eq "Ollama mid-stream error" "1 False fake server: injected error" \
  "$(sum '"%d %s %s" % (j["chunks"], j["done"], j["errors"][0])')"
ok "mid-stream errors: llama.cpp 'error:' event, Ollama error line"

req POST /v1/chat/completions '{"messages":[{"role":"user","content":"hello world"}]}'
expect_req "overflow" 400
expect_eq "overflow error" "exceed_context_size_error 4096 5" \
  "$(out '"%s %d %d" % (j["error"]["type"], j["error"]["n_ctx"], j["error"]["n_prompt_tokens"])')"
req POST /api/chat '{"messages":[]}'
expect_req "overflow Ollama" 500
expect_match "overflow Ollama error" "context" "$(out 'j["error"]')"
ok "overflow: llama.cpp's exceed_context_size_error, Ollama's 500"

req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_eq "reset: connection reset ($(cat "$T/curlerr"))" 56 "$RC"
expect_match "reset message" "reset" "$(cat "$T/curlerr")"
summarize sse
expect_eq "reset after one chunk" "1 abcd False" "$(sum 'j["chunks"], j["content"], j["done"]')"
req POST /v1/chat/completions '{"messages":[]}'
expect_eq "reset, not streaming" 56 "$RC"
req POST /v1/chat/completions '{"messages":[]}'
expect_req "malformed, not streaming" 200
"$PY" -S -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null &&
  fail "malformed non-streaming body parsed: $(cat "$T/out")"
ok "reset: the client sees a connection reset"

req POST /v1/chat/completions '{"messages":[]}'
expect_req "CRLF reply text" 200
expect_eq "reply text is kept byte for byte" "'line one\\r\\nline two\\n'" \
  "$(out 'repr(j["choices"][0]["message"]["content"])')"
req POST /v1/chat/completions '{"messages":[]}'
expect_req "exhausted" 500
expect_eq "exhausted" "fake server: script exhausted" "$(out 'j["error"]["message"]')"
req POST /api/chat '{"messages":[]}'
expect_req "exhausted Ollama" 500
expect_eq "exhausted Ollama" "fake server: script exhausted" "$(out 'j["error"]')"
ok "only *.reply files count; then the script is exhausted: 500"

L=$T/main.log
n=$(wc -l <"$L")
expect_eq "one log line per request" "$(seq "$n" | tr '\n' ' ')" "$("$PY" -S -c '
import json, sys
print(" ".join(str(json.loads(l)["seq"]) for l in open(sys.argv[1])) + " ")' "$L")"
line() { "$PY" -S -c 'import json,sys; ls=[json.loads(l) for l in open(sys.argv[2])]; print(eval(sys.argv[1]))' "$1" "$L"; }
expect_eq "log: the first request" "GET /health None None 200" \
  "$(line '" ".join(str(ls[0][k]) for k in ("method", "path", "body", "reply", "status"))')"
expect_eq "log: Ollama chat" "('/api/chat', 8192, '002-ollama.reply', 'application/json')" \
  "$(line '[(l["path"], l["body"]["options"]["num_ctx"], l["reply"], l["headers"]["content-type"]) for l in ls if l["reply"] == "002-ollama.reply"][0]')"
expect_eq "log: failed expectation" 400 "$(line '[l["status"] for l in ls if l["reply"] == "005-expect-fail.reply"][0]')"
expect_eq "log: a body that is not JSON" "'{\"content\":'" "$(line '[repr(l["body"]) for l in ls if l["status"] == 400 and l["path"] == "/tokenize"][0]')"
expect_eq "log: exhausted" "[None, None]" "$(line '[l["reply"] for l in ls[-2:]]')"
srv_stop
ok "the log: one JSON line per request, with headers, body, reply and status"

# --- one family at a time ----------------------------------------------------

reply "$T/openai" 001-usage "" "Hi there"
reply "$T/openai" 002-plain "" "Hi there"
reply "$T/openai" 003-error $'fault: error 1\n' "Hi there"
srv_start openai --api openai --api-key sekrit --model gpt-fake
auth=(-H 'Authorization: Bearer sekrit')
req GET /v1/models "" "${auth[@]}"
expect_req "/v1/models with the key" 200
expect_eq "/v1/models --model" gpt-fake "$(out 'j["data"][0]["id"]')"
req GET /v1/models
expect_req "/v1/models without the key" 401
expect_eq "401 error type" authentication_error "$(out 'j["error"]["type"]')"
req GET /v1/models "" -H 'Authorization: Bearer wrong'
expect_req "/v1/models with a wrong key" 401
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "chat without the key" 401
for p in /health /props /api/version /api/tags /chat/completions; do
  req GET "$p" "" "${auth[@]}"
  expect_req "--api openai: $p" 404
done
req POST /v1/chat/completions '{"stream":true,"stream_options":{"include_usage":true},"messages":[]}' "${auth[@]}"
expect_req "OpenAI stream with usage" 200
summarize sse
expect_eq "OpenAI stream with usage" "Hi there stop True None 0" \
  "$(sum '"%s %s %s %s %d" % (j["content"], j["finish"], j["done"], j["timings"], j["usage"]["completion_tokens"] - 2)')"
expect_match "OpenAI usage comes in its own chunk" '"choices":\[\],"usage"' "$(cat "$T/out")"
req POST /v1/chat/completions '{"stream":true,"messages":[]}' "${auth[@]}"
summarize sse
expect_eq "OpenAI stream without usage" "Hi there None None" "$(sum '"%s %s %s" % (j["content"], j["usage"], j["timings"])')"
req POST /v1/chat/completions '{"stream":true,"messages":[]}' "${auth[@]}"
expect_req "OpenAI mid-stream error" 200
summarize sse
expect_eq "OpenAI mid-stream error" "1 False 500" "$(sum '"%d %s %d" % (j["chunks"], j["done"], j["errors"][0]["code"])')"
expect_match "OpenAI error is a data event" '^data: \{"error":' "$(grep error "$T/out")"
expect_eq "log: the key only in the Authorization header" "Bearer sekrit" \
  "$("$PY" -S -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])][0]; print(l["headers"]["authorization"])' "$T/openai.log")"
expect_eq "log: the key nowhere else" 1 \
  "$("$PY" -S -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])][0]; print(json.dumps(l).count("sekrit"))' "$T/openai.log")"
srv_stop
ok "--api openai: key required, other families 404, usage only on request, data error events"

srv_start llama --api llamacpp --loading 2 --n-ctx 8192 --model tiny
for i in 1 2; do
  req GET /health
  expect_req "--loading: /health $i" 503
  expect_eq "--loading body" '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}' "$(cat "$T/out")"
done
req GET /health
expect_req "/health once loaded" 200
req GET /props
expect_eq "--n-ctx in /props" "8192 /models/tiny.gguf" \
  "$(out '"%d %s" % (j["default_generation_settings"]["n_ctx"], j["model_path"])')"
for p in /v1/models /api/version /api/tags; do
  req GET "$p"
  expect_req "--api llamacpp: $p" 404
done
srv_stop
ok "--api llamacpp: --loading, --n-ctx, --model, other families 404"

srv_start ollama --api ollama --n-ctx 2048 --model qwen-test
req POST /api/show '{"model":"qwen-test:latest"}'
expect_req "/api/show" 200
expect_eq "--n-ctx in /api/show" 2048 "$(out 'j["model_info"]["qwen2.context_length"]')"
req POST /api/show '{"model":"other"}'
expect_req "/api/show of another model" 404
expect_eq "/api/show error" "model 'other' not found" "$(out 'j["error"]')"
for p in /health /props /v1/models; do
  req GET "$p"
  expect_req "--api ollama: $p" 404
  expect_match "--api ollama: $p error shape" "no endpoint" "$(out 'j["error"]')"
done
req POST /v1/chat/completions '{"messages":[]}'
expect_req "--api ollama: chat completions" 404
srv_stop
ok "--api ollama: /api/show, other families 404 in Ollama's error shape"

# --- examples, and SIGTERM mid-stream -----------------------------------------

cp -r "$LOOM_TESTS/data/fakesrv" "$T/examples"
srv_start examples
req POST /v1/chat/completions "$hello}"
expect_req "example 001" 200
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "example 002" 200
req POST /v1/chat/completions '{"messages":[]}'
expect_req "example 003" 429
req POST /api/chat '{"messages":[]}'
expect_req "example 004" 500
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_eq "example 005" 18 "$RC"
req POST /v1/chat/completions '{"stream":true,"messages":[]}'
expect_req "example 006" 200
summarize sse
expect_eq "example 006 text" $'Here is the fix:\n\n```c\n\treturn 0;\n```' "$(sum 'j["content"]')"
srv_stop
ok "the example replies in tests/data/fakesrv load and play"

reply "$T/stall" 001-long $'fault: stall 5000\n' "never"
srv_start stall
curl -sS -N --max-time 10 -H 'Content-Type: application/json' \
  --data-binary '{"stream":true,"messages":[]}' "$URL/v1/chat/completions" >"$T/out" 2>/dev/null &
cpid=$!
sleep 0.2
t0=$(now_ms)
srv_stop
t1=$(now_ms)
wait "$cpid" 2>/dev/null || true
[ $((t1 - t0)) -lt 1000 ] || fail "SIGTERM mid-stall took $((t1 - t0)) ms"
ok "SIGTERM in the middle of a stall ends the server at once, status 0"

if grep -qE "Sanitizer|runtime error" "$T"/*.err; then
  fail "sanitizer reports from the server: $(cat "$T"/*.err)"
fi
ok "no sanitizer reports from any server run"
