/*
 * simhost.c: the C test fixture for private simulated hosts: starts the
 * xensim supervisor (which dies with us), imports its environment, drives
 * the CLI and reads the counters through libxensim.so.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simhost.h"
#include "xensim.h"

#ifndef SIMHOST_CLI
#define SIMHOST_CLI "xensim"
#endif

static const char *const exported[] = {
    "XENSIM_STATE", "XENSTORED_RUNDIR", "XENSTORED_PATH", "XENSIM_HOST_DIR",
    "XENSIM_HOST_PID", "XENSIM_XENSTORED_PID", "XENSIM_PRELOAD",
    /* so that `xensim host-stop` run from a test knows these processes
     * from later ones given the same pids */
    "XENSIM_HOST_START", "XENSIM_XENSTORED_START",
};

struct simhost {
    pid_t supervisor, xenstored, creator;
    int parent_fd;                /* closing it stops the host */
    char dir[4096];
    unsigned long startup_us;
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

bool simhost_pid_running(pid_t pid)
{
    return xensim_pid_running(pid);
}

const char *simhost_cli_path(void)
{
    const char *p = getenv("XENSIM_CLI");
    return p && *p ? p : SIMHOST_CLI;
}

/* Read everything until EOF or the deadline. */
static char *read_all(int fd, uint64_t deadline)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline)
            break;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (len + 1024 > cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return buf;
}

simhost *simhost_start(void)
{
    simhost *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    int ready[2], parent[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        free(h);
        return NULL;
    }
    if (pipe2(parent, O_CLOEXEC) < 0) {
        close(ready[0]);
        close(ready[1]);
        free(h);
        return NULL;
    }
    char rfd[16], pfd[16];
    snprintf(rfd, sizeof(rfd), "%d", ready[1]);
    snprintf(pfd, sizeof(pfd), "%d", parent[0]);
    const char *cli = simhost_cli_path();
    char *const argv[] = { (char *)"xensim", (char *)"host", (char *)"--ready-fd", rfd,
                           (char *)"--parent-fd", pfd, NULL };
    pid_t me = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* only async-signal-safe calls until exec */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != me)
            _exit(127);
        fcntl(ready[1], F_SETFD, 0);
        fcntl(parent[0], F_SETFD, 0);
        execv(cli, argv);
        _exit(127);
    }
    close(ready[1]);
    close(parent[0]);
    if (pid < 0) {
        close(ready[0]);
        close(parent[1]);
        free(h);
        return NULL;
    }
    h->supervisor = pid;
    h->creator = me;
    h->parent_fd = parent[1];
    char *env = read_all(ready[0], now_ms() + 20000);
    close(ready[0]);
    bool ok = env && strstr(env, "XENSIM_STATE=");
    for (char *line = env, *next; ok && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *val = eq + 1;
        for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
            if (!strcmp(line, exported[i]))
                setenv(line, val, 1);
        if (!strcmp(line, "XENSIM_HOST_DIR"))
            snprintf(h->dir, sizeof(h->dir), "%s", val);
        else if (!strcmp(line, "XENSIM_XENSTORED_PID"))
            h->xenstored = (pid_t)atoi(val);
        else if (!strcmp(line, "XENSIM_STARTUP_US"))
            h->startup_us = strtoul(val, NULL, 10);
    }
    free(env);
    if (!ok) {
        fprintf(stderr, "simhost: the host did not start (%s)\n", cli);
        close(h->parent_fd);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        free(h);
        return NULL;
    }
    return h;
}

int simhost_stop(simhost *h)
{
    if (!h)
        return 0;
    close(h->parent_fd);             /* the supervisor tears down on EOF */
    if (h->supervisor > 0)
        kill(h->supervisor, SIGTERM);
    uint64_t deadline = now_ms() + 10000;
    bool ours = getpid() == h->creator;
    struct stat st;
    int rc = -1;
    while (now_ms() < deadline) {
        if (ours && h->supervisor > 0 &&
            waitpid(h->supervisor, NULL, WNOHANG) == h->supervisor)
            h->supervisor = 0;
        bool sup = h->supervisor > 0 && (ours || simhost_pid_running(h->supervisor));
        if (!sup && !simhost_pid_running(h->xenstored) && stat(h->dir, &st) < 0) {
            rc = 0;
            break;
        }
        sleep_ms(1);
    }
    if (rc) {
        fprintf(stderr, "simhost: host in %s did not stop cleanly\n", h->dir);
        if (h->supervisor > 0)
            kill(h->supervisor, SIGKILL);
        if (simhost_pid_running(h->xenstored))
            kill(h->xenstored, SIGKILL);
        if (ours && h->supervisor > 0)
            waitpid(h->supervisor, NULL, 0);
    }
    for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
        unsetenv(exported[i]);
    free(h);
    return rc;
}

