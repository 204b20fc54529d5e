/*
 * child/pty.c: ptys for the library. It owns receiving fds over a socket with
 * full validation (libxl__recvmsg_fds), opening ptys in a helper child
 * (libxl__openptys: openpty may fork, which must not happen in a process
 * with a SIGCHLD handler, so a child of our own does it and passes the fds
 * back with SCM_RIGHTS), running a program on a pty while relaying what
 * it prints (libxl__ptyrun_*, like libxl's bootloader), and an internal
 * operation built on that (libxl__pty_run). Helper and runner work inside
 * an ao when given one: children held until reaped, abortable timeouts.
 */
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "child/child.h"

#define MAX_FDS (2 * LIBXL__OPENPTY_MAX)

/* ------------------------------------------------- receiving fds */

int libxl__recvmsg_fds(libxl_ctx *ctx, int fd, int nfds, int *fds_r)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    } u;
    int got[MAX_FDS];
    int ngot = 0, rc;
    char data;
    struct iovec iov = { .iov_base = &data, .iov_len = 1 };
    struct msghdr msg;
    ssize_t r;

    if (nfds < 1 || nfds > MAX_FDS) return ERROR_INVAL;
    memset(&msg, 0, sizeof(msg));
    memset(&u, 0, sizeof(u));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);

    r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) return ERROR_NOT_READY;
        LOGE(ctx, ERROR, "cannot receive fds");
        return ERROR_FAIL;
    }

    /* Collect whatever arrived first, so that every error closes it. */
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm;
         cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
            cm->cmsg_len < CMSG_LEN(0))
            continue;
        size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *p = CMSG_DATA(cm);
        for (size_t i = 0; i < n; i++) {
            int one;
            memcpy(&one, p + i * sizeof(int), sizeof(int));
            if (ngot < MAX_FDS) got[ngot++] = one;
            else close(one);
        }
    }

    if (r == 0) {
        LOG(ctx, ERROR, "peer closed the socket before sending fds");
        rc = ERROR_FAIL;
    } else if (msg.msg_flags & MSG_CTRUNC) {
        LOG(ctx, ERROR, "fds received truncated (MSG_CTRUNC): more than the"
            " %d expected were sent", nfds);
        rc = ERROR_FAIL;
    } else if (!ngot) {
        LOG(ctx, ERROR, "message without fds (no SCM_RIGHTS control"
            " message)");
        rc = ERROR_FAIL;
    } else if (ngot != nfds) {
        LOG(ctx, ERROR, "received %d fds, expected %d", ngot, nfds);
        rc = ERROR_FAIL;
    } else {
        memcpy(fds_r, got, sizeof(int) * (size_t)nfds);
        return 0;
    }
    for (int i = 0; i < ngot; i++) close(got[i]);
    return rc;
}

/* ------------------------------------------------ the pty helper */

struct pty_child_arg {
    int sock;
    int count;
};

/*
 * In the helper child. openpty with no name, termios or winsize is, in
 * glibc 2.36, posix_openpt + ioctls (TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER):
 * no allocation, no lock. The fds go back in one message; exit 0.
 */
static void pty_child(void *varg)
{
    const struct pty_child_arg *a = varg;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    } u;
    int fds[MAX_FDS];
    char data = 'P';
    struct iovec iov = { .iov_base = &data, .iov_len = 1 };
    struct msghdr msg;
    struct cmsghdr *cm;

    for (int i = 0; i < a->count; i++)
        if (openpty(&fds[2 * i], &fds[2 * i + 1], NULL, NULL, NULL))
            syscall(SYS_exit_group, 2);
    memset(&msg, 0, sizeof(msg));
    memset(&u, 0, sizeof(u));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)(2 * a->count));
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)(2 * a->count));
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)(2 * a->count));
    if (syscall(SYS_sendmsg, a->sock, &msg, 0) != 1)
        syscall(SYS_exit_group, 3);
    syscall(SYS_exit_group, 0);
}

