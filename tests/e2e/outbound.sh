#!/bin/sh
# outbound.sh -- tinkrd's own HTTP/1.1 client (lib/h1.c) end to end: test
# notifications through webhook notifiers to scripted raw HTTP servers
# (tests/helpers/rawhttp, in $RAWHTTP), one server per case, each answering
# with bytes the test wrote. The request's line and headers; connections
# kept or not after Content-Length, chunked, 1xx, 204 and HTTP/1.0 answers,
# Connection: close and bytes after the answer; a kept connection the
# server drops and the one retry it earns; error statuses, garbage, answers
# cut short, too large or malformed; refused connections, timeouts,
# localhost, IPv6, names looked up, query strings; and many requests at
# once to one origin, at most 16 connections, the rest waiting their turn.
# Each case checks what the user sees and what the server logged.
set -eu
. "${TOP_SRCDIR:-.}/tests/e2e/lib.sh"

RAWHTTP=${RAWHTTP:-}
if [ -z "$RAWHTTP" ] || [ ! -x "$RAWHTTP" ]; then
	skip "tinkrd's HTTP/1.1 client end to end" \
	    "RAWHTTP is not set to the rawhttp helper (make check sets it)"
	done_testing
fi

# start_raw NAME: a rawhttp server answering from NAME.d, logging to
# NAME.log; its port in $port and in $p_NAME, its pid in $rpid.
start_raw() {
	mkdir -p "$T_SCRATCH/$1.d"
	rm -f "$T_SCRATCH/$1.port"
	"$RAWHTTP" -p "$T_SCRATCH/$1.port" -l "$T_SCRATCH/$1.log" \
	    -a "$T_SCRATCH/$1.d" 2>>"$T_SCRATCH/$1.stderr" &
	rpid=$!
	track_pid "$rpid"
	wait_until 10 test -s "$T_SCRATCH/$1.port"
	port=$(cat "$T_SCRATCH/$1.port")
	eval "p_$1=\$port"
}

# answer NAME FILE BYTES: script an answer (printf format) for NAME.
answer() {
	printf "$3" >"$T_SCRATCH/$1.d/$2"
}

# reqs NAME: the server's log, whole lines only.
reqs() {
	[ -f "$T_SCRATCH/$1.log" ] || return 0
	head -n "$(wc -l <"$T_SCRATCH/$1.log")" "$T_SCRATCH/$1.log"
}

# nreqs NAME: how many requests NAME had.
nreqs() {
	reqs "$1" | wc -l | tr -d ' '
}

# has_reqs NAME N: has NAME had at least N requests?
has_reqs() {
	[ "$(nreqs "$1")" -ge "$2" ]
}

# req NAME N: the log line of request N.
req() {
	reqs "$1" | grep "^n=$2 " || true
}

# conns NAME: the connection of each request, in order, on one line.
conns() {
	reqs "$1" | sed 's/^n=[0-9]* conn=\([0-9]*\) .*/\1/' | tr '\n' ' ' |
	    sed 's/ $//'
}

# rline NAME N: the request line of request N.
rline() {
	req "$1" "$2" | sed 's/^n=[0-9]* conn=[0-9]* \(.*\) | .*$/\1/'
}

# body NAME N: the body of request N (CR and LF as spaces).
body() {
	req "$1" "$2" | sed 's/^[^|]* | //'
}

# head_of NAME N: the head of request N, one line each.
head_of() {
	cat "$T_SCRATCH/$1.log.$2" 2>/dev/null || true
}

# hdr NAME N HEADER: the value of a header of request N, "(none)" when
# it has none.
hdr() {
	_h=$(head_of "$1" "$2" | sed -n '2,$p' |
	    grep -i "^$3:" | sed 's/^[^:]*: *//' | sed -n 1p)
	printf '%s\n' "${_h:-(none)}"
}

# timed_out MS PORT: the end of the error of a request to 127.0.0.1 PORT
# that had no answer within MS ms, as a regular expression.
timed_out() {
	printf 'timed out after %s ms waiting for 127\\.0\\.0\\.1 port %s' \
	    "$1" "$2"
}

# now_ms: milliseconds since the epoch (whole seconds where date(1) has
# no %N).
now_ms() {
	_nm=$(date +%s%N)
	case $_nm in
	*[!0-9]*) echo $(($(date +%s) * 1000)) ;;
	*) printf '%s\n' "$_nm" | cut -c1-13 ;;
	esac
}

