# scripts/lib/common.sh: shared by scripts/run, scripts/test and bench/: packages, build, stack.
# Sourced, not run. Every process started here is stopped by its pid (stack_stop).

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${FROSTBYTE_BUILD_DIR:-$REPO/build}
CONFIGURE_FLAGS=${FROSTBYTE_CONFIGURE_FLAGS:-}

# What the project needs from Debian/Ubuntu to build and serve.
RUN_PACKAGES="build-essential autoconf automake pkg-config ca-certificates curl libnginx-mod-http-lua \
  libfcgi-dev libfcgi-bin spawn-fcgi multiwatch nginx sqlite3 \
  libcjson-dev libsqlite3-dev libjwt-dev libcurl4-openssl-dev libsodium-dev zlib1g-dev libvips-dev"

# What the browser tests need (scripts/test): Debian's Chromium, driven by playwright-core from npm.
# Node.js and npm come as the nodejs and npm packages unless a node with npm is already there.
BROWSER_PACKAGES="chromium"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ensure_packages PKG...: installs the missing ones with apt (as root), or says how to.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt run (a second checkout's scripts/test, unattended-upgrades) instead of failing.
  local lock=(-o DPkg::Lock::Timeout=600)
  apt-get "${lock[@]}" update -qq >&2 || die "apt-get update failed"
  apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install failed"
}