void libxl__openptys_init(libxl__openpty_state *op)
{
    op->ao = NULL;
    op->count = 0;
    op->timeout_ms = 0;
    op->callback = NULL;
    for (int i = 0; i < LIBXL__OPENPTY_MAX; i++)
        op->master[i] = op->slave[i] = -1;
    libxl__ev_child_init(&op->child);
    op->sock = -1;
    op->sock_cf = NULL;
    libxl__ev_fd_init(&op->sock_reg);
    libxl__ev_time_init(&op->timeout);
    libxl__ao_time_init(&op->ao_timeout);
    op->got_fds = op->child_gone = op->done = false;
    op->child_status = -1;
}

static void openptys_close_results(libxl__openpty_state *op)
{
    for (int i = 0; i < LIBXL__OPENPTY_MAX; i++) {
        if (op->master[i] >= 0) close(op->master[i]);
        if (op->slave[i] >= 0) close(op->slave[i]);
        op->master[i] = op->slave[i] = -1;
    }
}

/* Stop everything but the results. A helper still running is killed; the
 * library reaps it (and it keeps holding op->ao until then). */
static void openptys_stop(libxl_ctx *ctx, libxl__openpty_state *op)
{
    libxl__ev_fd_deregister(ctx, &op->sock_reg);
    libxl__ev_time_deregister(ctx, &op->timeout);
    libxl__ao_time_deregister(ctx, &op->ao_timeout);
    libxl__ev_child_kill_deregister(ctx, &op->child, SIGKILL, NULL);
    libxl__carefd_close(op->sock_cf);
    op->sock_cf = NULL;
    op->sock = -1;
}

void libxl__openptys_dispose(libxl_ctx *ctx, libxl__openpty_state *op)
{
    openptys_stop(ctx, op);
    openptys_close_results(op);
}

static void openptys_finish(libxl__egc *egc, libxl__openpty_state *op, int rc)
{
    openptys_stop(egc->ctx, op);
    if (rc) openptys_close_results(op);
    op->done = true;
    op->callback(egc, op, rc);
}

/* Try to take the fds off the socket: 0, ERROR_NOT_READY or an error. */
static int openptys_receive(libxl_ctx *ctx, libxl__openpty_state *op)
{
    int fds[MAX_FDS];
    int rc = libxl__recvmsg_fds(ctx, op->sock, 2 * op->count, fds);
    if (rc) return rc;
    for (int i = 0; i < op->count; i++) {
        op->master[i] = fds[2 * i];
        op->slave[i] = fds[2 * i + 1];
    }
    op->got_fds = true;
    libxl__ev_fd_deregister(ctx, &op->sock_reg);
    return 0;
}

static void openptys_sock_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents)
{
    libxl__openpty_state *op = CONTAINER_OF(ev, libxl__openpty_state, sock_reg);
    int rc;

    (void)fd; (void)events; (void)revents;
    rc = openptys_receive(egc->ctx, op);
    if (rc == ERROR_NOT_READY) return;
    if (rc) { openptys_finish(egc, op, rc); return; }
    if (op->child_gone) openptys_finish(egc, op, 0);
}

static void openptys_death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid,
                           int status, int rc)
{
    libxl__openpty_state *op = CONTAINER_OF(ch, libxl__openpty_state, child);
    libxl_ctx *ctx = egc->ctx;

    op->child_gone = true;
    op->child_status = status;
    if (rc) {
        /* ERROR_ABORTED: killed, and reaped later by the library */
        LOG(ctx, DEBUG, "pty helper [%d] abandoned (rc %d)", (int)pid, rc);
        openptys_finish(egc, op, rc);
        return;
    }
    if (!op->got_fds) {
        /* its message may be queued but not yet seen */
        rc = openptys_receive(ctx, op);
        if (rc == ERROR_NOT_READY) {
            LOG(ctx, ERROR, "pty helper [%d] exited (status %#x) without"
                " sending fds", (int)pid, (unsigned)status);
            rc = ERROR_FAIL;
        }
        if (rc) { openptys_finish(egc, op, rc); return; }
    }
    if (status)
        LOG(ctx, WARN, "pty helper [%d] sent its fds but exited with status"
            " %#x", (int)pid, (unsigned)status);
    openptys_finish(egc, op, 0);
}

