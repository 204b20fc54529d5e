/*
 * subop/qmp.c: the QMP client (contract in subop/qmp.h). It owns its
 * socket (a careful fd), its buffers (malloc'ed, freed by _close) and its
 * registrations: the socket, the deadline (which also hears the abort)
 * and the connect retry timer. It reads JSON with json-c, one line at a
 * time, and never touches its state after calling the user's callback.
 *
 * States (qmp->state):
 *   IDLE -> CONNECTING (retry timer, or the socket for POLLOUT)
 *        -> GREETING (socket POLLIN)
 *        -> CAPABILITIES (qmp_capabilities written, then its reply)
 *        -> COMMAND (the command written, then its reply)
 *        -> READY (nothing registered; the next _send goes to COMMAND)
 * and any state -> IDLE on _close or a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeheap.h"
#include "base/util.h"
#include "subop/qmp.h"

/* The first id of a connection: "xlq\0", as libxl starts its ids. */
#define QMP_FIRST_ID 0x786c7100
/* The receive buffer's first size (it doubles up to max_message + 2). */
#define QMP_RX_FIRST_SIZE 4096
/* How much of a message goes into a log line. */
#define QMP_LOG_MAX 200
/* How many events of one command are logged one by one. */
#define QMP_LOG_EVENTS 8

#define WHAT(q) ((q)->what ? (q)->what : "QMP")

char *libxl__qmp_socket_path(libxl__gc *gc, uint32_t domid)
{
    return libxl__gc_sprintf(gc, "/var/run/xen/qmp-libxl-%d", (int)domid);
}

void libxl__qmp_init(libxl__qmp *qmp)
{
    memset(qmp, 0, sizeof(*qmp));
    qmp->ao = NULL;
    qmp->qemu_major = qmp->qemu_minor = qmp->qemu_micro = -1;
    qmp->state = LIBXL__QMP_IDLE;
    qmp->sock = NULL;
    libxl__ev_fd_init(&qmp->sockreg);
    libxl__ao_time_init(&qmp->deadline);
    libxl__ev_time_init(&qmp->retry);
    libxl__ev_time_init(&qmp->resume);
    qmp->next_id = QMP_FIRST_ID;
    qmp->payload_fd = -1;
    qmp->cmd_line = qmp->tx = qmp->rx = NULL;
    qmp->tok = NULL;
}

/* Everything the current command holds, but not the connection. */
static void qmp_command_release(libxl_ctx *ctx, libxl__qmp *qmp)
{
    libxl__ev_fd_deregister(ctx, &qmp->sockreg);
    libxl__ao_time_deregister(ctx, &qmp->deadline);
    libxl__ev_time_deregister(ctx, &qmp->retry);
    libxl__ev_time_deregister(ctx, &qmp->resume);
    free(qmp->cmd_line);
    qmp->cmd_line = NULL;
    free(qmp->tx);
    qmp->tx = NULL;
    qmp->tx_len = qmp->tx_off = 0;
    qmp->tx_payload = false;
    qmp->payload_fd = -1;
}

static void qmp_close_socket(libxl__qmp *qmp)
{
    libxl__carefd_close(qmp->sock);
    qmp->sock = NULL;
}

void libxl__qmp_close(libxl__qmp *qmp)
{
    if (qmp->ao) qmp_command_release(qmp->ao->ctx, qmp);
    qmp_close_socket(qmp);
    free(qmp->rx);
    qmp->rx = NULL;
    qmp->rx_size = qmp->rx_used = qmp->rx_scanned = 0;
    if (qmp->tok) json_tokener_free(qmp->tok);
    qmp->tok = NULL;
    qmp->next_id = QMP_FIRST_ID;
    qmp->caps_id = qmp->cmd_id = 0;
    qmp->state = LIBXL__QMP_IDLE;
}

/* The command failed (rc, logged already): closed, then the callback. */
static void qmp_fail(libxl__egc *egc, libxl__qmp *qmp, int rc)
{
    libxl__qmp_close(qmp);
    qmp->callback(egc, qmp, rc, NULL);
}

static size_t qmp_max_message(const libxl__qmp *qmp)
{
    return qmp->max_message ? qmp->max_message
                            : LIBXL__QMP_DEFAULT_MAX_MESSAGE;
}

