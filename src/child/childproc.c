/*
 * child/childproc.c: the library's child processes. It owns each ctx's list of
 * children, the process-wide registry of SIGCHLD-path children (so no ctx
 * loses a status to another), creating children (clone3 + pidfd, or fork /
 * the application's fork_replacement), their timeouts, reaping in the
 * four libxl_sigchld_owner modes, and the public childproc entry points.
 *
 * Two paths (see libxl_event.h for the mode table):
 *  - pidfd: clone3(CLONE_PIDFD, exit_signal 0). No SIGCHLD, invisible to
 *    waitpid(-1); the pidfd is an ordinary fd registration and the child
 *    is reaped with waitid(P_PIDFD, ..., __WALL) when it polls readable.
 *  - SIGCHLD: fork() or fork_replacement. The ctx's self-pipe is written
 *    by the process-wide handler (sigchld.c) or, for a status another ctx
 *    reaped, by that ctx; reaping is waitpid(-1) (modes libxl and
 *    libxl_always) or waitpid(pid) per child (selective reap; mainloop's
 *    libxl_childproc_sigchld_occurred), or the application's
 *    libxl_childproc_reaped (mainloop).
 *
 * Why no ctx steals another's child: every SIGCHLD-path child of every
 * ctx is in the registry, and a waitpid(-1) is only ever done with the
 * registry mutex held; the fork that creates a child also holds it until
 * the child is registered. So every pid a waitpid(-1) returns is either in
 * the registry (its status is stored there and its owner woken) or not
 * the library's at all.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "child/child.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct libxl__child {
    libxl_ctx *ctx;
    libxl__ev_child *owner;       /* NULL once killed and deregistered */
    libxl__child_hold *hold;      /* for an orphan: told when reaped */
    libxl__ao *ao;                /* held from start to reap, or NULL */
    libxl__ao_abortable abrt;     /* while owned and ao is set */
    libxl__ev_child_callback *death;
    pid_t pid;
    libxl__carefd *pidfd;         /* pidfd path; NULL on the SIGCHLD path */
    libxl__ev_fd pidfd_reg;
    libxl__ev_time timeout;
    int kill_grace_ms;
    bool term_sent, timed_out;
    /* registry fields: under the registry mutex (SIGCHLD path only) */
    bool registered;              /* in the registry */
    bool reaped;                  /* status below is valid */
    int status;
    XEN_LIST_ENTRY(libxl__child) reg_link;
    /* the ctx's list (ctx lock) */
    XEN_LIST_ENTRY(libxl__child) ctx_link;
};

/* -------------------------------------------------------- registry */

struct registry {
    pthread_mutex_t lock;
    XEN_LIST_HEAD(, libxl__child) children;
};
static struct registry registry0 = { PTHREAD_MUTEX_INITIALIZER,
                                     XEN_LIST_HEAD_INITIALIZER(children) };
static struct registry *R = &registry0;

static void reg_lock(void) { if (pthread_mutex_lock(&R->lock)) abort(); }
static void reg_unlock(void) { if (pthread_mutex_unlock(&R->lock)) abort(); }

/* registry mutex held */
static void reg_insert(libxl__child *c)
{
    XEN_LIST_INSERT_HEAD(&R->children, c, reg_link);
    c->registered = true;
}

static void reg_remove(libxl__child *c)
{
    if (!c->registered) return;
    XEN_LIST_REMOVE(c, reg_link);
    c->registered = false;
}

static libxl__child *reg_find(pid_t pid)
{
    libxl__child *c;
    XEN_LIST_FOREACH(c, &R->children, reg_link)
        if (c->pid == pid) return c;
    return NULL;
}

void libxl__childproc_postfork(void)
{
    /* The parent's registry (and maybe its locked mutex) is forgotten. */
    struct registry *fresh = calloc(1, sizeof(*fresh));
    if (!fresh) return;
    pthread_mutex_init(&fresh->lock, NULL);
    R = fresh;
}

