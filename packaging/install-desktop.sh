#!/bin/sh
# Puts vtt-host in the desktop's application menu for this user: the .desktop entry and
# its icon (SVG, plus a 256 px PNG for menus that want a bitmap) go under
# $XDG_DATA_HOME (default ~/.local/share). `install-desktop.sh --remove` takes them out.
# The entry starts `vtt-host run` in a terminal, so vtt-host must be on PATH (pipx).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
case "${XDG_DATA_HOME:-}" in
    /*) data=$XDG_DATA_HOME ;;
    *) data=$HOME/.local/share ;;  # unset, empty or relative: the spec says ignore it
esac
entry=$data/applications/vtt-host.desktop
svg=$data/icons/hicolor/scalable/apps/vtt-host.svg
png=$data/icons/hicolor/256x256/apps/vtt-host.png

refresh() {
    # Menus notice new entries by themselves; these caches only make it quicker.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$data/icons/hicolor" 2>/dev/null || true
    fi
}

if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$svg" "$png"
    refresh
    echo "removed vtt-host from the application menu"
    exit 0
fi

mkdir -p "$(dirname "$entry")" "$(dirname "$svg")" "$(dirname "$png")"
cp "$here/vtt-host.desktop" "$entry"
cp "$here/vtt-host.svg" "$svg"
cp "$here/vtt-host.png" "$png"
chmod 644 "$entry" "$svg" "$png"
refresh
if ! command -v vtt-host >/dev/null 2>&1; then
    echo "note: vtt-host is not on PATH yet; install it with 'pipx install vtt-host'" >&2
fi
printf '%s\n' "$entry" "$svg" "$png"
