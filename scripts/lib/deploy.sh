# scripts/lib/deploy.sh: the steps of scripts/deploy, sourced (also by the tests, which call
# render_nginx and run whole deploys into a disposable root). Needs common.sh first.
#
# Layout (every path below is under $ROOT, "" on a real machine):
#   /opt/frostbyte/releases/ID/{bin,site,nginx-conf,systemd,certbot,share}   one per deploy
#   /opt/frostbyte/current -> releases/ID      the running release; previous -> the one before
#   /etc/frostbyte/{frostbyte.conf,secret,gemini.key,pools.env}
#   /var/lib/frostbyte/{frostbyte.db,backups/}  /run/frostbyte/{api,chat,write}.{sock,metrics}

# render_nginx TEMPLATE OUT: nginx-conf/prod.conf.in with the settings filled in. Uses DOMAIN,
# ORIGINS (space-separated), SITE, RUNDIR, CONFDIR, ACME_ROOT, CERT, CERT_KEY, LOGDIR, and
# HTTP_PORT, HTTPS_PORT, LISTEN (defaults 80, 443, "").
render_nginx() {
  local template=$1 out=$2 origins="" o redirect=""
  for o in $ORIGINS; do
    [[ $o =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] || die "origin '$o' is not scheme://host[:port]"
    origins+="    \"$o\" \$http_origin;"$'\n'
  done
  [[ $DOMAIN =~ ^[A-Za-z0-9.-]+$ ]] || die "DOMAIN '$DOMAIN' is not a host name"
  [ "${HTTPS_PORT:-443}" = 443 ] || redirect=":$HTTPS_PORT"
  # The origins go in through a file: sed cannot take a multi-line replacement portably.
  local tmp
  tmp=$(mktemp)
  printf '%s' "$origins" >"$tmp"
  sed -e "s|@DOMAIN@|$DOMAIN|g" -e "s|@SITE@|$SITE|g" -e "s|@RUN@|$RUNDIR|g" \
      -e "s|@CONF@|$CONFDIR|g" -e "s|@ACME_ROOT@|$ACME_ROOT|g" -e "s|@CERT@|$CERT|g" \
      -e "s|@CERT_KEY@|$CERT_KEY|g" -e "s|@LOG@|$LOGDIR|g" -e "s|@HTTP_PORT@|${HTTP_PORT:-80}|g" \
      -e "s|@HTTPS_PORT@|${HTTPS_PORT:-443}|g" -e "s|@LISTEN@|${LISTEN:-}|g" \
      -e "s|@HTTPS_REDIRECT_PORT@|$redirect|g" \
      -e "/^@CORS_ORIGINS@$/{r $tmp" -e "d}" "$template" >"$out.tmp"
  rm -f "$tmp"
  mv "$out.tmp" "$out"
}

# self_signed CERT KEY NAME: a placeholder certificate, so nginx can start (and serve the ACME
# challenge on port 80) before certbot has the real one.
self_signed() {
  [ -s "$1" ] && [ -s "$2" ] && return 0
  mkdir -p "$(dirname "$1")" "$(dirname "$2")"
  (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$3" \
    -addext "subjectAltName=DNS:$3" -keyout "$2" -out "$1" 2>/dev/null) ||
    die "openssl could not make a placeholder certificate"
}

# --- settings and paths --------------------------------------------------------------------

load_settings() {
  local file=$1
  [ -f "$file" ] || die "no settings file $file (copy scripts/deploy.conf.example)"
  # shellcheck disable=SC1090
  source "$file"
  : "${DOMAIN:?DOMAIN is not set in $file}" "${ORIGINS:=https://$DOMAIN}" "${ADMIN_EMAIL:=}"
  : "${API_WORKERS:=$(( $(nproc) * 2 ))}" "${CHAT_WORKERS:=$(( API_WORKERS * 2 ))}" "${AUTH_WORKERS:=2}"
  : "${KEEP_RELEASES:=3}" "${BACKUP_KEEP:=14}" "${HEALTH_SECONDS:=30}"
  OPT=$ROOT/opt/frostbyte ETC=$ROOT/etc/frostbyte DATA=$ROOT/var/lib/frostbyte
  RUNDIR=${RUNDIR:-$ROOT/run/frostbyte} ACME_ROOT=$ROOT/var/www/frostbyte-acme
  CONFDIR=$ROOT/etc/nginx/frostbyte LOGDIR=${LOGDIR:-$ROOT/var/log/nginx}
  SITE=$OPT/current/site
  if [ -s "/etc/letsencrypt/live/$DOMAIN/fullchain.pem" ] && [ -z "$ROOT" ]; then
    CERT=/etc/letsencrypt/live/$DOMAIN/fullchain.pem CERT_KEY=/etc/letsencrypt/live/$DOMAIN/privkey.pem
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

pool_units() { local n; for n in $POOLS; do printf 'frostbyte-%s ' "$n"; done; }

pools_stop() {
  if [ -z "$ROOT" ]; then
    systemctl stop $(pool_units)
    return
  fi
  local n
  for n in $POOLS; do pid_stop "$RUNDIR/$n.pid"; rm -f "$RUNDIR/$n.sock"; done
}

pools_start() {
  if [ -z "$ROOT" ]; then
    systemctl start $(pool_units)
    return
  fi
  # As scripts/run starts them, in this root's layout (the socket's folder gates access here).
  local n
  for n in $POOLS; do
    POOL_RUN=$RUNDIR POOL_LOG=$ROOT/var/log/frostbyte-$n.log POOL_CONF=$ETC/frostbyte.conf \
      POOL_BIN=$OPT/current/bin/frostbyte-fcgi POOL_NICE=$([ "$n" = auth ] && echo 19 || echo 0) \
      pool_start "$ROOT" "$n" "$(case $n in api) echo "$API_WORKERS" ;; chat) echo "$CHAT_WORKERS" ;;
        auth) echo "$AUTH_WORKERS" ;; *) echo 1 ;; esac)" "$([ "$n" = write ] && echo "$WRITE_THREADS" || echo 0)"
  done
}