/* ---------------------------------------------------------- helpers */

static const libxl_childproc_hooks default_hooks = {
    .chldowner = libxl_sigchld_owner_libxl,
};

static int pidfd_support;       /* atomic: 0 unknown, 1 yes, -1 no */

static void describe_status(char *buf, size_t len, int status)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "died from signal %d%s", WTERMSIG(status),
                 WCOREDUMP(status) ? " (core dumped)" : "");
    else
        snprintf(buf, len, "wait status %#x", (unsigned)status);
}

static int status_from_siginfo(const siginfo_t *si)
{
    switch (si->si_code) {
    case CLD_EXITED: return (si->si_status & 0xff) << 8;
    case CLD_KILLED: return si->si_status & 0x7f;
    case CLD_DUMPED: return (si->si_status & 0x7f) | 0x80;
    default:         return 0;
    }
}

static bool mode_reaps_all(libxl_sigchld_owner m)
{
    return m == libxl_sigchld_owner_libxl ||
           m == libxl_sigchld_owner_libxl_always;
}

static bool mode_always(libxl_sigchld_owner m)
{
    return m == libxl_sigchld_owner_libxl_always ||
           m == libxl_sigchld_owner_libxl_always_selective_reap;
}

/* ------------------------------------------------ the child's side */

/*
 * Everything from here to exec runs in the new process, which may be a
 * raw clone3 copy of a multithreaded process: glibc's fork bookkeeping
 * (atfork handlers, malloc and stdio locks) has not run, and sanitizer
 * runtimes do not know the process exists. So only raw system calls.
 */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

struct child_args {
    const libxl__child_spec *spec;
    char *const *envp;
    uint64_t mask;                /* the starting thread's signal mask */
};

static void __attribute__((noreturn)) child_exit(int code)
{
    for (;;) syscall(SYS_exit_group, code);
}

static void child_reset_signals(void)
{
    for (int sig = 1; sig <= 64; sig++) {
        struct kernel_sigaction old, dfl;
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, 8)) continue;
        if (old.handler == SIG_DFL) continue;
        if (old.handler == SIG_IGN && sig != SIGCHLD) continue;
        memset(&dfl, 0, sizeof(dfl));
        dfl.handler = SIG_DFL;
        syscall(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    }
}

static int child_setup_fds(const libxl__child_spec *spec)
{
    int src[3];
    long r;

    if (spec->keep_stdfds) return 0;
    for (int i = 0; i < 3; i++) {
        src[i] = spec->stdfd[i];
        if (src[i] < 0) {
            r = syscall(SYS_openat, AT_FDCWD, "/dev/null",
                        O_RDWR | O_CLOEXEC);
            if (r < 0) return -1;
            src[i] = (int)r;
        }
    }
    /* Move every source in 0..2 out of the way before overwriting any. */
    for (int i = 0; i < 3; i++) {
        if (src[i] >= 3 || src[i] == i) continue;
        r = syscall(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 3);
        if (r < 0) return -1;
        src[i] = (int)r;
    }
    for (int i = 0; i < 3; i++) {
        if (src[i] == i)
            r = syscall(SYS_fcntl, i, F_SETFD, 0);
        else
            r = syscall(SYS_dup3, src[i], i, 0);
        if (r < 0) return -1;
    }
    return 0;
}

static void __attribute__((noreturn)) child_main(const struct child_args *a)
{
    const libxl__child_spec *spec = a->spec;

    child_reset_signals();
    if (child_setup_fds(spec)) child_exit(127);
    if (spec->setsid_ctty) {
        if (syscall(SYS_setsid) < 0) child_exit(127);
        if (syscall(SYS_ioctl, 0, TIOCSCTTY, 0) < 0) child_exit(127);
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &a->mask, NULL, 8);
    if (spec->path)
        syscall(SYS_execve, spec->path, spec->argv, a->envp);
    else if (spec->child_fn)
        spec->child_fn(spec->child_arg);
    child_exit(127);
}

