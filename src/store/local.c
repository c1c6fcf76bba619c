/*
 * local.c — the local file-system backend: a table root directory holding one file per key.
 *
 * Responsible for: durable, atomic writes (temp file in the target directory, fsync, rename or
 * link, fsync of the directory), put-if-absent by link()/renameat2(RENAME_NOREPLACE), listing in
 * byte order by a sorted depth-first walk, and streaming writers that become visible on commit.
 * Not responsible for: locking between processes beyond what link()/rename() give, or cleaning
 * temp files left by a crash (they are hidden from listings and named *.ls-tmp).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lakesink/alloc.h"
#include "store_int.h"

#define LS__TMP_SUFFIX ".ls-tmp"
#define LS__MAX_DIR_ENTRIES (4u << 20) /* a directory bigger than this is refused, not listed */
#define LS__WBUF_SIZE (256u << 10)     /* streaming writer's buffer before write(2) */

typedef struct ls__local_s {
    char *root; /* owned, no trailing slash */
    bool fsync;
} ls__local_t;

static atomic_uint ls__tmp_counter;

static ls__local_t *ls__lc(ls_store_t *st)
{
    return st->impl;
}

/* root + "/" + rel, owned by the caller; NULL on OOM. */
static char *ls__path(ls_store_t *st, const char *rel, size_t rel_len)
{
    const char *root = ls__lc(st)->root;
    size_t rl = strlen(root);
    char *p = ls_malloc(rl + 1 + rel_len + 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, root, rl);
    p[rl] = '/';
    memcpy(p + rl + 1, rel, rel_len);
    p[rl + 1 + rel_len] = '\0';
    return p;
}

static ls_err_t ls__errno(ls_error_t *err, int e, const char *what, const char *path)
{
    ls_err_t code = e == ENOENT || e == ENOTDIR ? LS_ERR_NOT_FOUND
                    : e == ENOMEM               ? LS_ERR_NOMEM
                                                : LS_ERR_IO;
    return ls_error_set(err, code, "%s: %s: %s", path, what, strerror(e));
}

static ls_err_t ls__nomem(ls_error_t *err, const char *key)
{
    return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", key);
}

static ls_err_t ls__write_all(int fd, const void *data, size_t len, const char *path,
                              ls_error_t *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return ls__errno(err, errno, "write", path);
        }
        p += n;
        len -= (size_t)n;
    }
    return LS_OK;
}

static ls_err_t ls__fsync_dir(const char *dir, ls_error_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return ls__errno(err, errno, "open directory for fsync", dir);
    }
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    /* some file systems cannot fsync a directory; that is not a lost write */
    if (rc != 0 && e != EINVAL && e != ENOTSUP) {
        return ls__errno(err, e, "fsync directory", dir);
    }
    return LS_OK;
}

static ls_err_t ls__fsync_parent(const char *path, ls_error_t *err);

/* mkdir -p for the directory part of @p path (everything before the last '/'); with
 * @p durable, each new directory's entry is fsynced into its parent. */
static ls_err_t ls__mkdir_parents(char *path, bool durable, ls_error_t *err)
{
    char *last = strrchr(path, '/');
    if (last == NULL || last == path) {
        return LS_OK;
    }
    *last = '\0';
    struct stat st;
    ls_err_t rc = LS_OK;
    if (stat(path, &st) != 0) {
        for (char *p = path + 1; rc == LS_OK; p++) {
            if (*p != '/' && *p != '\0') {
                continue;
            }
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0755) == 0) {
                rc = durable ? ls__fsync_parent(path, err) : LS_OK;
            } else if (errno != EEXIST) {
                rc = ls__errno(err, errno, "mkdir", path);
            }
            *p = saved;
            if (saved == '\0') {
                break;
            }
        }
    }
    *last = '/';
    return rc;
}

