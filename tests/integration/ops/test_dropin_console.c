/*
 * test_dropin_console.c: the console calls, the VNC viewer, QEMU's human
 * monitor and the domid history as drop-ins for Debian's libxenlight 4.17.
 * tests/abi/dropin_console.c is built against Debian's headers and library
 * and against ours; each test runs it three ways (Debian's, Debian's
 * binary on lightcore: ABI, ours: API) on the same simulated host and
 * compares what it printed, then checks that Debian's output says what the
 * test is about (so that the comparison is never vacuous).
 *
 *  - tty paths: PV consoles 0 and 1, a serial line, the primary console
 *    of PV, PVH and HVM guests and of an HVM guest with a stub domain,
 *    missing and empty nodes, a value of 4000 bytes, bad types, no domain;
 *  - exec: Debian's real xenconsole, started by the call with a terminal
 *    (a pty) as its standard input and output and the guest's console a
 *    second pty whose path the test writes to the tty node: what the guest
 *    writes reaches the terminal, what is typed reaches the guest, the
 *    start-notify fd gets its byte, and the escape character (^]) ends it;
 *    a type xenconsole has no name for, and a domain whose type cannot be
 *    told, return without exec;
 *  - vncviewer: a recorder vncviewer first in PATH (and one named by
 *    $VNCVIEWER) prints its argv and its standard input (the password,
 *    from an unlinked temporary file); no vnc-port; no viewer anywhere;
 *  - QEMU's monitor: scripted QMP servers (a string answer, an answer of
 *    the wrong type, an error), no socket, no domain, no output pointer;
 *    what the servers received is compared too;
 *  - the domid history: destroy records the domid in
 *    /var/run/xen/domid-history (private directories per run), keeping the
 *    live lines of what was there and dropping the stale, future, invalid
 *    and malformed-free ones; the times it stamps are checked against the
 *    clock and then masked; clearing removes it, twice is fine;
 *  - Debian's xl on both libraries: vncviewer, qemu-monitor-command and
 *    the console commands that end by themselves.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xlboth.h"

#define PROBE_DEBIAN "tests/dropin-console-debian"
#define PROBE_OURS   "tests/dropin-console-ours"

static char base[] = "/tmp/dropin-console.XXXXXX";
static simhost *host;
static char preload[PATH_MAX * 2 + 32];

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    if (host) simhost_stop(host);
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------- helpers */

static void xs_put(const char *path, const char *value)
{
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert_msg(xs_write(xs, XBT_NULL, path, value, strlen(value)),
                  "write %s", path);
    xs_close(xs);
}

static void append(char **all, const char *text)
{
    size_t len = strlen(*all);
    *all = realloc(*all, len + strlen(text) + 1);
    ck_assert_ptr_nonnull(*all);
    strcpy(*all + len, text);
}

/* Every command of cmds (each NULL-terminated, the list ends with an
 * empty one) run the three ways, in dir's private directories (NULL:
 * none), through wrapper (may be NULL); their outputs must be the same.
 * Debian's, concatenated (the caller frees). */
static char *run_all(const char *const cmds[][8], const char *dir,
                     const char *const wrapper[])
{
    char *out[3];

    for (int w = 0; w < 3; w++) {
        out[w] = strdup("");
        ck_assert_ptr_nonnull(out[w]);
        for (size_t i = 0; cmds[i][0]; i++) {
            char *o = dropin_run_wrapped(w == 2 ? PROBE_OURS : PROBE_DEBIAN,
                                         cmds[i], preload, w != 0, dir,
                                         wrapper);
            append(&out[w], o);
            free(o);
        }
    }
    dropin_assert_same(out[0], out[1], out[2]);
    free(out[1]);
    free(out[2]);
    return out[0];
}

static void expect(const char *out, const char *const want[])
{
    for (size_t k = 0; want[k]; k++)
        ck_assert_msg(strstr(out, want[k]), "want\n%s\nin\n%s", want[k], out);
}

/* ----------------------------------------------------------- tty paths */

