#!/bin/sh
# Starts an unlocked gnome-keyring Secret Service in the current D-Bus session, waits for
# it to own its bus name, then runs the given command. Usage: dbus-run-session -- $0 CMD...
set -e
echo -n "${KEYRING_PW:-calsync-tests}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
  i=$((i+1))
  if [ $i -gt 100 ]; then echo "with-keyring: the Secret Service did not come up" >&2; exit 1; fi
  sleep 0.1
done
# A fresh session keyring, so the kernel keyring (keyutils) backend works too.
exec keyctl session - "$@"