/* A temp path next to @p path: DIR/.BASE.<pid>-<n>-<rand>.ls-tmp. Owned by the caller. */
static char *ls__tmp_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    ls_buf_t b;
    ls_buf_init(&b, LS_BUF_UNLIMITED);
    unsigned n = atomic_fetch_add(&ls__tmp_counter, 1);
    unsigned r = (unsigned)(ls__mono_ms() * 2654435761u) ^ (unsigned)(uintptr_t)&b;
    if (ls_buf_append(&b, path, dl) != LS_OK ||
        ls_buf_printf(&b, ".%s.%ld-%u-%08x%s", path + dl, (long)getpid(), n, r,
                      LS__TMP_SUFFIX) != LS_OK ||
        ls_buf_terminate(&b) != LS_OK) {
        ls_buf_free(&b);
        return NULL;
    }
    return (char *)ls_buf_steal(&b, NULL);
}

static bool ls__is_tmp_name(const char *name)
{
    size_t n = strlen(name);
    size_t s = sizeof(LS__TMP_SUFFIX) - 1;
    return name[0] == '.' && n > s && memcmp(name + n - s, LS__TMP_SUFFIX, s) == 0;
}

/* Directory of @p path for fsync (modifies a copy). */
static ls_err_t ls__fsync_parent(const char *path, ls_error_t *err)
{
    char *dir = ls_strdup(path);
    if (dir == NULL) {
        return ls__nomem(err, path);
    }
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *(slash == dir ? slash + 1 : slash) = '\0';
    }
    ls_err_t rc = ls__fsync_dir(slash ? dir : ".", err);
    ls_free(dir);
    return rc;
}

/* ---- reads ---- */

static ls_err_t ls__read_at(int fd, uint64_t off, size_t len, ls_buf_t *out, const char *path,
                            ls_error_t *err)
{
    size_t old = out->len;
    ls_err_t rc = ls_buf_reserve(out, len);
    if (rc != LS_OK) {
        return ls_error_set(err, rc, "%s: %zu bytes do not fit the buffer (cap %zu)", path, len,
                            out->max);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, out->data + old + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n == 0 ? ls_error_set(err, LS_ERR_IO, "%s: file shrank while reading", path)
                          : ls__errno(err, errno, "read", path);
        }
        done += (size_t)n;
    }
    out->len = old + len;
    return LS_OK;
}

static ls_err_t ls__local_get(ls_store_t *st, const char *key, bool ranged, uint64_t off,
                              size_t len, ls_buf_t *out, ls_error_t *err)
{
    char *path = ls__path(st, key, strlen(key));
    if (path == NULL) {
        return ls__nomem(err, key);
    }
    ls_err_t rc = LS_OK;
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = ls__errno(err, errno, "open", path);
    } else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = ls_error_set(err, LS_ERR_NOT_FOUND, "%s: not a regular file", path);
    } else if (ranged && (off > (uint64_t)sb.st_size || len > (uint64_t)sb.st_size - off)) {
        rc = ls_error_set(err, LS_ERR_INVALID_ARG,
                          "%s: range [%llu, +%zu) is outside the object (%llu bytes)", path,
                          (unsigned long long)off, len, (unsigned long long)sb.st_size);
    } else if (!ranged && (uint64_t)sb.st_size > SIZE_MAX) {
        rc = ls_error_set(err, LS_ERR_LIMIT, "%s: too large to read into memory", path);
    } else {
        rc = ls__read_at(fd, ranged ? off : 0, ranged ? len : (size_t)sb.st_size, out, path,
                         err);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc == LS_OK) {
        ls__store_count(st, 1, 0, 0, ranged ? len : (uint64_t)sb.st_size);
    }
    ls_free(path);
    return rc;
}

static int64_t ls__mtime_ms(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000;
}

static ls_err_t ls__local_head(ls_store_t *st, const char *key, uint64_t *size,
                               int64_t *mtime_ms, ls_error_t *err)
{
    char *path = ls__path(st, key, strlen(key));
    if (path == NULL) {
        return ls__nomem(err, key);
    }
    struct stat sb;
    ls_err_t rc = LS_OK;
    if (stat(path, &sb) != 0) {
        rc = ls__errno(err, errno, "stat", path);
    } else if (!S_ISREG(sb.st_mode)) {
        rc = ls_error_set(err, LS_ERR_NOT_FOUND, "%s: not a regular file", path);
    } else {
        *size = (uint64_t)sb.st_size;
        *mtime_ms = ls__mtime_ms(&sb);
        ls__store_count(st, 1, 0, 0, 0);
    }
    ls_free(path);
    return rc;
}

