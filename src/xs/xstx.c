/*
 * xs/xstx.c: xenstore transactions whose requests travel together on the
 * batch connection, or through ctx->xsh when that cannot be had. The
 * contract is in xs/xstx.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs/xs.h"
#include "xs/xstx.h"

/* The req_id of the transaction's own start and end messages; queued
 * requests use their index. */
#define CONTROL_REQ_ID UINT32_MAX

void libxl__xstx_init(libxl__xstx *tx, libxl_ctx *ctx)
{
    memset(tx, 0, sizeof(*tx));
    tx->ctx = ctx;
    tx->fd = -1;
}

static void forget_requests(libxl__xstx *tx)
{
    for (unsigned i = 0; i < tx->n; i++) free(tx->reqs[i].data);
    tx->n = tx->answered = 0;
    tx->nomem = false;
    libxl__xswire_out_clear(&tx->out);
}

/* The connection is out of step or gone: xenstored has dropped the
 * transaction with it. */
static void connection_lost(libxl__xstx *tx)
{
    if (tx->fd >= 0) close(tx->fd);
    tx->fd = -1;
    tx->lost = true;
    tx->use_xsh = true;
}

/* ------------------------------------------------------------ control */

typedef struct {
    uint32_t type;        /* the answer expected */
    int err;              /* out */
    char text[32];        /* out: its payload, NUL-terminated (cut) */
} control_answer;

static bool take_control(void *arg, unsigned i, const libxl__xswire_msg *m)
{
    control_answer *c = arg;
    (void)i;
    if (m->hdr.req_id != CONTROL_REQ_ID ||
        (m->hdr.type != XS_ERROR && m->hdr.type != c->type))
        return false;
    if (m->hdr.type == XS_ERROR) {
        c->err = libxl__xswire_errno(m->body, m->hdr.len);
        return true;
    }
    size_t l = m->hdr.len < sizeof(c->text) - 1 ? m->hdr.len
                                                : sizeof(c->text) - 1;
    memcpy(c->text, m->body, l);
    c->text[l] = '\0';
    return true;
}

/* One transaction_start or _end on the connection: 0, or the errno value
 * xenstored answered, or -1 when the connection failed (it is closed). */
static int control(libxl__xstx *tx, uint32_t type, uint32_t tx_id,
                   const char *payload, control_answer *c)
{
    c->type = type;
    c->err = 0;
    c->text[0] = '\0';
    if (libxl__xswire_put_tx(&tx->out, type, CONTROL_REQ_ID, tx_id, payload,
                             NULL, 0) ||
        libxl__xsbatch_exchange(tx->fd, &tx->out, 1, take_control, c) != 1) {
        connection_lost(tx);
        return -1;
    }
    return c->err;
}

int libxl__xstx_start(libxl__xstx *tx)
{
    forget_requests(tx);
    tx->lost = false;
    tx->id = XBT_NULL;

    if (!tx->use_xsh) {
        tx->fd = libxl__xsbatch_conn_borrow(tx->ctx);
        if (tx->fd < 0) tx->use_xsh = true;
    }
    if (!tx->use_xsh) {
        control_answer c;
        int e = control(tx, XS_TRANSACTION_START, 0, "", &c);
        if (e > 0) {
            libxl__xsbatch_conn_return(tx->ctx, tx->fd);
            tx->fd = -1;
            return e;
        }
        if (e == 0) {
            char *end;
            unsigned long id = strtoul(c.text, &end, 10);
            if (end != c.text && !*end && id && id <= UINT32_MAX) {
                tx->id = (xs_transaction_t)id;
                return 0;
            }
            connection_lost(tx);  /* not an answer xenstored gives */
        }
        tx->lost = false;         /* nothing was lost yet: go on below */
    }

    tx->id = xs_transaction_start(tx->ctx->xsh);
    return tx->id == XBT_NULL ? (errno ? errno : EIO) : 0;
}

/* ------------------------------------------------------------ queueing */

/* A new request slot (its outcome unset), or NULL without memory. */
static libxl__xstx_req *new_req(libxl__xstx *tx, uint32_t type,
                                const char *path)
{
    if (tx->n == tx->cap) {
        unsigned cap = tx->cap ? tx->cap * 2 : 64;
        libxl__xstx_req *r = realloc(tx->reqs, cap * sizeof(*r));
        if (!r) return NULL;
        tx->reqs = r;
        tx->cap = cap;
    }
    libxl__xstx_req *q = &tx->reqs[tx->n];
    *q = (libxl__xstx_req){ .type = type, .path = path };
    return q;
}