TEST(console_get_tty_same_on_debian_and_lightcore, 120)
{
    char big[4001];

    ck_assert_int_eq(simhost_create_domain("p1", 64, 1, NULL), 1);
    ck_assert_int_eq(simhost_create_hvm_domain("h2", "hvm", NULL), 2);
    ck_assert_int_eq(simhost_create_hvm_domain("v3", "pvh", NULL), 3);
    ck_assert_int_eq(simhost_create_domain("empty4", 64, 1, NULL), 4);
    ck_assert_int_eq(simhost_create_domain("none5", 64, 1, NULL), 5);
    ck_assert_int_eq(simhost_create_hvm_domain("hs6", "hvm", NULL), 6);
    ck_assert_int_eq(simhost_create_domain("stub7", 64, 1, NULL), 7);
    ck_assert_int_eq(simhost_create_hvm_domain("hs8", "hvm", NULL), 8);
    xs_put("/local/domain/1/console/tty", "/dev/pts/71");
    xs_put("/local/domain/1/device/console/1/tty", "/dev/pts/72");
    xs_put("/local/domain/1/serial/0/tty", "/dev/pts/73");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    xs_put("/local/domain/1/device/console/2/tty", big);
    xs_put("/local/domain/2/serial/0/tty", "/dev/pts/74");
    xs_put("/local/domain/2/console/tty", "/dev/pts/75");
    xs_put("/local/domain/3/console/tty", "/dev/pts/76");
    xs_put("/local/domain/3/serial/0/tty", "/dev/pts/77");
    xs_put("/local/domain/4/console/tty", "");
    xs_put("/local/domain/6/image/device-model-domid", "7");
    xs_put("/local/domain/6/serial/0/tty", "/dev/pts/78");
    xs_put("/local/domain/7/device/console/3/tty", "/dev/pts/79");
    xs_put("/local/domain/8/image/device-model-domid", "5");

    const char *const cmds[][8] = {
        { "tty", "1", "0", "2", NULL },          /* PV */
        { "tty", "1", "1", "2", NULL },
        { "tty", "1", "2", "2", NULL },
        { "tty", "1", "0", "1", NULL },          /* serial */
        { "tty", "1", "1", "1", NULL },
        { "tty", "1", "-1", "2", NULL },
        { "tty", "1", "0", "3", NULL },          /* vuart */
        { "tty", "1", "0", "0", NULL },          /* unknown */
        { "tty", "1", "0", "77", NULL },
        { "tty", "5", "0", "2", NULL },
        { "tty", "99", "0", "1", NULL },
        { "primary", "1", NULL },
        { "primary", "2", NULL },
        { "primary", "3", NULL },
        { "primary", "5", NULL },
        { "primary", "6", NULL },
        { "primary", "8", NULL },
        { "primary", "99", NULL },
        { NULL },
    };
    char *out = run_all(cmds, NULL, NULL);
    char want_big[4100];
    snprintf(want_big, sizeof(want_big), "tty rc=0 path=%s\n", big);
    const char *const want[] = {
        "tty rc=0 path=/dev/pts/71\ntty rc=0 path=/dev/pts/72\n",
        want_big,
        "tty rc=0 path=/dev/pts/73\n",
        "Unable to read console tty path `/local/domain/1/serial/1/tty'\n"
        "tty rc=-3 path=untouched\n",
        "`/local/domain/1/device/console/-1/tty'",
        "Domain 1:Failed to get tty path\n\ntty rc=-6 path=untouched\n",
        "`/local/domain/5/console/tty'\ntty rc=-3",
        "primary rc=0 path=/dev/pts/71\nprimary rc=0 path=/dev/pts/74\n"
        "primary rc=0 path=/dev/pts/76\n",
        "primary rc=0 path=/dev/pts/79\n",
        "`/local/domain/5/device/console/3/tty'\nprimary rc=-3",
        "unable to get domain type for domid=99",
        NULL,
    };
    expect(out, want);
    free(out);

    /* the empty node: both fail (errno is whatever the read left) */
    const char *const empty[][8] = { { "tty", "4", "0", "2", NULL },
                                     { NULL } };
    for (int w = 0; w < 3; w++) {
        char *o = dropin_run(w == 2 ? PROBE_OURS : PROBE_DEBIAN, empty[0],
                             preload, w != 0);
        ck_assert_msg(strstr(o, "Domain 4:Unable to read console tty path "
                                "`/local/domain/4/console/tty'\n"
                                "tty rc=-3 path=untouched\n"), "%s", o);
        free(o);
    }

    /* a value with a NUL byte inside: libxl returns what comes before it,
     * lightcore refuses it (README, "deliberately differs") */
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_write(xs, XBT_NULL, "/local/domain/5/console/tty",
                       "/dev/pts/9\0junk", 15));
    xs_close(xs);
    const char *const nul[] = { "tty", "5", "0", "2", NULL };
    for (int w = 0; w < 3; w++) {
        char *o = dropin_run(w == 2 ? PROBE_OURS : PROBE_DEBIAN, nul,
                             preload, w != 0);
        if (w == 0)
            ck_assert_str_eq(o, "tty rc=0 path=/dev/pts/9\n");
        else
            ck_assert_str_eq(o, "  log 8 libxl [errno 22] Domain 5:Unable to"
                             " read console tty path"
                             " `/local/domain/5/console/tty'\n"
                             "tty rc=-3 path=untouched\n");
        free(o);
    }
}

