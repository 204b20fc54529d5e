/* subproc.c: the subprocess runner declared in subproc.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subproc.h"
#include "testmain.h"

struct sink { int fd; char *buf; size_t len; };

static void sink_read(struct sink *s)
{
    char chunk[4096];
    ssize_t n = read(s->fd, chunk, sizeof(chunk));
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(s->fd);
            s->fd = -1;
        }
        return;
    }
    char *grown = realloc(s->buf, s->len + (size_t)n + 1);
    if (!grown) return;
    s->buf = grown;
    memcpy(s->buf + s->len, chunk, (size_t)n);
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
}

int subproc_run(char **out, char **err, const char *const argv[],
                const char *const extra_env[], int timeout_ms)
{
    int out_pipe[2], err_pipe[2], status = -1;
    struct sink sinks[2] = {{-1, NULL, 0}, {-1, NULL, 0}};
    pid_t pid;

    if (pipe2(out_pipe, O_CLOEXEC)) return -1;
    if (pipe2(err_pipe, O_CLOEXEC)) {
        close(out_pipe[0]); close(out_pipe[1]);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(out_pipe[0]); close(out_pipe[1]);
        close(err_pipe[0]); close(err_pipe[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv((char *)*e);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    sinks[0].fd = out_pipe[0];
    sinks[1].fd = err_pipe[0];

    long long deadline = (long long)test_now_ms() + timeout_ms;
    while (sinks[0].fd >= 0 || sinks[1].fd >= 0) {
        struct pollfd pfd[2] = {{sinks[0].fd, POLLIN, 0}, {sinks[1].fd, POLLIN, 0}};
        long long left = deadline - (long long)test_now_ms();
        if (left <= 0) break;
        int r = poll(pfd, 2, (int)left);
        if (r < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++)
            if (sinks[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                sink_read(&sinks[i]);
    }
    int timed_out = sinks[0].fd >= 0 || sinks[1].fd >= 0;
    for (int i = 0; i < 2; i++)
        if (sinks[i].fd >= 0) close(sinks[i].fd);
    if (timed_out) kill(pid, SIGKILL);

    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    if (timed_out) status = -1;
    else if (WIFEXITED(ws)) status = WEXITSTATUS(ws);
    else if (WIFSIGNALED(ws)) status = 128 + WTERMSIG(ws);

    for (int i = 0; i < 2; i++) {
        char **dst = i == 0 ? out : err;
        if (!sinks[i].buf) sinks[i].buf = strdup("");
        if (dst) *dst = sinks[i].buf;
        else free(sinks[i].buf);
    }
    return status;
}

const char *subproc_build_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("BUILD_DIR");
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "build", name);
    return path;
}

int subproc_private_xen_dirs(const char *argv[], const char *dir,
                             const char *const env[])
{
    static char wrapper[PATH_MAX];
    int n = 0;

    if (!wrapper[0] && !realpath("tests/common/private-xen-dirs", wrapper))
        snprintf(wrapper, sizeof(wrapper), "tests/common/private-xen-dirs");
    argv[n++] = wrapper;
    argv[n++] = dir;
    argv[n++] = "/usr/bin/env";
    for (int i = 0; env && env[i]; i++)
        argv[n++] = env[i];
    return n;
}
