/*
 * test_fdleak_xenstore.c: the fd-leak proof with real xenstore connections
 * (Debian's xenstored on the simulated host), on the pidfd path (run 0)
 * and the SIGCHLD fallback path (run 1).
 *
 * Application threads start `/bin/ls -l /proc/self/fd/` with fork, with
 * posix_spawn and with vfork (LIGHTCORE_STRESS multiplies how many), while
 * library threads keep creating and closing fds:
 *  - a ctx per iteration: libxl_ctx_alloc (libxenctrl, libxenstore's
 *    connection, made under the no-fork lock), a domain-death watch (the
 *    library's own xenstored connection and its registration), a child of
 *    the library, libxl_evdisable_domain_death, libxl_ctx_free;
 *  - a long-lived ctx: watches enabled and disabled, children, and
 *    libxl__pty_run (a pty helper, socketpair, pty fds, a program on the
 *    pty), each round.
 * A child's fd is a leak if it is 3 or above and is not one of the fds
 * the test itself had open before the run (same number, same link
 * target); /proc/ targets (ls's own directory) are ignored. Leaks are
 * counted by kind, from the link target: the library's xenstored
 * connections (socket inodes recorded as they are made), other sockets,
 * pipes, eventfd, epoll, timerfd, pidfd, ptys.
 *
 * Run 2 proves the detector can fail: with the same traffic, a pipe made
 * without close-on-exec after the baseline stays open (every child must
 * show it), and each ctx's xenstored watch connection is made inheritable
 * (some child must show one, classified as a xenstore socket).
 */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "child/child_testutil.h"
#include "simhost.h"
#include "fdprobe.h"
#include "testmain.h"

static simhost *host;
static xentoollog_logger *lg;
static int domid;

static void setup(void)
{
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    lg = testlog_new();
    domid = simhost_create_domain("fdleak", 64, 1, NULL);
    ck_assert_int_gt(domid, 0);
}

static void teardown(void)
{
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------- what is a leak */

/* Inodes of the library's xenstored watch connections, as made. */
static pthread_mutex_t xs_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long *xs_inodes;
static size_t n_xs_inodes, cap_xs_inodes;

static void note_xenstore_fd(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) return;
    pthread_mutex_lock(&xs_lock);
    if (n_xs_inodes == cap_xs_inodes) {
        cap_xs_inodes = cap_xs_inodes ? 2 * cap_xs_inodes : 256;
        xs_inodes = realloc(xs_inodes, cap_xs_inodes * sizeof(*xs_inodes));
        ck_assert_ptr_nonnull(xs_inodes);
    }
    xs_inodes[n_xs_inodes++] = (unsigned long)st.st_ino;
    pthread_mutex_unlock(&xs_lock);
}

static bool is_xenstore_socket(const char *target)
{
    unsigned long ino;
    bool found = false;
    if (sscanf(target, "socket:[%lu]", &ino) != 1) return false;
    pthread_mutex_lock(&xs_lock);
    for (size_t i = 0; i < n_xs_inodes && !found; i++)
        found = xs_inodes[i] == ino;
    pthread_mutex_unlock(&xs_lock);
    return found;
}

enum kind { K_XENSTORE, K_SOCKET, K_PIPE, K_EVENTFD, K_EPOLL, K_TIMERFD,
            K_PIDFD, K_PTY, K_OTHER, K_COUNT };
static const char *const kind_name[K_COUNT] = {
    "xenstore", "socket", "pipe", "eventfd", "epoll", "timerfd", "pidfd",
    "pty", "other",
};

static enum kind classify(const char *t)
{
    if (is_xenstore_socket(t)) return K_XENSTORE;
    if (!strncmp(t, "socket:", 7)) return K_SOCKET;
    if (!strncmp(t, "pipe:", 5)) return K_PIPE;
    if (strstr(t, "[eventfd]")) return K_EVENTFD;
    if (strstr(t, "[eventpoll]")) return K_EPOLL;
    if (strstr(t, "[timerfd]")) return K_TIMERFD;
    if (strstr(t, "[pidfd]")) return K_PIDFD;
    if (!strcmp(t, "/dev/ptmx") || !strncmp(t, "/dev/pts/", 9)) return K_PTY;
    return K_OTHER;
}

