#!/usr/bin/env bash
# The Dockerfile's steps without docker (for machines, like CI's, with no docker daemon): build
# from the same files into a fresh venv (a plain install, not editable), lay out /app the way
# the image does, and run `wirewatch demo` and `wirewatch check` from there.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/ww-image-XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/app/var"
cp -r "$repo/pyproject.toml" "$repo/README.md" "$repo/pipeline" "$repo/workers" "$work/src/"   # COPY ...
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work/src"                    # RUN pip install .
cp -r "$repo/config" "$repo/seeds" "$work/app/"                                                  # COPY config/ seeds/
cd "$work/app"                                                                                    # WORKDIR /app
export WIREWATCH_METRICS_LISTEN=0.0.0.0:9108                                                      # ENV ...
if env -u WIREWATCH_METRICS_TOKEN PATH="$work/venv/bin:$PATH" wirewatch check >/dev/null 2>&1; then                             # docker run without a token
  echo "image steps: the config loaded without WIREWATCH_METRICS_TOKEN while listening on 0.0.0.0" >&2; exit 1
fi
export WIREWATCH_METRICS_TOKEN=image-steps-token                                                  # docker run -e ...
PATH="$work/venv/bin:$PATH" wirewatch check
PATH="$work/venv/bin:$PATH" wirewatch demo
"$work/venv/bin/python" -c "import workers.web.status_page"                                            # its template is in the wheel
echo "image steps: ok (wheel install, config found in /app, a token required on 0.0.0.0, demo passed, status page template installed)"