/* ---------------------------------------------------------- xenconsole */

/* Reads from fd into buf (of size) after its first *len bytes until want
 * is in it; false at its end or after 10 s. */
static bool read_until(int fd, char *buf, size_t size, size_t *len,
                       const char *want)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        buf[*len] = 0;
        if (strstr(buf, want))
            return true;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000 +
                  (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms > 10000 || *len + 1 >= size)
            return false;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, (int)(10000 - ms)) <= 0)
            continue;
        ssize_t r = read(fd, buf + *len, size - 1 - *len);
        if (r <= 0)
            return false;
        *len += (size_t)r;
    }
}

/*
 * One xenconsole session: the probe run with args (argv[1..]) on a
 * terminal, its notify fd (if notify) on a pipe, the guest's console the
 * pty whose master is guest; execs: the call is expected to exec
 * xenconsole (else, to return). A transcript of what was seen.
 */
static char *console_session(int way, const char *const args[], int guest,
                             bool notify, bool execs)
{
    char build[PATH_MAX], libpath[PATH_MAX + 32], term_out[4096],
         guest_in[4096], *t;
    size_t tlen = 0, glen = 0;
    int term, pipefd[2] = { -1, -1 }, status;
    unsigned char byte = 0xff;

    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath, sizeof(libpath), "%s", build);
    if (notify)
        ck_assert_int_eq(pipe(pipefd), 0);
    pid_t pid = forkpty(&term, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *argv[10];
        int n = 0;
        char fdbuf[16];
        argv[n++] = subproc_build_path(way == 2 ? PROBE_OURS : PROBE_DEBIAN);
        for (int i = 0; args[i]; i++) {
            if (!strcmp(args[i], "FD")) {
                snprintf(fdbuf, sizeof(fdbuf), "%d", pipefd[1]);
                argv[n++] = fdbuf;
            } else {
                argv[n++] = args[i];
            }
        }
        argv[n] = NULL;
        if (notify) close(pipefd[0]);
        putenv((char *)preload);
        putenv((char *)"ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0");
        if (way == 1)
            setenv("LD_LIBRARY_PATH", libpath, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (notify) close(pipefd[1]);

    bool started = read_until(term, term_out, sizeof(term_out), &tlen,
                              "exec\r\n");
    if (notify && started) {
        struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
        if (poll(&p, 1, 10000) == 1 && read(pipefd[0], &byte, 1) != 1)
            byte = 0xfe;
    }
    bool out_ok = false, in_ok = false;
    if (started && execs && (!notify || byte != 0xff)) {
        ck_assert_int_eq(write(guest, "guest says hi\n", 14), 14);
        out_ok = read_until(term, term_out, sizeof(term_out), &tlen,
                            "guest says hi");
        ck_assert_int_eq(write(term, "typed\n", 6), 6);
        in_ok = read_until(guest, guest_in, sizeof(guest_in), &glen,
                           "typed");
        ck_assert_int_eq(write(term, "\x1d", 1), 1);      /* ^] */
    } else {
        /* it returned: the rest of what it printed, up to its end (the
         * terminal's other side closed) */
        read_until(term, term_out, sizeof(term_out), &tlen, "\x01(never)");
    }
    /* bounded: killed if still there 10 s on */
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    ck_assert_int_ge(pfd, 0);
    struct pollfd pp = { .fd = pfd, .events = POLLIN };
    if (poll(&pp, 1, 10000) != 1)
        kill(pid, SIGKILL);
    close(pfd);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(term);
    if (notify) close(pipefd[0]);
    term_out[tlen] = 0;
    ck_assert_int_gt(asprintf(&t, "notify=%d out=%d in=%d status=%d\n%s\n",
                              notify ? byte : -1, out_ok, in_ok,
                              WIFEXITED(status) ? WEXITSTATUS(status)
                                                : 128 + WTERMSIG(status),
                              started && execs ? "" : term_out), 0);
    return t;
}

static int guest_pty(char *name, size_t size)
{
    int master, slave;
    struct termios raw;

    ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
    ck_assert_int_eq(tcgetattr(slave, &raw), 0);
    cfmakeraw(&raw);
    ck_assert_int_eq(tcsetattr(slave, TCSANOW, &raw), 0);
    ck_assert_int_eq(ttyname_r(slave, name, size), 0);
    /* the slave stays open in this process: a pty whose last user closed
     * it would give EIO on the master */
    return master;
}

TEST(console_exec_runs_xenconsole_same_on_debian_and_lightcore, 180)
{
    char pv[64], serial[64], stub[64], *out[3];
    int pv_m, serial_m, stub_m;

    ck_assert_int_eq(simhost_create_domain("p1", 64, 1, NULL), 1);
    ck_assert_int_eq(simhost_create_hvm_domain("h2", "hvm", NULL), 2);
    ck_assert_int_eq(simhost_create_hvm_domain("hs3", "hvm", NULL), 3);
    ck_assert_int_eq(simhost_create_domain("stub4", 64, 1, NULL), 4);
    pv_m = guest_pty(pv, sizeof(pv));
    serial_m = guest_pty(serial, sizeof(serial));
    stub_m = guest_pty(stub, sizeof(stub));
    xs_put("/local/domain/1/console/tty", pv);
    xs_put("/local/domain/2/serial/0/tty", serial);
    xs_put("/local/domain/3/image/device-model-domid", "4");
    xs_put("/local/domain/4/device/console/3/tty", stub);

    const char *const pv_args[] = { "exec", "1", "0", "2", "FD", NULL };
    const char *const pv_nonotify[] = { "exec", "1", "0", "2", "-1", NULL };
    const char *const serial_args[] = { "exec", "2", "0", "1", "FD", NULL };
    const char *const primary_hvm[] = { "pexec", "2", "FD", NULL };
    const char *const primary_pv[] = { "pexec", "1", "-1", NULL };
    const char *const primary_stub[] = { "pexec", "3", "FD", NULL };
    const char *const bad_type[] = { "exec", "1", "0", "0", "-1", NULL };
    const char *const no_domain[] = { "pexec", "99", "-1", NULL };
    for (int w = 0; w < 3; w++) {
        char *s;
        out[w] = strdup("");
        s = console_session(w, pv_args, pv_m, true, true);
        append(&out[w], s); free(s);
        s = console_session(w, pv_nonotify, pv_m, false, true);
        append(&out[w], s); free(s);
        s = console_session(w, serial_args, serial_m, true, true);
        append(&out[w], s); free(s);
        s = console_session(w, primary_hvm, serial_m, true, true);
        append(&out[w], s); free(s);
        s = console_session(w, primary_pv, pv_m, false, true);
        append(&out[w], s); free(s);
        s = console_session(w, primary_stub, stub_m, true, true);
        append(&out[w], s); free(s);
        s = console_session(w, bad_type, pv_m, false, false);
        append(&out[w], s); free(s);
        s = console_session(w, no_domain, pv_m, false, false);
        append(&out[w], s); free(s);
    }
    dropin_assert_same(out[0], out[1], out[2]);
    const char *const want[] = {
        "notify=0 out=1 in=1 status=0\n\n"
        "notify=-1 out=1 in=1 status=0\n\n"
        "notify=0 out=1 in=1 status=0\n\n"
        "notify=0 out=1 in=1 status=0\n\n"
        "notify=-1 out=1 in=1 status=0\n\n"
        "notify=0 out=1 in=1 status=0\n\n",
        "exec\r\nexec returned rc=-3\r\n",
        "unable to get domain type for domid=99\r\npexec returned rc=-6\r\n",
        NULL,
    };
    expect(out[0], want);
    for (int w = 0; w < 3; w++) free(out[w]);
    close(pv_m);
    close(serial_m);
    close(stub_m);
}

/* ----------------------------------------------------------- vncviewer */

static void write_script(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

/* What a viewer prints: its name and argv, where its standard input
 * comes from (an unlinked file of the right name, or not) and what it
 * holds when that is a file. It runs without LD_PRELOAD: the exec that
 * starts it replaces the probe, whose preload (the simulated host's, and
 * a sanitizer's runtime under check-asan/-tsan) the shell must not
 * inherit. */
static const char recorder[] =
    "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
    "echo \"$(basename \"$0\"): $*\"\n"
    "in=$(readlink /proc/self/fd/0)\n"
    "case \"$in\" in\n"
    "/tmp/vncautopass.??????\" (deleted)\") echo \"stdin: autopass file:"
    " [$(cat)]\" ;;\n"
    "*) echo \"stdin: not a password file\" ;;\n"
    "esac\n";

TEST(vncviewer_exec_same_on_debian_and_lightcore, 120)
{
    char bin[PATH_MAX], path_env[PATH_MAX + 64], viewer[PATH_MAX + 32],
         other[PATH_MAX + 32], vnc_env[PATH_MAX + 64];

    snprintf(bin, sizeof(bin), "%s/bin", base);
    ck_assert_int_eq(mkdir(bin, 0755), 0);
    snprintf(viewer, sizeof(viewer), "%s/vncviewer", bin);
    snprintf(other, sizeof(other), "%s/otherviewer", bin);
    write_script(viewer, recorder);
    write_script(other, recorder);
    snprintf(path_env, sizeof(path_env), "PATH=%s:/usr/bin:/bin", bin);
    snprintf(vnc_env, sizeof(vnc_env), "VNCVIEWER=%s", other);

    for (int d = 1; d <= 5; d++) {
        char name[8];
        snprintf(name, sizeof(name), "g%d", d);
        ck_assert_int_eq(simhost_create_domain(name, 64, 1, NULL), d);
    }
    xs_put("/local/domain/1/console/vnc-port", "5901");
    xs_put("/local/domain/1/console/vnc-listen", "127.0.0.1");
    xs_put("/local/domain/1/console/vnc-pass", "s3cret pass");
    xs_put("/local/domain/2/console/vnc-port", "5907");
    xs_put("/local/domain/3/console/vnc-port", "junk");
    xs_put("/local/domain/3/console/vnc-listen", "::1");
    xs_put("/local/domain/3/console/vnc-pass", "");
    xs_put("/local/domain/5/console/vnc-port", "99999999999999");

    const char *const cmds[][8] = {
        { "vnc", "1", "0", NULL },
        { "vnc", "1", "1", NULL },
        { "vnc", "2", "1", NULL },
        { "vnc", "3", "1", NULL },
        { "vnc", "4", "0", NULL },
        { "vnc", "5", "0", NULL },
        { "vnc", "99", "1", NULL },
        { NULL },
    };
    const char *const wrapper[] = { "env", "-u", "VNCVIEWER", path_env,
                                    NULL };
    char *out = run_all(cmds, NULL, wrapper);
    const char *const want[] = {
        "vnc\nvncviewer: 127.0.0.1:1\nstdin: not a password file\n"
        "vnc\nvncviewer: 127.0.0.1:1 -autopass\n"
        "stdin: autopass file: [s3cret pass]\n"
        "vnc\nvncviewer: localhost:7\nstdin: not a password file\n"
        "vnc\nvncviewer: ::1:-5900 -autopass\nstdin: autopass file: []\n"
        "vnc\n  log 8 libxl [errno -1] Domain 4:Cannot get vnc-port\n"
        "vnc returned rc=-3\n",
        "Domain 99:Cannot get vnc-port\nvnc returned rc=-3\n",
        NULL,
    };
    expect(out, want);
    free(out);

    /* $VNCVIEWER names the program; no viewer at all: exec fails and the
     * process ends (status 255), its line on stderr */
    const char *const cmd1[][8] = { { "vnc", "1", "1", NULL }, { NULL } };
    const char *const env_wrapper[] = { "env", vnc_env, NULL };
    out = run_all(cmd1, NULL, env_wrapper);
    ck_assert_str_eq(out, "vnc\notherviewer: 127.0.0.1:1 -autopass\n"
                          "stdin: autopass file: [s3cret pass]\n");
    free(out);
    if (getenv("SAN_PRELOAD") && *getenv("SAN_PRELOAD")) {
        /* the wrapper's shell would inherit the sanitizer's runtime
         * (TSan's crashes it) */
        fprintf(stderr, "skipped under a sanitizer: vncviewer_exec with no"
                " viewer at all\n");
        return;
    }
    const char *const none_wrapper[] = {
        "sh", "-c", "env -u VNCVIEWER PATH=/nonexistent \"$@\" 2>&1;"
        " echo \"exit $?\"", "sh", NULL };
    out = run_all(cmd1, NULL, none_wrapper);
    ck_assert_str_eq(out, "vnc\nlibxl: cannot execute vncviewer: No such file"
                          " or directory\nexit 255\n");
    free(out);
}

/* ------------------------------------------------------ QEMU's monitor */

static bool read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            return false;
        if (buf[n++] == '\n')
            break;
    }
    buf[n] = 0;
    return true;
}

