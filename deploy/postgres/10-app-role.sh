#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d).
# Two roles: POSTGRES_USER owns the tables (it runs the migrations and, later, the retention
# job); kenshu_app is what the portal, the worker and beat connect as — it may read and write
# rows but owns nothing, so it can neither switch the audit tables' triggers off nor get past
# them (audit/migrations/0003).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$APP_DB_PASSWORD" -v owner="$POSTGRES_USER" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE kenshu_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO kenshu_app;
GRANT USAGE ON SCHEMA public TO kenshu_app;
-- Tables and sequences the owner creates from now on (every migration).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kenshu_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO kenshu_app;
SQL