/* The outcome of a request made through ctx->xsh at once. */
static void by_xsh(libxl__xstx *tx, libxl__xstx_req *q, const void *b,
                   size_t lb)
{
    struct xs_handle *xsh = tx->ctx->xsh;
    bool ok = false;

    switch (q->type) {
    case XS_READ: {
        unsigned len;
        q->data = xs_read(xsh, tx->id, q->path, &len);
        ok = q->data != NULL;
        if (ok) q->len = len;
        break;
    }
    case XS_WRITE:
        ok = xs_write(xsh, tx->id, q->path, b, (unsigned)lb);
        break;
    case XS_MKDIR:
        ok = xs_mkdir(xsh, tx->id, q->path);
        break;
    case XS_RM:
        ok = xs_rm(xsh, tx->id, q->path) || errno == ENOENT;
        break;
    case XS_SET_PERMS:
        ok = xs_set_permissions(xsh, tx->id, q->path,
                                (struct xs_permissions *)b, (unsigned)lb);
        break;
    }
    q->err = ok ? 0 : (errno ? errno : EIO);
}

/* Queues (or, through ctx->xsh, makes) one request whose payload is path
 * then lb bytes of b; for XS_SET_PERMS through ctx->xsh, b is the array
 * of lb permissions instead. Returns its index. */
static unsigned queue(libxl__xstx *tx, uint32_t type, const char *path,
                      const void *b, size_t lb, const void *xsh_b,
                      size_t xsh_lb)
{
    libxl__xstx_req *q = new_req(tx, type, path);
    if (!q) {
        tx->nomem = true;    /* libxl__xstx_failed reports it */
        return UINT_MAX;
    }
    unsigned i = tx->n;

    if (tx->lost || tx->id == XBT_NULL) {
        q->err = tx->lost ? EAGAIN : EINVAL;   /* no transaction runs */
    } else if (tx->fd < 0) {
        by_xsh(tx, q, xsh_b, xsh_lb);
    } else {
        int rc = libxl__xswire_put_tx(&tx->out, type, i, (uint32_t)tx->id,
                                      path, b, lb);
        if (!rc) {
            tx->n++;
            return i;
        }
        /* Not sent, so its outcome is known now; the requests queued
         * before it go first, so that the outcomes stay in order. */
        libxl__xstx_flush(tx);
        q = &tx->reqs[i];
        q->err = rc == ERROR_NOMEM ? ENOMEM : E2BIG;
    }
    tx->n++;
    tx->answered = tx->n;
    return i;
}

unsigned libxl__xstx_read(libxl__xstx *tx, const char *path)
{
    return queue(tx, XS_READ, path, NULL, 0, NULL, 0);
}

unsigned libxl__xstx_write(libxl__xstx *tx, const char *path,
                           const char *value)
{
    size_t l = strlen(value);
    return queue(tx, XS_WRITE, path, value, l, value, l);
}

unsigned libxl__xstx_mkdir(libxl__xstx *tx, const char *path)
{
    return queue(tx, XS_MKDIR, path, NULL, 0, NULL, 0);
}

unsigned libxl__xstx_rm(libxl__xstx *tx, const char *path)
{
    return queue(tx, XS_RM, path, NULL, 0, NULL, 0);
}

unsigned libxl__xstx_set_perms(libxl__xstx *tx, const char *path,
                               const struct xs_permissions *perms,
                               unsigned n)
{
    /* On the wire: "<letter><domid>" for each, each NUL-terminated. */
    char text[16 * 16];
    size_t l = 0;

    if (n > 16) n = 16;
    for (unsigned k = 0; k < n; k++) {
        char c = perms[k].perms == (XS_PERM_READ | XS_PERM_WRITE) ? 'b'
               : perms[k].perms & XS_PERM_READ ? 'r'
               : perms[k].perms & XS_PERM_WRITE ? 'w' : 'n';
        int w = snprintf(text + l, sizeof(text) - l, "%c%u", c,
                         (unsigned)perms[k].id);
        l += (size_t)w + 1;   /* with its NUL */
    }
    return queue(tx, XS_SET_PERMS, path, text, l, perms, n);
}

