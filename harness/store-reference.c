/* store-reference.c - loads the published figures (results/reference/<name>.csv,
 * embedded at build time) into the table reference_figures, so reports
 * compare against numbers that are in the database itself.  Each CSV's
 * first line is "# source: CITATION"; then a header row and data rows.
 * A column whose every non-empty cell is a number is a quantity (one row
 * per cell; empty cells are not loaded: a figure the paper does not give
 * is absent, never 0); the other columns name the row (joined with " | "),
 * with "threads", except the free-text ones (source_note, setup, notes, source, status),
 * which become the note.  Loaded once per database, in one transaction;
 * a later version with more rows replaces them all. */
#include "store-internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_REF_LIST(X)                                                                                         \
    X(b158_table1_ppl_memory_latency) X(b158_fig2_latency_memory) X(b158_fig3_energy)                          \
    X(b158_fig3_left_matmul_op_energy_7nm) X(b158_table3_70b_throughput) X(energy_model_add_mul_pj)            \
    X(bitnetcpp_2410_speed) X(bitnetcpp_2502_table7_speed) X(bitnet_cpu_opt_2026_2b4t)

#define TB_REF_EXTERN(n) extern const char tb_ref_##n[];
TB_REF_LIST(TB_REF_EXTERN)
#define TB_REF_ROW(n) {#n, tb_ref_##n},
static const struct {
    const char *table;
    const char *csv;
} files[] = {TB_REF_LIST(TB_REF_ROW)};
#define NFILES (int)(sizeof files / sizeof files[0])

#define MAXCOL 16
#define CELL 256

/* Split one CSV line (RFC 4180 quotes) into cells; returns the count, or
 * -1 when it has more than MAXCOL cells or a cell longer than CELL. */
static int split(const char *line, size_t len, char cells[MAXCOL][CELL])
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == MAXCOL)
            return -1;
        size_t o = 0;
        int q = i < len && line[i] == '"';
        if (q)
            i++;
        while (i < len) {
            char ch = line[i];
            if (q && ch == '"') {
                if (i + 1 < len && line[i + 1] == '"') {
                    i++;
                } else {
                    q = 0;
                    i++;
                    continue;
                }
            } else if (!q && ch == ',') {
                break;
            }
            if (o + 1 >= CELL)
                return -1;
            cells[n][o++] = ch;
            i++;
        }
        cells[n++][o] = 0;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

static int is_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 0;
    *v = strtod(s, &end);
    return *end == 0 && isfinite(*v);
}

/* The unit a column's name implies. */
static const char *unit_of(const char *col)
{
    static const struct { const char *suffix, *unit; } u[] = {
        {"_gb", "GB"}, {"_ms", "ms"}, {"_x", "x"}, {"_x_printed", "x"}, {"_x_recomputed", "x"},
        {"_ms_digitized", "ms"}, {"_gb_digitized", "GB"}, {"_j_digitized", "J"}, {"_pj", "pJ"},
        {"_pj_per_op_7nm", "pJ"}, {"tok_s", "tokens/s"}, {"tokens_per_s", "tokens/s"},
        {"batch_size", "sequences"}, {"ppl", "perplexity"}, {"bits_per_weight", "bits"},
        {"threads", "threads"},
    };
    size_t n = strlen(col);
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        size_t k = strlen(u[i].suffix);
        if (n >= k && strcmp(col + n - k, u[i].suffix) == 0)
            return u[i].unit;
    }
    return "1";
}

static int is_note_col(const char *col)
{
    return !strcmp(col, "source_note") || !strcmp(col, "setup") || !strcmp(col, "notes") ||
           !strcmp(col, "source") || !strcmp(col, "status");
}

static const char *next_line(const char *p, size_t *len)
{
    const char *e = strchr(p, '\n');
    *len = e ? (size_t)(e - p) : strlen(p);
    if (*len && p[*len - 1] == '\r')
        (*len)--;
    return e ? e + 1 : p + strlen(p);
}

/* Columns that name the row even though they hold numbers. */
static int is_label_col(const char *col) { return !strcmp(col, "threads"); }

/* Which columns are numeric: every non-empty cell parses as a number (and
 * the column is not a label column). */
static void numeric_cols(char head[MAXCOL][CELL], const char *body, int ncol, int numeric[MAXCOL])
{
    static char cells[MAXCOL][CELL];
    for (int c = 0; c < ncol; c++)
        numeric[c] = 1;
    for (const char *p = body; *p;) {
        size_t len;
        const char *line = p;
        p = next_line(p, &len);
        int n = len ? split(line, len, cells) : 0;
        for (int c = 0; c < n && c < ncol; c++) {
            double v;
            if (cells[c][0] && !is_number(cells[c], &v))
                numeric[c] = 0;
        }
    }
    for (int c = 0; c < ncol; c++)
        if (is_label_col(head[c]))
            numeric[c] = 0;
}