# healthy: GET /api/health answers 200 from every pool's socket but the chat pool's within
# HEALTH_SECONDS, and, on a real machine, through nginx over HTTPS too.
healthy() {
  local deadline=$((SECONDS + HEALTH_SECONDS)) out sock
  while [ $SECONDS -lt $deadline ]; do
    out=""
    for sock in api write auth; do
      out+=$(REQUEST_METHOD=GET DOCUMENT_URI=/api/health SCRIPT_NAME=/api/health QUERY_STRING= \
        timeout 5 cgi-fcgi -bind -connect "$RUNDIR/$sock.sock" 2>/dev/null | head -1 || true)
    done
    if [[ $out == "Status: 200"*"Status: 200"*"Status: 200"* ]]; then
      [ -n "$ROOT" ] && return 0
      curl -fsS -o /dev/null --max-time 5 --cacert "$CERT" --resolve "$DOMAIN:443:127.0.0.1" \
        "https://$DOMAIN/api/health" 2>/dev/null && return 0
      curl -fsS -o /dev/null --max-time 5 -k --resolve "$DOMAIN:443:127.0.0.1" \
        "https://$DOMAIN/api/health" 2>/dev/null && return 0
    fi
    sleep 0.5
  done
  return 1
}

# --- the steps -----------------------------------------------------------------------------

step_packages() {
  [ -n "$ROOT" ] && return 0
  ensure_packages $RUN_PACKAGES certbot nftables openssl
}

step_user() {
  [ -n "$ROOT" ] && return 0
  getent group www-data >/dev/null || groupadd --system www-data
  id -u frostbyte >/dev/null 2>&1 ||
    useradd --system --home-dir /var/lib/frostbyte --no-create-home --shell /usr/sbin/nologin \
      --user-group frostbyte
}