/* -------------------------------------------- creating a child */

static void block_all_signals(uint64_t *saved)
{
    uint64_t all = ~(uint64_t)0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, saved, 8);
}

static void restore_signals(const uint64_t *saved)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, saved, NULL, 8);
}

/* clone3 with a pidfd. Returns the pid (pidfd in *pidfd_r) or -1 with
 * errno. */
static pid_t spawn_clone3(struct child_args *a, int *pidfd_r)
{
    struct clone_args ca;
    int pidfd = -1;
    long r;
    int e;

    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_PIDFD;     /* the pidfd is close-on-exec */
    ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
    ca.exit_signal = 0;         /* no SIGCHLD; a "clone child" to wait() */

    libxl__forklock_acquire();  /* atfork handlers do not run for clone3 */
    block_all_signals(&a->mask);
    r = syscall(SYS_clone3, &ca, sizeof(ca));
    if (r == 0) child_main(a);
    e = errno;
    restore_signals(&a->mask);
    libxl__forklock_release();
    errno = e;
    if (r < 0) return -1;
    *pidfd_r = pidfd;
    return (pid_t)r;
}

/* fork() or the application's replacement; registry mutex held. The
 * atfork handlers take the no-fork lock (for fork()). */
static pid_t spawn_fork(libxl_ctx *ctx, struct child_args *a)
{
    const libxl_childproc_hooks *hooks = CTX_CHLD(ctx)->hooks;
    pid_t pid;
    int e;

    block_all_signals(&a->mask);
    pid = hooks->fork_replacement ? hooks->fork_replacement(CTX_CHLD(ctx)->hooks_user)
                                  : fork();
    if (pid == 0) child_main(a);
    e = errno;
    restore_signals(&a->mask);
    errno = e;
    return pid;
}

/* ------------------------------------------------ sigchld wiring */

static void wake_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short events,
                    short revents);

static bool ctx_wants_sigchld(libxl_ctx *ctx)
{
    libxl_sigchld_owner m = CTX_CHLD(ctx)->hooks->chldowner;
    if (mode_always(m)) return true;
    return m == libxl_sigchld_owner_libxl && CTX_CHLD(ctx)->nsigchld > 0;
}

/* Make the self-pipe, its registration and the handler's user list match
 * what ctx needs now. */
static int sigchld_update(libxl_ctx *ctx)
{
    libxl__childproc_state *cs = CTX_CHLD(ctx);
    bool want_user = ctx_wants_sigchld(ctx);
    bool want_pipe = want_user || cs->nsigchld > 0;
    int rc;

    if (want_pipe && cs->wakepipe[0] < 0) {
        if (pipe2(cs->wakepipe, O_CLOEXEC | O_NONBLOCK)) {
            LOGE(ctx, ERROR, "cannot create the child self-pipe");
            cs->wakepipe[0] = cs->wakepipe[1] = -1;
            return ERROR_FAIL;
        }
        cs->wake_cf[0] = libxl__carefd_opened(ctx, cs->wakepipe[0]);
        cs->wake_cf[1] = libxl__carefd_opened(ctx, cs->wakepipe[1]);
        if (!cs->wake_cf[0] || !cs->wake_cf[1]) { /* closed by _opened */
            libxl__carefd_close(cs->wake_cf[0]);
            libxl__carefd_close(cs->wake_cf[1]);
            cs->wake_cf[0] = cs->wake_cf[1] = NULL;
            cs->wakepipe[0] = cs->wakepipe[1] = -1;
            return ERROR_NOMEM;
        }
    }
    if (want_pipe && !libxl__ev_fd_isregistered(&cs->wake_reg)) {
        rc = libxl__ev_fd_register(ctx, &cs->wake_reg, wake_cb,
                                   cs->wakepipe[0], POLLIN);
        if (rc) return rc;
    }
    if (want_user && !cs->sigchld_user) {
        rc = libxl__sigchld_user_add(ctx, cs->wakepipe[1]);
        if (rc) return rc;
        cs->sigchld_user = true;
    }
    if (!want_user && cs->sigchld_user) {
        libxl__sigchld_user_remove(ctx, cs->wakepipe[1]);
        cs->sigchld_user = false;
    }
    if (!want_pipe)
        libxl__ev_fd_deregister(ctx, &cs->wake_reg);
    return 0;
}