/* One command as QMP wants it on the wire (malloc'ed), or NULL (ENOMEM). */
static char *qmp_command_line(const char *cmd, struct json_object *args,
                              int64_t id)
{
    struct json_object *o = json_object_new_object();
    struct json_object *execute = json_object_new_string(cmd);
    struct json_object *idv = json_object_new_int64(id);
    const char *text;
    char *line = NULL;

    if (!o || !execute || !idv) {
        json_object_put(execute);
        json_object_put(idv);
        goto out;
    }
    /* json_object_object_add takes over the value's reference, but
     * leaves it with the caller when it fails */
    if (json_object_object_add(o, "execute", execute)) {
        json_object_put(execute);
        json_object_put(idv);
        goto out;
    }
    if (json_object_object_add(o, "id", idv)) {
        json_object_put(idv);
        goto out;
    }
    /* o takes a reference of its own to args, dropped with o */
    if (args && json_object_object_add(o, "arguments",
                                       json_object_get(args))) {
        json_object_put(args);
        goto out;
    }
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) goto out;
    if (asprintf(&line, "%s\r\n", text) < 0) line = NULL;
out:
    json_object_put(o);
    return line;
}

/* What the peer sent, fit for a log line: at most QMP_LOG_MAX bytes (and
 * "..." if there was more), control characters as '?'. */
typedef struct { char s[QMP_LOG_MAX + 4]; } qmp_printable;

static const char *qmp_print(qmp_printable *p, const char *text, size_t len)
{
    size_t n = len > QMP_LOG_MAX ? QMP_LOG_MAX : len;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        p->s[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(p->s + n, len > n ? "..." : "");
    return p->s;
}

static void qmp_log_line(libxl__qmp *qmp, const char *prefix,
                         const char *line, size_t len)
{
    qmp_printable p;

    LOGD(qmp->ao->ctx, DEBUG, qmp->ao->domid, "%s: %s %s", WHAT(qmp),
         prefix, qmp_print(&p, line, len));
}

/* ------------------------------------------------------------ connecting */

static void qmp_retry_due(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc);
static void qmp_socket_ready(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents);
static void qmp_deadline(libxl__egc *egc, libxl__ao_time *t, int rc);

static bool connect_error_is_transient(int e)
{
    /* not there yet; a stale socket nobody listens on; backlog full */
    return e == ENOENT || e == ECONNREFUSED || e == EAGAIN;
}

/* connect(2) failed with e: try again later if that may help and time is
 * left, else fail. Returns 0 (a retry is scheduled) or an rc (logged). */
static int qmp_connect_failed(libxl__qmp *qmp, int e)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    int rc;

    qmp_close_socket(qmp);
    if (connect_error_is_transient(e) &&
        libxl__clock_now_ns() + LIBXL__QMP_CONNECT_RETRY_MS * 1000000ull
            <= qmp->connect_until_ns) {
        rc = libxl__ev_time_register_rel(ctx, &qmp->retry, qmp_retry_due,
                                         LIBXL__QMP_CONNECT_RETRY_MS);
        if (rc)
            LOGD(ctx, ERROR, qmp->ao->domid, "%s: cannot schedule another"
                 " attempt to connect to %s", WHAT(qmp), qmp->path);
        return rc;
    }
    errno = e;
    if (!qmp->connect_timeout_ms) {
        /* one attempt, as libxl's own client makes: its words */
        LOGED(ctx, ERROR, qmp->ao->domid, "Failed to connect to QMP socket %s",
              qmp->path);
        return ERROR_FAIL;
    }
    LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot connect to %s (%u"
          " attempt%s in %d ms)", WHAT(qmp), qmp->path,
          qmp->connect_attempts, qmp->connect_attempts == 1 ? "" : "s",
          qmp->connect_timeout_ms);
    return ERROR_FAIL;
}

/* Connected: wait for the greeting. */
static int qmp_connected(libxl__qmp *qmp)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    int rc;

    LOGD(ctx, DEBUG, qmp->ao->domid, "%s: connected to %s", WHAT(qmp),
         qmp->path);
    qmp->state = LIBXL__QMP_GREETING;
    if (libxl__ev_fd_isregistered(&qmp->sockreg))
        rc = libxl__ev_fd_modify(ctx, &qmp->sockreg, POLLIN);
    else
        rc = libxl__ev_fd_register_flags(ctx, &qmp->sockreg,
                                         qmp_socket_ready,
                                         libxl__carefd_fd(qmp->sock), POLLIN,
                                         LIBXL__EV_FD_NONBLOCKING);
    return rc;
}

