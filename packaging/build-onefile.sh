#!/bin/sh
# Builds the one-file executable dist/vtt-host for this OS and checks it: a build venv
# (build/onefile-venv) gets the project (not editable) and PyInstaller, PyInstaller runs
# vtt-host.spec, then onefile_check.py starts the result from another folder and has a
# player join. PyInstaller does not cross-compile: run this on each OS you ship for.
#   packaging/build-onefile.sh            build and check
#   packaging/build-onefile.sh --measure  also time start-up (5 runs each)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=$root/build/onefile-venv
python=${PYTHON:-python3}

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "$root" "pyinstaller>=6.10"
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$root/dist" --workpath "$root/build/pyinstaller" "$here/vtt-host.spec"
"$venv/bin/python" "$here/onefile_check.py" "$root/dist/vtt-host" "$@"