static void openptys_timeout(libxl__egc *egc, libxl__ev_time *ev,
                             const struct timeval *requested_abs, int rc)
{
    libxl__openpty_state *op = CONTAINER_OF(ev, libxl__openpty_state, timeout);
    (void)requested_abs;
    LOG(egc->ctx, ERROR, "pty helper timed out after %d ms", op->timeout_ms);
    openptys_finish(egc, op, rc);
}

/* ERROR_TIMEDOUT, or ERROR_ABORTED when op->ao is aborted */
static void openptys_ao_timeout(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    libxl__openpty_state *op = CONTAINER_OF(t, libxl__openpty_state, ao_timeout);
    if (rc == ERROR_TIMEDOUT)
        LOG(egc->ctx, ERROR, "pty helper timed out after %d ms",
            op->timeout_ms);
    else
        LOG(egc->ctx, DEBUG, "pty helper: operation aborted");
    openptys_finish(egc, op, rc);
}

int libxl__openptys(libxl__egc *egc, libxl__openpty_state *op)
{
    libxl_ctx *ctx = egc->ctx;
    struct pty_child_arg arg;
    libxl__child_spec spec;
    int sv[2] = { -1, -1 };
    int rc;

    if (op->count < 1 || op->count > LIBXL__OPENPTY_MAX) return ERROR_INVAL;
    if (op->ao && libxl__ao_aborting(op->ao)) return ERROR_ABORTED;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        LOGE(ctx, ERROR, "cannot create a socketpair for the pty helper");
        return ERROR_FAIL;
    }
    op->sock_cf = libxl__carefd_opened(ctx, sv[0]);
    if (!op->sock_cf) { rc = ERROR_NOMEM; goto out; }
    op->sock = sv[0];
    rc = libxl__ev_fd_register(ctx, &op->sock_reg, openptys_sock_cb,
                               op->sock, POLLIN);
    if (rc) goto out;
    if (op->timeout_ms > 0 && op->ao)
        rc = libxl__ao_time_register(op->ao, &op->ao_timeout,
                                     openptys_ao_timeout, op->timeout_ms);
    else if (op->timeout_ms > 0)
        rc = libxl__ev_time_register_rel(ctx, &op->timeout, openptys_timeout,
                                         op->timeout_ms);
    if (rc) goto out;
    arg.sock = sv[1];
    arg.count = op->count;
    libxl__child_spec_init(&spec);
    spec.child_fn = pty_child;
    spec.child_arg = &arg;   /* the child has its own copy of this frame */
    if (op->ao)
        rc = libxl__ev_child_start_ao(egc, op->ao, &op->child, &spec,
                                      openptys_death);
    else
        rc = libxl__ev_child_start(egc, &op->child, &spec, openptys_death);

out:
    if (sv[1] >= 0) close(sv[1]);
    if (rc) openptys_stop(ctx, op);
    return rc;
}

/* ------------------------------------------ a program on a pty */

void libxl__ptyrun_init(libxl__ptyrun_state *pr)
{
    pr->ao = NULL;
    pr->path = NULL;
    pr->argv = pr->envp = NULL;
    pr->timeout_ms = 0;
    pr->output = NULL;
    pr->callback = NULL;
    libxl__openptys_init(&pr->pty);
    libxl__ev_child_init(&pr->child);
    pr->master = -1;
    pr->master_cf = NULL;
    libxl__ev_fd_init(&pr->master_reg);
    libxl__ev_time_init(&pr->timeout);
    libxl__ao_time_init(&pr->ao_timeout);
    pr->inbuf = NULL;
    pr->inlen = 0;
    pr->running = pr->exited = pr->done = false;
    pr->status = -1;
}

/* Stop everything (a program still running is killed and reaped by the
 * library, holding pr->ao until then) and close every fd. */
