#!/usr/bin/env bash
# The PostgreSQL settings the portfolio-scale figures (bench_cob.py at a million loans,
# bench_escrow_analysis.py at 100,000) are measured with, on this 24 GB, 2-core VM: memory
# for the working set of the nightly batch and checkpoints spaced out so one batch does not
# pay for several (each checkpoint makes the next change of every page a full-page WAL
# write). Debian's stock values (shared_buffers 128 MB, max_wal_size 1 GB) are sized for a
# small shared machine, not for a database that closes a million loans a night.
#
#   benchmarks/tune_postgres.sh          apply (ALTER SYSTEM) and restart PostgreSQL
#   benchmarks/tune_postgres.sh --reset  back to the stock settings, restart
#
# The benchmarks print the settings they ran with. docker-compose.yml starts its
# PostgreSQL with the same values.
set -euo pipefail

PSQL=(psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
CLUSTER_VERSION="$(ls /etc/postgresql)"

if [[ "${1:-}" == "--reset" ]]; then
  "${PSQL[@]}" -c "ALTER SYSTEM RESET ALL"
else
  "${PSQL[@]}" <<'SQL'
ALTER SYSTEM SET shared_buffers = '6GB';
ALTER SYSTEM SET effective_cache_size = '16GB';
ALTER SYSTEM SET maintenance_work_mem = '512MB';
ALTER SYSTEM SET work_mem = '32MB';
ALTER SYSTEM SET max_wal_size = '16GB';
ALTER SYSTEM SET checkpoint_timeout = '30min';
ALTER SYSTEM SET checkpoint_completion_target = '0.9';
ALTER SYSTEM SET wal_compression = 'lz4';
ALTER SYSTEM SET wal_buffers = '64MB';
SQL
fi
pg_ctlcluster --skip-systemctl-redirect "$CLUSTER_VERSION" main restart
for _ in $(seq 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
"${PSQL[@]}" -At -c "SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression') ORDER BY name"