static pthread_mutex_t leak_lock = PTHREAD_MUTEX_INITIALIZER;
static int leaks[K_COUNT], leaky_children, children_checked;
static char leak_example[256];
static const char *deliberate_target;   /* run 2: the planted pipe */
static int planted_seen;                /* run 2: children showing it */

/* What one child's listing showed. */
typedef struct { int found[K_COUNT]; bool planted; } child_fds;

static void note_new_fd(const char *line, const char *target, void *arg)
{
    child_fds *c = arg;
    c->found[classify(target)]++;
    pthread_mutex_lock(&leak_lock);
    if (deliberate_target && !strcmp(target, deliberate_target))
        c->planted = true;
    if (!leak_example[0])
        snprintf(leak_example, sizeof(leak_example), "%s", line);
    pthread_mutex_unlock(&leak_lock);
}

static void check_listing(char *out)
{
    child_fds c = { { 0 }, false };
    bool any = fdprobe_new_fds(out, note_new_fd, &c) > 0;

    pthread_mutex_lock(&leak_lock);
    for (int k = 0; k < K_COUNT; k++) leaks[k] += c.found[k];
    leaky_children += any;
    planted_seen += c.planted;
    children_checked++;
    pthread_mutex_unlock(&leak_lock);
}

/* ------------------------------------------- the application side */

static void one_child(enum fdprobe_method m)
{
    char *listing = fdprobe_child_listing(m);
    check_listing(listing);
    free(listing);
}

static int per_method;
static void *app_thread(void *arg)
{
    enum fdprobe_method m = (enum fdprobe_method)(intptr_t)arg;
    for (int i = 0; i < per_method; i++) one_child(m);
    return NULL;
}

/* ------------------------------------------------ the library side */

static int stop;                 /* atomic */
static int run_path;             /* 0 pidfd, 1 SIGCHLD */
static bool planting;            /* run 2 */
static int ctx_cycles, pty_runs; /* atomic */

static const libxl_childproc_hooks selective = {
    .chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
};

static libxl_ctx *new_ctx(void)
{
    libxl_ctx *c = NULL;
    ck_assert_int_eq(libxl_ctx_alloc(&c, LIBXL_VERSION, 0, lg), 0);
    /* the application's children are its own: no waitpid(-1) here */
    libxl_childproc_setmode(c, &selective, NULL);
    t_set_path(c, run_path);
    return c;
}

/* A watch on the domain's death; records the library's xenstored
 * connection (and in run 2 makes it inheritable). */
static libxl_evgen_domain_death *watch_domain(libxl_ctx *c)
{
    libxl_evgen_domain_death *g = NULL;
    ck_assert_int_eq(libxl_evenable_domain_death(c, (uint32_t)domid, 0, &g),
                     0);
    CTX_LOCK(c);
    int fd = libxl__xswatch_fd(c);
    CTX_UNLOCK(c);
    note_xenstore_fd(fd);
    if (planting && fd >= 0) ck_assert_int_eq(fcntl(fd, F_SETFD, 0), 0);
    return g;
}

static void child_round(libxl_ctx *c)
{
    t_child tc;
    libxl__child_spec spec;
    t_spec_fn(&spec, t_fn_exit, NULL);
    ck_assert_int_eq(t_start(c, &tc, &spec), 0);
    ck_assert(t_wait(c, t_child_called, &tc, 10000));
    ck_assert_int_eq(tc.rc, 0);
}

