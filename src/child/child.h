/*
 * child/child.h: the child-process layer. Four parts:
 *  - forklock.c: the no-fork lock and "careful" fds (close-on-exec
 *    discipline, the close list used by libxl_postfork_child_noexec);
 *  - sigchld.c: the one process-wide SIGCHLD handler and its users;
 *  - childproc.c: the ctx's children, reaping in the four SIGCHLD modes,
 *    pidfd children, and the internal child API below;
 *  - pty.c: openpty in a helper child, fd passing, and running a program
 *    on a pty.
 *
 * Everything taking a ctx or an egc is called with the ctx lock held
 * (except where said), and every callback declared here is called with it
 * held, from the event core (never from a signal handler). Callbacks may
 * queue application callbacks on their egc (libxl__egc_defer).
 *
 * Error convention: functions return a libxl error code (`rc`), never a
 * pid and never -1. A child that could not be created (fork or clone3
 * failed: EAGAIN, ENOMEM, RLIMIT_NPROC, a fork_replacement hook returning
 * -1) is ERROR_FAIL with the errno logged, and leaves nothing registered.
 *
 * Lock order: ctx lock -> child registry mutex (childproc.c) -> no-fork
 * lock (forklock.c) -> the SIGCHLD users' pipe lock (sigchld.c). The
 * application's fork() takes the no-fork lock (pthread_atfork).
 */
#ifndef LIGHTCORE_CHILD_CHILD_H
#define LIGHTCORE_CHILD_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "ao/ao.h"
#include "ev/ev.h"

/* --------------------------------------------------- forklock.c */

/*
 * The no-fork lock: while it is held no thread of the process can be
 * inside fork() (pthread_atfork handlers take it), and the library makes
 * no child of its own. posix_spawn, vfork and raw clone skip atfork
 * handlers, which is why every library fd is created close-on-exec in the
 * first place (O_CLOEXEC, SOCK_CLOEXEC, pipe2, MSG_CMSG_CLOEXEC...). The
 * lock only matters for an fd that exists for a moment without the flag
 * (a foreign library's, or an interface without a CLOEXEC variant).
 * Not recursive. Needs no ctx lock.
 */
void libxl__forklock_acquire(void);
void libxl__forklock_release(void);

/*
 * A careful fd: open, close-on-exec, and on the process-wide close list
 * that libxl_postfork_child_noexec closes. Either
 *   libxl__carefd_begin();  fd = create_without_cloexec();
 *   cf = libxl__carefd_record(ctx, fd);  libxl__carefd_unlock();
 * (record sets FD_CLOEXEC inside the no-fork window), or, for an fd that
 * was created close-on-exec, cf = libxl__carefd_opened(ctx, fd).
 * record/opened take ownership of fd: on failure (NULL, logged) it has
 * been closed; fd < 0 gives NULL with errno untouched. ctx lock optional.
 */
typedef struct libxl__carefd libxl__carefd;
void libxl__carefd_begin(void);
libxl__carefd *libxl__carefd_record(libxl_ctx *ctx, int fd);
void libxl__carefd_unlock(void);
libxl__carefd *libxl__carefd_opened(libxl_ctx *ctx, int fd);
int libxl__carefd_fd(const libxl__carefd *cf);
/* Close and forget (NULL: no-op). Preserves errno. */
void libxl__carefd_close(libxl__carefd *cf);
/* Forget without closing: the fd is the caller's again (returned). */
int libxl__carefd_release(libxl__carefd *cf);

/* postfork: close every careful fd and forget them (child, one thread). */
void libxl__carefd_postfork_closeall(void);

/* ---------------------------------------------------- sigchld.c */

/*
 * The process-wide SIGCHLD handler writes one byte to the write end of
 * each user's self-pipe (non-blocking; a full pipe is already "woken").
 * The handler is installed when the first user is added and the previous
 * disposition restored when the last one goes. The handler takes no
 * mutex: the users' list is guarded by a pipe-based lock (read a byte to
 * lock, write it back to unlock), which mutators take with every signal
 * blocked on their thread. Needs no ctx lock. Returns 0 or ERROR_NOMEM /
 * ERROR_FAIL.
 */
int libxl__sigchld_user_add(libxl_ctx *ctx, int wfd);
void libxl__sigchld_user_remove(libxl_ctx *ctx, int wfd);
/* True while the library's handler is installed (for tests). */
bool libxl__sigchld_installed(void);
/* postfork: forget every user, restore the previous disposition. */
void libxl__sigchld_postfork(void);