/* One attempt, with a new socket. Returns 0 (connected, in progress or
 * retry scheduled) or an rc (logged). */
static int qmp_try_connect(libxl__qmp *qmp)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    struct sockaddr_un un;
    int fd, rc;

    qmp->state = LIBXL__QMP_CONNECTING;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot create a socket",
              WHAT(qmp));
        return ERROR_FAIL;
    }
    qmp->sock = libxl__carefd_opened(ctx, fd);
    if (!qmp->sock) return ERROR_NOMEM;          /* closed and logged */

    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    strcpy(un.sun_path, qmp->path);              /* length checked */
    qmp->connect_attempts++;
    if (!connect(fd, (struct sockaddr *)&un, sizeof(un)))
        return qmp_connected(qmp);
    if (errno == EINPROGRESS) {
        rc = libxl__ev_fd_register_flags(ctx, &qmp->sockreg,
                                         qmp_socket_ready, fd, POLLOUT,
                                         LIBXL__EV_FD_NONBLOCKING);
        return rc;
    }
    return qmp_connect_failed(qmp, errno);
}

static void qmp_retry_due(libxl__egc *egc, libxl__ev_time *ev,
                          const struct timeval *requested_abs, int rc)
{
    libxl__qmp *qmp = CONTAINER_OF(ev, libxl__qmp, retry);
    (void)requested_abs; (void)rc;

    rc = qmp_try_connect(qmp);
    if (rc) qmp_fail(egc, qmp, rc);
}

/* A connect(2) that was in progress has ended. */
static int qmp_connect_ended(libxl__qmp *qmp, int fd)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    int e = 0;
    socklen_t len = sizeof(e);

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len)) {
        LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot get the result of"
              " connecting to %s", WHAT(qmp), qmp->path);
        return ERROR_FAIL;
    }
    if (!e) return qmp_connected(qmp);
    libxl__ev_fd_deregister(ctx, &qmp->sockreg);
    return qmp_connect_failed(qmp, e);
}

/* ------------------------------------------------------------- starting */

int libxl__qmp_send(libxl__qmp *qmp, const char *cmd,
                    struct json_object *args, int payload_fd)
{
    libxl_ctx *ctx;
    bool was_idle = qmp->state == LIBXL__QMP_IDLE, started = false;
    char *line = NULL;
    int rc;

    if (!qmp->ao) return ERROR_INVAL;            /* nowhere to log */
    ctx = qmp->ao->ctx;
    if (!cmd || !*cmd || !qmp->callback || qmp->timeout_ms <= 0 ||
        payload_fd < -1 || qmp->connect_timeout_ms < 0 ||
        (args && !json_object_is_type(args, json_type_object)) ||
        qmp_max_message(qmp) > INT_MAX - 2 ||
        (was_idle && !qmp->path)) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: internal error: cannot send"
             " %s (arguments %s, timeout %d ms, payload fd %d)", WHAT(qmp),
             cmd ? cmd : "(no command)",
             args ? json_type_to_name(json_object_get_type(args)) : "none",
             qmp->timeout_ms, payload_fd);
        rc = ERROR_INVAL;
        goto out;
    }
    if (!was_idle && qmp->state != LIBXL__QMP_READY) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: internal error: cannot send %s"
             " while another command is under way", WHAT(qmp), cmd);
        rc = ERROR_INVAL;
        goto out;
    }
    if (was_idle &&
        strlen(qmp->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: the socket path %s is longer"
             " than a unix socket allows (%zu)", WHAT(qmp), qmp->path,
             sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        rc = ERROR_INVAL;
        goto out;
    }

    line = qmp_command_line(cmd, args, qmp->next_id);
    if (!line) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: cannot write out %s",
             WHAT(qmp), cmd);
        rc = ERROR_NOMEM;
        goto out;
    }
    /* first, so that an aborting ao finds nothing touched */
    rc = libxl__ao_time_register(qmp->ao, &qmp->deadline, qmp_deadline,
                                 qmp->timeout_ms);
    if (rc) goto out;
    qmp_log_line(qmp, "will send", line, strlen(line) - 2);

    started = true;
    qmp->cmd_id = qmp->next_id++;
    qmp->cmd_line = line;
    line = NULL;
    qmp->payload_fd = payload_fd;
    qmp->command_sent = false;
    qmp->connect_attempts = 0;
    qmp->events_skipped = 0;
    if (was_idle) {
        qmp->qemu_major = qmp->qemu_minor = qmp->qemu_micro = -1;
        qmp->connect_until_ns = libxl__clock_now_ns() +
            (uint64_t)qmp->connect_timeout_ms * 1000000ull;
        rc = qmp_try_connect(qmp);
    } else {
        qmp->state = LIBXL__QMP_COMMAND;
        qmp->tx = qmp->cmd_line;
        qmp->tx_len = strlen(qmp->tx);
        qmp->tx_off = 0;
        qmp->tx_payload = payload_fd >= 0;
        qmp->cmd_line = NULL;
        rc = libxl__ev_fd_register_flags(ctx, &qmp->sockreg,
                                         qmp_socket_ready,
                                         libxl__carefd_fd(qmp->sock),
                                         POLLIN | POLLOUT,
                                         LIBXL__EV_FD_NONBLOCKING);
    }
