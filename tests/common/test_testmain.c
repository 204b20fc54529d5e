/*
 * test_testmain.c: the registry and the shared main() of testmain.c, on a
 * program of their own (this one, linked with nothing else). The tests
 * near the top look at their own process: fixtures around each test, a
 * process per test and per iteration, the values of _i. The others run
 * this program again as a subprocess (--list, --list-long, chosen names,
 * refusals, a test's own timeout) and read what it prints and does; the
 * probes they run are ordinary tests here, which pass at once when run
 * without the environment those runs give them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testmain.h"

/* Each fixture counts its calls in the process that runs it and, when
 * TESTMAIN_TRACE names a file, appends a line to it. */
static int checked_setups, checked_teardowns;
static int unchecked_setups, unchecked_teardowns;
static pid_t runner_pid;

static void trace(const char *line)
{
    const char *path = getenv("TESTMAIN_TRACE");
    if (!path) return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) abort();
    dprintf(fd, "%s\n", line);
    close(fd);
}

static void setup(void) { checked_setups++; trace("setup"); }
static void teardown(void) { checked_teardowns++; trace("teardown"); }
static void usetup(void) { unchecked_setups++; trace("usetup"); }
static void uteardown(void) { unchecked_teardowns++; trace("uteardown"); }

TEST_FIXTURE(setup, teardown);
TEST_UNCHECKED_FIXTURE(usetup, uteardown);

__attribute__((constructor)) static void remember_runner(void)
{
    runner_pid = getpid();
}

/* ------------------------------------------------------------ in-process */

TEST(fixtures_run_around_each_test, 30)
{
    /* The checked setup ran in this process, once: the earlier tests'
     * runs happened in processes of their own. The unchecked one ran in
     * the runner before this test's process was made. */
    ck_assert_int_eq(checked_setups, 1);
    ck_assert_int_eq(checked_teardowns, 0);
    ck_assert_int_eq(unchecked_setups - unchecked_teardowns, 1);
    trace("fixtures_run_around_each_test");
}

TEST_NO_FIXTURE(no_fixture_runs_bare, 30)
{
    ck_assert_int_eq(checked_setups, 0);
    ck_assert_int_eq(unchecked_setups - unchecked_teardowns, 0);
    trace("no_fixture_runs_bare");
}

/* A static every iteration sees fresh: one process per iteration. */
static int loop_runs;

TEST_LOOP(loop_runs_each_value_apart, 30, 3, 6)
{
    ck_assert_int_ge(_i, 3);
    ck_assert_int_lt(_i, 6);
    ck_assert_int_eq(loop_runs++, 0);
    char line[16];
    snprintf(line, sizeof(line), "loop %d", _i);
    trace(line);
}

TEST(each_test_has_a_process_of_its_own, 30)
{
    ck_assert_int_ne(runner_pid, 0);
    ck_assert_int_ne(getpid(), runner_pid);
}

/* Passes at once, unless TESTMAIN_HANG asks it to block for good (on a
 * pipe nobody writes): its 1-second timeout must then end it, well before
 * Check's default of 4 s. */
TEST(hang_when_asked, 1)
{
    int p[2];
    char c;

    if (!getenv("TESTMAIN_HANG")) return;
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(read(p[0], &c, 1), 1);
}

/* ------------------------------------------------------------ as a program */

struct outcome {
    int status;               /* exit status, or -1 if not exited */
    char out[8192];           /* stdout and stderr */
    /* The same on one line, for messages: the runner of the suite must
     * not count the inner run's summary line as one of ours. */
    char flat[8192 * 2];
};

/* Run this program with args (space separated, no quoting needed) and the
 * environment assignments env (may be ""); capture what it prints. */