# step_build SRC: configure, make and make install SRC into a new release folder; sets REL.
step_build() {
  local src=$1 id
  id=$(date -u +%Y%m%dT%H%M%SZ)-$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo local)
  REL=$OPT/releases/$id
  [ -e "$REL" ] && REL=$REL-$$
  mkdir -p "$OPT/releases"
  say "== building $src into $REL"
  # A fresh build folder each time: the prefix is the release's own folder.
  local bdir=$ROOT/var/cache/frostbyte/build-$id
  (
    REPO=$src BUILD_DIR=$bdir CONFIGURE_FLAGS="--prefix=$REL --enable-werror"
    build && make -C "$BUILD_DIR" install >/dev/null
  ) || { rm -rf "$bdir" "$REL"; die "the build failed; nothing was changed"; }
  rm -rf "$bdir"
  cp -r "$src/site" "$src/nginx-conf" "$src/systemd" "$src/certbot" "$REL/"
  mkdir -p "$REL/share/doc/frostbyte" && cp "$src/docs/operations.md" "$REL/share/doc/frostbyte/"
}

step_config() {
  mkdir -p "$ETC" "$DATA/backups" "$RUNDIR" "$ROOT/var/log" "$ACME_ROOT"
  if [ ! -s "$ETC/frostbyte.conf" ]; then
    cat >"$ETC/frostbyte.conf" <<CONF
# Written once by scripts/deploy; edit freely (a later deploy keeps it). See docs/operations.md.
database = $DATA/frostbyte.db
secret_file = $ETC/secret
cookie_secure = true
allowed_origins = $ORIGINS
gemini_key_file = $ETC/gemini.key
# Upstream chat calls per UTC day across all users: a spending ceiling (0 turns it off).
chat_daily_cap = 2000
CONF
  fi
  [ -s "$ETC/secret" ] || (umask 077 && head -c 48 /dev/urandom >"$ETC/secret")
  printf 'API_WORKERS=%s\nCHAT_WORKERS=%s\nAUTH_WORKERS=%s\nBACKUP_KEEP=%s\n' "$API_WORKERS" \
    "$CHAT_WORKERS" "$AUTH_WORKERS" "$BACKUP_KEEP" >"$ETC/pools.env"
  if [ -z "$ROOT" ]; then
    chown root:frostbyte "$ETC" && chmod 0750 "$ETC"
    chown frostbyte:frostbyte "$ETC/secret" && chmod 0600 "$ETC/secret"
    [ -f "$ETC/gemini.key" ] && chown frostbyte:frostbyte "$ETC/gemini.key" && chmod 0600 "$ETC/gemini.key"
    chown -R frostbyte:frostbyte "$DATA" && chmod 0700 "$DATA"
  fi
}