static void send_all(int fd, const char *s)
{
    size_t len = strlen(s);
    if (write(fd, s, len) != (ssize_t)len)
        _exit(3);
}

/* A scripted QEMU: answers human-monitor-command with answer (the JSON
 * after "return" or "error"), logs each line it receives. */
static void serve(int lfd, const char *answer, const char *log_path)
{
    char line[4096], out[4096];
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    if (log < 0)
        _exit(2);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        send_all(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0,"
                 " \"minor\": 2, \"major\": 7}, \"package\": \"\"},"
                 " \"capabilities\": []}}\r\n");
        while (read_line(fd, line, sizeof(line))) {
            const char *id = strstr(line, "\"id\"");
            long long n = id && (id = strchr(id, ':'))
                ? strtoll(id + 1, NULL, 10) : -1;
            send_all(log, line);
            snprintf(out, sizeof(out), "{\"id\": %lld, %s}\r\n", n,
                     strstr(line, "human-monitor-command") ? answer
                                                           : "\"return\": {}");
            send_all(fd, out);
        }
        close(fd);
    }
}

static pid_t server_start(const char *sock, const char *answer,
                          const char *log)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(lfd, 0);
    ck_assert_uint_lt(strlen(sock), sizeof(a.sun_path));
    strcpy(a.sun_path, sock);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(lfd, 4), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        serve(lfd, answer, log);
    }
    close(lfd);
    return pid;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t size = 0;

    if (!f)
        return strdup("(none)\n");
    if (getdelim(&buf, &size, '\0', f) < 0) {
        free(buf);
        buf = strdup("");
    }
    fclose(f);
    return buf;
}