static int load_file(tb_store *s, const char *table, const char *csv, int *rows)
{
    static char head[MAXCOL][CELL], cells[MAXCOL][CELL];
    char source[512], label[1024], note[1024];
    size_t len;
    const char *line = csv, *p = next_line(csv, &len);
    if (len < 10 || strncmp(line, "# source: ", 10) != 0) {
        snprintf(s->err, sizeof s->err, "reference %s: first line is not '# source: ...'", table);
        return -EINVAL;
    }
    snprintf(source, sizeof source, "%.*s", (int)(len - 10), line + 10);
    line = p;
    p = next_line(p, &len);
    int ncol = split(line, len, head), numeric[MAXCOL];
    if (ncol < 2) {
        snprintf(s->err, sizeof s->err, "reference %s: no header row", table);
        return -EINVAL;
    }
    numeric_cols(head, p, ncol, numeric);
    for (int lineno = 3; *p; lineno++) {
        line = p;
        p = next_line(p, &len);
        if (!len)
            continue;
        int n = split(line, len, cells);
        if (n != ncol) {
            snprintf(s->err, sizeof s->err, "reference %s line %d: %d cells, header has %d", table, lineno, n,
                     ncol);
            return -EINVAL;
        }
        label[0] = note[0] = 0;
        for (int c = 0; c < ncol; c++) {
            if (numeric[c])
                continue;
            char *dst = is_note_col(head[c]) ? note : label;
            size_t o = strlen(dst);
            if (cells[c][0])
                snprintf(dst + o, 1024 - o, "%s%s", o ? " | " : "", cells[c]);
        }
        for (int c = 0; c < ncol; c++) {
            double v;
            if (!numeric[c] || !is_number(cells[c], &v))
                continue;
            tb_row r;
            tb_row_init(&r, "reference_figures");
            tb_row_text(&r, "source", source);
            tb_row_text(&r, "tbl", table);
            tb_row_text(&r, "row_label", label);
            tb_row_text(&r, "quantity", head[c]);
            tb_row_real(&r, "value", v);
            tb_row_text(&r, "unit", unit_of(head[c]));
            tb_row_text(&r, "note", note);
            if (tb_row_insert(s, &r, 1, NULL) < 0)
                return tb_store_errno(s);
            (*rows)++;
        }
    }
    return 0;
}

/* Number of figures the embedded files hold (parsed, not stored). */
static int count_expected(void)
{
    static char head[MAXCOL][CELL], cells[MAXCOL][CELL];
    int total = 0;
    for (int f = 0; f < NFILES; f++) {
        size_t len;
        const char *p = next_line(files[f].csv, &len), *line = p;
        p = next_line(p, &len);
        int ncol = split(line, len, head), numeric[MAXCOL];
        if (ncol < 2)
            continue;
        numeric_cols(head, p, ncol, numeric);
        while (*p) {
            line = p;
            p = next_line(p, &len);
            int n = len ? split(line, len, cells) : 0;
            for (int c = 0; c < n && c < ncol; c++) {
                double v;
                total += numeric[c] && is_number(cells[c], &v);
            }
        }
    }
    return total;
}

int tb_store_reference_load(tb_store *s, int *loaded)
{
    *loaded = 0;
    sqlite3_stmt *st = tb_store_stmt(s, "SELECT count(*) FROM sqlite_master WHERE name='reference_figures'");
    if (!st)
        return -EIO;
    int have_table = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_reset(st);
    if (!have_table)
        return -ENOENT;
    st = tb_store_stmt(s, "SELECT count(*) FROM reference_figures");
    if (!st)
        return -EIO;
    int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (have == count_expected())
        return 0;
    if (tb_store_begin(s) < 0)
        return tb_store_errno(s);
    int rc = tb_store_exec(s, "DELETE FROM reference_figures", "reference figures");
    for (int f = 0; rc == 0 && f < NFILES; f++)
        rc = load_file(s, files[f].table, files[f].csv, loaded);
    if (rc == 0)
        rc = tb_store_exec(s, "COMMIT", "reference figures");
    if (rc < 0) {
        char keep[sizeof s->err];
        memcpy(keep, s->err, sizeof keep);
        tb_store_exec(s, "ROLLBACK", "reference figures");
        memcpy(s->err, keep, sizeof keep);
        *loaded = 0;
    }
    return rc;
}
