#!/bin/sh
# Entry point of the Lattice image: the role is the first argument (or
# LATTICE_ROLE): homeserver (every role in one process, the default),
# client-reader, sync, event-persister, federation-inbound, federation-sender,
# media. A path ending in .js runs that script instead (CLI tools:
# apps/homeserver/dist/cli/generate-config.js, register-user.js).
set -eu
role="${1:-${LATTICE_ROLE:-homeserver}}"
[ "$#" -gt 0 ] && shift
case "$role" in
  *.js) exec node "$role" "$@" ;;
  homeserver|client-reader|sync|event-persister|federation-inbound|federation-sender|media)
    exec node "apps/$role/dist/main.js" "$@" ;;
  *) echo "unknown role: $role" >&2; exit 2 ;;
esac