/* --------------------------------------------------- childproc.c */

typedef struct libxl__child libxl__child;       /* private record */
typedef struct libxl__ev_child libxl__ev_child;

/*
 * A child died and has been reaped: status is as from waitpid; rc is 0,
 * or ERROR_TIMEDOUT if it was killed because its timeout expired. ch is
 * already Idle: the callback may reuse or free it.
 */
typedef void libxl__ev_child_callback(libxl__egc *egc, libxl__ev_child *ch,
                                      pid_t pid, int status, int rc);

/* The caller's handle for one child. State contract as for libxl__ev_fd:
 * Undefined --init--> Idle --start (rc 0)--> Active --reaped or
 * kill_deregister--> Idle. An Active handle must not be freed. */
struct libxl__ev_child {
    pid_t pid;                 /* the child's pid while Active, else -1 */
    libxl__child *c;           /* private; NULL when Idle */
};

/*
 * What to run in the child. Give path (a program; argv and envp as for
 * execve, envp NULL meaning this process's environment) or child_fn (a
 * function; if it returns, the child _exits with 127; a failed exec
 * _exits with 127 too).
 *
 * The child side, before exec, runs without the library: the new process
 * may be a raw clone3 copy of a multithreaded one, so child_fn may only
 * make async-signal-safe calls that take no lock (no malloc, no stdio, no
 * logging, no ctx); raw system calls are best. Before it runs, every
 * signal with a handler (and SIGCHLD) is reset to SIG_DFL, the signal mask
 * is the one the starting thread had, and fds 0-2 are stdfd[] (each an fd
 * number to dup there, or -1 for /dev/null; fds 0-2 are inherited as they
 * are if keep_stdfds). Every other library fd is close-on-exec. With
 * setsid_ctty the child becomes a session leader and makes its new fd 0
 * (a terminal) its controlling terminal.
 */
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    void (*child_fn)(void *arg);
    void *child_arg;
    int stdfd[3];
    bool keep_stdfds;
    bool setsid_ctty;
    /* If timeout_ms > 0: when it expires the child is sent SIGTERM, and
     * SIGKILL kill_grace_ms later (at once if kill_grace_ms <= 0); the
     * death callback then gets rc ERROR_TIMEDOUT. */
    int timeout_ms;
    int kill_grace_ms;
} libxl__child_spec;

/* A spec with no program, stdfd all -1 (/dev/null), no timeout. */
void libxl__child_spec_init(libxl__child_spec *spec);

void libxl__ev_child_init(libxl__ev_child *ch);
static inline bool libxl__ev_child_inuse(const libxl__ev_child *ch)
{ return ch->c != NULL; }

/*
 * Start a child as spec says; death(egc, ch, ...) follows exactly once,
 * from the event loop (even if the child has already exited by the time
 * this returns, never from inside this call). Returns 0 (ch Active,
 * ch->pid set) or ERROR_FAIL / ERROR_NOMEM (ch Idle, nothing registered;
 * a failed fork or clone3 is logged with its errno). The caller's spec
 * (and what it points to) need only last for the call.
 */
int libxl__ev_child_start(libxl__egc *egc, libxl__ev_child *ch,
                          const libxl__child_spec *spec,
                          libxl__ev_child_callback *death);

/*
 * The same for a child that belongs to an operation: the child holds ao
 * (libxl__ao_hold) from start until it has been reaped, so the ao's
 * completion is not delivered before the child is gone. If ao is aborted
 * while the child runs, the child is sent SIGKILL and death is called at
 * once with rc ERROR_ABORTED and status -1 (ch is Idle); the operation may
 * complete then, and the hold stays until the reap. Fails with
 * ERROR_ABORTED (no child) if ao is already aborting.
 */
int libxl__ev_child_start_ao(libxl__egc *egc, libxl__ao *ao,
                             libxl__ev_child *ch,
                             const libxl__child_spec *spec,
                             libxl__ev_child_callback *death);

/*
 * Stop caring about an Active child: send it sig (0: none) and make ch
 * Idle at once; the library still reaps the child (silently) and, if a
 * hold is given, calls it once the child is reaped (so an operation can
 * stay open until then). A child started with libxl__ev_child_start_ao
 * keeps holding its ao until the reap. No-op on an Idle ch.
 */
typedef struct libxl__child_hold libxl__child_hold;
struct libxl__child_hold {
    void (*reaped)(libxl__egc *egc, libxl__child_hold *hold);
};
void libxl__ev_child_kill_deregister(libxl_ctx *ctx, libxl__ev_child *ch,
                                     int sig, libxl__child_hold *hold);