# --- the servers and their answers ------------------------------------------
ok200='HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'

start_raw keep
answer keep default "$ok200"

start_raw chunked
answer chunked default 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\n{"ok"\r\n6\r\n:true}\r\n0\r\nX-Checksum: 42\r\n\r\n'

start_raw cont
answer cont default 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'

start_raw old
answer old default 'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"ok":true}'
touch old.d/default.close

start_raw oldlen
answer oldlen default 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}'

start_raw oldka
answer oldka default 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}'

start_raw shut
answer shut default 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'

start_raw idle
answer idle default "$ok200"
touch idle.d/1.close

start_raw drop
answer drop default "$ok200"
touch drop.d/2.drop drop.d/4.drop drop.d/5.drop

start_raw fresh
answer fresh default "$ok200"
touch fresh.d/1.drop

start_raw busy
answer busy default 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n'

start_raw garbage
answer garbage default 'hello\r\n\r\n'

start_raw short
answer short default 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}'
touch short.d/default.close

start_raw extra
answer extra default "$ok200"'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'

start_raw both
answer both default 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n'

start_raw empty
answer empty default 'HTTP/1.1 204 No Content\r\n\r\n'

# Bodies read in many pieces: 300 kB with a Content-Length, 3 x 100 kB
# chunks, and one over the 16 MiB an answer may have; headers of 200 kB,
# over the 64 KiB they may have.
start_raw big
{
	printf 'HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n'
	head -c 300000 /dev/zero | tr '\0' x
} >big.d/default

start_raw bigchunks
{
	printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
	for i in 1 2 3; do
		printf '186a0\r\n'
		head -c 100000 /dev/zero | tr '\0' y
		printf '\r\n'
	done
	printf '0\r\n\r\n'
} >bigchunks.d/default

start_raw huge
{
	printf 'HTTP/1.1 200 OK\r\nContent-Length: 17000000\r\n\r\n'
	head -c 17000000 /dev/zero
} >huge.d/default

start_raw longhead
{
	printf 'HTTP/1.1 200 OK\r\n'
	i=0
	while [ "$i" -lt 200 ]; do
		printf 'X-Filler-%d: %01000d\r\n' "$i" 0
		i=$((i + 1))
	done
	printf 'Content-Length: 2\r\n\r\n{}'
} >longhead.d/default

# Headers of about 70 kB, sent at once: over the cap too, however the
# client's reads split them.
start_raw midhead
{
	printf 'HTTP/1.1 200 OK\r\n'
	i=0
	while [ "$i" -lt 68 ]; do
		printf 'X-Filler-%d: %01000d\r\n' "$i" 0
		i=$((i + 1))
	done
	printf 'Content-Length: 2\r\n\r\n{}'
} >midhead.d/default

start_raw hints
answer hints default 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'

start_raw lf
answer lf default 'HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 2\n\n{}'

start_raw folded
answer folded default 'HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\nContent-Length: 2\r\n\r\n{}'

start_raw twolen
answer twolen default 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x'

start_raw badchunk
answer badchunk default 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'

start_raw switch
answer switch default 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'

start_raw slow
answer slow default "$ok200"
echo 400 >slow.d/default.delay

start_raw hold
answer hold default "$ok200"
touch hold.d/1.hold

start_raw local
answer local default "$ok200"

start_raw name
answer name default "$ok200"

start_raw query
answer query default "$ok200"

start_raw many
answer many default "$ok200"
echo 1000 >many.d/default.delay

start_raw manyold
answer manyold default 'HTTP/1.0 200 OK\r\n\r\n{}'
touch manyold.d/default.close
echo 500 >manyold.d/default.delay

start_raw manyhold
answer manyhold default "$ok200"
i=0
while [ "$i" -lt 16 ]; do
	i=$((i + 1))
	touch "manyhold.d/$i.hold"
done

# A port nothing listens on: a server's, once it has stopped.
start_raw gone
p_gone=$port
stop_pid "$rpid" "rawhttp"
wait "$rpid" 2>/dev/null || true