TEST(qemu_monitor_command_same_on_debian_and_lightcore, 120)
{
    static const char *const answers[] = {
        NULL,
        "\"return\": \"Chardev\\u0020list:\\r\\nserial0: pty\\r\\n\"",
        "\"return\": {\"not\": \"a string\"}",
        "\"error\": {\"class\": \"GenericError\","
        " \"desc\": \"unknown command: 'frob'\"}",
    };
    char dir[PATH_MAX], *out[3];

    for (int d = 1; d <= 4; d++) {
        char name[8];
        snprintf(name, sizeof(name), "q%d", d);
        ck_assert_int_eq(simhost_create_domain(name, 64, 1, NULL), d);
    }
    for (int w = 0; w < 3; w++) {
        char sock[4][PATH_MAX + 32], log[4][PATH_MAX + 32], lib[PATH_MAX + 8];
        pid_t pids[4] = { 0 };

        snprintf(dir, sizeof(dir), "%s/w%d", base, w);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        snprintf(lib, sizeof(lib), "%s/run", dir);
        ck_assert_int_eq(mkdir(lib, 0700), 0);
        for (int d = 1; d <= 3; d++) {
            snprintf(sock[d], sizeof(sock[d]), "%s/run/qmp-libxl-%d", dir, d);
            snprintf(log[d], sizeof(log[d]), "%s/qmp-%d.log", dir, d);
            pids[d] = server_start(sock[d], answers[d], log[d]);
        }
        const char *const cmds[][8] = {
            { "monitor", "1", "info chardev", NULL },
            { "monitor", "2", "info chardev", NULL },
            { "monitor", "3", "frob", NULL },
            { "monitor", "4", "info status", NULL },
            { "monitor", "99", "info status", NULL },
            { "monitor", "1", NULL },
            { NULL },
        };
        out[w] = strdup("");
        for (size_t i = 0; cmds[i][0]; i++) {
            char *o = dropin_run_private(w == 2 ? PROBE_OURS : PROBE_DEBIAN,
                                         cmds[i], preload, w != 0, dir);
            append(&out[w], o);
            free(o);
        }
        for (int d = 1; d <= 3; d++) {
            kill(pids[d], SIGKILL);
            waitpid(pids[d], NULL, 0);
            char *l = slurp(log[d]);
            append(&out[w], l);
            free(l);
        }
        /* no lock file is left behind */
        char *ls = NULL;
        const char *const find[] = { "find", dir, "-name", "*lock*", NULL };
        ck_assert_int_eq(subproc_run(&ls, NULL, find, NULL, 10000), 0);
        append(&out[w], "locks: [");
        append(&out[w], ls);
        append(&out[w], "]\n");
        free(ls);
    }
    dropin_assert_same(out[0], out[1], out[2]);
    const char *const want[] = {
        "monitor rc=0 output=[Chardev list:\r\nserial0: pty\r\n]\n",
        "Domain 2:Response has unexpected format\nmonitor rc=-32",
        "Domain 3:unknown command: 'frob'\nmonitor rc=-28",
        "Failed to connect to QMP socket /var/run/xen/qmp-libxl-4\n"
        "monitor rc=-3",
        "unable to find domain info for domain 99\nmonitor rc=-15",
        "monitor rc=-6 output=[-]\n",
        "{\"execute\":\"human-monitor-command\",\"id\":2020372736,"
        "\"arguments\":{\"command-line\":\"info chardev\"}}",
        "locks: []\n",
        NULL,
    };
    expect(out[0], want);
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* ------------------------------------------------------ domid history */

/* The file's lines with each time within 5 s of now as "T". */
static char *mask_now(const char *text, unsigned long now)
{
    char *out = strdup(""), line[256];
    const char *p = text;

    while (*p) {
        size_t n = strcspn(p, "\n");
        unsigned long t;
        unsigned d;
        char rest;
        snprintf(line, sizeof(line), "%.*s\n", (int)n, p);
        if (sscanf(line, "%lu %u%c", &t, &d, &rest) == 3 && rest == '\n' &&
            t + 5 >= now && t <= now + 5)
            snprintf(line, sizeof(line), "T %u\n", d);
        append(&out, line);
        p += n + (p[n] == '\n');
    }
    return out;
}

TEST(domid_history_same_on_debian_and_lightcore, 120)
{
    char *out[3];
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long now = (unsigned long)ts.tv_sec;
    ck_assert_uint_gt(now, 2000);
    for (int w = 0; w < 3; w++) {
        char dir[PATH_MAX], path[PATH_MAX + 64], seed[512], line[PATH_MAX + 64];
        int a, b;

        snprintf(dir, sizeof(dir), "%s/w%d", base, w);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/run", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        /* a host of its own: the same domids each way */
        if (w) {
            ck_assert_int_eq(simhost_stop(host), 0);
            host = simhost_start();
            ck_assert_ptr_nonnull(host);
        }
        a = simhost_create_domain("a", 64, 1, NULL);
        b = simhost_create_domain("b", 64, 1, NULL);
        ck_assert_int_eq(a, 1);
        ck_assert_int_eq(b, 2);
        /* live, stale, in the future, dom0, a reserved id, live again */
        snprintf(seed, sizeof(seed), "%lu 3\n%lu 4\n%lu 9\n%lu 0\n"
                 "%lu 32760\n  %lu   5", now - 10, now - 1000, now + 100,
                 now, now, now - 30);
        snprintf(path, sizeof(path), "%s/run/domid-history", dir);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(seed, f);
        ck_assert_int_eq(fclose(f), 0);

        out[w] = strdup("");
        const char *const destroy_a[] = { "destroy", "1", NULL };
        const char *const destroy_b[] = { "destroy", "2", NULL };
        const char *const clear[] = { "clear", NULL };
        const char *const *steps[] = { destroy_a, destroy_b, clear, clear };
        const char *prog = w == 2 ? PROBE_OURS : PROBE_DEBIAN;
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
            char *o = dropin_run_private(prog, steps[i], preload, w != 0,
                                         dir);
            append(&out[w], o);
            free(o);
            char *file = slurp(path);
            char *m = mask_now(file, now);
            append(&out[w], m);
            free(m);
            free(file);
            snprintf(line, sizeof(line), "%s/run/domid-history.new", dir);
            if (access(line, F_OK) == 0) append(&out[w], "(.new left)\n");
            snprintf(line, sizeof(line), "%s/run/domid-history.lock", dir);
            if (access(line, F_OK) == 0) append(&out[w], "(.lock left)\n");
        }
    }
    for (int w = 0; w < 3; w++) {
        /* the seeded times are the test's: masked only now */
        char *m = out[w], num[32];
        const unsigned long seeded[] = { now - 10, now - 30 };
        for (size_t k = 0; k < 2; k++) {
            snprintf(num, sizeof(num), "%lu ", seeded[k]);
            ck_assert_msg(strstr(m, num), "%s", m);
        }
    }
    dropin_assert_same(out[0], out[1], out[2]);
    char want1[128], want2[128];
    snprintf(want1, sizeof(want1), "destroy rc=0\n%lu 3\n%lu 5\nT 1\n",
             now - 10, now - 30);
    snprintf(want2, sizeof(want2), "destroy rc=0\n%lu 3\n%lu 5\nT 1\nT 2\n",
             now - 10, now - 30);
    const char *const want[] = {
        want1, want2,
        "clear rc=0\n(none)\nclear rc=0\n(none)\n",
        NULL,
    };
    expect(out[0], want);
    for (int w = 0; w < 3; w++) free(out[w]);
}

