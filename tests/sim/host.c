/*
 * host.c: `xensim host` and `xensim host-stop`: the supervisor of a private
 * simulated host. It owns a fresh temporary directory, the state file and
 * xenstored (its child, under the preload library, killed with it), and on
 * stop or when its parent goes away removes everything it created. The
 * device backend drivers (backend.c) run as its second child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drivers.h"
#include "xensim.h"
#include "xsclient.h"

#define DEFAULT_XENSTORED "/usr/lib/xen-4.17/bin/xenstored"

static char host_dir[PATH_MAX / 2];
static pid_t xenstored_pid;
static pid_t backend_pid;
static pid_t domwatch_pid;    /* domwatch.c */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int cli_rm_rf(const char *dir)
{
    if (!dir || !*dir)
        return 0;
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
        return -1;
    return 0;
}

/* Running means present and neither zombie nor dead (kill -0 is not enough). */
bool cli_pid_running(pid_t pid)
{
    return xensim_pid_running(pid);
}

/* Is pid running this same program (a guest or a supervisor of ours)? */
bool cli_pid_is_xensim(pid_t pid)
{
    char path[64], a[PATH_MAX], b[PATH_MAX];
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, a, sizeof(a) - 1);
    ssize_t m = readlink("/proc/self/exe", b, sizeof(b) - 1);
    if (n <= 0 || m <= 0)
        return false;
    a[n] = b[m] = 0;
    return strcmp(a, b) == 0;
}

uint64_t cli_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static int preload_path(char *out, size_t size)
{
    const char *env = getenv("XENSIM_PRELOAD");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return 0;
    }
    char exe[PATH_MAX / 2];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    snprintf(out, size, "%s/libxensim.so", exe);
    return access(out, R_OK);
}

static pid_t start_xenstored(const char *preload, const char *state, const sigset_t *old)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* child: die with the supervisor, whatever happens to it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigprocmask(SIG_SETMASK, old, NULL);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/socket", host_dir);
    setenv("XENSTORED_RUNDIR", host_dir, 1);
    setenv("XENSTORED_PATH", path, 1);
    setenv(XENSIM_STATE_ENV, state, 1);
    setenv("LD_PRELOAD", preload, 1);
    snprintf(path, sizeof(path), "%s/xenstored.log", host_dir);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
    }
    if (null >= 0)
        dup2(null, 0);
    const char *xs = getenv("XENSIM_XENSTORED");
    if (!xs || !*xs)
        xs = DEFAULT_XENSTORED;
    char trace[PATH_MAX];
    snprintf(trace, sizeof(trace), "%s/xenstored.trace", host_dir);
    const char *tr = getenv("XENSIM_TRACE");
    if (tr && *tr)
        execl(xs, "xenstored", "-N", "-T", trace, (char *)NULL);
    else
        execl(xs, "xenstored", "-N", (char *)NULL);
    _exit(127);
}

/* Wait until xenstored answers a request; returns the connection. */
static int wait_xenstored(struct xsc *c, const char *sock, int timeout_ms)
{
    uint64_t deadline = cli_now_us() + (uint64_t)timeout_ms * 1000;
    while (cli_now_us() < deadline) {
        int st;
        if (waitpid(xenstored_pid, &st, WNOHANG) == xenstored_pid) {
            xenstored_pid = 0;
            return ECHILD;
        }
        if (xsc_open_socket(c, sock) == 0) {
            char *v = NULL;
            int e = xsc_call(c, XS_GET_DOMAIN_PATH, 0, "0", 2, &v, NULL);
            free(v);
            if (e == 0)
                return 0;
            xsc_close(c);
        }
        struct timespec ts = { 0, 200000 };
        nanosleep(&ts, NULL);
    }
    return ETIMEDOUT;
}

static void kill_guests(void)
{
    for (int id = xensim_domain_next(1); id > 0; id = xensim_domain_next((uint32_t)id + 1)) {
        struct xensim_dominfo di;
        if (xensim_domain_info((uint32_t)id, &di) == 0 && di.guest_pid > 0 &&
            di.guest_pid != getpid() && cli_pid_is_xensim(di.guest_pid))
            kill(di.guest_pid, SIGKILL);
    }
}