mkdir -m 700 conf logs
: >logs/api.jsonl
cfg=$T_SCRATCH/conf/tinkr.toml
export TINKR_CONFIG="$cfg"
{
	cat <<EOC
[profiles.demo]
backend = "local"
active = true

[profiles.demo.services.api]
logs = "$T_SCRATCH/logs/api.jsonl"
EOC
	for nt in keep chunked cont old shut idle drop fresh busy garbage \
	    short many gone extra both empty big bigchunks huge longhead \
	    twolen badchunk switch slow oldka manyold midhead hints lf \
	    folded oldlen; do
		eval "p=\$p_$nt"
		printf '\n[profiles.demo.notifiers.%s]\ntype = "webhook"\n' "$nt"
		printf 'url = "http://127.0.0.1:%s/path"\n' "$p"
	done
	cat <<EOC

[profiles.demo.notifiers.hold]
type = "webhook"
url = "http://127.0.0.1:$p_hold/path"
timeout = "1s"

[profiles.demo.notifiers.local]
type = "webhook"
url = "http://localhost:$p_local/lh"

[profiles.demo.notifiers.manyhold]
type = "webhook"
url = "http://127.0.0.1:$p_manyhold/path"
timeout = "3s"

[profiles.demo.notifiers.manywait]
type = "webhook"
url = "http://127.0.0.1:$p_manyhold/wait"
timeout = "1s"

[profiles.demo.notifiers.v6gone]
type = "webhook"
url = "http://[::1]:$p_gone/v6"

[profiles.demo.notifiers.localgone]
type = "webhook"
url = "http://localhost:$p_gone/lh"

[profiles.demo.notifiers.name]
type = "webhook"
url = "http://127.1:$p_name/n"

[profiles.demo.notifiers.nx]
type = "webhook"
url = "http://tinkr-test.invalid:$p_gone/nx"
timeout = "2s"

[profiles.demo.notifiers.query]
type = "webhook"
url = "http://127.0.0.1:$p_query/p?a=1&b=2"
EOC
} >"$cfg"
chmod 600 "$cfg"

ok "tinkrd starts in the foreground" start_foreground "$T_SCRATCH/tinkrd.log" -d

# delivered NAME LABEL: a test notification through NAME is delivered.
delivered() {
	tinkr notifier test "$1"
	is "$rc" 0 "$2: notifier test exits 0"
	like "$out" "^Test notification delivered by $1: HTTP 200 in [0-9]+ ms\$" \
	    "$2: and says it was delivered"
}

# many_start NAME N OUT: start N tests through NAME at once, their output
# in OUT.out.I and OUT.err.I; many_wait: wait for them, how many failed
# in $nfail.
many_start() {
	_m_i=0
	_m_pids=
	rm -f "$3".out.* "$3".err.*
	while [ "$_m_i" -lt "$2" ]; do
		_m_i=$((_m_i + 1))
		"$TINKR" notifier test "$1" >"$3.out.$_m_i" 2>"$3.err.$_m_i" \
		    </dev/null &
		_m_pids="$_m_pids $!"
	done
}
many_wait() {
	nfail=0
	for _m_p in $_m_pids; do
		wait "$_m_p" || nfail=$((nfail + 1))
	done
}

# --- keep-alive, and the request itself -----------------------------------------
delivered keep "first request"
delivered keep "second request"
is "$(nreqs keep)" 2 "the server got two requests"
is "$(conns keep)" "1 1" "both on connection 1: it was kept"
is "$(rline keep 1)" "POST /path HTTP/1.1" "the request line"
is "$(hdr keep 1 Host)" "127.0.0.1:$p_keep" "Host is the URL's host and port"
like "$(hdr keep 1 User-Agent)" '^tinkrd/[0-9]' "User-Agent is tinkrd/VERSION"
is "$(hdr keep 1 Content-Type)" "application/json" "Content-Type is JSON"
b=$(body keep 1)
blen=$(printf '%s' "$b" | LC_ALL=C wc -c | tr -d ' ')
is "$(hdr keep 1 Content-Length)" "$blen" "Content-Length is the body's length"
contains "$b" '"test":true' "the body is the test payload"
if [ -n "$T_JQ" ]; then
	ok "the body is JSON" json_valid "$b"
	is "$(printf '%s\n' "$b" | jq -r '[.watch_id, .status] | join(" ")')" \
	    "watch-test firing" "of a test notification"
	is "$(hdr keep 1 webhook-id)" "$(printf '%s\n' "$b" | jq -r .event_id)" \
	    "webhook-id is the payload's event_id"
