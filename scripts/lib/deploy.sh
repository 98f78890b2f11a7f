# scripts/lib/deploy.sh: the steps of scripts/deploy, sourced (also by the tests, which call
# render_nginx and run whole deploys into a disposable root). Needs common.sh first.
#
# Layout (every path below is under $ROOT, "" on a real machine):
#   /opt/frostbyte/releases/ID/{bin,site,nginx-conf,systemd,certbot,share}   one per deploy
#   /opt/frostbyte/current -> releases/ID      the running release; previous -> the one before
#   /etc/frostbyte/{deploy.conf,frostbyte.conf,secret,gemini.key,pools.env}
#   /var/lib/frostbyte/{frostbyte.db,backups/,photos/}  /run/frostbyte/POOL.{sock,metrics}
# The pools are whatever the release's systemd/ folder has: every frostbyte-NAME.service that runs
# spawn-fcgi is the pool NAME on /run/frostbyte/NAME.sock, with NAME_WORKERS workers (upper case)
# from the settings when set. A release that adds or drops a pool needs no change here.

# render_nginx TEMPLATE OUT: nginx-conf/prod.conf.in with the settings filled in. Uses DOMAIN,
# ORIGINS (space-separated), SITE, PAGES, RUNDIR, CONFDIR, ACME_ROOT, CERT, CERT_KEY, LOGDIR, and
# HTTP_PORT, HTTPS_PORT, LISTEN (defaults 80, 443, ""), TRUSTED_PROXIES (addresses or CIDRs of a
# load balancer in front, whose X-Forwarded-For is believed; default none), STAPLING_CHAIN (the
# issuer chain of a real certificate whose OCSP answers nginx staples; default none).
render_nginx() {
  local template=$1 out=$2 o p http=${HTTP_PORT:-80} https=${HTTPS_PORT:-443} redirect=""
  local tmp
  tmp=$(mktemp -d)
  : >"$tmp/cors"
  for o in $ORIGINS; do
    [[ $o =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] || { rm -rf "$tmp"; die "origin '$o' is not scheme://host[:port]"; }
    printf '    "%s" $http_origin;\n' "$o" >>"$tmp/cors"
  done
  [[ $DOMAIN =~ ^[A-Za-z0-9.-]+$ ]] || { rm -rf "$tmp"; die "DOMAIN '$DOMAIN' is not a host name"; }
  [ "$https" = 443 ] || redirect=":$https"
  # IPv6 beside IPv4 when every address is wanted (LISTEN empty) and the kernel has IPv6.
  : >"$tmp/v6http"; : >"$tmp/v6https"
  if [ -z "${LISTEN:-}" ] && [ -e /proc/net/if_inet6 ]; then
    printf '    listen [::]:%s;\n' "$http" >"$tmp/v6http"
    printf '    listen [::]:%s ssl http2 backlog=4096 reuseport;\n' "$https" >"$tmp/v6https"
  fi
  : >"$tmp/realip"
  if [ -n "${TRUSTED_PROXIES:-}" ]; then
    for p in $TRUSTED_PROXIES; do
      [[ $p =~ ^[0-9A-Fa-f.:]+(/[0-9]+)?$ ]] || { rm -rf "$tmp"; die "TRUSTED_PROXIES: '$p' is not an address or CIDR"; }
      printf 'set_real_ip_from %s;\n' "$p" >>"$tmp/realip"
    done
    printf 'real_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n' >>"$tmp/realip"
  fi
  : >"$tmp/stapling"
  if [ -n "${STAPLING_CHAIN:-}" ]; then
    printf '    ssl_stapling on;\n    ssl_stapling_verify on;\n    ssl_trusted_certificate %s;\n' \
      "$STAPLING_CHAIN" >"$tmp/stapling"
  fi
  # Multi-line values go in through files: sed cannot take a multi-line replacement portably.
  sed -e "s|@DOMAIN@|$DOMAIN|g" -e "s|@SITE@|$SITE|g" -e "s|@PAGES@|$PAGES|g" -e "s|@RUN@|$RUNDIR|g" \
      -e "s|@CONF@|$CONFDIR|g" -e "s|@ACME_ROOT@|$ACME_ROOT|g" -e "s|@CERT@|$CERT|g" \
      -e "s|@CERT_KEY@|$CERT_KEY|g" -e "s|@LOG@|$LOGDIR|g" -e "s|@HTTP_PORT@|$http|g" \
      -e "s|@HTTPS_PORT@|$https|g" -e "s|@LISTEN@|${LISTEN:-}|g" \
      -e "s|@HTTPS_REDIRECT_PORT@|$redirect|g" \
      -e "/^@CORS_ORIGINS@$/{r $tmp/cors" -e "d}" \
      -e "/^@LISTEN_V6_HTTP@$/{r $tmp/v6http" -e "d}" \
      -e "/^@LISTEN_V6_HTTPS@$/{r $tmp/v6https" -e "d}" \
      -e "/^@REAL_IP@$/{r $tmp/realip" -e "d}" \
      -e "/^@STAPLING@$/{r $tmp/stapling" -e "d}" "$template" >"$out.tmp"
  rm -rf "$tmp"
  mv "$out.tmp" "$out"
}

# self_signed CERT KEY NAME: a placeholder certificate, so nginx can start (and serve the ACME
# challenge on port 80) before certbot has the real one. Made again, for a year, by any deploy
# that finds it missing, ending within 30 days or for another name (DOMAIN changed).
self_signed() {
  [ -s "$1" ] && [ -s "$2" ] && openssl x509 -checkend $((30 * 86400)) -noout -in "$1" >/dev/null 2>&1 &&
    openssl x509 -noout -subject -in "$1" | grep -q "CN *= *$3\$" && return 0
  mkdir -p "$(dirname "$1")" "$(dirname "$2")"
  (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$3" \
    -addext "subjectAltName=DNS:$3" -keyout "$2.new" -out "$1.new" 2>/dev/null) ||
    die "openssl could not make a placeholder certificate"
  mv "$2.new" "$2" && mv "$1.new" "$1"
  say "placeholder certificate for $3 made, valid until $(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)"
}

# --- settings and paths --------------------------------------------------------------------

load_settings() {
  local file=$1
  [ -f "$file" ] || die "no settings file $file (install -D -m 0644 scripts/deploy.conf.example $file, then edit it)"
  # shellcheck disable=SC1090
  source "$file"
  : "${DOMAIN:?DOMAIN is not set in $file}" "${ORIGINS:=https://$DOMAIN}" "${ADMIN_EMAIL:=}"
  : "${API_WORKERS:=$(( $(nproc) * 2 ))}" "${CHAT_WORKERS:=$(( API_WORKERS * 2 ))}" "${AUTH_WORKERS:=2}"
  : "${KEEP_RELEASES:=3}" "${BACKUP_KEEP:=14}" "${HEALTH_SECONDS:=30}"
  : "${HTTP_PORT:=80}" "${HTTPS_PORT:=443}" "${SSH_PORT:=22}" "${TRUSTED_PROXIES:=}"
  local port
  for port in "$HTTP_PORT" "$HTTPS_PORT" "$SSH_PORT"; do
    [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "$file: port '$port' is not 1..65535"
  done
  OPT=$ROOT/opt/frostbyte ETC=$ROOT/etc/frostbyte DATA=$ROOT/var/lib/frostbyte
  RUNDIR=${RUNDIR:-$ROOT/run/frostbyte} ACME_ROOT=$ROOT/var/www/frostbyte-acme
  CONFDIR=$ROOT/etc/nginx/frostbyte LOGDIR=${LOGDIR:-$ROOT/var/log/nginx}
  SITE=$OPT/current/site
  PAGES=$ROOT/var/www/frostbyte-pages  # the parks' pages (frostbyte-ctl pages): nginx reads them
  cert_paths
}

# cert_paths: Let's Encrypt's certificate once certbot has it, else the placeholder. nginx staples
# OCSP answers for a real certificate that names an OCSP responder.
cert_paths() {
  local live=/etc/letsencrypt/live/$DOMAIN
  STAPLING_CHAIN=""
  if [ -z "$ROOT" ] && [ -s "$live/fullchain.pem" ]; then
    CERT=$live/fullchain.pem CERT_KEY=$live/privkey.pem
    [ -n "$(openssl x509 -noout -ocsp_uri -in "$live/cert.pem" 2>/dev/null)" ] && STAPLING_CHAIN=$live/chain.pem
  else
    CERT=$ETC/tls/placeholder.pem CERT_KEY=$ETC/tls/placeholder.key
  fi
}

# On a real machine the pools run as frostbyte under systemd; in a disposable root (the tests)
# they run as the caller, started like scripts/run does, their pids under RUNDIR.
as_app() {
  if [ -z "$ROOT" ]; then runuser -u frostbyte -- "$@"; else "$@"; fi
}
app_env() { # the environment frostbyte-ctl needs
  echo "FROSTBYTE_CONFIG=$ETC/frostbyte.conf"
}

# pools_of REL: the pool names of a release, from its units (see the top of this file).
pools_of() {
  local f n
  for f in "$1"/systemd/frostbyte-*.service; do
    [ -f "$f" ] && grep -q '^ExecStart=.*spawn-fcgi' "$f" || continue
    n=${f##*/frostbyte-}
    echo "${n%.service}"
  done
}

# installed_pools: the pools whose units are installed now (real machine), or running (root).
installed_pools() {
  local f n
  if [ -z "$ROOT" ]; then
    for f in /etc/systemd/system/frostbyte-*.service; do
      [ -f "$f" ] && grep -q '^ExecStart=.*spawn-fcgi' "$f" || continue
      n=${f##*/frostbyte-}
      echo "${n%.service}"
    done
  else
    for f in "$RUNDIR"/*.pid; do
      [ -f "$f" ] && n=${f##*/} && echo "${n%.pid}"
    done
  fi
}

# nice_of REL NAME: the CPU priority the pool's unit gives it (Nice=), 0 when it says none.
nice_of() {
  local v
  v=$(sed -n 's/^Nice=//p' "$1/systemd/frostbyte-$2.service")
  echo "${v:-0}"
}

# threads_of REL NAME: the accept threads the pool's unit gives it (FROSTBYTE_ACCEPT_THREADS: the
# write pool's group commit), 0 when it says none.
threads_of() {
  local v
  v=$(sed -n 's/^Environment=FROSTBYTE_ACCEPT_THREADS=//p' "$1/systemd/frostbyte-$2.service")
  echo "${v:-0}"
}

# program_of REL NAME: the program the pool's unit runs (frostbyte-fcgi, or frostbyte-media for the
# media pool): the last word of its ExecStart.
program_of() {
  sed -n 's/^ExecStart=.* \([^ ]*\)$/\1/p' "$1/systemd/frostbyte-$2.service" | sed 's#.*/##'
}

# workers_of NAME: NAME_WORKERS from the settings (API_WORKERS, CHAT_WORKERS, ...), else 1.
workers_of() {
  local var
  var=$(tr 'a-z-' 'A-Z_' <<<"$1")_WORKERS
  echo "${!var:-1}"
}

pools_stop() {
  local pools=() n
  mapfile -t pools < <(installed_pools)
  [ ${#pools[@]} -eq 0 ] && return 0
  if [ -z "$ROOT" ]; then
    systemctl stop "${pools[@]/#/frostbyte-}" || true
    return 0
  fi
  for n in "${pools[@]}"; do
    pid_stop "$RUNDIR/$n.pid"
    rm -f "$RUNDIR/$n.sock"
  done
}

# pools_start REL: starts the release's pools.
pools_start() {
  local pools=() n
  mapfile -t pools < <(pools_of "$1")
  [ ${#pools[@]} -gt 0 ] || { say "release $1 has no pool units"; return 1; }
  if [ -z "$ROOT" ]; then
    systemctl start "${pools[@]/#/frostbyte-}"
    return
  fi
  # As scripts/run starts them, in this root's layout (the socket's folder gates access here);
  # without the deploy's lock (fd 9), which they would otherwise hold as long as they run.
  for n in "${pools[@]}"; do
    POOL_RUN=$RUNDIR POOL_LOG=$ROOT/var/log/frostbyte-$n.log POOL_CONF=$ETC/frostbyte.conf \
      POOL_BIN=$OPT/current/bin/$(program_of "$1" "$n") POOL_NICE=$(nice_of "$1" "$n") \
      pool_start "$ROOT" "$n" "$(workers_of "$n")" "$(threads_of "$1" "$n")" 9>&-
  done
}

# healthy REL: GET /api/health answers 200 from every pool's socket within HEALTH_SECONDS, and, on
# a real machine, through nginx over HTTPS on HTTPS_PORT too.
healthy() {
  local deadline=$((SECONDS + HEALTH_SECONDS)) pools=() n ok
  mapfile -t pools < <(pools_of "$1")
  while [ $SECONDS -lt $deadline ]; do
    ok=1
    for n in "${pools[@]}"; do
      [[ $(REQUEST_METHOD=GET DOCUMENT_URI=/api/health SCRIPT_NAME=/api/health QUERY_STRING= \
        timeout 5 cgi-fcgi -bind -connect "$RUNDIR/$n.sock" 2>/dev/null | head -1) == "Status: 200"* ]] ||
        { ok=0; break; }
    done
    if [ $ok -eq 1 ]; then
      [ -n "$ROOT" ] && return 0
      # -k: the placeholder certificate is self-signed; this checks nginx and the pools, not TLS.
      curl -fsS -o /dev/null --max-time 5 -k --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1" \
        "https://$DOMAIN:$HTTPS_PORT/api/health" 2>/dev/null && return 0
    fi
    sleep 0.5
  done
  return 1
}

# --- the steps -----------------------------------------------------------------------------

# What a deploy uses besides building and serving; a minimal image has none of it (netbase
# included: nothing here needs /etc/protocols, the firewall rules use protocol numbers).
DEPLOY_PACKAGES="certbot nftables openssl logrotate"

step_packages() {
  [ -n "$ROOT" ] && return 0
  ensure_packages $RUN_PACKAGES $DEPLOY_PACKAGES
}

step_user() {
  [ -n "$ROOT" ] && return 0
  getent group www-data >/dev/null || groupadd --system www-data
  id -u frostbyte >/dev/null 2>&1 ||
    useradd --system --home-dir /var/lib/frostbyte --no-create-home --shell /usr/sbin/nologin \
      --user-group frostbyte
}

# release_id SRC: the UTC time and the commit (a checkout) or the version (a release tarball).
release_id() {
  local rev
  rev=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) ||
    rev=v$(sed -n 's/^AC_INIT(\[frostbyte\], \[\([^]]*\)\].*/\1/p' "$1/configure.ac" 2>/dev/null)
  echo "$(date -u +%Y%m%dT%H%M%SZ)-${rev:-local}"
}

# step_build SRC: configure, make and make install SRC into a new release folder; sets REL. The
# release is marked INCOMPLETE until it has passed its health check: a deploy that stops on the
# way (an error, Ctrl-C) turns the mark into FAILED on its way out.
step_build() {
  local src=$1 id
  id=$(release_id "$src")
  REL=$OPT/releases/$id
  [ -e "$REL" ] && REL=$REL-$$
  mkdir -p "$REL"
  echo "deploy started $(date -u +%FT%TZ) from $src" >"$REL/INCOMPLETE"
  trap mark_aborted EXIT
  say "== building $src into $REL"
  # A fresh build folder each time: the prefix is the release's own folder.
  local bdir=$ROOT/var/cache/frostbyte/build-$id
  (
    REPO=$src BUILD_DIR=$bdir CONFIGURE_FLAGS="--prefix=$REL --enable-werror"
    build && make -C "$BUILD_DIR" install >/dev/null
  ) || { rm -rf "$bdir" "$REL"; die "the build failed; nothing was changed"; }
  rm -rf "$bdir"
  cp -r "$src/site" "$src/nginx-conf" "$src/systemd" "$src/certbot" "$REL/"
  version_site "$REL/site"
  # Precompressed text assets for nginx's gzip_static; -n: no name or time inside, so the same
  # file gives the same bytes.
  find "$REL/site" -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.json' \) \
    -size +1k -exec gzip -9 -k -n {} +
  mkdir -p "$REL/share/doc/frostbyte" && cp "$src/docs/operations.md" "$REL/share/doc/frostbyte/"
}

# version_site DIR: every reference to the site's own style sheet and scripts, in its pages and
# between its modules, gets ?v=VERSION, a hash of the whole site, so that nginx lets browsers keep
# them for a year ($static_cache) and a new release is fetched at once. One version for them all:
# a module imported under two URLs would run twice.
version_site() {
  local dir=$1 v
  v=$(cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
  find "$dir" -type f -name '*.html' -exec sed -i -E "s#((href|src)=\"/[^\"?]+\.(css|js))\"#\1?v=$v\"#g" {} +
  find "$dir" -type f -name '*.js' -exec sed -i -E "s#((from|import)\s*\(?\s*'\.{1,2}/[^'?]+\.js)'#\1?v=$v'#g" {} +
}

# mark_aborted (EXIT trap): a release that never passed its health check is not left unmarked.
mark_aborted() {
  if [ -n "${REL:-}" ] && [ -f "$REL/INCOMPLETE" ]; then
    { cat "$REL/INCOMPLETE"; echo "stopped before passing its health check"; } >>"$REL/FAILED"
    rm -f "$REL/INCOMPLETE"
  fi
}

# set_conf FILE KEY VALUE: the line "KEY = VALUE" in FILE, replacing any line for KEY.
set_conf() {
  local file=$1 key=$2 value=$3
  { grep -v "^[[:space:]]*$key[[:space:]]*=" "$file" || true; echo "$key = $value"; } >"$file.new"
  mv "$file.new" "$file"
}

step_config() {
  mkdir -p "$ETC" "$DATA/backups" "$RUNDIR" "$ROOT/var/log" "$ACME_ROOT"
  if [ ! -s "$ETC/frostbyte.conf" ]; then
    cat >"$ETC/frostbyte.conf" <<CONF
# Written once by scripts/deploy; edit freely (a later deploy keeps it), except allowed_origins,
# which every deploy writes from ORIGINS in deploy.conf (nginx's CORS list comes from there too).
# See docs/operations.md.
database = $DATA/frostbyte.db
secret_file = $ETC/secret
cookie_secure = true
gemini_key_file = $ETC/gemini.key
# Upstream chat calls per UTC day across all users: a spending ceiling (0 turns it off).
chat_daily_cap = 2000
CONF
  fi
  # One source for the origins trusted with credentials: nginx's CORS map and the app's check.
  set_conf "$ETC/frostbyte.conf" allowed_origins "$ORIGINS"
  [ -s "$ETC/secret" ] || (umask 077 && head -c 48 /dev/urandom >"$ETC/secret")
  {
    local v
    for v in $(compgen -v | grep -E '^[A-Z0-9_]+_WORKERS$'); do printf '%s=%s\n' "$v" "${!v}"; done
    printf 'BACKUP_KEEP=%s\n' "$BACKUP_KEEP"
  } >"$ETC/pools.env"
  if [ -z "$ROOT" ]; then
    chown root:frostbyte "$ETC" "$ETC/frostbyte.conf" "$ETC/pools.env" && chmod 0750 "$ETC"
    chmod 0640 "$ETC/frostbyte.conf" "$ETC/pools.env"
    chown frostbyte:frostbyte "$ETC/secret" && chmod 0600 "$ETC/secret"
    [ -f "$ETC/gemini.key" ] && chown frostbyte:frostbyte "$ETC/gemini.key" && chmod 0600 "$ETC/gemini.key"
    [ -f "$ETC/deploy.conf" ] && chmod go-w "$ETC/deploy.conf"
    # As systemd/frostbyte.tmpfiles says: nginx's group may pass through to the photos, no further.
    chown -R frostbyte:frostbyte "$DATA" && chown frostbyte:www-data "$DATA" && chmod 0710 "$DATA"
    if [ -d "$DATA/photos" ]; then chown frostbyte:www-data "$DATA/photos" && chmod 0750 "$DATA/photos"; fi
  fi
  mkdir -p "$PAGES"
  if [ -z "$ROOT" ]; then chown frostbyte:frostbyte "$PAGES" && chmod 0755 "$PAGES"; fi
}

# install_units REL: the release's units in /etc/systemd/system, those of another release that
# REL has not removed (disabled and stopped first), tmpfiles.d and sysusers.d, the operator's
# frostbyte-ctl; enables the pools, the backup timer and nginx. Real machine only.
install_units() {
  local rel=$1 f u pools=()
  [ -n "$ROOT" ] && return 0
  for f in /etc/systemd/system/frostbyte-*.service /etc/systemd/system/frostbyte-*.timer; do
    [ -f "$f" ] || continue
    u=${f##*/}
    [ -f "$rel/systemd/$u" ] || { systemctl disable --now "$u" >/dev/null 2>&1 || true; rm -f "$f"; }
  done
  install -m 0644 "$rel"/systemd/*.service "$rel"/systemd/*.timer /etc/systemd/system/ || return 1
  # Debian 12 has neither folder until something puts a file there.
  install -D -m 0644 "$rel/systemd/frostbyte.tmpfiles" /etc/tmpfiles.d/frostbyte.conf || return 1
  install -D -m 0644 "$rel/systemd/frostbyte.sysusers" /etc/sysusers.d/frostbyte.conf || return 1
  [ ! -f "$rel/systemd/frostbyte-ctl" ] || install -D -m 0755 "$rel/systemd/frostbyte-ctl" /usr/local/bin/frostbyte-ctl
  systemd-tmpfiles --create /etc/tmpfiles.d/frostbyte.conf || return 1
  systemctl daemon-reload || return 1
  mapfile -t pools < <(pools_of "$rel")
  systemctl enable "${pools[@]/#/frostbyte-}" frostbyte-backup.timer nginx >/dev/null 2>&1 || return 1
  systemctl start frostbyte-backup.timer
}

# tune_nginx_main FILE: Debian's nginx.conf, raised in place for a herd of readers (bench/run
# --herd): 4096 connections a worker rather than 768, and the descriptors for them; each wakeup
# accepts every waiting connection rather than one (multi_accept). Running it again changes nothing.
tune_nginx_main() {
  local f=$1
  sed -i -e 's/^\(\s*worker_connections\s\+\)768;/\14096;/' \
         -e 's/^\(\s*\)#\s*multi_accept on;/\1multi_accept on;/' "$f"
  grep -q '^worker_rlimit_nofile' "$f" || sed -i '/^worker_processes /a worker_rlimit_nofile 16384;' "$f"
}

# install_nginx REL: the release's snippets (only them) in CONFDIR, its prod.conf.in rendered,
# checked with nginx -t and loaded; the access log and its rotation. Returns 1 when nginx -t fails.
install_nginx() {
  local rel=$1
  mkdir -p "$CONFDIR" "$ROOT/etc/nginx/conf.d" "$LOGDIR"
  rm -f "$CONFDIR"/*.conf
  cp "$rel"/nginx-conf/*.conf "$CONFDIR/" || return 1
  self_signed "$ETC/tls/placeholder.pem" "$ETC/tls/placeholder.key" "$DOMAIN"
  cert_paths
  render_nginx "$rel/nginx-conf/prod.conf.in" "$ROOT/etc/nginx/conf.d/frostbyte.conf"
  if [ -n "$ROOT" ]; then # only check it: a wrapper stands in for Debian's nginx.conf
    printf 'include /etc/nginx/modules-enabled/*.conf;\npid %s/nginx-test.pid;\nerror_log stderr;\nevents {}\nhttp {\n include /etc/nginx/mime.types;\n include %s;\n}\n' \
      "$RUNDIR" "$ROOT/etc/nginx/conf.d/frostbyte.conf" >"$ROOT/etc/nginx/test-main.conf"
    nginx -t -q -c "$ROOT/etc/nginx/test-main.conf" || { say "the rendered nginx configuration fails nginx -t"; return 1; }
    return 0
  fi
  # The access log holds client addresses: www-data:adm 0640 as Debian's logrotate makes its
  # own logs (nginx itself would create it 0644), rotated daily by /etc/logrotate.d/frostbyte.
  local log
  for log in "$LOGDIR/frostbyte.access.json" "$LOGDIR/frostbyte.error.log"; do
    [ -e "$log" ] || install -m 0640 -o www-data -g adm /dev/null "$log"
    chmod 0640 "$log"
  done
  [ ! -f "$rel/nginx-conf/frostbyte.logrotate" ] ||
    install -D -m 0644 "$rel/nginx-conf/frostbyte.logrotate" /etc/logrotate.d/frostbyte
  # Debian's default site would take port 80 from us; ours listens on IPv4 and IPv6 itself. When it
  # was there (the first deploy), nginx restarts rather than reloads: after a reload the old
  # workers still accept for a moment, and they would answer port 80 with Debian's 404 after the
  # new ones already answer 443 (the bare-box test saw it once, right after a first deploy).
  local first=0
  [ -e /etc/nginx/sites-enabled/default ] && first=1
  rm -f /etc/nginx/sites-enabled/default
  tune_nginx_main /etc/nginx/nginx.conf
  nginx -t -q || { say "the rendered nginx configuration fails nginx -t"; return 1; }
  if [ $first -eq 1 ]; then systemctl restart nginx; else systemctl reload-or-restart nginx; fi
}

step_firewall() {
  [ -n "$ROOT" ] && return 0
  local ports="$SSH_PORT, $HTTP_PORT, $HTTPS_PORT"
  if command -v ufw >/dev/null && ufw status 2>/dev/null | grep -q '^Status: active'; then
    ufw allow "$SSH_PORT/tcp" >/dev/null; ufw allow "$HTTP_PORT/tcp" >/dev/null
    ufw allow "$HTTPS_PORT/tcp" >/dev/null
    return 0
  fi
  # Protocol numbers (1 ICMP, 58 ICMPv6): names would need /etc/protocols, which minimal images lack.
  install -m 0644 /dev/stdin /etc/frostbyte/nftables.nft <<NFT
# Written by scripts/deploy: only SSH, HTTP and HTTPS come in (ports from deploy.conf).
table inet frostbyte
delete table inet frostbyte
table inet frostbyte {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif lo accept
    meta l4proto { 1, 58 } accept
    tcp dport { $ports } accept
  }
}
NFT
  grep -q '/etc/frostbyte/nftables.nft' /etc/nftables.conf 2>/dev/null ||
    echo 'include "/etc/frostbyte/nftables.nft"' >>/etc/nftables.conf
  nft -f /etc/frostbyte/nftables.nft || die "nft could not load /etc/frostbyte/nftables.nft"
  systemctl enable nftables >/dev/null 2>&1
}

step_certificate() {
  [ -n "$ROOT" ] && return 0
  [ -s "/etc/letsencrypt/live/$DOMAIN/fullchain.pem" ] && return 0
  if [ -z "$ADMIN_EMAIL" ]; then
    say "no ADMIN_EMAIL: keeping the placeholder certificate; run certbot/obtain later"
    return 0
  fi
  "$REL/certbot/obtain" "$DOMAIN" "$ADMIN_EMAIL" "$ACME_ROOT" ||
    { say "certbot failed; the site keeps the placeholder certificate (see docs/operations.md)"; return 0; }
  cert_paths
  render_nginx "$REL/nginx-conf/prod.conf.in" /etc/nginx/conf.d/frostbyte.conf
  nginx -t -q && systemctl reload nginx
}

# switch_to DIR: points current at DIR in one rename, so nothing ever sees it missing.
switch_to() {
  ln -sfn "$1" "$OPT/current.new" && mv -T "$OPT/current.new" "$OPT/current"
}

# step_release: back the database up (if any), stop, switch, install the release's units and
# nginx configuration, migrate, start, check; on a failed check put the previous release's
# binaries, units, nginx configuration and database back and start those.
step_release() {
  local prev="" backup="" out
  [ -L "$OPT/current" ] && prev=$(readlink -f "$OPT/current")
  if [ -n "$prev" ] && [ -s "$DATA/frostbyte.db" ]; then
    out=$(as_app env "$(app_env)" "$prev/bin/frostbyte-ctl" backup "$DATA/backups" "$BACKUP_KEEP") ||
      die "the backup before the upgrade failed; nothing was changed"
    backup=$(sed -n 's/^backup \(.*\): integrity ok.*/\1/p' <<<"$out")
    say "backed up to $backup"
  fi
  pools_stop
  switch_to "$REL"
  if install_units "$REL" && as_app env "$(app_env)" "$REL/bin/frostbyte-ctl" migrate >&2 &&
     as_app env "$(app_env)" "$REL/bin/frostbyte-ctl" pages "$REL/site/park.html" "$PAGES" "https://$DOMAIN" >&2 &&
     pools_start "$REL" && install_nginx "$REL" && healthy "$REL"; then
    [ -n "$prev" ] && ln -sfn "$prev" "$OPT/previous"
    rm -f "$REL/INCOMPLETE"
    say "deployed $REL"
    return 0
  fi
  say "the new release $REL failed its health check"
  { cat "$REL/INCOMPLETE"; echo "failed its health check; rolled back to ${prev:-nothing}"; } >"$REL/FAILED"
  rm -f "$REL/INCOMPLETE"
  [ -n "$prev" ] || die "no previous release to go back to; see the pool logs"
  pools_stop
  switch_to "$prev"
  install_units "$prev" || say "could not put back the units of $prev"
  if [ -n "$backup" ]; then
    as_app env "$(app_env)" "$prev/bin/frostbyte-ctl" restore "$backup" >&2 ||
      say "could not restore $backup; the database is as the new release left it"
  fi
  pools_start "$prev"
  install_nginx "$prev" || say "the nginx configuration of $prev fails nginx -t"
  healthy "$prev" || die "rolled back to $prev, but it is not healthy either: read the logs"
  die "rolled back to $prev (binaries, units, nginx configuration and database); the failed release is kept in $REL"
}

# step_prune: keeps current, previous, the KEEP_RELEASES newest good releases and the newest
# failed one (for a look); deletes the rest, with what a deploy killed outright left (INCOMPLETE).
# Failed releases never count among the good ones.
step_prune() {
  local cur prev r good=() failed=() aborted=() keep from
  cur=$(readlink -f "$OPT/current") prev=$(readlink -f "$OPT/previous" 2>/dev/null || true)
  for r in "$OPT"/releases/*/; do
    r=${r%/}
    if [ -e "$r/INCOMPLETE" ]; then aborted+=("$r") # killed mid-way: this deploy holds the lock
    elif [ -e "$r/FAILED" ]; then failed+=("$r")
    else good+=("$r"); fi
  done
  from=$(( ${#good[@]} > KEEP_RELEASES ? ${#good[@]} - KEEP_RELEASES : 0 ))
  keep=$(printf '%s\n' "${good[@]:from}" "${failed[@]: -1}" "$cur" "$prev")
  for r in "${good[@]}" "${failed[@]}" "${aborted[@]}"; do
    grep -qxF "$r" <<<"$keep" || { say "pruning $r"; rm -rf "$r"; }
  done
}
