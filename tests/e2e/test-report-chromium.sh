#!/usr/bin/env bash
# test-report-chromium.sh - the HTML report opened in headless Chromium
# (Debian's chromium package), on a fixture database made by a tiny real
# run (hot 4096x4096 GEMVs of every format and the peak probes, 1 thread):
# the rendered DOM holds the source's tables and inline SVG figures and
# every case key; laid out in a 1280 px page (a probe page that frames
# report.html and measures it), every figure is drawn at a readable size
# and no <img> is broken; the browser's own log shows no file other than
# the page and no network request from it (Chromium's background requests
# excepted, by exact prefix) -- checked first against a page with missing
# and external resources, which must be caught; and a screenshot is a PNG
# of the size asked for with more than a blank page's colours.  Skipped (77)
# without gnuplot (no figures to inline) or without a chromium binary
# (TB_CHROMIUM names one explicitly).  Usage: test-report-chromium.sh TRITBENCH SRCDIR
set -u
TB=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

CHROME=${TB_CHROMIUM:-}
if [ -z "$CHROME" ]; then
    for c in chromium chromium-browser; do
        CHROME=$(command -v $c) && break
    done
fi
[ -n "$CHROME" ] || { echo "SKIP: no chromium binary (apt-get install chromium, or set TB_CHROMIUM)"; exit 77; }
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (the page would have no figures)"; exit 77; }

DB=$T/r.db OUT=$T/out
"$TB" run quick --db "$DB" --cache hot --filter 'matmul/*/4096x4096/n1/t1/*,peak/*/t1' --threads 1 --reps 3 \
    --min-time 1ms --warmup 1ms --idle 0 --sampler none --quiet >"$T/run.out" 2>&1 || fail "fixture run: $(tail -3 "$T/run.out")"
"$TB" report --db "$DB" --run 1 --paper --format html --out "$OUT" >/dev/null 2>"$T/e" || fail "report html: $(cat "$T/e")"
H=$OUT/report.html

# chromium, headless, with a throw-away profile; its log (stderr) keeps only
# the file loader and the network delegate, which name every URL requested
browse() {
    timeout 60 "$CHROME" --headless --disable-gpu --no-sandbox --user-data-dir="$T/profile" --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
        --allow-file-access-from-files --hide-scrollbars --enable-logging=stderr \
        --vmodule=network_delegate=1,file_url_loader_factory=1 "$@"
}
# the URLs a page load requested, less Chromium's own background traffic
requested() {
    grep -oE '(FileURLLoader::Start|NotifyBeforeURLRequest): [^ ]+' "$1" | sed 's/^[^ ]* //' |
        grep -vE '^https?://(clients2\.google\.com/time/|update\.googleapis\.com/service/update2/|accounts\.google\.com/ListAccounts|redirector\.gvt1\.com/edgedl/chrome/dict/)' |
        sort -u
}

# the probe page: frames a page at 1280 px and writes what it measured into its own DOM
cat >"$OUT/probe.html" <<'EOF'
<!DOCTYPE html><html><body><pre id=result>not run</pre>
<iframe id=f src="PAGE" width=1280 height=3000></iframe>
<script>
document.getElementById('f').onload = function () {
  var out = [];
  try {
    var d = this.contentDocument;
    d.querySelectorAll('figure').forEach(function (fg) {
      var s = fg.querySelector('svg'), r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
      out.push('figure ' + fg.querySelector('figcaption').textContent + ' ' + Math.round(r.width) + ' ' + Math.round(r.height));
    });
    d.querySelectorAll('img').forEach(function (im) { out.push('img ' + (im.complete && im.naturalWidth > 0 ? 'ok ' : 'broken ') + im.src); });
    this.contentWindow.performance.getEntriesByType('resource').forEach(function (e) { out.push('resource ' + e.name); });
  } catch (e) { out.push('error ' + e); }
  document.getElementById('result').textContent = out.join('\n');
};
</script></body></html>
EOF
probe() { # PAGE -> $T/probe.txt (the measurements), $T/probe.log (the browser's log)
    sed "s/src=\"PAGE\"/src=\"$1\"/" "$OUT/probe.html" >"$OUT/probe-$1"
    browse --dump-dom "file://$OUT/probe-$1" 2>"$T/probe.log" |
        sed -n '/<pre id="result">/,/<\/pre>/p' | sed 's/<[^>]*>//g' >"$T/probe.txt" || fail "chromium on probe-$1: $(tail -3 "$T/probe.log")"
}

# 1. the detector catches what it is for: a missing image, a missing SVG <image>, external CSS and image
cat >"$OUT/bad.html" <<'EOF'
<!DOCTYPE html><html><head><link rel=stylesheet href="http://example.invalid/x.css"></head><body>
<img src="missing.png"><img src="https://example.invalid/y.png"><svg width=50 height=50><image href="gone.png"/></svg>
</body></html>
EOF
probe bad.html
requested "$T/probe.log" >"$T/bad.urls"
for u in "file://$OUT/missing.png" "file://$OUT/gone.png" http://example.invalid/x.css https://example.invalid/y.png; do
    grep -qxF "$u" "$T/bad.urls" || fail "detector: the browser log does not show $u (log format changed?): $(cat "$T/bad.urls")"