/* ---- writes ---- */

/* Create a temp file next to @p path (creating parent directories). */
static ls_err_t ls__tmp_open(char *path, bool durable, char **tmp_out, int *fd_out,
                             ls_error_t *err)
{
    LS_TRY(ls__mkdir_parents(path, durable, err));
    char *tmp = ls__tmp_path(path);
    if (tmp == NULL) {
        return ls__nomem(err, path);
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        ls_err_t rc = ls__errno(err, errno, "create temp file", tmp);
        ls_free(tmp);
        return rc;
    }
    *tmp_out = tmp;
    *fd_out = fd;
    return LS_OK;
}

/* Move a complete temp file into place: link (no replace) or rename (replace). */
static ls_err_t ls__publish(const char *tmp, const char *path, bool if_absent, ls_error_t *err)
{
    if (!if_absent) {
        if (rename(tmp, path) != 0) {
            return ls__errno(err, errno, "rename into place", path);
        }
        return LS_OK;
    }
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return LS_OK;
    }
    int e = errno;
    if (e == EEXIST) {
        return ls_error_set(err, LS_ERR_EXISTS, "%s: already exists", path);
    }
    if (e != EPERM && e != ENOTSUP && e != ENOSYS) {
        return ls__errno(err, e, "link into place", path);
    }
    /* file systems without hard links: the kernel's no-replace rename is just as atomic */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
        return LS_OK;
    }
    e = errno;
    if (e == EEXIST) {
        return ls_error_set(err, LS_ERR_EXISTS, "%s: already exists", path);
    }
    if (e == EINVAL || e == ENOSYS || e == ENOTSUP) {
        return ls_error_set(err, LS_ERR_UNSUPPORTED,
                            "%s: the file system supports neither link() nor "
                            "RENAME_NOREPLACE, so put-if-absent cannot be atomic",
                            path);
    }
    return ls__errno(err, e, "rename into place", path);
}

/* Does @p path hold exactly these bytes? (put-if-absent's "same write again" rule) */
static bool ls__same_bytes(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    bool same = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
                (uint64_t)sb.st_size == len;
    uint8_t chunk[8192];
    for (size_t off = 0; same && off < len;) {
        size_t want = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
        ssize_t n = pread(fd, chunk, want, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        same = n > 0 && memcmp(chunk, (const uint8_t *)data + off, (size_t)n) == 0;
        off += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return same;
}

static ls_err_t ls__local_put(ls_store_t *st, const char *key, const void *data, size_t len,
                              bool if_absent, ls_error_t *err)
{
    char *path = ls__path(st, key, strlen(key));
    if (path == NULL) {
        return ls__nomem(err, key);
    }
    char *tmp = NULL;
    int fd = -1;
    ls_err_t rc = ls__tmp_open(path, ls__lc(st)->fsync, &tmp, &fd, err);
    if (rc == LS_OK) {
        rc = ls__write_all(fd, data, len, tmp, err);
    }
    if (rc == LS_OK && ls__lc(st)->fsync && fsync(fd) != 0) {
        rc = ls__errno(err, errno, "fsync", tmp);
    }
    if (fd >= 0 && close(fd) != 0 && rc == LS_OK) {
        rc = ls__errno(err, errno, "close", tmp);
    }
    if (rc == LS_OK) {
        rc = ls__publish(tmp, path, if_absent, err);
    }
    if (tmp != NULL && rc != LS_OK) {
        unlink(tmp);
    }
    if (rc == LS_ERR_EXISTS && ls__same_bytes(path, data, len)) {
        ls_error_clear(err);
        rc = LS_OK;
    }
    if (rc == LS_OK && ls__lc(st)->fsync) {
        rc = ls__fsync_parent(path, err);
    }
    if (rc == LS_OK) {
        ls__store_count(st, 1, 0, len, 0);
    }
    ls_free(tmp);
    ls_free(path);
    return rc;
}

static ls_err_t ls__local_del(ls_store_t *st, const char *key, ls_error_t *err)
{
    char *path = ls__path(st, key, strlen(key));
    if (path == NULL) {
        return ls__nomem(err, key);
    }
    ls_err_t rc = LS_OK;
    if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
        rc = ls__errno(err, errno, "unlink", path);
    }
    if (rc == LS_OK) {
        ls__store_count(st, 1, 0, 0, 0);
    }
    ls_free(path);
    return rc;
}

/* ---- listing ---- */

typedef struct ls__walk_s {
    ls_store_t *st;
    const char *prefix;
    size_t prefix_len;
    const char *after;
    ls_store_list_cb cb;
    void *ud;
    ls_buf_t rel; /* current relative path */
} ls__walk_t;

static int ls__cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ls__free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ls_free(names[i]);
    }
    ls_free(names);
}