/* ------------------------------------------------------ Debian's xl */

/*
 * Debian's xl on both libraries (tests/common/xlboth): `xl vncviewer`
 * (the recorder first in PATH), `xl qemu-monitor-command` (a scripted
 * QEMU in the private directories both share), and `xl console` where
 * xenconsole ends by itself (no tty node; a type xl refuses). libxl's log
 * lines on stderr name each library's sources: masked.
 */
TEST(xl_console_vncviewer_and_monitor_same_on_lightcore, 120)
{
    char bin[PATH_MAX], viewer[PATH_MAX + 32], path_env[PATH_MAX + 64],
         run[PATH_MAX + 16], sock[PATH_MAX + 48], log[PATH_MAX + 16];

    xlboth_init(preload, base);
    xlboth_shared = true;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    snprintf(bin, sizeof(bin), "%s/bin", base);
    ck_assert_int_eq(mkdir(bin, 0755), 0);
    snprintf(viewer, sizeof(viewer), "%s/vncviewer", bin);
    write_script(viewer, recorder);
    snprintf(path_env, sizeof(path_env), "PATH=%s:/usr/bin:/bin", bin);
    const char *const wrapper[] = { "env", "-u", "VNCVIEWER", path_env,
                                    NULL };
    xlboth_wrapper = wrapper;

    ck_assert_int_eq(simhost_create_domain("vm1", 64, 1, NULL), 1);
    ck_assert_int_eq(simhost_create_domain("vm2", 64, 1, NULL), 2);
    xs_put("/local/domain/1/console/vnc-port", "5903");
    xs_put("/local/domain/1/console/vnc-pass", "pw");
    snprintf(run, sizeof(run), "%s/shared", base);
    ck_assert_int_eq(mkdir(run, 0700), 0);
    snprintf(run, sizeof(run), "%s/shared/run", base);
    ck_assert_int_eq(mkdir(run, 0700), 0);
    snprintf(sock, sizeof(sock), "%s/qmp-libxl-1", run);
    snprintf(log, sizeof(log), "%s/qmp.log", base);
    pid_t server = server_start(sock, "\"return\": \"status: paused\\r\\n\"",
                                log);

    const char *const *const cmds[] = {
        (const char *[]){ "vncviewer", "vm1", NULL },
        (const char *[]){ "vncviewer", "--autopass", "vm1", NULL },
        (const char *[]){ "vncviewer", "vm2", NULL },
        (const char *[]){ "qemu-monitor-command", "vm1", "info status",
                          NULL },
        (const char *[]){ "qemu-monitor-command", "vm2", "info status",
                          NULL },
        (const char *[]){ "console", "-t", "pv", "vm2", NULL },
        (const char *[]){ "console", "-t", "serial", "vm1", NULL },
        (const char *[]){ "console", "-t", "frob", "vm1", NULL },
    };
    static const char *const want[][2] = {
        { "vncviewer: localhost:3\nstdin: not a password file\n", "" },
        { "vncviewer: localhost:3 -autopass\n"
          "stdin: autopass file: [pw]\n", "" },
        { "", "Domain 2:Cannot get vnc-port" },
        { "status: paused\r\n", "" },
        { "", "Domain 2:Failed to connect to QMP socket "
              "/var/run/xen/qmp-libxl-2" },
        { "", "Could not read tty from store" },
        { "", "Could not read tty from store" },
        { "", "console type supported are: pv, serial, vuart" },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        xl_run r = xlboth_same(cmds[i], xlboth_mask_sources);
        ck_assert_msg(strstr(r.out, want[i][0]), "%s: %s", cmds[i][0],
                      r.out);
        ck_assert_msg(strstr(r.err, want[i][1]), "%s: %s", cmds[i][0],
                      r.err);
        xl_run_free(&r);
    }
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    char *sent = slurp(log);
    /* both libraries asked QEMU the same, once each */
    const char *first = strstr(sent, "\"info status\"");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(strstr(first + 1, "\"info status\""));
    free(sent);
}
