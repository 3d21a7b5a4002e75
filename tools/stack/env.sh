# shellcheck shell=bash
# Connection settings for the test stack started by tools/stack/*.sh.
# Meant to be sourced, not executed:
#   . tools/stack/env.sh
export DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT:-55432}/postgres"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-56379}"
export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
# Zipkin (zipkin.sh), for the tracing tests and `STACK_ZIPKIN=1 stack.sh up`. A TEST_ name: a
# ZIPKIN_URL here would turn tracing on in every platform a test starts from this environment.
export TEST_ZIPKIN_URL="http://127.0.0.1:${ZIPKIN_PORT:-9411}"
