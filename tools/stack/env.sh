# shellcheck shell=bash
# Connection settings for the test stack started by tools/stack/*.sh.
# Meant to be sourced, not executed:
#   . tools/stack/env.sh
export DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT:-55432}/postgres"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-56379}"
export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