static void teardown(void)
{
    xensim_host_shutdown();
    if (domwatch_pid > 0) {
        /* first: it starts guests */
        kill(domwatch_pid, SIGKILL);
        waitpid(domwatch_pid, NULL, 0);
        domwatch_pid = 0;
    }
    kill_guests();
    if (backend_pid > 0) {
        /* it has nothing to save: gone at once, and reaped */
        kill(backend_pid, SIGKILL);
        waitpid(backend_pid, NULL, 0);
        backend_pid = 0;
    }
    if (xenstored_pid > 0) {
        kill(xenstored_pid, SIGTERM);
        for (int i = 0; i < 200; i++) {
            if (waitpid(xenstored_pid, NULL, WNOHANG) == xenstored_pid) {
                xenstored_pid = 0;
                break;
            }
            sleep_ms(5);
        }
        if (xenstored_pid > 0) {
            kill(xenstored_pid, SIGKILL);
            waitpid(xenstored_pid, NULL, 0);
            xenstored_pid = 0;
        }
    }
    cli_rm_rf(host_dir);
}

static int write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len) {
        ssize_t r = write(fd, s, len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Set the host up, report its environment on ready_fd, serve until told
 * to stop (signal, parent_fd closed, xenstored gone), then tear down. */
static int supervise(int ready_fd, int parent_fd, const char *tmpdir, bool detach)
{
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, &old);
    signal(SIGPIPE, SIG_IGN);
    /* An inherited SIG_IGN would have the kernel reap xenstored behind our
     * back: waitpid could not tell us it is gone, and its pid could be
     * reused while we still mean to signal it. */
    signal(SIGCHLD, SIG_DFL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

    char preload[PATH_MAX];
    if (preload_path(preload, sizeof(preload)) < 0) {
        fprintf(stderr, "xensim host: cannot find libxensim.so next to the CLI\n");
        return 1;
    }
    if ((size_t)snprintf(host_dir, sizeof(host_dir), "%s/xensim.XXXXXX", tmpdir)
        >= sizeof(host_dir) || !mkdtemp(host_dir)) {
        fprintf(stderr, "xensim host: mkdtemp in %s: %s\n", tmpdir, strerror(errno));
        return 1;
    }
    char state[PATH_MAX], sock[PATH_MAX];
    snprintf(state, sizeof(state), "%s/state", host_dir);
    snprintf(sock, sizeof(sock), "%s/socket", host_dir);
    int rc = xensim_state_create(state);
    if (rc < 0) {
        fprintf(stderr, "xensim host: state file: %s\n", strerror(-rc));
        cli_rm_rf(host_dir);
        return 1;
    }
    setenv(XENSIM_STATE_ENV, state, 1);
    /* A Xen host has the toolstack's run directory before xenstored starts
     * (Xen's launch-xenstore makes it); libxl's destroy records the domid
     * there and fails without it. Left in place: other hosts share it. */
    if (mkdir("/var/run/xen", 0755) && errno != EEXIST && errno != EACCES)
        fprintf(stderr, "xensim host: /var/run/xen: %s\n", strerror(errno));

    uint64_t t0 = cli_now_us();
    xenstored_pid = start_xenstored(preload, state, &old);
    struct xsc c;
    rc = xenstored_pid > 0 ? wait_xenstored(&c, sock, 10000) : errno;
    uint64_t startup_us = cli_now_us() - t0;
    if (rc == 0) {
        /* as xen-init-dom0 does on a real host */
        rc = xsc_write(&c, 0, "/local/domain/0/name", "Domain-0", 8);
        if (!rc)
            rc = xsc_write(&c, 0, "/local/domain/0/domid", "0", 1);
        if (!rc)   /* each cpupool's name: pool 0's (hc_vcpu.c has no other) */
            rc = xsc_write(&c, 0, "/local/pool/0/name", "Pool-0", 6);
        xsc_close(&c);
    }
    if (rc) {
        fprintf(stderr, "xensim host: xenstored did not start: %s (log: %s/xenstored.log)\n",
                strerror(rc), host_dir);
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "%s/xenstored.log", host_dir);
        FILE *f = fopen(cmd, "r");
        if (f) {
            char line[512];
            while (fgets(line, sizeof(line), f))
                fputs(line, stderr);
            fclose(f);
        }
        teardown();
        return 1;
    }
    backend_pid = backend_spawn(sock, host_dir, &old);
    if (backend_pid < 0) {
        fprintf(stderr, "xensim host: cannot start the backend drivers: %s\n",
                strerror(errno));
        teardown();
        return 1;
    }
    domwatch_pid = domwatch_spawn(sock, host_dir, &old);
    if (domwatch_pid < 0) {
        fprintf(stderr, "xensim host: cannot start domwatch: %s\n", strerror(errno));
        teardown();
        return 1;
    }
    xensim_host_set_pids(xenstored_pid, getpid());
    /* The start times go with the pids, so that `host-stop` (another
     * process, maybe much later) waits on and signals these processes and
     * never a later one that was given the same pid. xenstored is our
     * unreaped child, so its pid cannot have been reused yet. */
    unsigned long long self_start = 0, xs_start = 0;
    xensim_pid_stat(getpid(), NULL, &self_start);
    xensim_pid_stat(xenstored_pid, NULL, &xs_start);

    char env[4 * PATH_MAX + 512];
    snprintf(env, sizeof(env),
             "XENSIM_STATE=%s\nXENSTORED_RUNDIR=%s\nXENSTORED_PATH=%s\n"
             "XENSIM_HOST_DIR=%s\nXENSIM_HOST_PID=%d\nXENSIM_XENSTORED_PID=%d\n"
             "XENSIM_HOST_START=%llu\nXENSIM_XENSTORED_START=%llu\n"
             "XENSIM_PRELOAD=%s\nXENSIM_STARTUP_US=%llu\n",
             state, host_dir, sock, host_dir, (int)getpid(), (int)xenstored_pid,
             self_start, xs_start, preload, (unsigned long long)startup_us);
    char envfile[PATH_MAX];
    snprintf(envfile, sizeof(envfile), "%s/env", host_dir);
    int ef = open(envfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ef >= 0) {
        write_all(ef, env);
        close(ef);
    }
    write_all(ready_fd, env);
    close(ready_fd);
    if (detach) {
        /* Let go of the caller's stderr (a pipe would never see EOF). */
        char log[PATH_MAX];
        snprintf(log, sizeof(log), "%s/host.log", host_dir);
        int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (lf >= 0) {
            dup2(lf, 2);
            close(lf);
        }
    }

    for (;;) {
        struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
                               { .fd = parent_fd, .events = POLLIN } };
        int n = poll(p, parent_fd >= 0 ? 2 : 1, 1000);
        if (n < 0 && errno != EINTR)
            break;
        if (parent_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            break;               /* the process that started us is gone */
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
                si.ssi_signo != SIGCHLD)
                break;
        }
        int st;
        if (waitpid(xenstored_pid, &st, WNOHANG) == xenstored_pid) {
            xenstored_pid = 0;
            fprintf(stderr, "xensim host: xenstored exited (status 0x%x)\n", st);
            break;
        }
    }
    teardown();
    return 0;
}

