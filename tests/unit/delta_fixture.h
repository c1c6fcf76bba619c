/*
 * delta_fixture.h — the cmocka fixture the Delta unit tests share: a fresh temporary
 * directory opened as a local store (fsync off: tests need speed, not durability).
 * Header-only, so only the tests that link the store module include it.
 */
#ifndef LS_DELTA_FIXTURE_H
#define LS_DELTA_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "lakesink/store.h"
#include "testutil.h"

typedef struct {
    char dir[256];
    ls_store_t *st;
} fx_t;

static inline int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    const char *d = ls_test_tmpdir();
    ls_error_t err;
    if (f == NULL || d == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof(f->dir), "%s", d);
    ls_store_opts_t o;
    ls_store_opts_init(&o);
    o.fsync = false;
    if (ls_store_open(f->dir, &o, &f->st, &err) != LS_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fx_t *f = *state;
    ls_store_free(f->st);
    ls_test_rmdir(f->dir);
    free(f);
    return 0;
}

#endif