/* A ctx per iteration. */
static void *ctx_cycler(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        libxl_ctx *c = new_ctx();
        libxl_evgen_domain_death *g = watch_domain(c);
        child_round(c);
        libxl_evdisable_domain_death(c, g);
        ck_assert_int_eq(libxl_ctx_free(c), 0);
        __atomic_add_fetch(&ctx_cycles, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* One ctx: watches, children and programs on a pty. */
static void *long_lived(void *arg)
{
    char *const argv[] = { "/bin/sh", "-c", "read x; echo \"<$x>\"", NULL };
    libxl_ctx *c = new_ctx();
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        libxl_evgen_domain_death *g = watch_domain(c);
        char *out = NULL;
        int status = -1;
        ck_assert_int_eq(libxl__pty_run(c, "/bin/sh", argv, "pty\n", 10000,
                                        &out, &status, NULL), 0);
        ck_assert_msg(out && strstr(out, "<pty>"), "output: %s", out);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        free(out);
        child_round(c);
        libxl_evdisable_domain_death(c, g);
        __atomic_add_fetch(&pty_runs, 1, __ATOMIC_RELAXED);
    }
    ck_assert_int_eq(libxl_ctx_free(c), 0);
    return NULL;
}

/* Run 2: a pipe made without close-on-exec after the baseline, open for
 * the whole run; every child must show its read end. */
static int planted_fd = -1;
static char planted_target[64];
static void plant(void)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);       /* deliberately inheritable */
    close(p[1]);
    char *t = fdprobe_target(p[0]);
    ck_assert_ptr_nonnull(t);
    planted_fd = p[0];
    snprintf(planted_target, sizeof(planted_target), "%s", t);
    deliberate_target = planted_target;
    free(t);
}

/* ------------------------------------------------------------ test */

TEST_LOOP(no_library_fd_in_any_child, 600, 0, 3)
{
    pthread_t lib[2], app[FDPROBE_METHODS];

    run_path = _i == 1;
    planting = _i == 2;
    per_method = (planting ? 60 : 250) * t_stress_factor();
    memset(leaks, 0, sizeof(leaks));
    leaky_children = children_checked = planted_seen = 0;
    leak_example[0] = 0;
    deliberate_target = NULL;
    fdprobe_take_baseline();
    if (planting) plant();      /* not in the baseline */
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&ctx_cycles, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pty_runs, 0, __ATOMIC_RELAXED);

    ck_assert_int_eq(pthread_create(&lib[0], NULL, ctx_cycler, NULL), 0);
    ck_assert_int_eq(pthread_create(&lib[1], NULL, long_lived, NULL), 0);
    for (int m = 0; m < FDPROBE_METHODS; m++)
        ck_assert_int_eq(pthread_create(&app[m], NULL, app_thread,
                                        (void *)(intptr_t)m), 0);
    for (int m = 0; m < FDPROBE_METHODS; m++) pthread_join(app[m], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(lib[0], NULL);
    pthread_join(lib[1], NULL);

    fprintf(stderr, "fd-leak (xenstore) run %d (%s): %d children (%d per"
            " method: fork, posix_spawn, vfork), %d ctx cycles, %d pty runs,"
            " %d children saw library fds:", _i,
            _i == 0 ? "pidfd" : _i == 1 ? "SIGCHLD" : "detector check",
            children_checked, per_method,
            __atomic_load_n(&ctx_cycles, __ATOMIC_RELAXED),
            __atomic_load_n(&pty_runs, __ATOMIC_RELAXED), leaky_children);
    for (int k = 0; k < K_COUNT; k++)
        fprintf(stderr, " %s %d", kind_name[k], leaks[k]);
    if (planting) fprintf(stderr, "; planted pipe seen by %d", planted_seen);
    fprintf(stderr, "\n");

    ck_assert_int_eq(children_checked, per_method * FDPROBE_METHODS);
    ck_assert_int_gt(__atomic_load_n(&ctx_cycles, __ATOMIC_RELAXED), 0);
    ck_assert_int_gt(__atomic_load_n(&pty_runs, __ATOMIC_RELAXED), 0);
    if (!planting) {
        ck_assert_msg(leaky_children == 0, "%d children saw library fds,"
                      " e.g. %s", leaky_children, leak_example);
    } else {
        ck_assert_int_eq(planted_seen, children_checked);
        ck_assert_int_gt(leaks[K_PIPE], 0);
        ck_assert_msg(leaks[K_XENSTORE] > 0, "no inheritable xenstored"
                      " connection was seen in any child");
        close(planted_fd);
        planted_fd = -1;
        deliberate_target = NULL;
    }
}
