/*
 * test_fd_file_utils.c: libxl_utils.h's fd and file helpers
 * (src/base/fd_utils.c, file_utils.c): close-on-exec and non-blocking
 * flags, libxl_pipe, whole-buffer reads and writes with their EPROTO,
 * libxl_read_file_contents on every kind of file, log rotation by
 * libxl_create_logfile (in a private mount namespace, so the host's
 * /var/log is untouched), libxl_basename. Failures are logged through the
 * ctx. (Agreement with Debian's library: test_dropin_utils.)
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl_utils.h>
#include "ctx.h"
#include "testlog.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;
static char dir[] = "/tmp/test_fd_file_utils.XXXXXX";

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

static char *path_in(const char *name)
{
    static char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}

TEST(fd_flags_and_pipe, 30)
{
    int p[2];

    ck_assert_int_eq(libxl_pipe(ctx, p), 0);
    ck_assert_int_eq(libxl_fd_set_cloexec(ctx, p[0], 1), 0);
    ck_assert(fcntl(p[0], F_GETFD) & FD_CLOEXEC);
    ck_assert_int_eq(libxl_fd_set_cloexec(ctx, p[0], 0), 0);
    ck_assert(!(fcntl(p[0], F_GETFD) & FD_CLOEXEC));
    ck_assert_int_eq(libxl_fd_set_nonblock(ctx, p[1], 42), 0);
    ck_assert(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    ck_assert_int_eq(libxl_fd_set_nonblock(ctx, p[1], 0), 0);
    ck_assert(!(fcntl(p[1], F_GETFL) & O_NONBLOCK));
    close(p[0]);
    close(p[1]);

    ck_assert_int_eq(libxl_fd_set_cloexec(ctx, p[0], 1), ERROR_FAIL);
    ck_assert(testlog_contains(lg, XTL_ERROR, "fcntl(,F_GETFD) failed"));
    ck_assert_int_eq(libxl_fd_set_nonblock(NULL, p[0], 1), ERROR_FAIL);
}

TEST(pipe_failure_is_minus_one, 30)
{
    struct rlimit lim = { 64, 64 };
    int p[2], fds[64], n = 0, rc;

    /* A small fd table, used up: pipe must fail (and say so). */
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    while (n < 64 && (fds[n] = dup(0)) >= 0)
        n++;
    ck_assert_int_eq(errno, EMFILE);
    rc = libxl_pipe(ctx, p);
    while (n > 0)
        close(fds[--n]);
    ck_assert_int_eq(rc, -1);
    ck_assert(testlog_contains(lg, XTL_ERROR, "Failed to create a pipe"));
}

TEST(read_and_write_exactly, 30)
{
    int p[2];
    char buf[8] = "";

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(libxl_write_exactly(ctx, p[1], "0123456", 7, "pipe",
                                         "digits"), 0);
    ck_assert_int_eq(libxl_read_exactly(ctx, p[0], buf, 7, "pipe", "digits"),
                     0);
    ck_assert_str_eq(buf, "0123456");
    ck_assert_int_eq(libxl_read_exactly(ctx, p[0], buf, 0, "pipe", NULL), 0);
    ck_assert_int_eq(write(p[1], "ab", 2), 2);
    close(p[1]);
    ck_assert_int_eq(libxl_read_exactly(ctx, p[0], buf, 3, "pipe", "tail"),
                     EPROTO);
    ck_assert(testlog_contains(lg, XTL_ERROR,
                               "file/stream truncated reading tail from pipe"));
    close(p[0]);
    ck_assert_int_eq(libxl_read_exactly(ctx, p[0], buf, 1, "closed", NULL),
                     EBADF);
    ck_assert(testlog_contains(lg, XTL_ERROR, "failed to read closed"));
    ck_assert_int_eq(libxl_write_exactly(NULL, p[1], "x", 1, "closed", "x"),
                     EBADF);

    /* A write to a pipe nobody reads: EPIPE, not a signal's death. */
    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    ck_assert_int_eq(libxl_write_exactly(ctx, p[1], "x", 1, "pipe", NULL),
                     EPIPE);
    close(p[1]);
}

