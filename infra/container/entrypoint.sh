#!/bin/sh
# The image's entrypoint: before `serve`, the secrets from SSM Parameter Store when
# DRONE_AI_SECRETS_PREFIX says where (the step drone-ai.service runs before the tower on a
# host), written to DRONE_AI_SECRETS_DIR (default /run/drone-ai/secrets, where the image's
# settings look); without a prefix, whatever was mounted there. Then the command, as PID 1
# (exec), so that `docker stop`'s SIGTERM reaches the tower and it stops cleanly.
set -eu
if [ "${1:-}" = serve ] && [ -n "${DRONE_AI_SECRETS_PREFIX:-}" ]; then
    drone-ai fetch-secrets --prefix "$DRONE_AI_SECRETS_PREFIX" \
        --out "${DRONE_AI_SECRETS_DIR:-/run/drone-ai/secrets}"
fi
exec drone-ai "$@"
