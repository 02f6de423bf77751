#!/usr/bin/env bash
# test-store-fs.sh - refusals that name the real problem and leave nothing
# behind.  A database in a directory the user cannot write (as a non-root
# user: the test's own user, or nobody through setpriv when run as root), a
# read-only database file, a database on a read-only file system and on a
# full one (a small tmpfs: root and mount(8) needed) are refused with one
# line saying so (never "not a SQLite database"), the file unchanged and no
# new file, -wal or -shm left; a disk that fills up mid-run stops the run
# with "disk full", the database intact and the stored cases complete.
# Exit 77 (skipped) when neither part can run here.
# usage: test-store-fs.sh TRITBENCH_BINARY SOURCE_DIR [BUILD_TYPE]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"
TMP=$(mktemp -d /tmp/tb-fs-XXXXXX)
MNT=
cleanup() {
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    chmod -R u+w "$TMP" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
fail=0 ran=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
TINY=(--filter 'peak/fp32*/t1' --reps 3 --min-time 1ms --warmup 0 --threads 1 --quiet)

# refused DESC WANT DB CMD...: exit 1, one line naming WANT, not "not a SQLite
# database"; DB unchanged (or still absent) and nothing new beside it
refused() {
    local desc=$1 want=$2 db=$3; shift 3
    local h0=absent after
    [ -e "$db" ] && h0=$(sha256sum <"$db")
    local before; before=$(ls -A "$(dirname "$db")" | sort | tr '\n' ' ')
    "$@" >/dev/null 2>"$TMP/err"
    local rc=$?
    [ "$rc" = 1 ] || { bad "$desc: exit $rc, want 1: $(head -c 300 "$TMP/err")"; return; }
    [ "$(wc -l <"$TMP/err")" = 1 ] || { bad "$desc: $(wc -l <"$TMP/err") lines: $(cat "$TMP/err")"; return; }
    grep -q -- "$want" "$TMP/err" || { bad "$desc: does not say '$want': $(cat "$TMP/err")"; return; }
    grep -q "not a SQLite database" "$TMP/err" && { bad "$desc: blames the file: $(cat "$TMP/err")"; return; }
    after=absent
    [ -e "$db" ] && after=$(sha256sum <"$db")
    [ "$after" = "$h0" ] || { bad "$desc: the database changed"; return; }
    [ "$(ls -A "$(dirname "$db")" | sort | tr '\n' ' ')" = "$before" ] \
        || { bad "$desc: left behind: $(ls -A "$(dirname "$db")" | tr '\n' ' ')"; return; }
    ok "$desc: $(cat "$TMP/err")"
}

# ---- permissions: a directory the user cannot write, a read-only file ----
AS=()
if [ "$(id -u)" != 0 ]; then
    AS=(env)
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
if [ ${#AS[@]} -gt 0 ]; then
    ran=1
    chmod 755 "$TMP"
    mkdir -p "$TMP/bin" "$TMP/ro"
    cp "$BIN" "$TMP/bin/tritbench"
    chmod 755 "$TMP/bin" "$TMP/bin/tritbench"
    chmod 777 "$TMP/ro"
    "${AS[@]}" "$TMP/bin/tritbench" run quick --db "$TMP/ro/r.db" "${TINY[@]}" 2>"$TMP/err" \
        || bad "setup run: $(cat "$TMP/err")"
    chmod 666 "$TMP/ro/r.db"
    chmod 555 "$TMP/ro"
    refused "database in a read-only directory" "is not writable" "$TMP/ro/r.db" \
        "${AS[@]}" "$TMP/bin/tritbench" run quick --db "$TMP/ro/r.db" "${TINY[@]}"
    refused "new database in a read-only directory" "cannot create the database" "$TMP/ro/new.db" \
        "${AS[@]}" "$TMP/bin/tritbench" run quick --db "$TMP/ro/new.db" "${TINY[@]}"
    chmod 777 "$TMP/ro"
    chmod 444 "$TMP/ro/r.db"
    refused "read-only database file" "the file is read-only" "$TMP/ro/r.db" \
        "${AS[@]}" "$TMP/bin/tritbench" run quick --db "$TMP/ro/r.db" "${TINY[@]}"
    chmod 644 "$TMP/ro/r.db"
else
    echo "# skipped the permission part: root without setpriv to drop to nobody"
fi

# ---- a small tmpfs: read-only, full at open, filling up mid-run ----
if [ "$(id -u)" = 0 ] && mkdir -p "$TMP/mnt" && mount -t tmpfs -o size=3m,mode=1777 tmpfs "$TMP/mnt" 2>/dev/null; then
    ran=1
    MNT=$TMP/mnt
    DB=$MNT/r.db
    "$BIN" run quick --db "$DB" "${TINY[@]}" 2>"$TMP/err" || bad "tmpfs setup run: $(cat "$TMP/err")"
    mount -o remount,ro "$MNT"
    refused "database on a read-only file system" "read-only file system" "$DB" "$BIN" run quick --db "$DB" "${TINY[@]}"
    refused "new database on a read-only file system" "read-only file system" "$MNT/new.db" \
        "$BIN" run quick --db "$MNT/new.db" "${TINY[@]}"
    mount -o remount,rw "$MNT"

    dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
    refused "database on a full disk" "disk full" "$DB" "$BIN" run quick --db "$DB" "${TINY[@]}"
    refused "new database on a full disk" "disk full" "$MNT/new.db" "$BIN" run quick --db "$MNT/new.db" "${TINY[@]}"
    rm -f "$MNT/fill" # (the sqlite3 CLI itself cannot open it on the full disk)
    p=$(db_problems "$DB")
    [ -z "$p" ] && ok "full disk: database intact" || bad "full disk: $p"

    # fills up mid-run: once the first case is stored, take every free block
    before=$(cases_in "$DB")
    "$BIN" run quick --db "$DB" --filter 'peak/*/t1' --reps 20 --min-time 20ms --warmup 0 --threads 1 --quiet \
        >/dev/null 2>"$TMP/err" &
    pid=$!
    more_cases() { [ "$(cases_in "$DB")" -gt "$before" ]; }
    wait_for more_cases || bad "mid-run: nothing stored"
    dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
    wait "$pid"
    rc=$?
    [ "$rc" = 1 ] && ok "disk filled mid-run: exit 1" || bad "disk filled mid-run: exit $rc: $(cat "$TMP/err")"
    grep -q "cannot store case .*disk full" "$TMP/err" && ok "mid-run: $(head -1 "$TMP/err")" \
        || bad "mid-run: the error does not say disk full: $(cat "$TMP/err")"
    p=$(db_problems "$DB")
    [ -z "$p" ] && ok "mid-run: database intact on the full disk" || bad "mid-run: $p"
    rm -f "$MNT/fill"
    run=$(sqlite3 "$DB" "SELECT max(id) FROM runs")
    stored=$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE run_id=$run AND status='ok'")
    [ "$stored" -ge 1 ] && ok "mid-run: the $stored case(s) stored before the disk filled are kept" || bad "mid-run: none kept"
    "$BIN" run quick --db "$DB" "${TINY[@]}" 2>"$TMP/err" || bad "after freeing space: $(cat "$TMP/err")"
    st=$(sqlite3 "$DB" "SELECT status FROM runs WHERE id=$run")
    [ "$st" = failed ] || [ "$st" = interrupted ] && ok "mid-run: the run is marked $st" || bad "mid-run: run $run is '$st'"
    p=$(db_problems "$DB")
    [ -z "$p" ] && ok "database intact after space was freed" || bad "after: $p"
else
    echo "# skipped the tmpfs part: needs root and mount(8)"
fi

[ $ran = 0 ] && { echo "e2e store fs: skipped (not root and no way to test permissions)"; exit 77; }
if [ $fail = 0 ]; then echo "e2e store fs: all passed"; else echo "e2e store fs: FAILED"; fi
exit $fail