/* ------------------------------------------------------ reaping */

static void ctx_list_remove(libxl_ctx *ctx, libxl__child *c)
{
    XEN_LIST_REMOVE(c, ctx_link);
    CTX_CHLD(ctx)->nchildren--;
}

/* c has been reaped with status: tell its owner (or hold), free it. */
static void child_done(libxl__egc *egc, libxl__child *c, int status)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__ev_child *owner = c->owner;
    libxl__child_hold *hold = c->hold;
    libxl__ev_child_callback *death = c->death;
    libxl__ao *ao = c->ao;
    pid_t pid = c->pid;
    int rc = c->timed_out ? ERROR_TIMEDOUT : 0;
    bool sigchld_path = !c->pidfd;

    libxl__ao_abortable_deregister(&c->abrt);
    libxl__ev_time_deregister(ctx, &c->timeout);
    libxl__ev_fd_deregister(ctx, &c->pidfd_reg);
    libxl__carefd_close(c->pidfd);
    ctx_list_remove(ctx, c);
    free(c);
    if (sigchld_path) {
        CTX_CHLD(ctx)->nsigchld--;
        if (sigchld_update(ctx))
            LOG(ctx, ERROR, "cannot update SIGCHLD handling after a reap");
    }

    if (owner) {
        owner->c = NULL;
        owner->pid = -1;
        death(egc, owner, pid, status, rc);
    } else {
        char desc[64];
        describe_status(desc, sizeof(desc), status);
        LOG(ctx, DEBUG, "abandoned child [%d] reaped: %s", (int)pid, desc);
        if (hold) hold->reaped(egc, hold);
    }
    if (ao) libxl__ao_release(egc, ao);
}

typedef struct {
    libxl__egc_deferred d;
    pid_t pid;
    int status;
} unknown_child;

/* Deferred: called without the lock. */
static void unknown_child_report(libxl_ctx *ctx, libxl__egc_deferred *d)
{
    unknown_child *u = (unknown_child *)d;
    const libxl_childproc_hooks *hooks;
    void *user;
    int rc = ERROR_UNKNOWN_CHILD;

    CTX_LOCK(ctx);
    hooks = CTX_CHLD(ctx)->hooks;
    user = CTX_CHLD(ctx)->hooks_user;
    CTX_UNLOCK(ctx);
    if (hooks->reaped_callback)
        rc = hooks->reaped_callback(u->pid, u->status, user);
    if (rc == ERROR_UNKNOWN_CHILD) {
        char desc[64];
        describe_status(desc, sizeof(desc), u->status);
        LOG(ctx, WARN, "unknown child [%d] reaped: %s", (int)u->pid, desc);
    } else if (rc) {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__event_disaster(egc, "application's reaped_callback failed",
                              0, 0);
        CTX_UNLOCK_EGC_FREE;
    }
    free(u);
}

enum reap_how { REAP_HANDED_ONLY, REAP_PER_CHILD, REAP_ALL };

