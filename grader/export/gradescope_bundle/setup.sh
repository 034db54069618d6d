#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (Ubuntu, as root).
set -euo pipefail
SOURCE=/autograder/source
apt-get update
apt-get install -y --no-install-recommends bubblewrap python3 python3-venv python3-pip
python3 -m venv "$SOURCE/venv"
# the CPU build of torch: PyPI's default wheel on Linux x86_64 is the CUDA build (several GB)
"$SOURCE/venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
"$SOURCE/venv/bin/pip" install "$SOURCE/grader-src"
# the sandbox's unprivileged uid must be able to read the kernel's Python environment
chmod -R a+rX "$SOURCE/venv" "$SOURCE/grader-src"
