#!/usr/bin/env bash
# Digi-Amen on one Debian 12 / Ubuntu 24.04 server: PostgreSQL, Redis, gunicorn behind nginx
# with TLS, the queue consumer and the nightly backup timer. Idempotent: run it again after
# `git pull` to upgrade, or to check; it changes only what differs and says so.
#
#   sudo deploy/install.sh --domain report.example.org --cert /etc/ssl/x.pem --key /etc/ssl/x.key
#
# See docs/operations.md. --dry-run prints what it would do and changes nothing.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy/install.sh --domain NAME (--cert FILE --key FILE | --self-signed) [options]
  --domain NAME          the site's host name (ALLOWED_HOSTS, nginx server_name)
  --cert FILE --key FILE TLS certificate chain and key (from your CA or ACME client)
  --self-signed          make a self-signed certificate instead (testing only)
  --app-ports LIST       application ports, comma-separated (default 8001; one per app
                         process group; more ports = more processes behind nginx)
  --workers N            gunicorn workers per port (default 2)
  --http-port N          (default 80)      --https-port N   (default 443)
  --database-url URL     an existing PostgreSQL database (default: a local database
                         "digiamen" owned by the role "digiamen", created if missing)
  --db-name NAME         name of the local database to create (default digiamen)
  --redis-url URL        an existing Redis (default: the local one, persistence turned off)
  --organisation SLUG --organisation-name NAME --country CC
                         the first organisation, created if there is none yet
  --prefix DIR           install under DIR instead of / (tests)
  --no-packages          do not install Debian packages (they must be there)
  --no-start             write everything but start or reload no service
  --dry-run              print what would be done; change nothing
USAGE
}

DOMAIN="" CERT="" KEY="" SELF_SIGNED=0 APP_PORTS="8001" WORKERS=2 HTTP_PORT=80 HTTPS_PORT=443
DATABASE_URL="" DB_NAME="digiamen" REDIS_URL="" ORG_SLUG="" ORG_NAME="" ORG_COUNTRY=""
PREFIX="" PACKAGES=1 START=1 DRY_RUN=0 USER_NAME="digiamen"
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN="$2"; shift 2 ;;
    --cert) CERT="$2"; shift 2 ;;
    --key) KEY="$2"; shift 2 ;;
    --self-signed) SELF_SIGNED=1; shift ;;
    --app-ports) APP_PORTS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --http-port) HTTP_PORT="$2"; shift 2 ;;
    --https-port) HTTPS_PORT="$2"; shift 2 ;;
    --database-url) DATABASE_URL="$2"; shift 2 ;;
    --db-name) DB_NAME="$2"; shift 2 ;;
    --redis-url) REDIS_URL="$2"; shift 2 ;;
    --organisation) ORG_SLUG="$2"; shift 2 ;;
    --organisation-name) ORG_NAME="$2"; shift 2 ;;
    --country) ORG_COUNTRY="$2"; shift 2 ;;
    --prefix) PREFIX="${2%/}"; shift 2 ;;
    --no-packages) PACKAGES=0; shift ;;
    --no-start) START=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

fail() { echo "install.sh: $*" >&2; echo "install.sh: stopped; nothing after this point was done." >&2; exit 1; }
[ -n "$DOMAIN" ] || fail "--domain is required"
[[ "$DOMAIN" =~ ^[A-Za-z0-9.-]+$ ]] || fail "--domain must be a host name"
if [ "$SELF_SIGNED" = 0 ]; then
  [ -n "$CERT" ] && [ -n "$KEY" ] || fail "give --cert and --key (or --self-signed for a test server)"
  [ -r "$CERT" ] && [ -r "$KEY" ] || fail "cannot read $CERT or $KEY"