static void reap(libxl__egc *egc, enum reap_how how)
{
    libxl_ctx *ctx = egc->ctx;
    int status;
    pid_t r;

    reg_lock();
    if (how == REAP_ALL) {
        while ((r = waitpid(-1, &status, WNOHANG)) > 0) {
            libxl__child *c = reg_find(r);
            if (!c) {
                unknown_child *u = malloc(sizeof(*u));
                if (!u) {
                    LOG(ctx, ERROR, "unknown child [%d] reaped (no memory"
                        " to report it)", (int)r);
                    continue;
                }
                u->pid = r;
                u->status = status;
                libxl__egc_defer(egc, &u->d, unknown_child_report);
                continue;
            }
            c->reaped = true;
            c->status = status;
            if (c->ctx != ctx) {
                /* another ctx's child: hand its status over */
                char byte = 0;
                ssize_t w = write(CTX_CHLD(c->ctx)->wakepipe[1], &byte, 1);
                (void)w;
            }
        }
    }
    libxl__child *c;
    XEN_LIST_FOREACH(c, &CTX_CHLD(ctx)->children, ctx_link) {
        if (!c->registered) continue;   /* pidfd path, or done */
        if (!c->reaped && how == REAP_PER_CHILD) {
            r = waitpid(c->pid, &status, WNOHANG);
            if (r == c->pid) { c->reaped = true; c->status = status; }
        }
        if (c->reaped) reg_remove(c);
    }
    reg_unlock();

    /* Unregistered + reaped = ready to deliver; no other thread can touch
     * them any more. child_done may change the list: restart each time. */
    for (;;) {
        XEN_LIST_FOREACH(c, &CTX_CHLD(ctx)->children, ctx_link)
            if (!c->pidfd && !c->registered && c->reaped) break;
        if (!c) break;
        child_done(egc, c, c->status);
    }
}

static void wake_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short events,
                    short revents)
{
    libxl_ctx *ctx = egc->ctx;
    char buf[64];
    libxl_sigchld_owner m = CTX_CHLD(ctx)->hooks->chldowner;
    enum reap_how how = REAP_HANDED_ONLY;

    (void)ev; (void)events; (void)revents;
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    if (CTX_CHLD(ctx)->sigchld_user)
        how = mode_reaps_all(m) ? REAP_ALL : REAP_PER_CHILD;
    reap(egc, how);
}

static void pidfd_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short events,
                     short revents)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__child *c = CONTAINER_OF(ev, libxl__child, pidfd_reg);
    siginfo_t si;
    int r;

    (void)events; (void)revents;
    memset(&si, 0, sizeof(si));
    r = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | __WALL);
    if (r < 0) {
        LOGE(ctx, ERROR, "child [%d] could not be reaped (someone else"
             " reaped it with __WALL?); its status is lost", (int)c->pid);
        child_done(egc, c, -1);
        return;
    }
    if (si.si_pid == 0) return; /* not yet */
    child_done(egc, c, status_from_siginfo(&si));
}

/* ------------------------------------------------------- killing */

static void child_signal(libxl_ctx *ctx, libxl__child *c, int sig)
{
    int r = 0;
    if (c->pidfd) {
        r = (int)syscall(SYS_pidfd_send_signal, libxl__carefd_fd(c->pidfd),
                         sig, NULL, 0);
        if (r < 0 && errno == ENOSYS) r = kill(c->pid, sig);
    } else {
        /* Only while nobody has reaped it: the pid cannot be reused. */
        reg_lock();
        if (c->registered && !c->reaped) r = kill(c->pid, sig);
        reg_unlock();
    }
    if (r < 0 && errno != ESRCH)
        LOGE(ctx, ERROR, "cannot send signal %d to child [%d]", sig,
             (int)c->pid);
}

