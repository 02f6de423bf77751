/* tb-test.h - minimal assertion helpers for the ctest executables:
 * every failed check prints file:line and the expression, and the test
 * exits 1 at the end (exit 77 = skipped). */
#ifndef TB_TEST_H
#define TB_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int tb_test_failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            tb_test_failures++;                                                      \
        }                                                                            \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
    do {                                                                                         \
        double a_ = (a), b_ = (b);                                                               \
        if (!(fabs(a_ - b_) <= (tol))) {                                                         \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.10g, expected %.10g (tol %g)\n", \
                    __FILE__, __LINE__, #a, a_, b_, (double)(tol));                              \
            tb_test_failures++;                                                                  \
        }                                                                                        \
    } while (0)

#define TEST_DONE()                                                           \
    do {                                                                      \
        if (tb_test_failures)                                                 \
            fprintf(stderr, "%d check(s) failed\n", tb_test_failures);        \
        return tb_test_failures ? 1 : 0;                                      \
    } while (0)

#endif