out:
    free(line);
    if (rc && started) {
        if (was_idle) {
            libxl__qmp_close(qmp);
        } else {
            /* still connected, nothing sent: as before the call */
            qmp->next_id--;
            qmp_command_release(ctx, qmp);
            qmp->state = LIBXL__QMP_READY;
        }
    }
    return rc;
}

static void qmp_deadline(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    libxl__qmp *qmp = CONTAINER_OF(t, libxl__qmp, deadline);
    static const char *const waiting_for[] = {
        [LIBXL__QMP_IDLE] = "nothing",
        [LIBXL__QMP_CONNECTING] = "the connection",
        [LIBXL__QMP_GREETING] = "the greeting",
        [LIBXL__QMP_CAPABILITIES] = "the capabilities negotiation",
        [LIBXL__QMP_COMMAND] = "the reply",
        [LIBXL__QMP_READY] = "nothing",
    };

    if (rc == ERROR_TIMEDOUT)
        LOGD(egc->ctx, ERROR, qmp->ao->domid, "%s: timed out after %d ms"
             " waiting for %s from %s%s", WHAT(qmp), qmp->timeout_ms,
             waiting_for[qmp->state], qmp->path,
             qmp->state == LIBXL__QMP_COMMAND && qmp->command_sent
                 ? " (the command was sent)" : "");
    else
        LOGD(egc->ctx, DEBUG, qmp->ao->domid, "%s: aborted while waiting"
             " for %s", WHAT(qmp), waiting_for[qmp->state]);
    qmp_fail(egc, qmp, rc);
}

/* -------------------------------------------------------------- writing */

/* Queue line (malloc'ed; ours now) for writing. */
static int qmp_queue(libxl__qmp *qmp, char *line, bool payload)
{
    qmp->tx = line;
    qmp->tx_len = strlen(line);
    qmp->tx_off = 0;
    qmp->tx_payload = payload;
    return libxl__ev_fd_modify(qmp->ao->ctx, &qmp->sockreg,
                               POLLIN | POLLOUT);
}

static ssize_t qmp_sendmsg_fd(int sock, const void *data, size_t len,
                              int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg;

    memset(&control, 0, sizeof(control));
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Write what tx holds, until EAGAIN. 0 or an rc (logged). */
static int qmp_write(libxl__qmp *qmp, int fd)
{
    libxl_ctx *ctx = qmp->ao->ctx;

    while (qmp->tx_off < qmp->tx_len) {
        const char *data = qmp->tx + qmp->tx_off;
        size_t len = qmp->tx_len - qmp->tx_off;
        ssize_t r;

        if (qmp->tx_payload)
            r = qmp_sendmsg_fd(fd, data, len, qmp->payload_fd);
        else
            r = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot write to %s%s",
                  WHAT(qmp), qmp->path,
                  qmp->tx_payload ? " (with an fd)" : "");
            return errno == EPIPE || errno == ECONNRESET
                   ? ERROR_PROTOCOL_ERROR_QMP : ERROR_FAIL;
        }
        if (r == 0) return 0;
        qmp->tx_payload = false;
        qmp->tx_off += (size_t)r;
    }
    free(qmp->tx);
    qmp->tx = NULL;
    qmp->tx_len = qmp->tx_off = 0;
    if (qmp->state == LIBXL__QMP_COMMAND) qmp->command_sent = true;
    return libxl__ev_fd_modify(ctx, &qmp->sockreg, POLLIN);
}

/* -------------------------------------------------------------- reading */

enum qmp_kind { KIND_NONE, KIND_GREETING, KIND_RETURN, KIND_ERROR,
                KIND_EVENT };