/*
 * Read directory @p dir: every name but temp files, with "/" appended to subdirectories so
 * that sorting names sorts the keys below them too ("a-b" < "a/" < "a0").
 */
static ls_err_t ls__read_dir(const char *dir, char ***out, size_t *count, ls_error_t *err)
{
    DIR *d = opendir(dir);
    *out = NULL;
    *count = 0;
    if (d == NULL) {
        return errno == ENOENT || errno == ENOTDIR ? LS_OK : ls__errno(err, errno, "opendir", dir);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    ls_err_t rc = LS_OK;
    struct dirent *de;
    while (rc == LS_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 || ls__is_tmp_name(nm)) {
            continue;
        }
        bool is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
            struct stat sb;
            is_dir = fstatat(dirfd(d), nm, &sb, 0) == 0 && S_ISDIR(sb.st_mode);
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = nc <= LS__MAX_DIR_ENTRIES ? ls_reallocarray(names, nc, sizeof(*nn)) : NULL;
            if (nn == NULL) {
                rc = nc > LS__MAX_DIR_ENTRIES
                         ? ls_error_set(err, LS_ERR_LIMIT, "%s: more than %u entries", dir,
                                        LS__MAX_DIR_ENTRIES)
                         : ls__nomem(err, dir);
                break;
            }
            names = nn;
            cap = nc;
        }
        size_t l = strlen(nm);
        char *copy = ls_malloc(l + 2);
        if (copy == NULL) {
            rc = ls__nomem(err, dir);
            break;
        }
        memcpy(copy, nm, l);
        copy[l] = is_dir ? '/' : '\0';
        copy[l + 1] = '\0';
        names[n++] = copy;
    }
    closedir(d);
    if (rc != LS_OK) {
        ls__free_names(names, n);
        return rc;
    }
    if (n > 1) {
        qsort(names, n, sizeof(*names), ls__cmp_names);
    }
    *out = names;
    *count = n;
    return LS_OK;
}

static ls_err_t ls__walk_dir(ls__walk_t *w, ls_error_t *err);

/* Visit one entry whose full relative key (dirs end in '/') is in w->rel. */
static ls_err_t ls__walk_entry(ls__walk_t *w, ls_error_t *err)
{
    const char *k = (const char *)w->rel.data;
    size_t kl = w->rel.len;
    size_t al = strlen(w->after);
    if (k[kl - 1] == '/') {
        /* a subtree can hold a match only if its path and the prefix agree on their overlap,
         * and it is worth entering only if some key in it can sort after start_after */
        size_t m = kl < w->prefix_len ? kl : w->prefix_len;
        if (memcmp(k, w->prefix, m) != 0) {
            return LS_OK;
        }
        if (al > 0 && strcmp(k, w->after) < 0 && !(al >= kl && memcmp(k, w->after, kl) == 0)) {
            return LS_OK;
        }
        return ls__walk_dir(w, err);
    }
    if (kl < w->prefix_len || memcmp(k, w->prefix, w->prefix_len) != 0 ||
        strcmp(k, w->after) <= 0) {
        return LS_OK;
    }
    char *path = ls__path(w->st, k, kl);
    if (path == NULL) {
        return ls__nomem(err, k);
    }
    struct stat sb;
    int rc = stat(path, &sb);
    ls_free(path);
    if (rc != 0 || !S_ISREG(sb.st_mode)) {
        return LS_OK; /* deleted or replaced by something else since readdir */
    }
    ls_store_entry_t e = {k, (uint64_t)sb.st_size, ls__mtime_ms(&sb)};
    return w->cb(w->ud, &e, err);
}