done
grep -q "^img broken file://$OUT/missing.png" "$T/probe.txt" || fail "detector: broken <img> not seen: $(cat "$T/probe.txt")"
grep -q '^resource https://example.invalid/y.png' "$T/probe.txt" || fail "detector: resource timing empty: $(cat "$T/probe.txt")"

# 2. the report page: no resource beyond itself, every figure drawn at a readable size
probe report.html
requested "$T/probe.log" >"$T/report.urls"
printf '%s\n' "file://$H" "file://$OUT/probe-report.html" | sort >"$T/want.urls"
diff "$T/want.urls" "$T/report.urls" >"$T/urls.diff" || fail "report.html requested more than itself: $(grep '^>' "$T/urls.diff")"
grep -qE 'Failed to load resource|net::ERR_' "$T/probe.log" && fail "browser log: $(grep -E 'Failed to load resource|net::ERR_' "$T/probe.log" | head -3)"
grep -qE '^(img broken|resource|error) ' "$T/probe.txt" && fail "probe: $(grep -E '^(img broken|resource|error) ' "$T/probe.txt")"
[ "$(grep -c '^figure ' "$T/probe.txt")" -ge 8 ] || fail "probe: fewer than 8 figures: $(cat "$T/probe.txt")"
awk '/^figure / && ($3 < 600 || $4 < 300) { print; bad = 1 } END { exit bad }' "$T/probe.txt" >"$T/small" ||
    fail "figures drawn smaller than 600x300 px in a 1280 px window: $(tr '\n' ';' <"$T/small")"

# 3. the rendered DOM of report.html itself: its tables, SVGs and case keys survived parsing
browse --dump-dom "file://$H" >"$T/dom.html" 2>"$T/dom.log" || fail "chromium --dump-dom: $(tail -3 "$T/dom.log")"
for tag in '<table' '<svg' '<figure' '<tr'; do
    want=$(grep -o "$tag[ >]" "$H" | wc -l) got=$(grep -o "$tag[ >]" "$T/dom.html" | wc -l)
    [ "$want" -gt 0 ] && [ "$got" = "$want" ] || fail "DOM: $got $tag elements, the source has $want"
done
[ "$(grep -o '<table[ >]' "$T/dom.html" | wc -l)" -ge 4 ] || fail "DOM: fewer than 4 tables (samplers, peak, matmul, paper)"
sqlite3 "$DB" "SELECT case_key FROM cases" >"$T/keys"
[ -s "$T/keys" ] || fail "fixture: no cases"
while read -r k; do
    grep -qF "<td>$k</td>" "$T/dom.html" || fail "DOM: case $k has no row"
done <"$T/keys"
for f in roofline gemv_sweep threads latency table1 fig2 fig3 table3; do
    grep -q "<figcaption>$f</figcaption>" "$T/dom.html" || fail "DOM: no figure $f"
done

# 4. a screenshot at half scale (a 1280x2400 px page drawn 640x1200, for a quick decode): a PNG of that size, not blank
browse --window-size=1280,2400 --force-device-scale-factor=0.5 --screenshot="$T/shot.png" "file://$H" >/dev/null 2>"$T/shot.log" ||
    fail "chromium --screenshot: $(tail -3 "$T/shot.log")"
python3 - "$T/shot.png" <<'PY' || fail "screenshot checks"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, ihdr = 8, b"", None
while pos < len(b):
    n, typ = struct.unpack(">I4s", b[pos:pos + 8])
    data = b[pos + 8:pos + 8 + n]
    assert zlib.crc32(typ + data) == struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0], "bad CRC"
    if typ == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", data)
    elif typ == b"IDAT":
        idat += data
    pos += 12 + n
w, h, depth, ctype = ihdr[:4]
assert (w, h) == (640, 1200), (w, h)
assert depth == 8 and ctype in (2, 6), ihdr
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, ink = bytearray(stride), set(), 0
for y in range(h):  # undo the PNG row filters
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        c = prev[i - bpp] if i >= bpp else 0
        p = a + prev[i] - c
        pr = a if abs(p - a) <= abs(p - prev[i]) and abs(p - a) <= abs(p - c) else prev[i] if abs(p - prev[i]) <= abs(p - c) else c
        row[i] = (row[i] + (0, a, prev[i], (a + prev[i]) // 2, pr)[f]) & 255
    if y % 2 == 0:
        for x in range(w):
            px = bytes(row[x * bpp:x * bpp + 3])
            colours.add(px)
            ink += px != b"\xff\xff\xff"
    prev = row
assert len(colours) >= 32, f"{len(colours)} colours: a blank page?"
assert ink > 0.02 * w * (h // 2), f"only {ink} non-white samples"
print(f"screenshot {w}x{h}, {len(colours)} colours, {ink} non-white samples")
PY
echo "ok"