static void timeout_cb(libxl__egc *egc, libxl__ev_time *ev,
                       const struct timeval *requested_abs, int rc)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__child *c = CONTAINER_OF(ev, libxl__child, timeout);

    (void)requested_abs; (void)rc;
    c->timed_out = true;
    if (!c->term_sent && c->kill_grace_ms > 0) {
        LOG(ctx, DEBUG, "child [%d] timed out: SIGTERM", (int)c->pid);
        child_signal(ctx, c, SIGTERM);
        c->term_sent = true;
        if (!libxl__ev_time_register_rel(ctx, &c->timeout, timeout_cb,
                                         c->kill_grace_ms))
            return;
        /* could not wait: kill at once */
    }
    LOG(ctx, DEBUG, "child [%d] timed out: SIGKILL", (int)c->pid);
    child_signal(ctx, c, SIGKILL);
}

/* The child's operation was aborted: kill it, tell the owner now. */
static void abort_cb(libxl__egc *egc, libxl__ao_abortable *ab, int rc)
{
    libxl__child *c = CONTAINER_OF(ab, libxl__child, abrt);
    libxl__ev_child *owner = c->owner;
    pid_t pid = c->pid;

    libxl__ev_child_kill_deregister(egc->ctx, owner, SIGKILL, NULL);
    c->death(egc, owner, pid, -1, rc);
}

void libxl__ev_child_kill_deregister(libxl_ctx *ctx, libxl__ev_child *ch,
                                     int sig, libxl__child_hold *hold)
{
    libxl__child *c = ch->c;
    if (!c) return;
    if (sig) child_signal(ctx, c, sig);
    libxl__ao_abortable_deregister(&c->abrt);
    libxl__ev_time_deregister(ctx, &c->timeout);
    c->owner = NULL;
    c->hold = hold;
    ch->c = NULL;
    ch->pid = -1;
}

/* ----------------------------------------------------- starting */

void libxl__child_spec_init(libxl__child_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    spec->stdfd[0] = spec->stdfd[1] = spec->stdfd[2] = -1;
}

void libxl__ev_child_init(libxl__ev_child *ch)
{
    ch->pid = -1;
    ch->c = NULL;
}

bool libxl__childproc_uses_pidfd(libxl_ctx *ctx)
{
    return !CTX_CHLD(ctx)->force_sigchld && !CTX_CHLD(ctx)->hooks->fork_replacement &&
           __atomic_load_n(&pidfd_support, __ATOMIC_RELAXED) >= 0;
}

void libxl__childproc_force_sigchld(libxl_ctx *ctx, bool force)
{
    CTX_CHLD(ctx)->force_sigchld = force;
}

int libxl__childproc_count(libxl_ctx *ctx) { return CTX_CHLD(ctx)->nchildren; }

/* Reap a child we could not finish setting up (it never ran anything
 * the caller asked for... but it may have: kill it first). */
static void reap_now(libxl__child *c)
{
    int status;
    if (c->pidfd) {
        siginfo_t si;
        syscall(SYS_pidfd_send_signal, libxl__carefd_fd(c->pidfd), SIGKILL,
                NULL, 0);
        while (waitid((idtype_t)P_PIDFD, (id_t)libxl__carefd_fd(c->pidfd),
                      &si, WEXITED | __WALL) < 0 && errno == EINTR)
            ;
        return;
    }
    reg_lock();
    bool mine = c->registered && !c->reaped;
    if (mine) kill(c->pid, SIGKILL);
    reg_remove(c);
    reg_unlock();
    if (mine)
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
            ;
}