/* Whether this ctx uses clone3 + pidfd children (see libxl_event.h). A
 * ctx flag forcing the SIGCHLD path, for tests and benchmarks; also forced
 * by LIGHTCORE_CHILD_NOPIDFD in the environment at ctx creation. */
bool libxl__childproc_uses_pidfd(libxl_ctx *ctx);
void libxl__childproc_force_sigchld(libxl_ctx *ctx, bool force);

/* How many children ctx has (Active or killed-and-deregistered). */
int libxl__childproc_count(libxl_ctx *ctx);

/* The per-ctx state (CTX_CHLD(ctx)). Private to childproc.c. */
typedef struct libxl__childproc_state {
    const libxl_childproc_hooks *hooks;  /* never NULL after init */
    void *hooks_user;
    bool force_sigchld;
    XEN_LIST_HEAD(, libxl__child) children;   /* every child of the ctx */
    int nchildren;
    int nsigchld;                /* of those, on the SIGCHLD path */
    int wakepipe[2];             /* self-pipe; -1 until first needed */
    libxl__carefd *wake_cf[2];   /* the same, on the close list */
    libxl__ev_fd wake_reg;
    bool sigchld_user;           /* on the handler's list */
} libxl__childproc_state;

/* The ctx as the child-process layer sees it (base/ctx_base.h explains
 * views). */
typedef struct libxl__ctx_view_child {
    libxl__ctx_view_ao lower;
    libxl__childproc_state chld;
} libxl__ctx_view_child;
#define CTX_CHLD(ctx) (&((libxl__ctx_view_child *)(ctx))->chld)

/* The module table's entry: init cannot fail; dispose kills and reaps any
 * child left (logged), with no callback. */
extern const libxl__module libxl__module_childproc;

/* postfork: forget every child and registry entry (child, one thread). */
void libxl__childproc_postfork(void);

/* ---------------------------------------------------------- pty.c */

/*
 * Receive exactly nfds fds carried by one message on the stream socket
 * fd, with MSG_CMSG_CLOEXEC (and MSG_DONTWAIT). Returns 0 with fds_r[]
 * filled; ERROR_NOT_READY if nothing is there yet; ERROR_FAIL (logged)
 * if the peer closed first, the message has no or a truncated control
 * part (MSG_CTRUNC), or carries a number of fds other than nfds -- and
 * then every fd that did arrive has been closed.
 */
int libxl__recvmsg_fds(libxl_ctx *ctx, int fd, int nfds, int *fds_r);

#define LIBXL__OPENPTY_MAX 4

/*
 * Open count (1..LIBXL__OPENPTY_MAX) pty pairs in a helper child (openpty
 * may need to fork, so it must not run in a process with a SIGCHLD
 * handler), passed back over a socketpair. Receiving never blocks the
 * ctx: the socket is an fd registration read with MSG_DONTWAIT.
 * callback(egc, op, rc) follows once (never from inside libxl__openptys):
 * rc 0 with master[] and slave[] set (close-on-exec, owned by the caller,
 * also when the callback does not take them: they stay in op until
 * libxl__openptys_dispose), or ERROR_* with none (ERROR_TIMEDOUT after
 * timeout_ms if > 0; ERROR_FAIL if the helper died or sent something
 * other than the fds).
 *
 * Inside an operation (ao set): the helper child holds ao until it has
 * been reaped (libxl__ev_child_start_ao), so the operation's completion
 * is never delivered while it still exists; the timeout is an abortable
 * one (libxl__ao_time); and libxl_ao_abort cuts the wait short with
 * ERROR_ABORTED (the helper is killed; with or without a timeout).
 * libxl__openptys returns ERROR_ABORTED, nothing registered, if ao is
 * already aborting. With ao NULL nothing is abortable and the timeout is
 * a plain one.
 */
typedef struct libxl__openpty_state libxl__openpty_state;
typedef void libxl__openpty_callback(libxl__egc *egc, libxl__openpty_state *op,
                                     int rc);