TEST(read_file_contents, 30)
{
    void *data = NULL;
    int len = -1;
    FILE *f = fopen(path_in("f"), "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite("a\0b\n", 1, 4, f), 4);
    fclose(f);
    ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("f"), &data, &len),
                     0);
    ck_assert_int_eq(len, 4);
    ck_assert_mem_eq(data, "a\0b\n", 4);
    free(data);
    len = -1;
    ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("f"), NULL, &len),
                     0);
    ck_assert_int_eq(len, 4);
    ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("f"), NULL, NULL),
                     0);

    fclose(fopen(path_in("empty"), "w"));
    data = (void *)1;
    ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("empty"), &data,
                                              &len), 0);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(len, 0);

    /* errors leave the outputs alone; ENOENT alone is not logged */
    data = (void *)1;
    len = -5;
    testlog_clear(lg);
    ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("none"), &data,
                                              &len), ENOENT);
    ck_assert(!testlog_contains(lg, XTL_DEBUG, "none"));
    ck_assert_int_eq(libxl_read_file_contents(ctx, dir, &data, &len), ENOTTY);
    ck_assert(testlog_contains(lg, XTL_ERROR, "is not a plain file"));
    ck_assert_ptr_eq(data, (void *)1);
    ck_assert_int_eq(len, -5);
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(path_in("f"), 0), 0);
        ck_assert_int_eq(libxl_read_file_contents(ctx, path_in("f"), &data,
                                                  &len), EACCES);
        ck_assert(testlog_contains(lg, XTL_ERROR, "failed to open"));
    }
}

TEST(basename, 30)
{
    static const char *const cases[][2] = {
        { "/a/b/c", "c" }, { "c", "c" }, { "/", "" }, { "d/", "" },
        { "", "." }, { "//x", "x" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *b = libxl_basename(cases[i][0]);

        ck_assert_str_eq(b, cases[i][1]);
        free(b);
    }
    char *b = libxl_basename(NULL);
    ck_assert_str_eq(b, ".");
    free(b);
}

/* The log directory without rotating anything: a name with no log yet. */
TEST(create_logfile_names_the_file, 30)
{
    char name[64], *full = NULL, want[128];

    snprintf(name, sizeof(name), "lightcore-unit-%d-none", (int)getpid());
    snprintf(want, sizeof(want), "/var/log/xen/%s.log", name);
    ck_assert_int_eq(access(want, F_OK), -1);
    ck_assert_int_eq(libxl_create_logfile(ctx, name, &full), 0);
    ck_assert_str_eq(full, want);
    ck_assert_int_eq(access(want, F_OK), -1);   /* the caller creates it */
    free(full);
}

/* Reads the first line of path, "" if it cannot. */
static const char *first_line(const char *path)
{
    static char text[64];
    FILE *f = fopen(path, "r");

    text[0] = '\0';
    if (f) {
        if (!fgets(text, sizeof(text), f))
            text[0] = '\0';
        fclose(f);
    }
    return text;
}

TEST(create_logfile_rotates, 30)
{
    char *full;

    /* A private /var/log (this test has a process of its own). */
    if (unshare(CLONE_NEWNS) ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
        mount(dir, "/var/log", NULL, MS_BIND, NULL)) {
        ck_assert_int_ne(geteuid(), 0);    /* only unprivileged may skip */
        return;
    }
    ck_assert_int_eq(mkdir("/var/log/xen", 0755), 0);
    for (int round = 0; round < 13; round++) {
        FILE *f;

        full = NULL;
        ck_assert_int_eq(libxl_create_logfile(ctx, "vm", &full), 0);
        ck_assert_str_eq(full, "/var/log/xen/vm.log");
        f = fopen(full, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%d\n", round);
        fclose(f);
        free(full);
    }
    ck_assert_str_eq(first_line("/var/log/xen/vm.log"), "12\n");
    ck_assert_str_eq(first_line("/var/log/xen/vm.log.1"), "11\n");
    ck_assert_str_eq(first_line("/var/log/xen/vm.log.10"), "2\n");
    ck_assert_int_eq(access("/var/log/xen/vm.log.11", F_OK), -1);

    /* .10 a non-empty directory: .9 cannot replace it */
    ck_assert_int_eq(rename("/var/log/xen/vm.log.10", "/var/log/xen/keep"), 0);
    ck_assert_int_eq(mkdir("/var/log/xen/vm.log.10", 0755), 0);
    ck_assert_int_eq(mkdir("/var/log/xen/vm.log.10/x", 0755), 0);
    full = NULL;
    ck_assert_int_eq(libxl_create_logfile(ctx, "vm", &full), ERROR_FAIL);
    ck_assert_ptr_null(full);
    ck_assert(testlog_contains(lg, XTL_ERROR, "could not rename "
                               "/var/log/xen/vm.log.9 to /var/log/xen/vm.log.10"));
}