else
	skip "the body is JSON" "jq is not installed"
fi
is "$(hdr keep 1 Transfer-Encoding)" "(none)" "the body is not chunked"
is "$(hdr keep 1 Expect)" "(none)" "no Expect: 100-continue"
is "$(hdr keep 1 Accept-Encoding)" "(none)" \
    "no Accept-Encoding (libcurl would send one): tinkrd's own client sent it"
isnt "$(body keep 1)" "$(body keep 2)" "each test is a new notification"

# --- answers of all kinds ----------------------------------------------------------------
delivered chunked "a chunked answer with an extension and a trailer"
delivered chunked "the next one after it"
is "$(conns chunked)" "1 1" "the connection is kept after a chunked answer"

delivered cont "100 Continue, then 200"
delivered cont "the next one after it"
is "$(conns cont)" "1 1" "the connection is kept after a 1xx answer"

delivered old "an HTTP/1.0 answer whose body ends at close"
delivered old "the next one after it"
is "$(conns old)" "1 2" "the next request is on a new connection"

delivered hints "100 Continue, 103 Early Hints, then 200"
delivered hints "the next one after it"
is "$(conns hints)" "1 1" "the connection is kept after two 1xx answers"

delivered lf "an answer whose lines end with LF alone"
delivered lf "the next one after it"
is "$(conns lf)" "1 1" "the connection is kept after it"

# The server keeps it open: the client must not.
delivered oldlen "an HTTP/1.0 answer with a Content-Length"
delivered oldlen "the next one after it"
is "$(conns oldlen)" "1 2" "HTTP/1.0 without keep-alive: a new connection"

delivered oldka "an HTTP/1.0 answer with Connection: keep-alive"
delivered oldka "the next one after it"
is "$(conns oldka)" "1 1" "the connection is kept"

delivered shut "an HTTP/1.1 answer with Connection: close"
delivered shut "the next one after it"
is "$(conns shut)" "1 2" \
    "the client closes that connection itself and opens another"

delivered idle "a kept connection the server closes while it is idle"
delivered idle "the next one after it"
is "$(conns idle)" "1 2" "the next request goes on a new connection, once"

delivered extra "an answer followed by more bytes than it"
delivered extra "the next one after it"
is "$(conns extra)" "1 2" "the connection is not used after those bytes"

delivered both "an answer with Transfer-Encoding: chunked and Content-Length"
delivered both "the next one after it"
is "$(conns both)" "1 2" "the chunked framing is used, once: the connection is not kept"

tinkr notifier test empty
is "$rc" 0 "a 204 answer, which has no body: exits 0"
like "$out" '^Test notification delivered by empty: HTTP 204 in [0-9]+ ms$' \
    "and says HTTP 204"
tinkr notifier test empty
like "$out" '^Test notification delivered by empty: HTTP 204 in [0-9]+ ms$' \
    "the next one after it is delivered too"
is "$(conns empty)" "1 1" "the connection is kept after a 204"

delivered big "a 300 kB answer with a Content-Length"
delivered big "the next one after it"
is "$(conns big)" "1 1" "the connection is kept after it"

delivered bigchunks "a chunked answer of 3 chunks of 100 kB"
delivered bigchunks "the next one after it"
is "$(conns bigchunks)" "1 1" "the connection is kept after it"

# --- a kept connection dropped -------------------------------------------------------------
delivered drop "the first request"
delivered drop "a request on a kept connection the server drops unanswered"
is "$(nreqs drop)" 3 "it was sent twice"
is "$(conns drop)" "1 1 2" "once on the kept connection, once on a new one"
is "$(body drop 3)" "$(body drop 2)" "the same body both times"
like "$(hdr drop 2 webhook-id)" '^evt_[0-9a-f]+$' "the first has a webhook-id"
is "$(hdr drop 3 webhook-id)" "$(hdr drop 2 webhook-id)" "the same webhook-id both times"
isnt "$(body drop 1)" "$(body drop 2)" "it is not the first request's"
tinkr notifier test drop
is "$rc" 1 "a request dropped on the kept connection and then on the new one fails"
one_error "$err" "drop.*closed the connection without answering" \
    "with one error line: the server closed the connection unanswered"
