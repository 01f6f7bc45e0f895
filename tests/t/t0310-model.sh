#!/usr/bin/env bash
# The model client through loom doctor and loom ask, against loom-fakesrv: each
# API, configuration precedence, context discipline, and every fault mode ending
# in one clear line and a non-zero exit.
. "$(dirname "$0")/lib.sh"

R="$T/repo"
mkrepo "$R"
cd "$R"
"$LOOM" index

# --- detection of each API, and what doctor reports -------------------------
reply "$T/llama" 001 'expect: max_tokens = 8
expect: messages[0].content ~ "OK"' "OK"
srv_start llama --api llamacpp --n-ctx 4096
expect_status "doctor on llama.cpp" 0 "$LOOM" doctor --endpoint "$URL"
out=$(cat "$T/out")
expect_match "llama.cpp detected" "api +llamacpp \(detected\)" "$out"
expect_match "n_ctx from /props" "context +4096 tokens \(reported\)" "$out"
expect_match "exact counting" "token counting +exact" "$out"
expect_match "a generation" "generation +'OK'" "$out"
expect_match "settings show their source" "endpoint +http://127.0.0.1:[0-9]+ +\(command line, --endpoint\)" "$out"
srv_stop
ok "doctor: llama.cpp detected, n_ctx, tokenizer, a short generation"

reply "$T/forced" 001 'expect: options.num_predict = 8' "OK"
srv_start forced --api any
LOOM_API=ollama "$LOOM" doctor --endpoint "$URL" >"$T/out" 2>&1 || fail "forced ollama: $(cat "$T/out")"
expect_match "forced api" "api +ollama \(forced\)" "$(cat "$T/out")"
expect_eq "no detection probes" 0 "$(requests forced /props)"
srv_stop
ok "an API can be forced: no probing, that dialect spoken"

reply "$T/ollama" 001 'expect: options.num_ctx = 2048
expect: options.num_predict = 8
expect: model = "fake-model"' "OK"
srv_start ollama --api ollama --n-ctx 2048
LOOM_CONTEXT=8192 "$LOOM" doctor --endpoint "$URL" >"$T/out" 2>&1 || fail "doctor on ollama: $(cat "$T/out")"
expect_match "ollama detected" "api +ollama \(detected\)" "$(cat "$T/out")"
expect_match "num_ctx capped by the model" "context +2048 tokens \(sent as options.num_ctx\)" "$(cat "$T/out")"
srv_stop
ok "doctor: Ollama detected, num_ctx always sent, capped by the model's own limit"

reply "$T/openai" 001 'expect: stream_options.include_usage = true' "OK"
srv_start openai --api openai --api-key sekrit-key-123
expect_status "openai without a key" 1 "$LOOM" doctor --endpoint "$URL"
expect_match "key refused" "refused the API key" "$(cat "$T/out")"
MYKEY=sekrit-key-123 LOOM_API_KEY_ENV=MYKEY "$LOOM" doctor --endpoint "$URL" >"$T/out" 2>&1 ||
  fail "doctor with a key: $(cat "$T/out")"
expect_match "openai detected" "api +openai \(detected\)" "$(cat "$T/out")"
expect_match "context assumed" "context +8192 tokens \(assumed" "$(cat "$T/out")"
expect_no_match "the key is never printed" "sekrit" "$(cat "$T/out")"
srv_stop
grep -q "Bearer sekrit-key-123" "$T/openai.log" || fail "the key was not sent as a bearer token"
if grep -rqs "sekrit" "$R/.loom" "$HOME"; then fail "the API key was written to disk"; fi
ok "doctor: OpenAI endpoint with an API key from a named variable, never printed or stored"

