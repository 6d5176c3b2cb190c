#!/bin/sh
# `hearth`, the operator CLI.
exec node /opt/hearth/packages/cli/dist/main.js "$@"