static void ptyrun_stop(libxl_ctx *ctx, libxl__ptyrun_state *pr)
{
    libxl__openptys_dispose(ctx, &pr->pty);
    libxl__ev_fd_deregister(ctx, &pr->master_reg);
    libxl__ev_time_deregister(ctx, &pr->timeout);
    libxl__ao_time_deregister(ctx, &pr->ao_timeout);
    libxl__ev_child_kill_deregister(ctx, &pr->child, SIGKILL, NULL);
    libxl__carefd_close(pr->master_cf);
    pr->master_cf = NULL;
    pr->master = -1;
    free(pr->inbuf);
    pr->inbuf = NULL;
    pr->inlen = 0;
}

static void ptyrun_finish(libxl__egc *egc, libxl__ptyrun_state *pr, int rc)
{
    if (pr->done) return;
    ptyrun_stop(egc->ctx, pr);
    pr->done = true;
    pr->callback(egc, pr, rc, rc ? -1 : pr->status);
}

/* Relay what the master has. Returns false once the pty is finished with
 * (EIO: no process holds the slave any more). */
static bool ptyrun_relay(libxl__egc *egc, libxl__ptyrun_state *pr)
{
    char buf[4096];
    for (;;) {
        ssize_t r = read(pr->master, buf, sizeof(buf));
        if (r > 0) { pr->output(egc, pr, buf, (size_t)r); continue; }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return true;
        return false; /* EIO (slave closed everywhere), or EOF */
    }
}

static void ptyrun_flush_input(libxl_ctx *ctx, libxl__ptyrun_state *pr)
{
    while (pr->inlen) {
        ssize_t r = write(pr->master, pr->inbuf, pr->inlen);
        if (r < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                LOGE(ctx, WARN, "cannot write to the pty; input dropped");
                pr->inlen = 0;
            }
            break;
        }
        memmove(pr->inbuf, pr->inbuf + r, pr->inlen - (size_t)r);
        pr->inlen -= (size_t)r;
    }
    if (libxl__ev_fd_isregistered(&pr->master_reg))
        libxl__ev_fd_modify(ctx, &pr->master_reg,
                            POLLIN | (pr->inlen ? POLLOUT : 0));
}

static void ptyrun_master_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                             short events, short revents)
{
    libxl__ptyrun_state *pr = CONTAINER_OF(ev, libxl__ptyrun_state, master_reg);

    (void)fd; (void)events;
    if (revents & POLLOUT) ptyrun_flush_input(egc->ctx, pr);
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!ptyrun_relay(egc, pr)) {
            /* nobody holds the slave: stop watching; the death will do */
            libxl__ev_fd_deregister(egc->ctx, &pr->master_reg);
            if (pr->exited) ptyrun_finish(egc, pr, 0);
        }
    }
}

static void ptyrun_death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid,
                         int status, int rc)
{
    libxl__ptyrun_state *pr = CONTAINER_OF(ch, libxl__ptyrun_state, child);
    (void)pid;
    pr->exited = true;
    pr->status = status;
    if (rc) { ptyrun_finish(egc, pr, rc); return; }
    ptyrun_relay(egc, pr); /* what it printed last */
    ptyrun_finish(egc, pr, 0);
}

static void ptyrun_timeout(libxl__egc *egc, libxl__ev_time *ev,
                           const struct timeval *requested_abs, int rc)
{
    libxl__ptyrun_state *pr = CONTAINER_OF(ev, libxl__ptyrun_state, timeout);
    (void)requested_abs;
    LOG(egc->ctx, ERROR, "program on a pty (%s) timed out after %d ms",
        pr->path, pr->timeout_ms);
    ptyrun_finish(egc, pr, rc);
}

/* ERROR_TIMEDOUT, or ERROR_ABORTED when pr->ao is aborted */
static void ptyrun_ao_timeout(libxl__egc *egc, libxl__ao_time *t, int rc)
{
    libxl__ptyrun_state *pr = CONTAINER_OF(t, libxl__ptyrun_state, ao_timeout);
    if (rc == ERROR_TIMEDOUT)
        LOG(egc->ctx, ERROR, "program on a pty (%s) timed out after %d ms",
            pr->path, pr->timeout_ms);
    else
        LOG(egc->ctx, DEBUG, "program on a pty (%s): operation aborted",
            pr->path);
    ptyrun_finish(egc, pr, rc);
}