# --- configuration precedence: user < repository < environment < flags --------
mkdir -p "$XDG_CONFIG_HOME/loom"
printf 'endpoint = http://127.0.0.1:1\nmodel = from-user\nmax_tokens = 100\n' >"$XDG_CONFIG_HOME/loom/config"
printf 'model = from-repo\nmax_tokens = 200\nbogus = 1\ntemperature = hot\n' >"$R/.loom/config"
LOOM_MAX_TOKENS=300 "$LOOM" doctor --api llamacpp >"$T/out" 2>&1 || :
out=$(cat "$T/out")
expect_match "user file" "endpoint +http://127.0.0.1:1 +\(user config, line 1\)" "$out"
expect_match "repo over user" "model +from-repo +\(repository config, line 1\)" "$out"
expect_match "env over repo" "max_tokens +300 +\(environment, LOOM_MAX_TOKENS\)" "$out"
expect_match "flag over env" "api +llamacpp +\(command line, --api\)" "$out"
expect_match "unknown setting named" "config:3: unknown setting 'bogus'; line ignored" "$out"
expect_match "bad value named" "config:4: temperature: 'hot' is not a number" "$out"
expect_match "nothing answers" "cannot reach the model server at 'http://127.0.0.1:1'" "$out"
expect_status "bad flag value" 2 "$LOOM" ask --api gpt "question"
rm "$XDG_CONFIG_HOME/loom/config" "$R/.loom/config"
ok "configuration: user < repository < environment < flags; bad lines named"

# --- ask: context from the Loom, the answer streamed ---------------------------
reply "$T/ask" 001 'expect: messages[0].role = "system"
expect: messages[1].content ~ "--- lib/util.c (lines"
expect: messages[1].content ~ "Question: how is the checksum of a file computed"
expect: max_tokens = 64
expect: seed = 7
expect: stop[0] = "\nQuestion:"
fault: drip 5' "run_util multiplies the running sum by 31 (lib/util.c:13)."
srv_start ask
LOOM_SEED=7 "$LOOM" ask --endpoint "$URL" --max-tokens 64 "how is the checksum of a file computed" \
  >"$T/answer" 2>"$T/err" || fail "ask: $(cat "$T/err")"
expect_eq "answer streamed to stdout" "run_util multiplies the running sum by 31 (lib/util.c:13)." "$(cat "$T/answer")"
expect_match "ledger summary on stderr" "context from query [0-9a-f]{12}: [0-9]+ files?, prompt [0-9]+ tokens \(counted\) of 4096: .*lib/util.c" "$(cat "$T/err")"
expect_match "server figures reported" "llamacpp: [0-9]+ prompt tokens \(0 cached\), [0-9]+ generated, [0-9.]+ tokens/s" "$(cat "$T/err")"
srv_stop
ok "ask: Loom context in the prompt, the answer streamed, the server's figures reported"

# --- context discipline ------------------------------------------------------
srv_start tiny --n-ctx 100
expect_status "question does not fit" 1 "$LOOM" ask --endpoint "$URL" --max-tokens 64 "$(printf 'word %.0s' $(seq 60))"
expect_match "says how many tokens" "the prompt needs [0-9]+ tokens but only 36 fit \(context 100 minus 64 for the reply\)" "$(cat "$T/err")"
expect_eq "nothing sent" 0 "$(requests tiny /v1/chat/completions)"
srv_stop
reply "$T/fits" 001 'expect: messages[1].content ~ "Question: checksum"' "fine"
srv_start fits --n-ctx 600
"$LOOM" ask --endpoint "$URL" --max-tokens 64 --budget 100000 --tag lib --tag src checksum \
  >/dev/null 2>"$T/err" || fail "ask in a small context: $(cat "$T/err")"
"$LOOM" ledger --json >"$T/ledger.json"
packed=$(json "sum(1 for f in j['files'] if f['packed'])" "$T/ledger.json")
sent=$(sed -n 's/.*context from query [0-9a-f]*: \([0-9]*\) files\{0,1\}, prompt \([0-9]*\) tokens (counted) of 600.*/\1 \2/p' "$T/err")
[ -n "$sent" ] || fail "no context summary: $(cat "$T/err")"
set -- $sent
[ "$1" -lt "$packed" ] || fail "nothing was trimmed: $1 of $packed packed files sent"
[ "$2" -le 536 ] || fail "the prompt has $2 tokens; 600 - 64 = 536 fit"
prompt=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["path"]=="/v1/chat/completions"][0]["body"]["messages"][1]["content"])' "$T/fits.log")
expect_eq "the best file stays" 1 "$(grep -c -- '--- lib/util.c (lines' <<<"$prompt")"
srv_stop
ok "context: a prompt that cannot fit is refused with numbers; the Context Map is trimmed first"

