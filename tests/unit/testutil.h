/*
 * testutil.h — helpers shared by the cmocka unit tests: cmocka includes, test data
 * paths, temporary directories.
 */
#ifndef LS_TESTUTIL_H
#define LS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/** Path under ../shared/testdata (static buffer), or NULL when the corpus is absent. */
const char *ls_test_data(const char *rel);
/** A fresh temporary directory (static buffer); removed by ls_test_rmdir. */
const char *ls_test_tmpdir(void);
/** rm -rf @p dir. */
void ls_test_rmdir(const char *dir);
/** Deterministic pseudo-random numbers for property tests (xorshift64*). */
uint64_t ls_test_rand(uint64_t *state);

/* Skip the current test when the external corpus is missing. */
#define LS_REQUIRE_TESTDATA(rel)                                                  \
    do {                                                                         \
        if (ls_test_data(rel) == NULL) {                                         \
            print_message("skipped: ../shared/testdata/%s is absent\n", rel);    \
            skip();                                                              \
        }                                                                        \
    } while (0)

#endif