bool libxl__xstx_writev(libxl__xstx *tx, libxl__gc *gc, const char *dir,
                        const char *const *kvs)
{
    for (; kvs && kvs[0]; kvs += 2) {
        const char *path = libxl__gc_sprintf(gc, "%s/%s", dir, kvs[0]);
        if (!path) return false;
        libxl__xstx_write(tx, path, kvs[1]);
    }
    return true;
}

/* ------------------------------------------------------------ answers */

static bool take_request(void *arg, unsigned k, const libxl__xswire_msg *m)
{
    libxl__xstx *tx = arg;
    unsigned i = tx->answered + k;
    libxl__xstx_req *q = &tx->reqs[i];

    if (m->hdr.req_id != i ||
        (m->hdr.type != XS_ERROR && m->hdr.type != q->type))
        return false;
    if (m->hdr.type == XS_ERROR) {
        q->err = libxl__xswire_errno(m->body, m->hdr.len);
        if (q->type == XS_RM && q->err == ENOENT) q->err = 0;
    } else if (q->type == XS_READ) {
        q->data = malloc(m->hdr.len + 1);
        if (!q->data) {
            q->err = ENOMEM;
        } else {
            memcpy(q->data, m->body, m->hdr.len);
            q->data[m->hdr.len] = '\0';
            q->len = m->hdr.len;
        }
    }
    return true;
}

void libxl__xstx_flush(libxl__xstx *tx)
{
    unsigned want = tx->n - tx->answered;

    if (!want) return;
    if (tx->fd >= 0) {
        unsigned got = libxl__xsbatch_exchange(tx->fd, &tx->out, want,
                                               take_request, tx);
        tx->answered += got;
        if (got == want) return;
        connection_lost(tx);
    }
    for (; tx->answered < tx->n; tx->answered++)
        tx->reqs[tx->answered].err = EAGAIN;
}

/* What stands for a request that could not even be recorded. */
static const libxl__xstx_req no_memory = { .err = ENOMEM };

const libxl__xstx_req *libxl__xstx_req_at(const libxl__xstx *tx, unsigned i)
{
    return i < tx->answered ? &tx->reqs[i] : &no_memory;
}

const libxl__xstx_req *libxl__xstx_failed(const libxl__xstx *tx)
{
    if (tx->nomem) return &no_memory;
    for (unsigned i = 0; i < tx->answered; i++)
        if (tx->reqs[i].err && tx->reqs[i].type != XS_READ)
            return &tx->reqs[i];
    return NULL;
}

int libxl__xstx_end(libxl__xstx *tx, bool commit)
{
    int e = 0;

    if (commit) libxl__xstx_flush(tx);
    if (tx->lost) {
        e = commit ? EAGAIN : 0;
    } else if (tx->fd >= 0) {
        control_answer c;
        /* A queue not flushed is dropped unsent when abandoning. */
        libxl__xswire_out_clear(&tx->out);
        e = control(tx, XS_TRANSACTION_END, (uint32_t)tx->id,
                    commit ? "T" : "F", &c);
        if (e < 0) {
            e = commit ? EAGAIN : 0;
        } else if (e && e != EAGAIN) {
            /* Refused, so the transaction may still be open there: the
             * connection goes, and the transaction with it. */
            close(tx->fd);
            tx->fd = -1;
        } else {
            libxl__xsbatch_conn_return(tx->ctx, tx->fd);
            tx->fd = -1;
        }
    } else if (tx->id != XBT_NULL) {
        if (!xs_transaction_end(tx->ctx->xsh, tx->id, !commit))
            e = errno ? errno : EIO;
    }
    if (!commit && e != EAGAIN) e = 0;
    tx->id = XBT_NULL;
    forget_requests(tx);
    return e;
}

void libxl__xstx_dispose(libxl__xstx *tx)
{
    if (tx->fd >= 0 || tx->id != XBT_NULL) libxl__xstx_end(tx, false);
    forget_requests(tx);
    free(tx->reqs);
    tx->reqs = NULL;
    tx->cap = 0;
    libxl__xswire_out_dispose(&tx->out);
}