static int child_start(libxl__egc *egc, libxl__ao *ao, libxl__ev_child *ch,
                       const libxl__child_spec *spec,
                       libxl__ev_child_callback *death)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__childproc_state *cs = CTX_CHLD(ctx);
    struct child_args a = { .spec = spec,
                            .envp = spec->envp ? spec->envp : environ };
    libxl__child *c;
    bool use_pidfd = libxl__childproc_uses_pidfd(ctx);
    bool counted = false;
    int pidfd = -1, rc;
    pid_t pid = -1;

    c = calloc(1, sizeof(*c));
    if (!c) {
        LOGE(ctx, ERROR, "cannot allocate a child record");
        return ERROR_NOMEM;
    }
    c->ctx = ctx;
    c->owner = ch;
    c->death = death;
    c->kill_grace_ms = spec->kill_grace_ms;
    libxl__ev_fd_init(&c->pidfd_reg);
    libxl__ev_time_init(&c->timeout);
    libxl__ao_abortable_init(&c->abrt);

    if (ao) {
        rc = libxl__ao_abortable_register(ao, &c->abrt, abort_cb);
        if (rc) goto out;
    }
    if (spec->timeout_ms > 0) {
        rc = libxl__ev_time_register_rel(ctx, &c->timeout, timeout_cb,
                                         spec->timeout_ms);
        if (rc) goto out;
    }

    if (use_pidfd) {
        pid = spawn_clone3(&a, &pidfd);
        if (pid < 0 && (errno == ENOSYS || errno == EPERM ||
                        errno == EINVAL || errno == E2BIG)) {
            LOGE(ctx, DEBUG, "clone3 with CLONE_PIDFD unavailable: children"
                 " use fork and SIGCHLD from now on");
            __atomic_store_n(&pidfd_support, -1, __ATOMIC_RELAXED);
            use_pidfd = false;
        } else if (pid < 0) {
            LOGE(ctx, ERROR, "cannot start a child process (clone3 failed)");
            rc = ERROR_FAIL;
            goto out;
        } else {
            __atomic_store_n(&pidfd_support, 1, __ATOMIC_RELAXED);
            c->pidfd = libxl__carefd_opened(ctx, pidfd);
            c->pid = pid;
            if (!c->pidfd) {     /* fd already closed; the child runs on */
                LOG(ctx, ERROR, "child [%d] is abandoned", (int)pid);
                rc = ERROR_NOMEM;
                goto out;
            }
            rc = libxl__ev_fd_register(ctx, &c->pidfd_reg, pidfd_cb,
                                       pidfd, POLLIN);
            if (rc) { reap_now(c); goto out; }
        }
    }

    if (!use_pidfd) {
        cs->nsigchld++;
        counted = true;
        rc = sigchld_update(ctx);  /* handler ready before the child runs */
        if (rc) goto out;
        reg_lock();
        pid = spawn_fork(ctx, &a);
        if (pid > 0) {
            c->pid = pid;
            reg_insert(c);
        }
        reg_unlock();
        if (pid < 0) {
            LOGE(ctx, ERROR, "cannot start a child process (%s failed)",
                 cs->hooks->fork_replacement ? "fork_replacement" : "fork");
            rc = ERROR_FAIL;
            goto out;
        }
    }

    XEN_LIST_INSERT_HEAD(&cs->children, c, ctx_link);
    cs->nchildren++;
    ch->c = c;
    ch->pid = c->pid;
    if (ao) {
        c->ao = ao;
        libxl__ao_hold(ao);
    }
    c = NULL;
    rc = 0;

out:
    if (c) {
        libxl__ao_abortable_deregister(&c->abrt);
        libxl__ev_time_deregister(ctx, &c->timeout);
        libxl__ev_fd_deregister(ctx, &c->pidfd_reg);
        libxl__carefd_close(c->pidfd);
        free(c);
        if (counted) {
            cs->nsigchld--;
            sigchld_update(ctx);
        }
    }
    return rc;
}

int libxl__ev_child_start(libxl__egc *egc, libxl__ev_child *ch,
                          const libxl__child_spec *spec,
                          libxl__ev_child_callback *death)
{
    return child_start(egc, NULL, ch, spec, death);
}

int libxl__ev_child_start_ao(libxl__egc *egc, libxl__ao *ao,
                             libxl__ev_child *ch,
                             const libxl__child_spec *spec,
                             libxl__ev_child_callback *death)
{
    return child_start(egc, ao, ch, spec, death);
}

/* -------------------------------------------------- ctx lifetime */