fi
[ "$(id -u)" = 0 ] || fail "run as root (sudo)"
for port in ${APP_PORTS//,/ } "$HTTP_PORT" "$HTTPS_PORT" "$WORKERS"; do
  [[ "$port" =~ ^[0-9]+$ ]] || fail "ports and --workers are numbers: $port"
done

SOURCE="$(cd "$(dirname "$0")/.." && pwd)"
ETC="$PREFIX/etc/digiamen"
APP="$PREFIX/opt/digiamen"
VAR="$PREFIX/var/lib/digiamen"
UNITS="$PREFIX/etc/systemd/system"
SITE="$PREFIX/etc/nginx/sites-available/digiamen.conf"
SITE_LINK="$PREFIX/etc/nginx/sites-enabled/digiamen.conf"
NGINX_ERROR_LOG="$PREFIX/var/log/nginx/digiamen-error.log"
ENV_FILE="$ETC/digiamen.env"
CHANGED=0

say() { echo "  $*"; }
changed() { CHANGED=1; if [ "$DRY_RUN" = 1 ]; then echo "  would change: $*"; else echo "  changed: $*"; fi; }
run() { if [ "$DRY_RUN" = 1 ]; then echo "  would run: $*"; else "$@"; fi; }
as_app() {  # a command as the application's user, with its environment
  run runuser -u "$USER_NAME" -- env -i PATH=/usr/bin:/bin HOME="$VAR" bash -c \
    'set -a; . "$0"; set +a; cd "$1"; shift 2; exec "$@"' "$ENV_FILE" "$APP" -- "$@"
}
# Write a file only if its content differs; mode and owner as given.
put() {
  local path="$1" mode="$2" owner="$3" content="$4"
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then echo "  would write $path"; CHANGED=1; return 0; fi
  mkdir -p "$(dirname "$path")"
  local partial="$path.new.$$"
  printf '%s\n' "$content" > "$partial"
  chmod "$mode" "$partial"; chown "$owner" "$partial"
  mv -f "$partial" "$path"
  changed "$path"
}
render() {  # a template of deploy/ with its @NAME@ placeholders replaced
  local text
  text="$(cat "$SOURCE/deploy/$1")"
  shift
  while [ $# -gt 0 ]; do text="${text//@$1@/$2}"; shift 2; done
  printf '%s' "$text"
}

echo "Digi-Amen installer: $DOMAIN, prefix ${PREFIX:-/}$([ "$DRY_RUN" = 1 ] && echo ', dry run')"

# 1. Debian packages (first: a missing mirror stops here, before any change).
NEEDED=(python3-venv python3-dev build-essential libpango-1.0-0 libpangoft2-1.0-0
        fonts-dejavu-core fontconfig nginx postgresql-client openssl rsync)
[ -z "$DATABASE_URL" ] && NEEDED+=(postgresql)
[ -z "$REDIS_URL" ] && NEEDED+=(redis-server)
have() {  # a package, or what it provides under another package's name (postgresql-client-15)
  case "$1" in
    postgresql-client) command -v pg_dump >/dev/null ;;
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null ;;
    nginx) command -v nginx >/dev/null ;;
    redis-server) command -v redis-server >/dev/null ;;
    *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" ;;
  esac
}
MISSING=()
for package in "${NEEDED[@]}"; do have "$package" || MISSING+=("$package"); done
if [ ${#MISSING[@]} -gt 0 ]; then
  [ "$PACKAGES" = 1 ] || fail "missing Debian packages: ${MISSING[*]} (without --no-packages they are installed)"
  if [ "$DRY_RUN" = 1 ]; then
    say "would install: ${MISSING[*]}"
  else
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || fail "cannot read the package lists: check the package mirror and the network"
    apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null \
      || fail "could not install ${MISSING[*]}: check the package mirror"
    changed "installed ${MISSING[*]}"
  fi
fi

# 2. Ports: the application's and nginx's must be free or already ours.
for port in ${APP_PORTS//,/ } "$HTTP_PORT" "$HTTPS_PORT"; do
  holder="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(("[^"]*"' | head -1 | cut -d'"' -f2 || true)"
  case "$holder" in
    ""|nginx|gunicorn) ;;
    *) fail "port $port is used by $holder: free it or choose another port" ;;
  esac
done

# 3. The system user and folders.
if ! id "$USER_NAME" >/dev/null 2>&1; then
  run useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
  changed "system user $USER_NAME"
fi
for folder in "$ETC" "$APP" "$VAR" "$VAR/backups"; do
  if [ ! -d "$folder" ]; then run mkdir -p "$folder"; changed "folder $folder"; fi
done
run chown root:"$USER_NAME" "$ETC"; run chmod 0750 "$ETC"
run chown "$USER_NAME":"$USER_NAME" "$VAR" "$VAR/backups"; run chmod 0700 "$VAR" "$VAR/backups"

# 4. The code and its virtualenv (the runtime lock only).
REVISION="$(git -C "$SOURCE" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$SOURCE" status --porcelain 2>/dev/null | sha256sum | cut -c1-12)"
if [ "$(cat "$APP/.revision" 2>/dev/null || true)" != "$REVISION" ]; then
  run rsync -a --delete --exclude .venv --exclude var --exclude .git --exclude .revision \
    --exclude '__pycache__' "$SOURCE/" "$APP/"
  [ "$DRY_RUN" = 1 ] || echo "$REVISION" > "$APP/.revision"
  changed "code at $APP ($REVISION)"
fi
LOCK_SUM="$(sha256sum "$SOURCE/requirements/base.lock" | cut -d' ' -f1)"
if [ "$(cat "$APP/.venv/.lock-sum" 2>/dev/null || true)" != "$LOCK_SUM" ]; then
  # Debian's own Python: readable by the service user wherever root's tools live.
  [ -x "$APP/.venv/bin/python" ] || run /usr/bin/python3 -m venv "$APP/.venv"
  pip_log="$(mktemp)"
  # The lock lists every package: install it as listed (--no-deps), then check it is whole.
  { run "$APP/.venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r "$APP/requirements/base.lock" && run "$APP/.venv/bin/pip" check; } >"$pip_log" 2>&1 \
    || { grep -v "^WARNING: Location" "$pip_log" | tail -20 >&2; fail "could not install the Python packages: check the package index"; }
  rm -f "$pip_log"
  [ "$DRY_RUN" = 1 ] || echo "$LOCK_SUM" > "$APP/.venv/.lock-sum"
  changed "virtualenv $APP/.venv from requirements/base.lock"
fi
run chown -R root:root "$APP"; run chmod -R go-w "$APP"

# 5. PostgreSQL: a role and a database of its own (unless an existing one was given).
if [ -z "$DATABASE_URL" ]; then
  psql_admin() { (cd / && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA -d postgres "$@"); }
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME'")" != 1 ]; then
    run psql_admin -c "CREATE ROLE $USER_NAME LOGIN CREATEDB"  # CREATEDB: the backup drill
    changed "PostgreSQL role $USER_NAME"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    run bash -c 'cd / && exec runuser -u postgres -- createdb -O "$0" "$1"' "$USER_NAME" "$DB_NAME"
    changed "PostgreSQL database $DB_NAME"
  fi
  DATABASE_URL="postgresql://$USER_NAME@%2Fvar%2Frun%2Fpostgresql/$DB_NAME"
fi

# 6. Redis without persistence: it holds the daily key that pseudonymises addresses.
if [ -z "$REDIS_URL" ]; then
  conf=/etc/redis/redis.conf
  if ! grep -qx 'save ""' "$conf" || ! grep -qx 'appendonly no' "$conf"; then
    run sed -i -e 's/^save .*/# &/' -e 's/^appendonly .*/# &/' "$conf"
    [ "$DRY_RUN" = 1 ] || printf 'save ""\nappendonly no\n' >> "$conf"
    [ "$START" = 0 ] || run systemctl restart redis-server
    changed "Redis persistence off ($conf)"
  fi
  REDIS_URL="redis://127.0.0.1:6379/0"
fi

# 7. TLS certificate (self-signed only for tests), secret key, environment.
if [ "$SELF_SIGNED" = 1 ]; then
  CERT="$ETC/tls/self-signed.pem" KEY="$ETC/tls/self-signed.key"
  if [ ! -f "$CERT" ]; then
    run mkdir -p "$ETC/tls"
    run openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$DOMAIN" \
      -addext "subjectAltName=DNS:$DOMAIN" -keyout "$KEY" -out "$CERT" 2>/dev/null
    run chmod 0600 "$KEY"
    changed "self-signed certificate for $DOMAIN (testing only)"
  fi
fi
if [ ! -f "$ETC/secret_key" ]; then
  [ "$DRY_RUN" = 1 ] || (umask 077; /usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > "$ETC/secret_key")
  run chown "$USER_NAME":"$USER_NAME" "$ETC/secret_key"; run chmod 0600 "$ETC/secret_key"
  changed "secret key $ETC/secret_key (back it up with the configuration)"
fi
if [ ! -f "$ETC/network_signing_key" ]; then
  # This instance's own key for network aggregate files (not derived from the secret key).
  [ "$DRY_RUN" = 1 ] || (umask 077; /usr/bin/python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$ETC/network_signing_key")
  run chown "$USER_NAME":"$USER_NAME" "$ETC/network_signing_key"; run chmod 0600 "$ETC/network_signing_key"
  changed "network signing key $ETC/network_signing_key (back it up with the configuration)"
fi
put "$ENV_FILE" 0640 "root:$USER_NAME" "$(cat <<ENV
# Digi-Amen production settings, written by deploy/install.sh.
DIGIAMEN_MODE=production
SECRET_KEY_FILE=$ETC/secret_key
NETWORK_SIGNING_KEY_FILE=$ETC/network_signing_key
ALLOWED_HOSTS=$DOMAIN
DATABASE_URL=$DATABASE_URL
REDIS_URL=$REDIS_URL
DIGIAMEN_VAR_DIR=$VAR
SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https
TRUSTED_PROXY_COUNT=1
BACKUP_PUBLIC_KEY_FILE=$ETC/backup_public_key
BACKUP_DIR=$VAR/backups
BACKUP_IN_QUEUE=0
TLS_CERTIFICATE_FILE=$CERT
ENV
)"

# 8. Backup key, schema (a backup first when there is data), static files, first organisation.
if [ ! -f "$ETC/backup_public_key" ]; then
  echo "  Backup key pair (write the PRIVATE key down now; it is not stored):"
  run env -i PATH=/usr/bin:/bin bash -c \
    'set -a; . "$0"; set +a; cd "$1"; exec .venv/bin/python manage.py backup_key' "$ENV_FILE" "$APP"
  run chmod 0644 "$ETC/backup_public_key"
  changed "backup key pair"
fi
as_app .venv/bin/python manage.py upgrade
as_app .venv/bin/python manage.py collectstatic --noinput -v 0
if [ -n "$ORG_SLUG" ]; then
  as_app .venv/bin/python manage.py create_organisation --if-none --slug "$ORG_SLUG" \
    --name "${ORG_NAME:-$ORG_SLUG}" --country "${ORG_COUNTRY:?--country is needed with --organisation}" \
    --base-url "https://$DOMAIN$([ "$HTTPS_PORT" = 443 ] || echo ":$HTTPS_PORT")"
fi

# 9. systemd units and the nginx site.
UPSTREAMS=""
for port in ${APP_PORTS//,/ }; do UPSTREAMS+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'; done
SUBSTITUTIONS=(USER "$USER_NAME" APP_DIR "$APP" ENV_FILE "$ENV_FILE" VAR_DIR "$VAR" WORKERS "$WORKERS")
for unit in digiamen-app@.service digiamen-queue.service digiamen-backup.service digiamen-backup.timer; do
  put "$UNITS/$unit" 0644 root:root "$(render "systemd/$unit" "${SUBSTITUTIONS[@]}")"
done
put "$SITE" 0644 root:root "$(render nginx/digiamen.conf UPSTREAM_SERVERS "${UPSTREAMS%$'\n'}" \
  HTTP_PORT "$HTTP_PORT" HTTPS_PORT "$HTTPS_PORT" DOMAIN "$DOMAIN" TLS_CERT "$CERT" TLS_KEY "$KEY" \
  NGINX_ERROR_LOG "$NGINX_ERROR_LOG" \
  HTTPS_PORT_SUFFIX "$([ "$HTTPS_PORT" = 443 ] || echo ":$HTTPS_PORT")")"
if [ ! -L "$SITE_LINK" ]; then run mkdir -p "$(dirname "$SITE_LINK")" "$(dirname "$NGINX_ERROR_LOG")"; run ln -sfn "$SITE" "$SITE_LINK"; changed "nginx site enabled"; fi

if [ "$START" = 1 ] && [ -z "$PREFIX" ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
  services=(digiamen-queue.service digiamen-backup.timer)
  for port in ${APP_PORTS//,/ }; do services+=("digiamen-app@$port.service"); done
  run systemctl enable --now "${services[@]}"
  [ "$CHANGED" = 0 ] || run systemctl restart "${services[@]}"
  run nginx -t -q && run systemctl reload nginx
fi

if [ "$DRY_RUN" = 1 ]; then
  echo "Dry run: nothing was changed."
elif [ "$CHANGED" = 0 ]; then
  echo "Nothing changed: the installation is as this version wants it."
else
  echo "Done. Check with: sudo -u $USER_NAME bash -c 'set -a; . $ENV_FILE; cd $APP; .venv/bin/python manage.py doctor'"
fi