/* What a message is: the first of its members that names a kind. */
static enum qmp_kind qmp_kind_of(struct json_object *msg)
{
    json_object_object_foreach(msg, key, val) {
        (void)val;
        if (!strcmp(key, "QMP")) return KIND_GREETING;
        if (!strcmp(key, "return")) return KIND_RETURN;
        if (!strcmp(key, "error")) return KIND_ERROR;
        if (!strcmp(key, "event")) return KIND_EVENT;
    }
    return KIND_NONE;
}

static int qmp_version_part(struct json_object *qemu, const char *key)
{
    struct json_object *v;
    int64_t n;

    if (!json_object_object_get_ex(qemu, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return -1;
    n = json_object_get_int64(v);
    return n >= 0 && n <= INT_MAX ? (int)n : -1;
}

/* The error classes QEMU names and libxl has a code for (libxl matches
 * them ignoring case). */
static const struct { const char *name; int rc; } qmp_error_classes[] = {
    { "GenericError", ERROR_QMP_GENERIC_ERROR },
    { "CommandNotFound", ERROR_QMP_COMMAND_NOT_FOUND },
    { "DeviceNotActive", ERROR_QMP_DEVICE_NOT_ACTIVE },
    { "DeviceNotFound", ERROR_QMP_DEVICE_NOT_FOUND },
};

/* An "error" message: its rc (ERROR_QMP_*, ERROR_UNKNOWN_QMP_ERROR), or
 * ERROR_PROTOCOL_ERROR_QMP if it is malformed. Logged either way. */
static int qmp_error_rc(libxl__qmp *qmp, struct json_object *msg,
                        struct json_object **error_r)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    struct json_object *err, *class, *desc;
    qmp_printable p;
    const char *cls;
    size_t i;

    if (!json_object_object_get_ex(msg, "error", &err) ||
        !json_object_is_type(err, json_type_object) ||
        !json_object_object_get_ex(err, "class", &class) ||
        !json_object_is_type(class, json_type_string) ||
        !json_object_object_get_ex(err, "desc", &desc) ||
        !json_object_is_type(desc, json_type_string)) {
        const char *text = json_object_to_json_string_ext(msg,
                                                   JSON_C_TO_STRING_PLAIN);
        if (!text) text = "?";
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: malformed error message"
             " (wants a string class and desc): %s", WHAT(qmp),
             qmp_print(&p, text, strlen(text)));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    *error_r = err;
    /* QEMU's own words alone, as libxl logs them. */
    LOGD(ctx, ERROR, qmp->ao->domid, "%s",
         qmp_print(&p, json_object_get_string(desc),
                   (size_t)json_object_get_string_len(desc)));
    cls = json_object_get_string(class);
    for (i = 0; i < ARRAY_SIZE(qmp_error_classes); i++)
        if (!strcasecmp(cls, qmp_error_classes[i].name))
            return qmp_error_classes[i].rc;
    LOGD(ctx, ERROR, qmp->ao->domid, "%s: unknown QMP error class '%s'",
         WHAT(qmp), qmp_print(&p, cls, strlen(cls)));
    return ERROR_UNKNOWN_QMP_ERROR;
}

/* The outcome of one message. */
typedef struct {
    bool deliver;                     /* the command's reply: rc, response */
    int rc;
    struct json_object *response;
} qmp_outcome;

/* The greeting: record the version, negotiate capabilities. */
static int qmp_greeted(libxl__qmp *qmp, struct json_object *msg)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    struct json_object *o, *ver, *qemu;
    char *line;

    if (qmp->state != LIBXL__QMP_GREETING) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: unexpected greeting",
             WHAT(qmp));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    if (!json_object_object_get_ex(msg, "QMP", &o) ||
        !json_object_is_type(o, json_type_object)) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: malformed greeting",
             WHAT(qmp));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    if (json_object_object_get_ex(o, "version", &ver) &&
        json_object_is_type(ver, json_type_object) &&
        json_object_object_get_ex(ver, "qemu", &qemu) &&
        json_object_is_type(qemu, json_type_object)) {
        qmp->qemu_major = qmp_version_part(qemu, "major");
        qmp->qemu_minor = qmp_version_part(qemu, "minor");
        qmp->qemu_micro = qmp_version_part(qemu, "micro");
    }
    LOGD(ctx, DEBUG, qmp->ao->domid, "%s: QEMU version %d.%d.%d", WHAT(qmp),
         qmp->qemu_major, qmp->qemu_minor, qmp->qemu_micro);

    qmp->caps_id = qmp->next_id++;
    line = qmp_command_line("qmp_capabilities", NULL, qmp->caps_id);
    if (!line) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: cannot write out"
             " qmp_capabilities", WHAT(qmp));
        return ERROR_NOMEM;
    }
    qmp->state = LIBXL__QMP_CAPABILITIES;
    return qmp_queue(qmp, line, false);
}