static ls_err_t ls__walk_dir(ls__walk_t *w, ls_error_t *err)
{
    size_t base = w->rel.len;
    char *dir = ls__path(w->st, (const char *)w->rel.data, base);
    if (dir == NULL) {
        return ls__nomem(err, "list");
    }
    char **names;
    size_t n;
    ls_err_t rc = ls__read_dir(dir, &names, &n, err);
    ls_free(dir);
    for (size_t i = 0; rc == LS_OK && i < n; i++) {
        w->rel.len = base;
        if (ls_buf_append_str(&w->rel, names[i]) != LS_OK || ls_buf_terminate(&w->rel) != LS_OK) {
            rc = ls__nomem(err, "list");
            break;
        }
        rc = ls__walk_entry(w, err);
    }
    w->rel.len = base;
    if (w->rel.data != NULL) {
        w->rel.data[base] = '\0';
    }
    ls__free_names(names, n);
    return rc;
}

static ls_err_t ls__local_list(ls_store_t *st, const char *prefix, const char *start_after,
                               ls_store_list_cb cb, void *ud, ls_error_t *err)
{
    ls__walk_t w = {st, prefix, strlen(prefix), start_after, cb, ud, {0}};
    ls_buf_init(&w.rel, 1u << 20);
    /* start in the deepest directory the prefix names: "_delta_log/0000" reads only _delta_log */
    const char *slash = strrchr(prefix, '/');
    size_t dl = slash ? (size_t)(slash - prefix) + 1 : 0;
    ls_err_t rc = ls_buf_append(&w.rel, prefix, dl);
    if (rc == LS_OK) {
        rc = ls_buf_terminate(&w.rel);
    }
    if (rc != LS_OK) {
        ls_buf_free(&w.rel);
        return ls__nomem(err, prefix);
    }
    if (dl > 0) {
        /* a prefix whose directory part has '.', '..' or empty components matches no valid
         * key, and walking it could leave the root */
        w.rel.data[dl - 1] = '\0';
        bool bad = ls__store_key_check((const char *)w.rel.data, NULL) != LS_OK;
        w.rel.data[dl - 1] = '/';
        if (bad) {
            ls_buf_free(&w.rel);
            return LS_OK;
        }
    }
    rc = ls__walk_dir(&w, err);
    ls_buf_free(&w.rel);
    ls__store_count(st, 1, 0, 0, 0);
    return rc;
}

/* ---- streaming writer ---- */

typedef struct ls__lwriter_s {
    char *path;
    char *tmp;
    int fd;
    bool fsync;
    uint8_t *buf;
    size_t len;
} ls__lwriter_t;

static ls_err_t ls__lw_flush(ls__lwriter_t *lw, ls_error_t *err)
{
    ls_err_t rc = ls__write_all(lw->fd, lw->buf, lw->len, lw->tmp, err);
    lw->len = 0;
    return rc;
}

static ls_err_t ls__lw_write(ls_store_writer_t *w, const void *data, size_t len, ls_error_t *err)
{
    ls__lwriter_t *lw = w->impl;
    if (lw->len + len > LS__WBUF_SIZE) {
        LS_TRY(ls__lw_flush(lw, err));
    }
    if (len >= LS__WBUF_SIZE) {
        return ls__write_all(lw->fd, data, len, lw->tmp, err);
    }
    memcpy(lw->buf + lw->len, data, len);
    lw->len += len;
    return LS_OK;
}

