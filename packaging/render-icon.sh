#!/bin/sh
# Renders vtt-host.svg to the 256 px vtt-host.png beside it, with headless Chromium
# (transparent outside the rounded square). Run it after changing the SVG.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
browser=${CHROMIUM:-chromium}
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --default-background-color=00000000 --window-size=256,256 \
    --screenshot="$here/vtt-host.png" "file://$here/vtt-host.svg" 2>/dev/null
echo "$here/vtt-host.png"