step_units() {
  [ -n "$ROOT" ] && return 0
  install -m 0644 "$REL"/systemd/*.service "$REL"/systemd/*.timer /etc/systemd/system/
  install -m 0644 "$REL/systemd/frostbyte.tmpfiles" /etc/tmpfiles.d/frostbyte.conf
  install -m 0644 "$REL/systemd/frostbyte.sysusers" /etc/sysusers.d/frostbyte.conf
  systemd-tmpfiles --create /etc/tmpfiles.d/frostbyte.conf
  systemctl daemon-reload
  systemctl enable $(pool_units) frostbyte-backup.timer nginx >/dev/null
  systemctl start frostbyte-backup.timer
}

step_nginx() {
  mkdir -p "$CONFDIR" "$ROOT/etc/nginx/conf.d" "$LOGDIR"
  cp "$REL"/nginx-conf/*.conf "$CONFDIR/"
  self_signed "$ETC/tls/placeholder.pem" "$ETC/tls/placeholder.key" "$DOMAIN"
  render_nginx "$REL/nginx-conf/prod.conf.in" "$ROOT/etc/nginx/conf.d/frostbyte.conf"
  if [ -n "$ROOT" ]; then # only check it: a wrapper stands in for Debian's nginx.conf
    printf 'include /etc/nginx/modules-enabled/*.conf;\npid %s/nginx-test.pid;\nerror_log stderr;\nevents {}\nhttp {\n include /etc/nginx/mime.types;\n include %s;\n}\n' \
      "$RUNDIR" "$ROOT/etc/nginx/conf.d/frostbyte.conf" >"$ROOT/etc/nginx/test-main.conf"
    nginx -t -q -c "$ROOT/etc/nginx/test-main.conf" || die "the rendered nginx configuration fails nginx -t"
    return 0
  fi
  rm -f /etc/nginx/sites-enabled/default
  nginx -t -q || die "the rendered nginx configuration fails nginx -t"
  systemctl reload-or-restart nginx
}

step_firewall() {
  [ -n "$ROOT" ] && return 0
  if command -v ufw >/dev/null && ufw status 2>/dev/null | grep -q '^Status: active'; then
    ufw allow OpenSSH >/dev/null; ufw allow 80/tcp >/dev/null; ufw allow 443/tcp >/dev/null
    return 0
  fi
  install -m 0644 /dev/stdin /etc/frostbyte/nftables.nft <<'NFT'
# Written by scripts/deploy: only SSH, HTTP and HTTPS come in.
table inet frostbyte
delete table inet frostbyte
table inet frostbyte {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif lo accept
    meta l4proto { icmp, ipv6-icmp } accept
    tcp dport { 22, 80, 443 } accept
  }
}
NFT
  grep -q '/etc/frostbyte/nftables.nft' /etc/nftables.conf 2>/dev/null ||
    echo 'include "/etc/frostbyte/nftables.nft"' >>/etc/nftables.conf
  nft -f /etc/frostbyte/nftables.nft
  systemctl enable nftables >/dev/null
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
  CERT=/etc/letsencrypt/live/$DOMAIN/fullchain.pem CERT_KEY=/etc/letsencrypt/live/$DOMAIN/privkey.pem
  render_nginx "$REL/nginx-conf/prod.conf.in" /etc/nginx/conf.d/frostbyte.conf
  nginx -t -q && systemctl reload nginx
}

# switch_to DIR: points current at DIR in one rename, so nothing ever sees it missing.
switch_to() {
  ln -sfn "$1" "$OPT/current.new" && mv -T "$OPT/current.new" "$OPT/current"
}

# step_release: back the database up (if any), stop, switch, migrate, start, check; on a failed
# check put the previous binaries and database back and start those.
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
  if as_app env "$(app_env)" "$REL/bin/frostbyte-ctl" migrate >&2 && pools_start && healthy; then
    [ -n "$prev" ] && ln -sfn "$prev" "$OPT/previous"
    say "deployed $REL"
    return 0
  fi
  say "the new release $REL failed its health check"
  [ -n "$prev" ] || die "no previous release to go back to; see the pool logs"
  pools_stop
  switch_to "$prev"
  if [ -n "$backup" ]; then
    as_app env "$(app_env)" "$prev/bin/frostbyte-ctl" restore "$backup" >&2 ||
      say "could not restore $backup; the database is as the new release left it"
  fi
  touch "$REL/FAILED"
  pools_start
  healthy || die "rolled back to $prev, but it is not healthy either: read the logs"
  die "rolled back to $prev (binaries and database); the failed release is kept in $REL"
}

# step_prune: keeps current, previous and the KEEP_RELEASES newest releases.
step_prune() {
  local keep cur prev r
  cur=$(readlink -f "$OPT/current") prev=$(readlink -f "$OPT/previous" 2>/dev/null || true)
  keep=$(ls -1d "$OPT"/releases/*/ 2>/dev/null | sort | tail -n "$KEEP_RELEASES")
  for r in "$OPT"/releases/*/; do
    r=${r%/}
    [ "$r" = "$cur" ] || [ "$r" = "$prev" ] || grep -qxF "$r/" <<<"$keep" || rm -rf "$r"
  done
}
