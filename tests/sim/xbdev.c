/*
 * xbdev.c: xenstore helpers of the simulated device drivers (see xbdev.h):
 * strict number parsing, directory listings, and transactional writes
 * that never bring back a device directory somebody removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xbdev.h"

bool xb_parse_uint(const char *s, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    if (!s || !*s || strlen(s) > 10)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

bool xb_kind_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 16)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

int xb_read_uint(struct xsc *c, const char *path, unsigned max, unsigned *out)
{
    char *v = NULL;
    int e = xsc_read(c, 0, path, &v);
    if (e)
        return e;
    e = xb_parse_uint(v, max, out) ? 0 : EINVAL;
    free(v);
    return e;
}

int xb_read_state(struct xsc *c, const char *path, bool *exists)
{
    unsigned s = 0;
    int e = xb_read_uint(c, path, XB_RECONFIGURED, &s);
    if (exists)
        *exists = e != ENOENT;
    return e ? XB_UNKNOWN : (int)s;
}

int xb_list(struct xsc *c, const char *path, char **names, unsigned *n)
{
    char *r = NULL;
    uint32_t len = 0;
    int e = xsc_call(c, XS_DIRECTORY, 0, path, strlen(path) + 1, &r, &len);
    *names = NULL;
    *n = 0;
    if (e)
        return e;
    unsigned count = 0;
    for (uint32_t i = 0; i < len; i++)
        if (r[i] == 0)
            count++;
    if (len && r[len - 1] != 0)
        count++;                 /* r[len] is a NUL too (xsc_recv) */
    *names = r;
    *n = count;
    return 0;
}

static int tx_start(struct xsc *c, uint32_t *tx)
{
    char *r = NULL;
    int e = xsc_call(c, XS_TRANSACTION_START, 0, "", 1, &r, NULL);
    if (e)
        return e;
    unsigned id;
    e = xb_parse_uint(r, 0xffffffffu, &id) ? 0 : EIO;
    free(r);
    *tx = id;
    return e;
}

static int tx_end(struct xsc *c, uint32_t tx, bool commit)
{
    return xsc_call(c, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL, NULL);
}

/* expect < 0: any state will do. */
static int guarded(struct xsc *c, const char *dir, const struct xb_kv *kv, size_t n,
                   int expect, int state)
{
    char path[512], sv[16];
    if (snprintf(path, sizeof(path), "%s/state", dir) >= (int)sizeof(path))
        return ENAMETOOLONG;
    for (int attempt = 0; attempt < 50; attempt++) {
        uint32_t tx;
        int e = tx_start(c, &tx);
        if (e)
            return e;
        char *cur = NULL;
        snprintf(path, sizeof(path), "%s/state", dir);
        e = xsc_read(c, tx, path, &cur);
        if (!e && expect >= 0) {
            unsigned now;
            if (!xb_parse_uint(cur, XB_RECONFIGURED, &now))
                now = XB_UNKNOWN;
            if ((int)now != expect)
                e = ESTALE;
        }
        free(cur);
        for (size_t i = 0; !e && i < n; i++) {
            if (snprintf(path, sizeof(path), "%s/%s", dir, kv[i].key) >= (int)sizeof(path))
                e = ENAMETOOLONG;
            else
                e = xsc_write(c, tx, path, kv[i].value, strlen(kv[i].value));
        }
        if (!e && state >= 0) {
            snprintf(path, sizeof(path), "%s/state", dir);
            snprintf(sv, sizeof(sv), "%d", state);
            e = xsc_write(c, tx, path, sv, strlen(sv));
        }
        if (e) {
            tx_end(c, tx, false);
            return e;
        }
        e = tx_end(c, tx, true);
        if (e != EAGAIN)
            return e;
    }
    return EAGAIN;
}

int xb_guarded_write(struct xsc *c, const char *dir, const struct xb_kv *kv, size_t n,
                     int state)
{
    return guarded(c, dir, kv, n, -1, state);
}

int xb_guarded_switch(struct xsc *c, const char *dir, const struct xb_kv *kv, size_t n,
                      int expect, int state)
{
    return guarded(c, dir, kv, n, expect, state);
}

int xb_unwatch(struct xsc *c, const char *path, const char *token)
{
    char buf[1024];
    const char *v[] = { path, token };
    size_t n = xsc_strings(buf, sizeof(buf), v, 2);
    if (!n)
        return E2BIG;
    return xsc_call(c, XS_UNWATCH, 0, buf, n, NULL, NULL);
}