int cmd_host(int argc, char **argv)
{
    int ready_fd = -1, parent_fd = -1;
    bool daemon = false;
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--daemon"))
            daemon = true;
        else if (!strcmp(argv[i], "--ready-fd") && i + 1 < argc)
            ready_fd = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--parent-fd") && i + 1 < argc)
            parent_fd = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tmpdir") && i + 1 < argc)
            tmpdir = argv[++i];
        else
            return cli_usage("host [--daemon] [--ready-fd N] [--parent-fd N] [--tmpdir DIR]");
    }
    if (parent_fd >= 0) {
        /* Out of the caller's process group: Check (fork mode) kills a
         * test's whole group when it ends, which would leave no time to
         * clean up. We end when parent_fd reports EOF instead. */
        setsid();
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        fcntl(parent_fd, F_SETFD, FD_CLOEXEC);
    }
    if (ready_fd >= 0)
        fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
    if (!daemon)
        return supervise(ready_fd >= 0 ? ready_fd : 1, parent_fd, tmpdir, false);

    /* Shell use: print the environment once ready, leave the supervisor. */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(pfd[0]);
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, 0);
        dup2(null, 1);
        /* stderr stays where it was until ready, so start-up errors show */
        _exit(supervise(pfd[1], -1, tmpdir, true));
    }
    close(pfd[1]);
    char buf[8192];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(pfd[0]);
    buf[len] = 0;
    if (!len) {
        waitpid(pid, NULL, 0);
        return 1;
    }
    fputs(buf, stdout);
    return 0;
}

/* One process named by its pid and start time (0: unknown, pid only). */
struct proc_id {
    pid_t pid;
    unsigned long long start;
};

/* Does the process still exist, zombie or not? A different start time
 * means the pid now belongs to another process: ours is gone. */
static bool proc_present(const struct proc_id *p, char *state)
{
    unsigned long long start;
    if (p->pid <= 0 || xensim_pid_stat(p->pid, state, &start) < 0)
        return false;
    return !p->start || start == p->start;
}

/* Present and able to run (not a zombie, not dead). */
static bool proc_running(const struct proc_id *p)
{
    char state;
    return proc_present(p, &state) && state != 'Z' && state != 'X';
}

static unsigned long long parse_start(const char *s)
{
    return s && *s ? strtoull(s, NULL, 10) : 0;
}

