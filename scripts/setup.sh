#!/usr/bin/env bash
# Installs what parquetry needs on a fresh machine, skipping whatever is already there.
# Called by scripts/start.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# The Rust toolchain pinned in rust-toolchain.toml (rustup installs it on first use).
if ! command -v cargo >/dev/null; then
  log "cargo is missing: install rustup first (https://rustup.rs is not reachable here; the machine image ships it)"
  exit 1
fi
rustup show active-toolchain >/dev/null

# Independent readers for the read-back tests and the benchmark: pyarrow, pandas, polars, pytest.
PY_PACKAGES=(pyarrow pandas polars pytest)
missing=()
for p in "${PY_PACKAGES[@]}"; do
  python3 -c "import $p" 2>/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Python packages: ${missing[*]}"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${missing[@]}"
fi

# The browser side: Debian's Chromium and its driver (headless tests), npm packages.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  log "installing chromium and chromium-driver from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [[ ! -d node_modules/playwright-core || ! -d node_modules/typescript ]]; then
  log "installing npm packages"
  npm ci --no-fund --no-audit --loglevel=error
fi
