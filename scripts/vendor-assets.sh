#!/usr/bin/env bash
# Copies the front-end files kam serves from the npm packages named in package.json into
# kam/core/static/vendor. Run by `make vendor`; the result is committed, so a user's machine
# needs neither npm nor a network to serve kam.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=kam/core/static/vendor
version() { python3 -c "import json,sys; print(json.load(open('package.json'))['dependencies'][sys.argv[1]])" "$1"; }
for pkg in bootstrap bootstrap-icons echarts htmx.org; do
  spec="$pkg@$(version "$pkg")"
  (cd "$work" && npm pack --silent "$spec" >/dev/null && mkdir -p "$pkg" && tar -xzf ./*.tgz -C "$pkg" && rm ./*.tgz)
done
rm -rf "$out" && mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/echarts" "$out/htmx"
cp "$work/bootstrap/package/dist/css/bootstrap.min.css" "$work/bootstrap/package/dist/js/bootstrap.bundle.min.js" "$work/bootstrap/package/LICENSE" "$out/bootstrap/"
cp "$work/bootstrap-icons/package/font/bootstrap-icons.min.css" "$work/bootstrap-icons/package/LICENSE" "$out/bootstrap-icons/"
cp "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff2" "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff" "$out/bootstrap-icons/fonts/"
cp "$work/echarts/package/dist/echarts.min.js" "$work/echarts/package/LICENSE" "$out/echarts/"
cp "$work/htmx.org/package/dist/htmx.min.js" "$work/htmx.org/package/LICENSE" "$out/htmx/"
# Source maps are not shipped; drop the references so the browser does not ask for them.
sed -i '/sourceMappingURL/d' "$out"/bootstrap/*.js "$out"/bootstrap/*.css
echo "vendored into $out"