static void childproc_init(libxl_ctx *ctx)
{
    libxl__childproc_state *cs = CTX_CHLD(ctx);
    const char *env = getenv("LIGHTCORE_CHILD_NOPIDFD");

    memset(cs, 0, sizeof(*cs));
    cs->hooks = &default_hooks;
    cs->wakepipe[0] = cs->wakepipe[1] = -1;
    libxl__ev_fd_init(&cs->wake_reg);
    cs->force_sigchld = env && *env && strcmp(env, "0");
}

static void childproc_dispose(libxl_ctx *ctx)
{
    libxl__childproc_state *cs = CTX_CHLD(ctx);

    CTX_LOCK(ctx);
    libxl__child *c;
    while ((c = XEN_LIST_FIRST(&cs->children))) {
        LOG(ctx, WARN, "ctx freed with child [%d] still running: killing"
            " and reaping it", (int)c->pid);
        reap_now(c);
        libxl__ev_time_deregister(ctx, &c->timeout);
        libxl__ev_fd_deregister(ctx, &c->pidfd_reg);
        libxl__carefd_close(c->pidfd);
        if (c->owner) { c->owner->c = NULL; c->owner->pid = -1; }
        ctx_list_remove(ctx, c);
        free(c);
    }
    cs->nsigchld = 0;
    cs->hooks = &default_hooks;
    sigchld_update(ctx);
    libxl__carefd_close(cs->wake_cf[0]);
    libxl__carefd_close(cs->wake_cf[1]);
    cs->wake_cf[0] = cs->wake_cf[1] = NULL;
    cs->wakepipe[0] = cs->wakepipe[1] = -1;
    CTX_UNLOCK(ctx);
}

const libxl__module libxl__module_childproc = {
    .name = "childproc", .init = childproc_init, .dispose = childproc_dispose,
};

/* ------------------------------------------------- public entry points */

void libxl_childproc_setmode(libxl_ctx *ctx, const libxl_childproc_hooks *hooks,
                             void *user)
{
    CTX_LOCK(ctx);
    if (CTX_CHLD(ctx)->nchildren) {
        LOG(ctx, ERROR, "libxl_childproc_setmode called while the ctx has"
            " %d child(ren); ignored", CTX_CHLD(ctx)->nchildren);
        goto out;
    }
    CTX_CHLD(ctx)->hooks = hooks ? hooks : &default_hooks;
    CTX_CHLD(ctx)->hooks_user = user;
    if (sigchld_update(ctx))
        LOG(ctx, ERROR, "cannot set up SIGCHLD handling for mode %d",
            (int)CTX_CHLD(ctx)->hooks->chldowner);
out:
    CTX_UNLOCK(ctx);
}

int libxl_childproc_reaped(libxl_ctx *ctx, pid_t pid, int status)
{
    libxl__child *c;
    int rc = ERROR_UNKNOWN_CHILD;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);

    if (CTX_CHLD(ctx)->hooks->chldowner != libxl_sigchld_owner_mainloop)
        LOG(ctx, WARN, "libxl_childproc_reaped outside mainloop mode");
    XEN_LIST_FOREACH(c, &CTX_CHLD(ctx)->children, ctx_link)
        if (c->pid == pid) break;
    if (!c) goto out;
    if (!c->pidfd) {
        reg_lock();
        bool fresh = c->registered && !c->reaped;
        reg_remove(c);
        reg_unlock();
        if (!fresh) goto out; /* already reaped by the library: not ours */
    }
    child_done(egc, c, status);
    rc = 0;
out:
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

void libxl_childproc_sigchld_occurred(libxl_ctx *ctx)
{
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    if (CTX_CHLD(ctx)->hooks->chldowner != libxl_sigchld_owner_mainloop)
        LOG(ctx, WARN, "libxl_childproc_sigchld_occurred outside mainloop"
            " mode");
    reap(egc, REAP_PER_CHILD);
    CTX_UNLOCK_EGC_FREE;
}
