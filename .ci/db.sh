#!/usr/bin/env bash
# Make sure the two databases the test suites need are answering:
#   MariaDB    127.0.0.1:3306  user root, empty password
#   PostgreSQL 127.0.0.1:5432  user postgres, trust auth
# The suites create their own databases/schemas per test file, so all we
# need is that root/postgres can connect. On the CI machine kind both are
# normally already running; they may be stopped, and on a bare machine they
# may not be installed at all.
#
# Run by .ci/run; can also be run alone: `bash .ci/db.sh`.
# DB_WAIT_SECONDS bounds how long we wait for each server (default 90).
set -euo pipefail

WAIT_SECONDS="${DB_WAIT_SECONDS:-90}"
export PGCONNECT_TIMEOUT=3

mysql_ok() { mysql -uroot -h127.0.0.1 -P3306 --connect-timeout=3 -e 'select 1' >/dev/null 2>&1; }
pg_ok()    { psql -h 127.0.0.1 -p 5432 -U postgres -w -c 'select 1' >/dev/null 2>&1; }
mysql_sock_ok() { mysql -uroot --connect-timeout=3 -e 'select 1' >/dev/null 2>&1; }

# Newest installed PostgreSQL version (normally exactly one, e.g. "15").
pg_version() { { ls /etc/postgresql 2>/dev/null || true; } | sort -V | tail -n 1; }

# wait_for NAME CHECK_FN RETRY_CMD: poll until CHECK_FN succeeds, with a
# deadline; on timeout show the real client error so the failure is clear.
wait_for() {
  local name=$1 check=$2 retry=$3 deadline=$((SECONDS + WAIT_SECONDS))
  until "$check"; do
    if ((SECONDS >= deadline)); then
      echo "ERROR: $name did not answer within ${WAIT_SECONDS}s. Last attempt:" >&2
      bash -c "$retry" >&2 || true
      return 1
    fi
    sleep 1
  done
  echo "$name is up."
}

# If both already answer there is nothing to do (the common case).
if mysql_ok && pg_ok; then
  echo "MariaDB and PostgreSQL are already up."
  exit 0
fi

# --- Install when missing (bare machine) ------------------------------------
FRESH=0
if [[ ! -x /usr/sbin/mariadbd ]] || ! command -v mysql >/dev/null \
   || ! command -v pg_ctlcluster >/dev/null || [[ -z "$(pg_version)" ]]; then
  echo "MariaDB and/or PostgreSQL not installed; installing with apt-get."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y mariadb-server postgresql
  FRESH=1
fi

# A fresh Debian PostgreSQL wants a password over TCP; this machine kind
# uses trust for localhost. The first matching pg_hba line wins, so prepend.
if ((FRESH)); then
  hba="/etc/postgresql/$(pg_version)/main/pg_hba.conf"
  grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba" \
    || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
fi

# --- PostgreSQL -------------------------------------------------------------
if ! pg_ok; then
  echo "Starting PostgreSQL $(pg_version)..."
  # Exits non-zero if the cluster is already running (e.g. started by apt);
  # the wait below is what decides success.
  pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start \
    || echo "note: pg_ctlcluster start returned non-zero; waiting anyway"
  # Pick up the pg_hba change if apt had already started the cluster.
  if ((FRESH)); then
    pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload || true
  fi
fi

# --- MariaDB ----------------------------------------------------------------
if ! mysql_ok; then
  echo "Starting MariaDB..."
  # mariadbd needs its socket dir, owned by mysql (it is on tmpfs /run).
  install -d -o mysql -g mysql /run/mysqld
  # --background detaches and points the daemon's stdio at /dev/null, so it
  # doesn't hold CI's output pipe open. --oknodo: fine if it's already running.
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi

if ((FRESH)); then
  # A fresh MariaDB lets OS root in only over the unix socket. Once the socket
  # answers, allow root with an empty password over TCP too (as on this
  # machine kind: root@localhost and root@127.0.0.1, no password).
  wait_for "MariaDB (socket)" mysql_sock_ok 'mysql -uroot -e "select 1"'
  mysql -uroot <<'SQL'
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
fi

# --- Wait for both, bounded ---------------------------------------------------
wait_for "MariaDB" mysql_ok "mysql -uroot -h127.0.0.1 -P3306 --connect-timeout=3 -e 'select 1'"
wait_for "PostgreSQL" pg_ok "psql -h 127.0.0.1 -p 5432 -U postgres -w -c 'select 1'"
