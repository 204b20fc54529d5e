/*
 * qmp_testutil.h: the client side shared by the QMP tests (test_qmp.c
 * against an in-test server, integration/subop/test_qmp_qemu.c against
 * QEMU): an operation that sends a list of commands, one after the other
 * on one libxl__qmp, from each reply's callback, records every result,
 * closes the connection and completes with the last rc.
 */
#ifndef QMP_TESTUTIL_H
#define QMP_TESTUTIL_H

#include <dirent.h>

#include "subop/qmp.h"
#include "subop/subop_testutil.h"

#define QC_MAX 64

typedef struct {
    const char *cmd;
    const char *args;                 /* JSON text, or NULL */
    int payload_fd;                   /* -1: none (0 is taken as -1) */
} qc_command;

typedef struct {
    libxl__ao *ao;
    libxl__qmp qmp;
    /* set by the test */
    const char *path;
    int timeout_ms, connect_timeout_ms;
    size_t max_message;
    qc_command cmds[QC_MAX];
    int ncmds;
    bool send_again_on_abort;         /* try _send from the abort callback */
    void (*before_next)(int i);       /* called before sending command i>0 */
    int delay_next_ms;                /* > 0: send the next from a timer */
    libxl__ev_time delay;
    /* results, one per callback */
    int calls;
    int rc[QC_MAX];
    char *response[QC_MAX];           /* JSON text; NULL for no response */
    bool connected_in_cb[QC_MAX], inuse_in_cb[QC_MAX], sent_in_cb[QC_MAX];
    unsigned attempts_in_cb[QC_MAX];  /* connect_attempts */
    int send_rc;                      /* of a _send made from a callback */
    int busy_send_rc;                 /* a second _send at start */
} qc_run;

static qc_run QC;

static inline void qc_init(const char *path)
{
    for (int i = 0; i < QC_MAX; i++) free(QC.response[i]);
    memset(&QC, 0, sizeof(QC));
    QC.path = path;
    QC.timeout_ms = 10000;
    QC.connect_timeout_ms = 0;
    QC.send_rc = QC.busy_send_rc = -99999;
}

static inline void qc_add(const char *cmd, const char *args, int payload_fd)
{
    ck_assert_int_lt(QC.ncmds, QC_MAX);
    QC.cmds[QC.ncmds++] = (qc_command){ cmd, args,
                                        payload_fd ? payload_fd : -1 };
}

/* _send the i-th command; its rc. */
static inline int qc_send(int i)
{
    struct json_object *args = NULL;
    int rc;

    if (QC.cmds[i].args) {
        args = json_tokener_parse(QC.cmds[i].args);
        ck_assert_msg(args != NULL, "bad test arguments %s",
                      QC.cmds[i].args);
    }
    rc = libxl__qmp_send(&QC.qmp, QC.cmds[i].cmd, args,
                         QC.cmds[i].payload_fd);
    /* the caller's reference is the only one left: this frees it */
    json_object_put(args);
    return rc;
}

/* Send the next command; if that fails, close and complete. */
static void qc_next(libxl__egc *egc)
{
    if (QC.before_next) QC.before_next(QC.calls);
    QC.send_rc = qc_send(QC.calls);
    if (!QC.send_rc) return;
    libxl__qmp_close(&QC.qmp);
    libxl__ao_complete(egc, QC.ao, QC.send_rc);
}

static void qc_delayed(libxl__egc *egc, libxl__ev_time *ev,
                       const struct timeval *abs, int rc)
{
    (void)ev; (void)abs; (void)rc;
    ck_assert(libxl__qmp_connected(&QC.qmp));
    qc_next(egc);
}

static void qc_callback(libxl__egc *egc, libxl__qmp *qmp, int rc,
                        struct json_object *response)
{
    int i = QC.calls++;

    ck_assert_ptr_eq(qmp, &QC.qmp);
    ck_assert_int_lt(i, QC_MAX);
    QC.rc[i] = rc;
    QC.response[i] = response
        ? strdup(json_object_to_json_string_ext(response,
                                                JSON_C_TO_STRING_PLAIN))
        : NULL;
    QC.connected_in_cb[i] = libxl__qmp_connected(qmp);
    QC.inuse_in_cb[i] = libxl__qmp_inuse(qmp);
    QC.sent_in_cb[i] = qmp->command_sent;
    QC.attempts_in_cb[i] = qmp->connect_attempts;

    if (rc == ERROR_ABORTED && QC.send_again_on_abort) {
        QC.send_rc = qc_send(0);
        ck_assert(!libxl__qmp_inuse(qmp));
    }
    if (libxl__qmp_connected(qmp) && QC.calls < QC.ncmds) {
        /* connected and idle: now, or later from another callback */
        if (QC.delay_next_ms > 0) {
            libxl__ev_time_init(&QC.delay);
            ck_assert_int_eq(libxl__ev_time_register_rel(egc->ctx, &QC.delay,
                                 qc_delayed, QC.delay_next_ms), 0);
            return;
        }
        qc_next(egc);
        return;
    }
    libxl__qmp_close(qmp);
    ck_assert(!libxl__qmp_inuse(qmp) && !libxl__qmp_connected(qmp));
    libxl__ao_complete(egc, QC.ao, rc);
}

static inline int qc_starter(libxl__egc *egc, libxl__ao *ao, void *arg)
{
    int rc;
    (void)egc; (void)arg;

    QC.ao = ao;
    libxl__qmp_init(&QC.qmp);
    QC.qmp.ao = ao;
    QC.qmp.what = "test QMP";
    QC.qmp.path = QC.path;
    QC.qmp.timeout_ms = QC.timeout_ms;
    QC.qmp.connect_timeout_ms = QC.connect_timeout_ms;
    QC.qmp.max_message = QC.max_message;
    QC.qmp.callback = qc_callback;
    rc = qc_send(0);
    if (rc) {
        ck_assert(!libxl__qmp_inuse(&QC.qmp));
        ck_assert(!libxl__qmp_connected(&QC.qmp));
        return rc;
    }
    ck_assert(libxl__qmp_inuse(&QC.qmp));
    QC.busy_send_rc = qc_send(0);      /* refused: one at a time */
    ck_assert(libxl__qmp_inuse(&QC.qmp));
    return 0;
}

/* Start the operation; its initiating rc (0, or _send's refusal). */
static inline int qc_start(libxl_ctx *ctx, t_op *op)
{
    int rc = t_op_start(ctx, op, qc_starter, NULL);
    ck_assert_int_eq(QC.calls, 0);    /* never from inside _send */
    if (!rc) ck_assert_int_eq(QC.busy_send_rc, ERROR_INVAL);
    return rc;
}

/* Start, and wait (ms) for the operation's rc. */
static inline int qc_run_all(libxl_ctx *ctx, int ms)
{
    t_op op;
    int rc = qc_start(ctx, &op);
    if (rc) return rc;
    return t_op_wait(ctx, &op, ms);
}

static inline bool qc_command_sent(void *arg)
{
    (void)arg;
    return QC.qmp.command_sent || QC.calls > 0;
}

/* How many sockets this process has open (the event core's own fds
 * come and go lazily; the client's only fd is a socket). */
static inline int qc_count_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char link[300], target[128];
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        ssize_t r;
        if (e->d_name[0] == '.') continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        r = readlink(link, target, sizeof(target) - 1);
        if (r > 0 && !strncmp(target, "socket:", 7)) n++;
    }
    closedir(d);
    return n;
}

#endif