is "$(conns drop)" "1 1 2 2 3" "it was sent once more, not twice"
is "$(hdr drop 5 webhook-id)" "$(hdr drop 4 webhook-id)" "the same notification"

tinkr notifier test fresh
is "$rc" 1 "a request dropped on a new connection fails"
one_error "$err" "fresh.*127\\.0\\.0\\.1 port $p_fresh closed the connection without answering" \
    "with one error line naming the address and port"
is "$(nreqs fresh)" 1 "it is not sent again"

# --- failures -------------------------------------------------------------------------------
tinkr notifier test busy
is "$rc" 1 "503 with Retry-After: notifier test exits 1"
one_error "$err" "busy.*HTTP 503" "its error line names HTTP 503"
is "$(nreqs busy)" 1 "a test notification is not retried"

tinkr notifier test garbage
is "$rc" 1 "an answer that is not HTTP: exits 1"
one_error "$err" "garbage.*HTTP/1\\.x status line" \
    "the error says it has no HTTP/1.x status line"
tinkr notifier test garbage
is "$rc" 1 "and again"
is "$(conns garbage)" "1 2" "the connection is not used after a garbage answer"

tinkr notifier test short
is "$rc" 1 "Content-Length: 5 and 2 bytes before close: exits 1"
one_error "$err" "short.*closed the connection before the answer's end" \
    "the error says the connection closed before the answer's end"
is "$(nreqs short)" 1 "the server got the request"

tinkr notifier test huge
is "$rc" 1 "an answer over 16 MiB: exits 1"
one_error "$err" "huge.*the answer is larger than 16 MiB" \
    "the error says the answer is too large"

tinkr notifier test longhead
is "$rc" 1 "an answer whose headers are over 64 KiB: exits 1"
one_error "$err" "longhead.*headers are longer than 64 KiB" \
    "the error says its headers are too long"

tinkr notifier test midhead
is "$rc" 1 "an answer whose headers are about 70 kB, sent at once: exits 1"
one_error "$err" "midhead.*headers are longer than 64 KiB" \
    "the error says its headers are too long"

tinkr notifier test folded
is "$rc" 0 "an answer with a folded header line is delivered, as with libcurl"
tinkr notifier test folded
is "$rc" 0 "and again"
is "$(conns folded)" "1 2" "but the connection of such an answer is not kept"

tinkr notifier test twolen
is "$rc" 1 "an answer with two different Content-Lengths: exits 1"
one_error "$err" "twolen.*Content-Length is not a number, or two of its values differ" \
    "the error says so"

tinkr notifier test badchunk
is "$rc" 1 "a chunk size that is not hexadecimal: exits 1"
one_error "$err" "badchunk.*chunked body is malformed" \
    "the error says the chunked body is malformed"

tinkr notifier test switch
is "$rc" 1 "101 Switching Protocols: exits 1"
one_error "$err" "switch.*switched protocols" \
    "the error says the server switched protocols"

tinkr notifier test slow
is "$rc" 0 "an answer after 400 ms: exits 0"
ms=$(printf '%s\n' "$out" | sed -n 's/^Test notification delivered by slow: HTTP 200 in \([0-9]*\) ms$/\1/p')
ok "and says it took at least 400 ms (${ms:-?})" test "${ms:-0}" -ge 400

tinkr notifier test gone
is "$rc" 1 "a port nothing listens on: exits 1"
one_error "$err" "gone.*cannot connect to 127\\.0\\.0\\.1 port $p_gone" \
    "the error says it cannot connect to 127.0.0.1 port $p_gone"

tinkr notifier test localgone
is "$rc" 1 "localhost on a port nothing listens on: exits 1"
one_error "$err" "localgone.*cannot connect to (127\\.0\\.0\\.1|::1) port $p_gone" \
    "the error says it cannot connect, with the address and port"

tinkr notifier test v6gone
is "$rc" 1 "an IPv6 address nothing listens on: exits 1"
one_error "$err" "v6gone.*cannot connect to ::1 port $p_gone" \
    "the error names ::1 and the port"

t0=$(now_ms)
tinkr notifier test hold
t1=$(now_ms)
is "$rc" 1 "a server that never answers, with timeout = \"1s\": exits 1"
one_error "$err" "hold.*$(timed_out 1000 "$p_hold")" \
    "the error says no answer came within 1000 ms"