struct libxl__openpty_state {
    /* filled by the caller */
    libxl__ao *ao;               /* the operation this is part of, or NULL */
    int count;
    int timeout_ms;
    libxl__openpty_callback *callback;
    /* results */
    int master[LIBXL__OPENPTY_MAX], slave[LIBXL__OPENPTY_MAX];
    /* private */
    libxl__ev_child child;
    int sock;
    libxl__carefd *sock_cf;
    libxl__ev_fd sock_reg;
    libxl__ev_time timeout;      /* ao NULL */
    libxl__ao_time ao_timeout;   /* ao set */
    bool got_fds, child_gone, done;
    int child_status;
};
/* Sets every field, ao to NULL. */
void libxl__openptys_init(libxl__openpty_state *op);
int libxl__openptys(libxl__egc *egc, libxl__openpty_state *op);
/* Close whatever result fds op still holds; abandon a running helper (it
 * is killed, reaped by the library, and keeps holding op->ao until then). */
void libxl__openptys_dispose(libxl_ctx *ctx, libxl__openpty_state *op);

/*
 * Run a program on a fresh pty (its controlling terminal and fds 0-2) and
 * relay what it prints: output(egc, pr, buf, len) for each chunk read from
 * the pty master (with echo, as a terminal shows it); libxl__ptyrun_input
 * sends it input (buffered until the program runs). callback(egc, pr, rc,
 * status) follows once (never from inside libxl__ptyrun_start): rc 0 and
 * its wait status once the program has exited and what it printed has
 * been relayed; or ERROR_* with status -1 on failure, ERROR_TIMEDOUT when
 * timeout_ms > 0 expires (covering the pty helper too; the program is
 * killed). Like libxl's bootloader. By then every fd of pr is closed.
 *
 * Inside an operation (ao set) the pty helper and the program are
 * libxl__ev_child_start_ao children (each holds ao until reaped), the
 * timeout is abortable, and libxl_ao_abort ends the run with
 * ERROR_ABORTED (the program or helper gets SIGKILL; the operation may
 * complete at once and its completion is delivered after the reap).
 * libxl__ptyrun_start fails with ERROR_ABORTED if ao is already aborting.
 */
typedef struct libxl__ptyrun_state libxl__ptyrun_state;
struct libxl__ptyrun_state {
    /* filled by the caller */
    libxl__ao *ao;                /* or NULL */
    const char *path;
    char *const *argv;
    char *const *envp;
    int timeout_ms;
    void (*output)(libxl__egc *egc, libxl__ptyrun_state *pr,
                   const char *buf, size_t len);
    void (*callback)(libxl__egc *egc, libxl__ptyrun_state *pr, int rc,
                     int status);
    /* private */
    libxl__openpty_state pty;
    libxl__ev_child child;
    int master;
    libxl__carefd *master_cf;
    libxl__ev_fd master_reg;
    libxl__ev_time timeout;       /* ao NULL */
    libxl__ao_time ao_timeout;    /* ao set */
    char *inbuf;
    size_t inlen;
    bool running, exited, done;
    int status;
};
/* Sets every field, ao to NULL. */
void libxl__ptyrun_init(libxl__ptyrun_state *pr);
/* 0 (callback follows) or ERROR_* (nothing registered, no callback). */
int libxl__ptyrun_start(libxl__egc *egc, libxl__ptyrun_state *pr);
int libxl__ptyrun_input(libxl_ctx *ctx, libxl__ptyrun_state *pr,
                        const char *buf, size_t len);

/*
 * An internal operation (not exported) built on the above, in any of the
 * three completion styles (ao_how NULL: synchronous): run path with argv
 * (envp: this process's environment) on a pty, write input (if not NULL)
 * to the terminal once the program runs, and collect what it prints
 * (echoed input included, at most LIBXL__PTY_RUN_MAX_OUTPUT bytes; more
 * is discarded and logged). timeout_ms > 0 bounds the whole run (pty
 * helper included): ERROR_TIMEDOUT. libxl_ao_abort ends it with
 * ERROR_ABORTED. Before completion is delivered every child of the
 * operation has been reaped and every fd closed.
 *
 * Results, written when the operation completes (so the storage must stay
 * valid until then; either pointer may be NULL): *status_r the program's
 * wait status (-1 unless rc is 0); *output_r what it printed, malloc'ed
 * and NUL-terminated, for the caller to free, whatever rc (NULL if
 * nothing could be collected). Both are set to -1 / NULL on entry. rc 0
 * means the program ran and exited, with any status.
 */
#define LIBXL__PTY_RUN_MAX_OUTPUT (1024 * 1024)
int libxl__pty_run(libxl_ctx *ctx, const char *path, char *const argv[],
                   const char *input, int timeout_ms, char **output_r,
                   int *status_r, const libxl_asyncop_how *ao_how);

#endif /* LIGHTCORE_CHILD_CHILD_H */