const char *simhost_dir(const simhost *h) { return h->dir; }
pid_t simhost_xenstored_pid(const simhost *h) { return h->xenstored; }
pid_t simhost_supervisor_pid(const simhost *h) { return h->supervisor; }
unsigned long simhost_startup_us(const simhost *h) { return h->startup_us; }

int simhost_cli(char **out, const char *arg, ...)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = "xensim";
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -1;
    const char *cli = simhost_cli_path();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        execv(cli, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        return -1;
    }
    char *text = read_all(pfd[0], now_ms() + 60000);
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (out)
        *out = text;
    else
        free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int simhost_create_domain(const char *name, unsigned mem_mb, unsigned vcpus,
                          const char *guest_policy)
{
    char mem[16], cpus[16], *out = NULL;
    snprintf(mem, sizeof(mem), "%u", mem_mb);
    snprintf(cpus, sizeof(cpus), "%u", vcpus);
    int rc = guest_policy
        ? simhost_cli(&out, "create", name, "--mem-mb", mem, "--vcpus", cpus,
                      "--guest", guest_policy, (char *)NULL)
        : simhost_cli(&out, "create", name, "--mem-mb", mem, "--vcpus", cpus, (char *)NULL);
    int domid = rc == 0 && out && *out ? atoi(out) : -1;
    free(out);
    return domid;
}

int simhost_create_hvm_domain(const char *name, const char *type,
                              const char *guest_policy)
{
    char flag[16], *out = NULL;
    snprintf(flag, sizeof(flag), "--%s", type);
    int rc = guest_policy
        ? simhost_cli(&out, "create", name, "--mem-mb", "64", flag,
                      "--guest", guest_policy, (char *)NULL)
        : simhost_cli(&out, "create", name, "--mem-mb", "64", flag, (char *)NULL);
    int domid = rc == 0 && out && *out ? atoi(out) : -1;
    free(out);
    return domid;
}

int simhost_set_callback_irq(int domid, unsigned long long value)
{
    char id[16], v[24];
    snprintf(id, sizeof(id), "%d", domid);
    snprintf(v, sizeof(v), "%llu", value);
    return simhost_cli(NULL, "hvm-param", id, "callback-irq", v, (char *)NULL) == 0
        ? 0 : -1;
}

static int domid_cmd(const char *cmd, int domid, const char *extra)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", domid);
    int rc = extra ? simhost_cli(NULL, cmd, id, extra, (char *)NULL)
                   : simhost_cli(NULL, cmd, id, (char *)NULL);
    return rc == 0 ? 0 : -1;
}

int simhost_destroy_domain(int domid) { return domid_cmd("destroy", domid, NULL); }
int simhost_crash_domain(int domid) { return domid_cmd("crash", domid, NULL); }

int simhost_shutdown_domain(int domid, const char *reason)
{
    return domid_cmd("shutdown", domid, reason ? reason : "poweroff");
}

int simhost_request_shutdown(int domid, const char *reason)
{
    return domid_cmd("request-shutdown", domid, reason);
}

int simhost_guest_write(int domid, const char *path, const char *value)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", domid);
    return simhost_cli(NULL, "guest-write", id, path, value, (char *)NULL) == 0 ? 0 : -1;
}

int simhost_backend_policy(int domid, const char *kind, const char *policy)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", domid);
    return simhost_cli(NULL, "backend-policy", id, kind, policy, (char *)NULL) == 0 ? 0 : -1;
}

int simhost_guest_frontends(int domid, bool on)
{
    return domid_cmd("guest-frontends", domid, on ? "on" : "off");
}

int simhost_wait_gone(int domid, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    struct xensim_dominfo di;
    while (xensim_domain_info((uint32_t)domid, &di) == 0) {
        if (now_ms() >= deadline)
            return -1;
        sleep_ms(1);
    }
    return 0;
}

uint64_t simhost_counter(const char *name)
{
    uint64_t v = 0;
    xensim_counter_get(name, &v);
    return v;
}

void simhost_counters_reset(void)
{
    xensim_counters_reset();
}

const char *simhost_preload_env(void)
{
    static char env[2 * PATH_MAX + 32];
    char cli[PATH_MAX];
    const char *san = getenv("SAN_PRELOAD");
    snprintf(cli, sizeof(cli), "%s", simhost_cli_path());
    char *slash = strrchr(cli, '/');
    if (slash) *slash = '\0';
    snprintf(env, sizeof(env), "LD_PRELOAD=%s%s%s/libxensim.so",
             san && *san ? san : "", san && *san ? " " : "",
             slash ? cli : ".");
    return env;
}