/* A reply ("return" or "error"). */
static int qmp_replied(libxl__qmp *qmp, struct json_object *msg,
                       enum qmp_kind kind, qmp_outcome *out)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    struct json_object *id, *error = NULL;
    int64_t expected, got;
    char *line;
    int rc;

    if (!json_object_object_get_ex(msg, "id", &id) ||
        !json_object_is_type(id, json_type_int)) {
        /* QEMU could not even read the id of what it was sent */
        if (kind == KIND_ERROR) qmp_error_rc(qmp, msg, &error);
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a reply without an integer"
             " id", WHAT(qmp));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    got = json_object_get_int64(id);
    if (qmp->state == LIBXL__QMP_CAPABILITIES) {
        expected = qmp->caps_id;
    } else if (qmp->state == LIBXL__QMP_COMMAND) {
        expected = qmp->cmd_id;
    } else {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a reply (id %"PRId64") before"
             " anything was asked", WHAT(qmp), got);
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    if (got != expected) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a reply with unexpected id"
             " %"PRId64" (awaiting %"PRId64")", WHAT(qmp), got, expected);
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    if (qmp->tx) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a reply (id %"PRId64") to a"
             " command not sent in full yet", WHAT(qmp), got);
        return ERROR_PROTOCOL_ERROR_QMP;
    }

    if (qmp->state == LIBXL__QMP_CAPABILITIES) {
        if (kind != KIND_RETURN) {
            if (kind == KIND_ERROR) qmp_error_rc(qmp, msg, &error);
            LOGD(ctx, ERROR, qmp->ao->domid, "%s: the capabilities"
                 " negotiation failed", WHAT(qmp));
            return ERROR_PROTOCOL_ERROR_QMP;
        }
        line = qmp->cmd_line;
        qmp->cmd_line = NULL;
        qmp->state = LIBXL__QMP_COMMAND;
        return qmp_queue(qmp, line, qmp->payload_fd >= 0);
    }

    out->deliver = true;
    if (kind == KIND_RETURN) {
        json_object_object_get_ex(msg, "return", &out->response);
        out->rc = 0;
        return 0;
    }
    rc = qmp_error_rc(qmp, msg, &error);
    if (rc == ERROR_PROTOCOL_ERROR_QMP) {
        out->deliver = false;
        return rc;
    }
    out->rc = rc;
    out->response = error;
    return 0;
}

/* One message. 0 (with *out set if it is the reply) or an rc (logged). */
static int qmp_message(libxl__qmp *qmp, struct json_object *msg,
                       qmp_outcome *out)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    struct json_object *ev;
    const char *name = "(unnamed)";
    qmp_printable p;
    enum qmp_kind kind;

    if (!json_object_is_type(msg, json_type_object)) {
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a message that is not a JSON"
             " object", WHAT(qmp));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    kind = qmp_kind_of(msg);
    switch (kind) {
    case KIND_GREETING:
        return qmp_greeted(qmp, msg);
    case KIND_RETURN:
    case KIND_ERROR:
        return qmp_replied(qmp, msg, kind, out);
    case KIND_EVENT:
        json_object_object_get_ex(msg, "event", &ev);
        if (qmp->events_skipped++ >= QMP_LOG_EVENTS) return 0;
        if (json_object_is_type(ev, json_type_string))
            name = qmp_print(&p, json_object_get_string(ev),
                             (size_t)json_object_get_string_len(ev));
        LOGD(ctx, DEBUG, qmp->ao->domid, "%s: event %s skipped%s", WHAT(qmp),
             name, qmp->events_skipped == QMP_LOG_EVENTS
                 ? " (further events of this command are not logged)" : "");
        return 0;
    case KIND_NONE:
    default:
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a message of no known kind",
             WHAT(qmp));
        return ERROR_PROTOCOL_ERROR_QMP;
    }
}

/* Parse line (len bytes, NUL-terminated): one JSON value, nothing else
 * but whitespace. 0 with *msg_r (free with json_object_put; NULL for
 * null) or an rc (logged). */