static void ls__lw_release(ls__lwriter_t *lw, bool remove_tmp)
{
    if (lw->fd >= 0) {
        close(lw->fd);
    }
    if (remove_tmp) {
        unlink(lw->tmp);
    }
    ls_free(lw->buf);
    ls_free(lw->tmp);
    ls_free(lw->path);
    ls_free(lw);
}

static ls_err_t ls__lw_commit(ls_store_writer_t *w, ls_error_t *err)
{
    ls__lwriter_t *lw = w->impl;
    ls_err_t rc = ls__lw_flush(lw, err);
    if (rc == LS_OK && lw->fsync && fsync(lw->fd) != 0) {
        rc = ls__errno(err, errno, "fsync", lw->tmp);
    }
    int fd = lw->fd;
    lw->fd = -1;
    if (close(fd) != 0 && rc == LS_OK) {
        rc = ls__errno(err, errno, "close", lw->tmp);
    }
    if (rc == LS_OK) {
        rc = ls__publish(lw->tmp, lw->path, false, err);
    }
    if (rc == LS_OK && lw->fsync) {
        rc = ls__fsync_parent(lw->path, err);
    }
    if (rc == LS_OK) {
        ls__store_count(w->st, 1, 0, w->bytes, 0);
    }
    ls__lw_release(lw, rc != LS_OK);
    return rc;
}

static void ls__lw_abort(ls_store_writer_t *w)
{
    ls__lw_release(w->impl, true);
}

static ls_err_t ls__local_writer_open(ls_store_t *st, ls_store_writer_t *w, ls_error_t *err)
{
    ls__lwriter_t *lw = ls_calloc(1, sizeof(*lw));
    if (lw == NULL) {
        return ls__nomem(err, w->key);
    }
    lw->fd = -1;
    lw->fsync = ls__lc(st)->fsync;
    lw->path = ls__path(st, w->key, strlen(w->key));
    lw->buf = ls_malloc(LS__WBUF_SIZE);
    ls_err_t rc = lw->path && lw->buf ? ls__tmp_open(lw->path, lw->fsync, &lw->tmp, &lw->fd, err)
                                      : ls__nomem(err, w->key);
    if (rc != LS_OK) {
        ls__lw_release(lw, false);
        return rc;
    }
    w->impl = lw;
    w->write = ls__lw_write;
    w->commit = ls__lw_commit;
    w->abort = ls__lw_abort;
    return LS_OK;
}

/* ---- sources ---- */

static void ls__ls_close(ls_store_source_t *h)
{
    ls_file_source_close(h->impl);
}

static ls_err_t ls__local_source_open(ls_store_t *st, ls_store_source_t *h, ls_source_t *src,
                                      ls_error_t *err)
{
    char *path = ls__path(st, h->key, strlen(h->key));
    if (path == NULL) {
        return ls__nomem(err, h->key);
    }
    ls_file_source_t *fs = NULL;
    ls_err_t rc = ls_file_source_open(path, &fs, src, err);
    ls_free(path);
    if (rc != LS_OK) {
        return rc;
    }
    h->impl = fs;
    h->close = ls__ls_close;
    ls__store_count(st, 1, 0, 0, 0);
    return LS_OK;
}

static void ls__local_free(ls_store_t *st)
{
    ls__local_t *lc = st->impl;
    if (lc != NULL) {
        ls_free(lc->root);
        ls_free(lc);
    }
}

const ls__store_ops_t ls__store_local_ops = {
    ls__local_get,  ls__local_head,        ls__local_put,         ls__local_del,
    ls__local_list, ls__local_writer_open, ls__local_source_open, ls__local_free,
};

ls_err_t ls__store_local_init(ls_store_t *st, const char *root, ls_error_t *err)
{
    ls__local_t *lc = ls_calloc(1, sizeof(*lc));
    if (lc == NULL || (lc->root = ls_strdup(root)) == NULL) {
        ls_free(lc);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", root);
    }
    lc->fsync = st->opts.fsync;
    st->impl = lc;
    st->ops = &ls__store_local_ops;
    return LS_OK;
}
