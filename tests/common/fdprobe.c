/* fdprobe.c: children that list the descriptors they inherited (fdprobe.h). */
#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdprobe.h"

#define MAXFD 1024
#define LISTING_MAX 16384

const char *const fdprobe_method_name[FDPROBE_METHODS] = {
    "fork", "posix_spawn", "vfork",
};

static char *baseline[MAXFD];       /* link target of each fd, or NULL */
static char *const ls_argv[] = { "/bin/ls", "-l", "/proc/self/fd/", NULL };
extern char **environ;

char *fdprobe_target(int fd)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t r = readlink(path, buf, sizeof(buf) - 1);
    if (r < 0) return NULL;
    buf[r] = 0;
    return strdup(buf);
}

void fdprobe_take_baseline(void)
{
    for (int fd = 0; fd < MAXFD; fd++) {
        free(baseline[fd]);
        baseline[fd] = fdprobe_target(fd);
    }
}

/* fork or vfork, output to out, exec ls (a frame of its own: vfork's
 * child may only call exec or _exit). */
static pid_t __attribute__((noinline)) start_forked(bool use_vfork, int out)
{
    pid_t pid = use_vfork ? vfork() : fork();
    if (pid == 0) {
        dup2(out, 1);
        execve(ls_argv[0], ls_argv, environ);
        _exit(127);
    }
    return pid;
}

char *fdprobe_child_listing(enum fdprobe_method m)
{
    char *buf = malloc(LISTING_MAX);
    size_t len = 0;
    int p[2], status;
    pid_t pid = -1;
    ssize_t r;

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    if (m == FDPROBE_SPAWN) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        ck_assert_int_eq(posix_spawn(&pid, ls_argv[0], &fa, NULL, ls_argv,
                                     environ), 0);
        posix_spawn_file_actions_destroy(&fa);
    } else {
        pid = start_forked(m == FDPROBE_VFORK, p[1]);
    }
    ck_assert_int_gt(pid, 0);
    close(p[1]);
    while ((r = read(p[0], buf + len, LISTING_MAX - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = 0;
    close(p[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: ls failed (status %#x)", fdprobe_method_name[m],
                  status);
    return buf;
}

/* Lines of `ls -l` look like "... N -> TARGET". */
int fdprobe_new_fds(char *listing, fdprobe_fn *fn, void *arg)
{
    char *save = NULL;
    int n = 0;

    for (char *line = strtok_r(listing, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *arrow = strstr(line, " -> ");
        if (!arrow) continue;
        char *num = arrow;
        while (num > line && num[-1] != ' ') num--;
        int fd = atoi(num);
        const char *target = arrow + 4;
        if (fd < 3 || !strncmp(target, "/proc/", 6)) continue;
        if (fd < MAXFD && baseline[fd] && !strcmp(baseline[fd], target))
            continue;
        n++;
        fn(line, target, arg);
    }
    return n;
}