static int qmp_parse(libxl__qmp *qmp, const char *line, size_t len,
                     struct json_object **msg_r)
{
    libxl_ctx *ctx = qmp->ao->ctx;
    enum json_tokener_error jerr;
    struct json_object *o;
    size_t end;

    if (!qmp->tok) {
        int flags = JSON_TOKENER_STRICT;
#ifdef JSON_TOKENER_VALIDATE_UTF8
        flags |= JSON_TOKENER_VALIDATE_UTF8;
#endif
        qmp->tok = json_tokener_new_ex(LIBXL__QMP_MAX_DEPTH);
        if (!qmp->tok) {
            LOGD(ctx, ERROR, qmp->ao->domid, "%s: cannot make a JSON parser",
                 WHAT(qmp));
            return ERROR_NOMEM;
        }
        json_tokener_set_flags(qmp->tok, flags);
    }
    json_tokener_reset(qmp->tok);
    /* the NUL too: it ends a top-level number */
    o = json_tokener_parse_ex(qmp->tok, line, (int)len + 1);
    jerr = json_tokener_get_error(qmp->tok);
    if (jerr != json_tokener_success) {
        qmp_log_line(qmp, "received", line, len);
        LOGD(ctx, ERROR, qmp->ao->domid, "%s: a message that is not valid"
             " JSON (%s)", WHAT(qmp), json_tokener_error_desc(jerr));
        json_object_put(o);
        return ERROR_PROTOCOL_ERROR_QMP;
    }
    for (end = json_tokener_get_parse_end(qmp->tok); end < len; end++) {
        if (!strchr(" \t\r", line[end]) || !line[end]) {
            qmp_log_line(qmp, "received", line, len);
            LOGD(ctx, ERROR, qmp->ao->domid, "%s: a message with more than"
                 " one JSON value", WHAT(qmp));
            json_object_put(o);
            return ERROR_PROTOCOL_ERROR_QMP;
        }
    }
    *msg_r = o;
    return 0;
}

static bool qmp_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t') return false;
    return true;
}

/*
 * Handle every complete line in rx. Returns 0 when it needs more input,
 * 1 when it has delivered the reply (qmp must not be touched any more),
 * or an rc (logged).
 */
static int qmp_handle_input(libxl__egc *egc, libxl__qmp *qmp)
{
    size_t max = qmp_max_message(qmp);
    size_t start = 0;
    int rc = 0;

    for (;;) {
        char *nl = memchr(qmp->rx + qmp->rx_scanned, '\n',
                          qmp->rx_used - qmp->rx_scanned);
        struct json_object *msg = NULL;
        qmp_outcome out = { false, 0, NULL };
        char *line = qmp->rx + start;
        size_t len, next;

        if (!nl) {
            qmp->rx_scanned = qmp->rx_used;
            break;
        }
        len = (size_t)(nl - line);
        next = (size_t)(nl - qmp->rx) + 1;
        qmp->rx_scanned = next;
        if (len && line[len - 1] == '\r') len--;
        if (len > max) {
            LOGD(egc->ctx, ERROR, qmp->ao->domid, "%s: a message of %zu"
                 " bytes (at most %zu allowed)", WHAT(qmp), len, max);
            rc = ERROR_BUFFERFULL;
            goto out;
        }
        line[len] = 0;
        start = next;
        if (qmp_blank(line, len)) continue;

        rc = qmp_parse(qmp, line, len, &msg);
        if (rc) goto out;
        rc = qmp_message(qmp, msg, &out);
        if (rc || !out.deliver) {
            json_object_put(msg);
            if (rc) goto out;
            continue;
        }

        /* The reply: leave the rest for the next command, stop, tell. */
        memmove(qmp->rx, qmp->rx + start, qmp->rx_used - start);
        qmp->rx_used -= start;
        qmp->rx_scanned = 0;
        qmp_command_release(egc->ctx, qmp);
        qmp->state = LIBXL__QMP_READY;
        qmp->callback(egc, qmp, out.rc, out.response);
        json_object_put(msg);
        return 1;
    }
out:
    if (start) {
        memmove(qmp->rx, qmp->rx + start, qmp->rx_used - start);
        qmp->rx_used -= start;
        qmp->rx_scanned -= start;
    }
    return rc;
}