/* Poll until the supervisor has exited, xenstored no longer exists and,
 * when want_dir, the directory is gone; at most timeout_ms. True if all
 * that happened in time. xenstored must be reaped, not just dead: until
 * then it is still a process (pgrep lists it). The supervisor's exit is
 * enough: it exits only after its teardown, and its own parent (init,
 * which may be slow to reap) is not ours to wait for. */
static bool wait_host_gone(const struct proc_id *sup, const struct proc_id *xs,
                           const char *dir, bool want_dir, int timeout_ms)
{
    uint64_t deadline = cli_now_us() + (uint64_t)timeout_ms * 1000;
    struct stat st;
    for (;;) {
        bool d = want_dir && dir && *dir && stat(dir, &st) == 0;
        if (!proc_running(sup) && !proc_present(xs, NULL) && !d)
            return true;
        if (cli_now_us() >= deadline)
            return false;
        sleep_ms(2);
    }
}

/* Stop a host started with --daemon: by $XENSIM_HOST_PID / $XENSIM_HOST_DIR.
 * Returns 0 only once the supervisor and xenstored have exited and been
 * reaped and the directory is gone; else says what is left, and returns 1. */
int cmd_host_stop(int argc, char **argv)
{
    const char *pid_s = getenv("XENSIM_HOST_PID");
    const char *dir = getenv("XENSIM_HOST_DIR");
    const char *xs_s = getenv("XENSIM_XENSTORED_PID");
    const char *pstart_s = getenv("XENSIM_HOST_START");
    const char *xstart_s = getenv("XENSIM_XENSTORED_START");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pid") && i + 1 < argc)
            pid_s = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--xenstored-pid") && i + 1 < argc)
            xs_s = argv[++i];
        else if (!strcmp(argv[i], "--start") && i + 1 < argc)
            pstart_s = argv[++i];
        else if (!strcmp(argv[i], "--xenstored-start") && i + 1 < argc)
            xstart_s = argv[++i];
        else
            return cli_usage("host-stop [--pid PID] [--dir DIR] [--xenstored-pid PID] "
                             "[--start TICKS] [--xenstored-start TICKS]");
    }
    struct proc_id sup = { pid_s ? (pid_t)atoi(pid_s) : 0, parse_start(pstart_s) };
    struct proc_id xs = { xs_s ? (pid_t)atoi(xs_s) : 0, parse_start(xstart_s) };
    if (sup.pid <= 0 && (!dir || !*dir)) {
        fprintf(stderr, "xensim host-stop: no host (XENSIM_HOST_PID unset)\n");
        return 1;
    }
    /* Without its start time, the exe check is all that keeps us from
     * signalling some other process that was given the supervisor's pid. */
    bool sup_ours = proc_running(&sup) && (sup.start || cli_pid_is_xensim(sup.pid));
    if (sup_ours)
        kill(sup.pid, SIGTERM);
    else if (proc_running(&xs) && xs.start)
        /* No supervisor to stop it (it died): nobody else will. */
        kill(xs.pid, SIGTERM);
    /* The supervisor reaps xenstored, then removes the directory, then
     * exits: once it is gone, so are they (or so it failed to do). */
    if (wait_host_gone(&sup, &xs, dir, true, 10000))
        return 0;

    /* The supervisor did not finish: do its work. SIGKILL cannot be
     * refused, and xenstored (PR_SET_PDEATHSIG) gets one when it dies. */
    if (proc_running(&sup) && (sup.start || cli_pid_is_xensim(sup.pid)))
        kill(sup.pid, SIGKILL);
    /* Without a start time (an env from an older CLI) the pid is all we
     * have, as before. */
    if (proc_running(&xs))
        kill(xs.pid, SIGKILL);
    /* Killed is not gone: wait (bounded) until they have exited and
     * xenstored has been reaped (by init now) before removing the
     * directory it used. */
    bool gone = wait_host_gone(&sup, &xs, dir, false, 5000);
    cli_rm_rf(dir);
    if (proc_running(&xs))
        fprintf(stderr, "xensim host-stop: xenstored (pid %d) is still running\n", (int)xs.pid);
    else if (proc_present(&xs, NULL))
        fprintf(stderr, "xensim host-stop: xenstored (pid %d) is dead but not yet reaped\n",
                (int)xs.pid);
    if (proc_running(&sup))
        fprintf(stderr, "xensim host-stop: the supervisor (pid %d) is still running\n",
                (int)sup.pid);
    fprintf(stderr, "xensim host-stop: host did not stop in time; killed it%s\n",
            gone ? "" : " (and it is not all gone)");
    return 1;
}