static void ptyrun_pty_ready(libxl__egc *egc, libxl__openpty_state *op, int rc)
{
    libxl__ptyrun_state *pr = CONTAINER_OF(op, libxl__ptyrun_state, pty);
    libxl_ctx *ctx = egc->ctx;
    libxl__child_spec spec;
    int slave, fl;

    if (rc) goto out;
    slave = op->slave[0];
    pr->master_cf = libxl__carefd_opened(ctx, op->master[0]);
    op->master[0] = op->slave[0] = -1;
    if (!pr->master_cf) { close(slave); rc = ERROR_NOMEM; goto out; }
    pr->master = libxl__carefd_fd(pr->master_cf);
    fl = fcntl(pr->master, F_GETFL);
    if (fl < 0 || fcntl(pr->master, F_SETFL, fl | O_NONBLOCK) < 0) {
        LOGE(ctx, ERROR, "cannot make the pty master non-blocking");
        close(slave);
        rc = ERROR_FAIL;
        goto out;
    }
    libxl__child_spec_init(&spec);
    spec.path = pr->path;
    spec.argv = pr->argv;
    spec.envp = pr->envp;
    spec.stdfd[0] = spec.stdfd[1] = spec.stdfd[2] = slave;
    spec.setsid_ctty = true;
    if (pr->ao)
        rc = libxl__ev_child_start_ao(egc, pr->ao, &pr->child, &spec,
                                      ptyrun_death);
    else
        rc = libxl__ev_child_start(egc, &pr->child, &spec, ptyrun_death);
    close(slave);      /* only the program holds it now */
    if (rc) goto out;
    pr->running = true;
    rc = libxl__ev_fd_register(ctx, &pr->master_reg, ptyrun_master_cb,
                               pr->master, POLLIN | (pr->inlen ? POLLOUT : 0));
out:
    if (rc) ptyrun_finish(egc, pr, rc);
}

int libxl__ptyrun_start(libxl__egc *egc, libxl__ptyrun_state *pr)
{
    libxl_ctx *ctx = egc->ctx;
    int rc;

    /* One timeout (ours) covers the helper and the program. */
    pr->pty.ao = pr->ao;
    pr->pty.count = 1;
    pr->pty.timeout_ms = 0;
    pr->pty.callback = ptyrun_pty_ready;
    if (pr->timeout_ms > 0 && pr->ao)
        rc = libxl__ao_time_register(pr->ao, &pr->ao_timeout,
                                     ptyrun_ao_timeout, pr->timeout_ms);
    else if (pr->timeout_ms > 0)
        rc = libxl__ev_time_register_rel(ctx, &pr->timeout, ptyrun_timeout,
                                         pr->timeout_ms);
    else
        rc = 0;
    if (rc) goto out;
    rc = libxl__openptys(egc, &pr->pty);
out:
    if (rc) {
        libxl__ev_time_deregister(ctx, &pr->timeout);
        libxl__ao_time_deregister(ctx, &pr->ao_timeout);
    }
    return rc;
}

int libxl__ptyrun_input(libxl_ctx *ctx, libxl__ptyrun_state *pr,
                        const char *buf, size_t len)
{
    char *n;
    if (pr->done) return ERROR_INVAL;
    n = realloc(pr->inbuf, pr->inlen + len);
    if (!n) return ERROR_NOMEM;
    memcpy(n + pr->inlen, buf, len);
    pr->inbuf = n;
    pr->inlen += len;
    if (pr->master >= 0) ptyrun_flush_input(ctx, pr);
    return 0;
}

/* ------------------------------------- the operation: libxl__pty_run */

typedef struct {
    libxl__ao *ao;
    libxl__ptyrun_state pr;
    char **output_r;
    int *status_r;
    char *out;                   /* malloc'ed; NUL-terminated */
    size_t len, cap;
    bool overflowed;
} pty_run_state;