# build: configure (once per flag set) and make in $BUILD_DIR.
build() {
  [ -x "$REPO/configure" ] && [ "$REPO/configure" -nt "$REPO/configure.ac" ] ||
    (cd "$REPO" && autoreconf --install --force >&2) || die "autoreconf failed"
  mkdir -p "$BUILD_DIR"
  local stamp="$BUILD_DIR/.configure-flags"
  if [ ! -f "$BUILD_DIR/Makefile" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$CONFIGURE_FLAGS" ] ||
     [ "$REPO/configure" -nt "$BUILD_DIR/Makefile" ]; then
    # shellcheck disable=SC2086
    (cd "$BUILD_DIR" && "$REPO/configure" $CONFIGURE_FLAGS >"$BUILD_DIR/configure.out" 2>&1) ||
      { tail -20 "$BUILD_DIR/configure.out" >&2; die "configure failed"; }
    printf '%s' "$CONFIGURE_FLAGS" >"$stamp"
  fi
  make -C "$BUILD_DIR" -j"$(nproc)" >&2 || die "build failed"
}

# prepare_data DIR: folders, a secret, the config file, and the migrated database.
prepare_data() {
  local data=$1
  mkdir -p "$data/run" "$data/log" "$data/tmp"
  chmod 700 "$data"
  if [ ! -s "$data/secret" ]; then
    (umask 077 && head -c 48 /dev/urandom >"$data/secret")
  fi
  cat >"$data/frostbyte.conf" <<CONF
# Written by scripts/run for development; production uses /etc/frostbyte/frostbyte.conf.
database = $data/frostbyte.db
secret_file = $data/secret
cookie_secure = false
# The ranger chat is on when this file holds a Gemini API key (mode 0600); otherwise /api/chat/
# answers 503 chat_unavailable and everything else works.
gemini_key_file = $data/gemini.key
CONF
  FROSTBYTE_CONFIG="$data/frostbyte.conf" "$BUILD_DIR/frostbyte-ctl" migrate >&2 ||
    die "could not create the database in $data"
  # The parks' shareable pages (/parks/SLUG), from the site's park.html and the database.
  FROSTBYTE_CONFIG="$data/frostbyte.conf" "$BUILD_DIR/frostbyte-ctl" pages "$REPO/site/park.html" "$data/pages" >&2 ||
    die "could not write the park pages into $data/pages"
}

# The pools, each on DATA/run/NAME.sock (nginx-conf/write-pool.conf says which serves what).
POOLS="api chat write auth media"

# multiwatch gives up on a worker slot after 3 deaths each within 10 s of its start (its defaults):
# killed workers then shrink the pool for good (test/reliability/kill.py found it). A worker that
# lived a second counts as healthy; twenty quick deaths in a row still stop a crash loop.
MULTIWATCH_RETRY="--retry=20 --timeout=1000"

# The write pool's one worker accepts on this many threads and commits their writes in groups
# (fcgi-app/group.h); systemd/frostbyte-write.service sets the same number. One is the fastest on
# two cores: more only add thread switches (bench/README.md, "One accept thread").
# FROSTBYTE_WRITE_THREADS=0 gives it the one-thread loop and a commit a write, as the other pools.
WRITE_THREADS=${FROSTBYTE_WRITE_THREADS:-1}

# pool_start DATA NAME WORKERS [THREADS]: one pool (spawn-fcgi + multiwatch + frostbyte-fcgi, or
# frostbyte-media for the media pool: the one program with the image work) on DATA/run/NAME.sock,
# logging to DATA/log/NAME.log, its pid in DATA/run/NAME.pid; THREADS (default 0: one request at a
# time) is accept_threads. scripts/deploy's disposable root sets POOL_RUN, POOL_LOG, POOL_CONF and
# POOL_BIN for its own layout; POOL_NICE sets the pool's CPU priority (nice, -20 to 19).
pool_start() {
  local data=$1 name=$2 workers=$3 threads=${4:-0}
  local run=${POOL_RUN:-$data/run} log=${POOL_LOG:-$data/log/$name.log}
  local sock="$run/$name.sock" program=frostbyte-fcgi
  [ "$name" = media ] && program=frostbyte-media
  # A socket left by a killed run makes spawn-fcgi fail with "address in use". The pool's metrics
  # file starts afresh with the pool (fcgi-app/metrics.c).
  rm -f "$sock" "$run/$name.metrics"
  # setsid: a Ctrl-C in the terminal reaches only the calling script, which stops the servers in
  # order, rather than each server on its own. A new session is also a new autogroup of the
  # scheduler, which shares the CPU equally between autogroups whatever their processes' nice
  # values: so the session's own nice is set too (production's units use CPUWeight= for this).
  FROSTBYTE_CONFIG=${POOL_CONF:-$data/frostbyte.conf} FROSTBYTE_METRICS_FILE="$run/$name.metrics" \
    FROSTBYTE_ACCEPT_THREADS=$threads setsid sh -c \
    '[ ! -w /proc/self/autogroup ] || echo "$0" >/proc/self/autogroup; exec "$@"' "${POOL_NICE:-0}" \
    nice -n "${POOL_NICE:-0}" spawn-fcgi -n -s "$sock" -M 0660 -- \
    /usr/bin/multiwatch -f "$workers" $MULTIWATCH_RETRY -- "${POOL_BIN:-$BUILD_DIR/$program}" \
    >>"$log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
}

# stack_start DATA PORT WORKERS [CHAT_WORKERS] [AUTH_WORKERS]: the api pool, the chat pool
# (/api/chat/, which waits on Gemini, so it has its own socket and more workers: default
# 2 x WORKERS), the write pool (one worker for the API's writes), the auth pool (the routes that run
# Argon2: default 2 workers, at a lower CPU priority, so password floods never delay reads), the
# media pool (photo uploads, which decode images: MEDIA_WORKERS, default one per core, niced) and
# nginx, in the background. frostbyte-fcgi serves the first four, frostbyte-media the fifth.
stack_start() {
  local data=$1 port=$2 workers=$3 chat_workers=${4:-$(( $3 * 2 ))} auth_workers=${5:-2}
  local conf="$data/nginx.conf" user_line="" sock
  pool_start "$data" api "$workers"
  pool_start "$data" chat "$chat_workers"
  # The write pool first: its one database thread is the only path to a commit, so when nginx and
  # the readers keep both cores busy every write would wait for it (bench/README.md). Raising a
  # priority takes root; as another user nice says so in the pool's log and the pool runs at 0.
  POOL_NICE=-10 pool_start "$data" write 1 "$WRITE_THREADS"
  POOL_NICE=19 pool_start "$data" auth "$auth_workers"
  # Niced: decoding photos must not take the CPU from reads on a small machine (bench/README.md).
  POOL_NICE=10 pool_start "$data" media "${MEDIA_WORKERS:-$(nproc)}"

  # As root, nginx workers switch users: run them as the owner of the checkout and data.
  [ "$(id -u)" -eq 0 ] && user_line="user $(stat -c %U "$data") $(stat -c %G "$data");"
  # nginx's micro-cache in memory, as production's /run: never on the data folder's disk, which
  # may fill up (test/reliability/diskfull.py). Its folder is named in the run folder for stack_stop.
  local cache
  cache=$(mktemp -d /dev/shm/frostbyte-nginx-cache.XXXXXX)
  echo "$cache" >"$data/run/nginx-cache.path"
  [ "$(id -u)" -eq 0 ] && chown "$(stat -c %U:%G "$data")" "$cache"
  sed -e "s|@DATA@|$data|g" -e "s|@PORT@|$port|g" -e "s|@SITE@|$REPO/site|g" -e "s|@CACHE@|$cache|g" \
      -e "s|@CONF@|$REPO/nginx-conf|g" -e "s|@USER_LINE@|$user_line|" \
      "$REPO/nginx-conf/dev.conf.in" >"$conf"
  local i
  for sock in $POOLS; do
    for i in $(seq 1 100); do [ -S "$data/run/$sock.sock" ] && break; sleep 0.05; done
  done
  setsid nginx -p "$data" -c "$conf" -g 'daemon off;' -e "$data/log/nginx-error.log" \
    >>"$data/log/nginx.log" 2>&1 &
  echo $! >"$data/run/nginx.pid"
}

# wait_healthy URL SECONDS: until /api/health answers 200.
wait_healthy() {
  local url=$1 deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    curl -fsS -o /dev/null --max-time 2 "$url/api/health" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# pid_stop PIDFILE...: SIGTERM to each recorded pid, then waits up to 5 s each (SIGKILL after).
# (No command substitution here: it runs from signal traps, where bash 5.2 can fail to parse one.)
pid_stop() {
  local f pid i
  for f in "$@"; do
    [ -f "$f" ] && read -r pid <"$f" && kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$@"; do
    [ -f "$f" ] && read -r pid <"$f" || continue
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

# stack_stop DATA: stops what stack_start started, by pid, and waits for it.
stack_stop() {
  local data=$1
  local p pids=("$data/run/nginx.pid")
  for p in $POOLS; do pids+=("$data/run/$p.pid"); done
  pid_stop "${pids[@]}"
  for p in $POOLS; do rm -f "$data/run/$p.sock"; done
  if [ -f "$data/run/nginx-cache.path" ]; then
    read -r p <"$data/run/nginx-cache.path"
    case $p in /dev/shm/frostbyte-nginx-cache.*) rm -rf "$p" ;; esac
    rm -f "$data/run/nginx-cache.path"
  fi
}