ok "after about a second ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 900 -a $((t1 - t0)) -lt 5000
is "$(nreqs hold)" 1 "the server got the request once"
delivered hold "the next test after a timeout"
is "$(conns hold)" "1 2" "goes on a new connection"

# --- hosts and paths -------------------------------------------------------------------------
delivered local "a URL with localhost as its host"
is "$(hdr local 1 Host)" "localhost:$p_local" "Host is localhost:PORT"
is "$(rline local 1)" "POST /lh HTTP/1.1" "the request line has the path"

# 127.1 is no address inet_pton(3) takes: a name, looked up.
delivered name "a host that is a name to look up (127.1)"
delivered name "the next one after it"
is "$(conns name)" "1 1" "the connection is kept"
is "$(hdr name 1 Host)" "127.1:$p_name" "Host is the name as in the URL"

t0=$(now_ms)
tinkr notifier test nx
t1=$(now_ms)
is "$rc" 1 "a name that does not resolve: exits 1"
one_error "$err" "nx.*(cannot resolve|looking up) tinkr-test\\.invalid" \
    "the error says the name could not be looked up"
ok "within the notifier's 2s timeout and a little ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 5000

delivered query "a URL with a query string"
is "$(rline query 1)" "POST /p?a=1&b=2 HTTP/1.1" \
    "the query string is in the request line as it is"

# --- many at once -------------------------------------------------------------------------------
# 20 tests at once, each answered after a second: at most 16 connections
# to the origin, the rest wait for one to be free.
many_start many 20 many
many_wait
is "$nfail" 0 "20 tests at once all exit 0"
is "$(cat many.out.* | grep -c '^Test notification delivered by many: HTTP 200 in [0-9]* ms$')" \
    20 "and all say they were delivered"
is "$(cat many.err.*)" "" "with nothing on stderr"
is "$(nreqs many)" 20 "the server got 20 requests"
nconn=$(conns many | tr ' ' '\n' | sort -u | wc -l | tr -d ' ')
ok "on at most 16 connections ($nconn)" test "$nconn" -le 16
is "$(reqs many | sed 's/^[^|]* | //' | sort -u | wc -l | tr -d ' ')" 20 \
    "each a different notification"

# 20 at once to an HTTP/1.0 server that closes each connection after
# half a second: the waiting ones go as connections close.
many_start manyold 20 manyold
many_wait
is "$nfail" 0 "20 tests at once, each answered on its own connection, all exit 0"
is "$(cat manyold.out.* | grep -c '^Test notification delivered by manyold: HTTP 200 in [0-9]* ms$')" \
    20 "and all say they were delivered"
is "$(nreqs manyold)" 20 "the server got 20 requests"
is "$(conns manyold | tr ' ' '\n' | sort -u | wc -l | tr -d ' ')" 20 \
    "on 20 connections"

# 16 tests that the server holds (timeout 3s) take every connection to
# its origin; a 17th to the same origin (timeout 1s) waits for one, and
# runs out of time waiting.
many_start manyhold 16 manyhold
ok "16 tests the server does not answer are sent" \
    wait_until 10 has_reqs manyhold 16
t0=$(now_ms)
tinkr notifier test manywait
t1=$(now_ms)
is "$rc" 1 "a 17th to the same origin fails"
one_error "$err" "manywait.*$(timed_out 1000 "$p_manyhold")" \
    "with no answer within 1000 ms"
ok "after about a second ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -ge 900 -a $((t1 - t0)) -lt 2800
is "$(nreqs manyhold)" 16 "it was never sent: it waited for a connection"
many_wait
is "$nfail" 16 "the 16 fail"
is "$(cat manyhold.err.* | grep -Ec "^tinkr: notifier 'manyhold': .*$(timed_out 3000 "$p_manyhold")\$")" \
    16 "with no answer within 3000 ms"
is "$(conns manyhold | tr ' ' '\n' | sort -u | wc -l | tr -d ' ')" 16 \
    "they were on 16 connections"
delivered manywait "the next test to that origin"
is "$(req manyhold 17 | sed 's/^n=17 conn=\([0-9]*\) .*/\1/')" 17 \
    "goes on a new connection"
is "$(rline manyhold 17)" "POST /wait HTTP/1.1" "it is the one through manywait"

tinkr daemon stop
is "$rc" 0 "the daemon stops"
sanitizer_check "outbound"
done_testing