static void run_self(struct outcome *o, const char *env, const char *args)
{
    char self[4096], cmd[6000];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    snprintf(cmd, sizeof(cmd), "exec env %s '%s' %s 2>&1", env, self, args);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(o->out, 1, sizeof(o->out) - 1, f);
    o->out[len] = '\0';
    char *q = o->flat;
    for (const char *p = o->out; *p; p++) {
        if (*p == '\n') { *q++ = '\\'; *q++ = 'n'; }
        else *q++ = *p;
    }
    *q = '\0';
    int st = pclose(f);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(list_prints_every_name_in_order, 30)
{
    struct outcome o;
    run_self(&o, "", "--list");
    ck_assert_int_eq(o.status, 0);
    ck_assert_str_eq(o.out,
                     "fixtures_run_around_each_test\n"
                     "no_fixture_runs_bare\n"
                     "loop_runs_each_value_apart\n"
                     "each_test_has_a_process_of_its_own\n"
                     "hang_when_asked\n"
                     "list_prints_every_name_in_order\n"
                     "list_long_describes_each_test\n"
                     "named_tests_run_alone_in_order\n"
                     "unknown_names_are_refused\n"
                     "a_test_has_its_own_timeout\n");
}

TEST(list_long_describes_each_test, 30)
{
    struct outcome o;
    run_self(&o, "", "--list-long");
    ck_assert_int_eq(o.status, 0);
    ck_assert_msg(strstr(o.out, "\nloop_runs_each_value_apart timeout=30 _i=3..5 "
                         "fixtures=checked,unchecked tests/common/test_testmain.c:"),
                  "%s", o.flat);
    ck_assert_msg(strstr(o.out, "\nno_fixture_runs_bare timeout=30 _i=0..0 "
                         "fixtures=none tests/common/test_testmain.c:"), "%s", o.flat);
    ck_assert_msg(strstr(o.out, "\nhang_when_asked timeout=1 _i=0..0 "), "%s", o.flat);
}

/* Only the tests named run, each iteration chosen, in the order given,
 * each between its own fixtures. */
TEST(named_tests_run_alone_in_order, 30)
{
    char path[] = "/tmp/testmain-trace.XXXXXX", env[64], buf[1024];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    snprintf(env, sizeof(env), "TESTMAIN_TRACE=%s", path);

    struct outcome o;
    run_self(&o, env, "loop_runs_each_value_apart:4 no_fixture_runs_bare "
                      "fixtures_run_around_each_test");
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    unlink(path);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    ck_assert_int_eq(o.status, 0);
    ck_assert_msg(strstr(o.out, "100%: Checks: 3, Failures: 0, Errors: 0"),
                  "%s", o.flat);
    ck_assert_str_eq(buf,
                     "usetup\nsetup\nloop 4\nteardown\nuteardown\n"
                     "no_fixture_runs_bare\n"
                     "usetup\nsetup\nfixtures_run_around_each_test\n"
                     "teardown\nuteardown\n");
}

TEST(unknown_names_are_refused, 30)
{
    struct outcome o;
    run_self(&o, "", "fixtures_run_around_each_test no_such_test");
    ck_assert_int_eq(o.status, 2);
    ck_assert_msg(strstr(o.out, "no test named 'no_such_test'"), "%s", o.flat);
    ck_assert_ptr_null(strstr(o.out, "Checks:"));     /* nothing ran */

    run_self(&o, "", "loop_runs_each_value_apart:6");
    ck_assert_int_eq(o.status, 2);
    ck_assert_msg(strstr(o.out, "iterations 3 to 5, not '6'"), "%s", o.flat);
    run_self(&o, "", "loop_runs_each_value_apart:");
    ck_assert_int_eq(o.status, 2);
    run_self(&o, "", "--no-such-option");
    ck_assert_int_eq(o.status, 2);
    ck_assert_msg(strstr(o.out, "usage:"), "%s", o.flat);
}

TEST(a_test_has_its_own_timeout, 30)
{
    struct outcome o;
    uint64_t t0 = test_now_ms();
    run_self(&o, "TESTMAIN_HANG=1 CK_DEFAULT_TIMEOUT=4 CK_TIMEOUT_MULTIPLIER=1",
             "hang_when_asked");
    uint64_t took = test_now_ms() - t0;
    ck_assert_int_eq(o.status, 1);
    ck_assert_msg(strstr(o.out, ":E:hang_when_asked:hang_when_asked:0: ") &&
                  strstr(o.out, "Test timeout expired"), "%s", o.flat);
    ck_assert_msg(took >= 1000 && took < 4000, "took %llu ms",
                  (unsigned long long)took);
}