static void pty_run_output(libxl__egc *egc, libxl__ptyrun_state *pr,
                           const char *buf, size_t len)
{
    pty_run_state *prs = CONTAINER_OF(pr, pty_run_state, pr);
    size_t room = LIBXL__PTY_RUN_MAX_OUTPUT - prs->len;

    if (len > room) {
        if (!prs->overflowed)
            LOG(egc->ctx, WARN, "%s printed more than %d bytes; the rest is"
                " discarded", pr->path, LIBXL__PTY_RUN_MAX_OUTPUT);
        prs->overflowed = true;
        len = room;
    }
    if (!len || !prs->out) return;
    if (prs->len + len + 1 > prs->cap) {
        size_t cap = prs->cap;
        while (prs->len + len + 1 > cap) cap *= 2;
        char *n = realloc(prs->out, cap);
        if (!n) {
            LOGE(egc->ctx, ERROR, "cannot keep the output of %s", pr->path);
            free(prs->out);
            prs->out = NULL;
            return;
        }
        prs->out = n;
        prs->cap = cap;
    }
    memcpy(prs->out + prs->len, buf, len);
    prs->len += len;
    prs->out[prs->len] = 0;
}

static void pty_run_done(libxl__egc *egc, libxl__ptyrun_state *pr, int rc,
                         int status)
{
    pty_run_state *prs = CONTAINER_OF(pr, pty_run_state, pr);

    if (prs->status_r) *prs->status_r = status;
    if (prs->output_r) *prs->output_r = prs->out;
    else free(prs->out);
    prs->out = NULL;
    libxl__ao_complete(egc, prs->ao, rc);
}

/* A copy of argv in the ao's pool (the caller's need only last for the
 * call); NULL if out of memory. */
static char **pty_run_copy_argv(libxl__ao *ao, char *const argv[])
{
    size_t n = 0;
    char **copy;

    while (argv[n]) n++;
    copy = libxl__ao_zalloc(ao, (n + 1) * sizeof(*copy));
    if (!copy) return NULL;
    for (size_t i = 0; i < n; i++) {
        copy[i] = libxl__ao_sprintf(ao, "%s", argv[i]);
        if (!copy[i]) return NULL;
    }
    return copy;
}

int libxl__pty_run(libxl_ctx *ctx, const char *path, char *const argv[],
                   const char *input, int timeout_ms, char **output_r,
                   int *status_r, const libxl_asyncop_how *ao_how)
{
    pty_run_state *prs;
    int rc;

    if (output_r) *output_r = NULL;
    if (status_r) *status_r = -1;
    if (!path || !argv || !argv[0]) return ERROR_INVAL;

    AO_CREATE(ctx, LIBXL__NO_DOMID, ao_how);
    prs = libxl__ao_zalloc(ao, sizeof(*prs));
    if (!prs) { rc = ERROR_NOMEM; goto out; }
    prs->ao = ao;
    prs->output_r = output_r;
    prs->status_r = status_r;
    prs->cap = 256;
    prs->out = malloc(prs->cap);
    if (!prs->out) {
        LOGE(ctx, ERROR, "cannot allocate an output buffer for %s", path);
        rc = ERROR_NOMEM;
        goto out;
    }
    prs->out[0] = 0;
    libxl__ptyrun_init(&prs->pr);
    prs->pr.ao = ao;
    prs->pr.path = libxl__ao_sprintf(ao, "%s", path);
    prs->pr.argv = pty_run_copy_argv(ao, argv);
    if (!prs->pr.path || !prs->pr.argv) { rc = ERROR_NOMEM; goto out; }
    prs->pr.timeout_ms = timeout_ms;
    prs->pr.output = pty_run_output;
    prs->pr.callback = pty_run_done;
    if (input && *input) {
        /* buffered until the program runs: nothing is registered yet */
        rc = libxl__ptyrun_input(ctx, &prs->pr, input, strlen(input));
        if (rc) goto out;
    }
    rc = libxl__ptyrun_start(egc, &prs->pr);

out:
    if (rc) {
        if (prs) {
            free(prs->pr.inbuf);
            free(prs->out);
        }
        return AO_CREATE_FAIL(rc);
    }
    return AO_INPROGRESS;
}