# --- faults: each ends in one clear line and a non-zero exit -----------------
fault() { # NAME HEADERS EXPECTED-REGEX [SERVER-OPTIONS...]
  local name=$1 headers=$2 want=$3
  shift 3
  reply "$T/$name" 001 "$headers" "a reply that is long enough to be split into several pieces"
  srv_start "$name" "$@"
  LOOM_RETRIES=2 LOOM_STALL_TIMEOUT=0.5 "$LOOM" ask --endpoint "$URL" "question" >"$T/out" 2>"$T/err" && fail "$name: ask succeeded"
  [ $? -eq 1 ] || fail "$name: exit status $? instead of 1"
  expect_match "$name: message" "$want" "$(grep 'loom: error' "$T/err")"
  expect_eq "$name: one error line" 1 "$(grep -c 'loom: error' "$T/err")"
  srv_stop
}
fault http500 'fault: http 500' "^loom: error: the model server answered HTTP 500: "
expect_eq "500 is not retried" 1 "$(requests http500 /v1/chat/completions)"
fault http404 'fault: http 404' "answered HTTP 404"
expect_eq "other 4xx are not retried" 1 "$(requests http404 /v1/chat/completions)"
fault stall 'fault: stall 3000 after 2' "sent nothing for 0 s; the stream is taken for dead|sent nothing for 1 s"
fault truncate 'fault: truncate 3' "connection to the model server broke|ended before the reply was complete"
fault truncate_clean 'fault: truncate 3 clean' "stream ended before the reply was complete \(after 3 pieces\)"
fault malformed 'fault: malformed 2' "sent a malformed chunk"
fault error_llama 'fault: error 2' "failed mid-stream: " --api llamacpp
fault error_openai 'fault: error 2' "failed mid-stream: " --api openai
fault error_ollama 'fault: error 2' "failed mid-stream: " --api ollama
fault overflow 'fault: overflow' "the prompt does not fit the model's context"
fault reset 'fault: reset 2' "connection to the model server broke"
ok "faults: 500, 404, stall, truncation, malformed chunk, mid-stream errors, overflow, reset"

# 429 and 503 are retried, honouring Retry-After; a stall with pings is alive
mkdir -p "$T/retry"
reply "$T/retry" 001 'fault: http 429 retry-after 1' "x"
reply "$T/retry" 002 'fault: http 503' "x"
reply "$T/retry" 003 'fault: ping 200 4' "recovered"
srv_start retry
start=$(date +%s.%N)
LOOM_STALL_TIMEOUT=0.5 "$LOOM" ask --endpoint "$URL" "question" >"$T/out" 2>"$T/err" || fail "retries: $(cat "$T/err")"
elapsed=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
expect_eq "answer after retries" recovered "$(cat "$T/out")"
expect_eq "three attempts" 3 "$(requests retry /v1/chat/completions)"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 2.0 else 1)" "$elapsed" || fail "Retry-After 1 s plus a 1 s backoff took only $elapsed s"
srv_stop
reply "$T/busy" 001 'fault: http 503' "x"
reply "$T/busy" 002 'fault: http 503' "x"
srv_start busy
LOOM_RETRIES=1 "$LOOM" ask --endpoint "$URL" "question" >/dev/null 2>"$T/err" && fail "503 forever succeeded"
expect_match "gives up after retries" "after 1 retry: the model server answered HTTP 503" "$(cat "$T/err")"
srv_stop
ok "429/503 retried with backoff and Retry-After; pings keep a silent stream alive"

# cancellation: SIGINT during a stall ends the call within 100 ms of the signal (plus start-up)
reply "$T/cancel" 001 'fault: stall 10000 after 1' "slow reply"
srv_start cancel
"$LOOM" ask --endpoint "$URL" "question" >"$T/out" 2>"$T/err" &
apid=$!
for i in $(seq 100); do [ "$(requests cancel /v1/chat/completions 2>/dev/null)" = 1 ] && break; sleep 0.05; done
sleep 0.3
t0=$(date +%s%N)
kill -INT $apid
st=0; wait $apid || st=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "cancelled exit status" 130 "$st"
expect_match "cancel message" "loom: error: cancelled" "$(cat "$T/err")"
[ "$ms" -lt 1000 ] || fail "cancel took $ms ms"
srv_stop
ok "cancel: SIGINT stops a stalled generation in $ms ms (exit 130)"

expect_status "no server" 1 "$LOOM" ask --endpoint http://127.0.0.1:1 "question"
expect_match "connection refused" "cannot reach the model server at 'http://127.0.0.1:1'" "$(cat "$T/err")"
ok "no server: one line, exit 1"