static short qmp_events_wanted(const libxl__qmp *qmp)
{
    return POLLIN | (qmp->tx ? POLLOUT : 0);
}

/* After a pause: watch the socket again (a new registration, so that an
 * edge-triggered application loop reports it afresh). */
static void qmp_resume(libxl__egc *egc, libxl__ev_time *ev,
                       const struct timeval *requested_abs, int rc)
{
    libxl__qmp *qmp = CONTAINER_OF(ev, libxl__qmp, resume);
    (void)requested_abs;

    rc = libxl__ev_fd_register_flags(egc->ctx, &qmp->sockreg,
                                     qmp_socket_ready,
                                     libxl__carefd_fd(qmp->sock),
                                     qmp_events_wanted(qmp),
                                     LIBXL__EV_FD_NONBLOCKING);
    if (rc) {
        LOGD(egc->ctx, ERROR, qmp->ao->domid, "%s: cannot watch %s again",
             WHAT(qmp), qmp->path);
        qmp_fail(egc, qmp, rc);
    }
}

/* Read until EAGAIN, handling each complete line; after
 * LIBXL__QMP_READ_BURST bytes, stop watching the socket and let the event
 * loop run before reading on. As qmp_handle_input. */
static int qmp_read(libxl__egc *egc, libxl__qmp *qmp, int fd)
{
    libxl_ctx *ctx = egc->ctx;
    size_t limit = qmp_max_message(qmp) + 2;     /* the message, \r\n */
    size_t burst = 0;
    int rc;

    for (;;) {
        ssize_t r;

        if (burst >= LIBXL__QMP_READ_BURST) {
            libxl__ev_fd_deregister(ctx, &qmp->sockreg);
            return libxl__ev_time_register_rel(ctx, &qmp->resume, qmp_resume,
                                               0);
        }

        if (qmp->rx_used == qmp->rx_size) {
            size_t size;
            char *rx;

            if (qmp->rx_size >= limit) {
                LOGD(ctx, ERROR, qmp->ao->domid, "%s: a message longer than"
                     " %zu bytes", WHAT(qmp), limit - 2);
                return ERROR_BUFFERFULL;
            }
            size = qmp->rx_size ? qmp->rx_size * 2 : QMP_RX_FIRST_SIZE;
            if (size > limit) size = limit;
            rx = realloc(qmp->rx, size);
            if (!rx) {
                LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot grow the"
                      " receive buffer to %zu bytes", WHAT(qmp), size);
                return ERROR_NOMEM;
            }
            qmp->rx = rx;
            qmp->rx_size = size;
        }
        r = recv(fd, qmp->rx + qmp->rx_used, qmp->rx_size - qmp->rx_used,
                 MSG_DONTWAIT);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            LOGED(ctx, ERROR, qmp->ao->domid, "%s: cannot read from %s",
                  WHAT(qmp), qmp->path);
            return errno == ECONNRESET ? ERROR_PROTOCOL_ERROR_QMP
                                       : ERROR_FAIL;
        }
        if (r == 0) {
            LOGD(ctx, ERROR, qmp->ao->domid, "%s: unexpected end of file on"
                 " %s%s", WHAT(qmp), qmp->path,
                 qmp->rx_used ? " in the middle of a message" : "");
            return ERROR_PROTOCOL_ERROR_QMP;
        }
        qmp->rx_used += (size_t)r;
        burst += (size_t)r;
        rc = qmp_handle_input(egc, qmp);
        if (rc) return rc;
    }
}

static void qmp_socket_ready(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents)
{
    libxl__qmp *qmp = CONTAINER_OF(ev, libxl__qmp, sockreg);
    int rc;
    (void)events;

    if (revents & POLLNVAL) {
        LOGD(egc->ctx, ERROR, qmp->ao->domid, "%s: the socket is not open"
             " (POLLNVAL)", WHAT(qmp));
        rc = ERROR_FAIL;
        goto fail;
    }
    if (qmp->state == LIBXL__QMP_CONNECTING) {
        rc = qmp_connect_ended(qmp, fd);
        if (rc) goto fail;
        return;
    }
    if ((revents & POLLOUT) && qmp->tx) {
        rc = qmp_write(qmp, fd);
        if (rc) goto fail;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        /* what was sent before an end of file or an error is read first */
        rc = qmp_read(egc, qmp, fd);
        if (rc == 1) return;                      /* delivered */
        if (rc) goto fail;
    }
    return;

fail:
    qmp_fail(egc, qmp, rc);
}
