#!/usr/bin/env bash
# Runs the README's first command as a new user would (`npm start`, no
# DATABASE_URL: embedded PostgreSQL in a fresh data folder), waits for
# readiness, logs in as the seeded admin, lists the consulates, looks a ZIP
# code up in the seeded jurisdictions, then stops it with SIGTERM and checks it
# shut down cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR="$(mktemp -d /tmp/ccm-smoke-XXXXXX)"
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
LOG="$DATA_DIR/start.log"
export DATA_DIR PORT
unset DATABASE_URL

setsid npm start >"$LOG" 2>&1 &
SID=$!
cleanup() { kill -KILL -- "-$SID" 2>/dev/null || true; rm -rf "$DATA_DIR"; }
trap cleanup EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SID" 2>/dev/null; then echo "npm start exited early:"; cat "$LOG"; exit 1; fi
  sleep 0.5
done
curl -fsS "$BASE/health/ready" >/dev/null || { echo "not ready in 60 s:"; cat "$LOG"; exit 1; }
echo "ready: $BASE"

EMAIL="$(sed -n 's/^ *Admin login *\([^ ]*\).*/\1/p' "$LOG" | head -1)"
PASSWORD="$(sed -n 's/^ *Admin password (shown once) *\([^ ]*\).*/\1/p' "$LOG" | head -1)"
[ -n "$EMAIL" ] && [ -n "$PASSWORD" ] || { echo "no admin credentials printed:"; cat "$LOG"; exit 1; }

TOKEN="$(curl -fsS -X POST "$BASE/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).accessToken))')"
COUNT="$(curl -fsS "$BASE/v1/consulates?limit=200" -H "authorization: Bearer $TOKEN" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.length))')"
echo "logged in as $EMAIL; consulates listed: $COUNT"
[ "$COUNT" -ge 50 ] || { echo "expected about fifty consulates"; exit 1; }
SERVED="$(curl -fsS "$BASE/v1/jurisdiction?zip=90057" -H "authorization: Bearer $TOKEN" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).consulate.code))')"
echo "ZIP code 90057 is served by $SERVED"
[ "$SERVED" = LAX ] || { echo "expected the seeded ZIP dataset to send 90057 to LAX"; exit 1; }
curl -fsS "$BASE/docs/json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);if(!d.openapi.startsWith("3.1"))process.exit(1);console.log("OpenAPI",d.openapi,Object.keys(d.paths).length,"paths")})'

SERVER_PID="$(pgrep -s "$SID" -f '^node .*dist/server.js' | head -1)"
kill -TERM "$SERVER_PID"
for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$SERVER_PID" 2>/dev/null; then echo "server did not stop within 30 s"; cat "$LOG"; exit 1; fi
wait "$SID" || { echo "npm start exited with an error:"; cat "$LOG"; exit 1; }
grep -q 'embedded PostgreSQL stopped' "$LOG" || { echo "embedded PostgreSQL was not stopped:"; cat "$LOG"; exit 1; }
if pgrep -f "postgres -D $DATA_DIR" >/dev/null; then echo "PostgreSQL still running"; exit 1; fi
echo "stopped cleanly"
