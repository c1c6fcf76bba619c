/*
 * testutil.c — see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ls_test_data(const char *rel)
{
    static char path[4096];
    const char *base = getenv("LS_TESTDATA");
#ifdef LS_TESTDATA
    if (base == NULL) {
        base = LS_TESTDATA;
    }
#endif
    if (base == NULL) {
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    struct stat st;
    if (stat(path, &st) != 0) {
        return NULL;
    }
    return path;
}

const char *ls_test_tmpdir(void)
{
    static char dir[256];
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/lakesink-test-XXXXXX", t ? t : "/tmp");
    if (mkdtemp(dir) == NULL) {
        return NULL;
    }
    return dir;
}

void ls_test_rmdir(const char *dir)
{
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
}

uint64_t ls_test_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
