/*
 * test_dropin_retrieve_qemu.c: libxl_retrieve_domain_configuration of HVM
 * guests whose device model is upstream QEMU (/libxl/N/dm-version
 * "qemu_xen"), whose available vcpus libxl takes from QEMU over QMP.
 * The probe of tests/abi/dropin_userdata.c ("config") runs on Debian's
 * library, as Debian's binary on lightcore (ABI) and as ours (API), in one
 * private /var/lib/xen + /var/run/xen (tests/common/private-xen-dirs) where
 * the stored configurations are and where each guest's QMP socket is:
 * a real QEMU (-S, 3 sockets, 1 or 2 of them plugged), a scripted fake QMP
 * server (an error, an old QEMU without query-cpus-fast, malformed or odd
 * answers), or no socket at all. Results, the configurations' JSON and the
 * log lines must be the same.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-userdata-debian"
#define PROBE_OURS   "tests/dropin-userdata-ours"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char base[] = "/tmp/dropin-rdq.XXXXXX";

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(mkdtemp(base));
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* An HVM guest of 3 vcpus whose device model is upstream QEMU. */
static int make_guest(const char *name)
{
    char *out = NULL, path[64];
    ck_assert_int_eq(simhost_cli(&out, "create", name, "--vcpus", "3",
                                 "--mem-mb", "64", "--hvm", (char *)NULL), 0);
    int domid = atoi(out);
    free(out);
    ck_assert_int_gt(domid, 0);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    snprintf(path, sizeof(path), "/libxl/%d/dm-version", domid);
    ck_assert(xs_write(xs, XBT_NULL, path, "qemu_xen", 8));
    xs_close(xs);
    return domid;
}

/* ------------------------------------------------------------ real QEMU */

/* QEMU with `plugged` of its 3 sockets' cpus, listening at sock. */
static pid_t qemu_start(const char *sock, int plugged)
{
    char qmp[PATH_MAX + 64], smp[64];

    snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", sock);
    snprintf(smp, sizeof(smp), "%d,maxcpus=3,sockets=3,cores=1,threads=1",
             plugged);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "pc",
               "-accel", "tcg", "-S", "-nodefaults", "-display", "none",
               "-smp", smp, "-qmp", qmp, (char *)NULL);
        fprintf(stderr, "cannot run qemu-system-x86_64: %s\n", strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits (at most 10 s) for the socket of process pid to appear. */
static void wait_socket(pid_t pid, const char *sock)
{
    struct stat st;
    for (int i = 0; i < 1000 && stat(sock, &st); i++) {
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);   /* still there */
        poll(NULL, 0, 10);
    }
    ck_assert_msg(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode),
                  "no socket %s", sock);
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

/* ------------------------------------------------------ a fake QMP server */

/* What the fake answers to query-cpus-fast and to query-cpus: the text
 * after {"id":N, (so "\"return\": [...]}" or "\"error\": {...}}"). */
typedef struct {
    const char *fast;
    const char *slow;
} script;

/* One line from fd into buf (NUL-terminated); false at its end. */
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

static void reply(int fd, const char *line, const char *rest)
{
    char out[2048];
    const char *id = strstr(line, "\"id\"");
    long long n = -1;
    if (id && (id = strchr(id, ':')))
        n = strtoll(id + 1, NULL, 10);
    int len = snprintf(out, sizeof(out), "{\"id\": %lld, %s\r\n", n, rest);
    if (write(fd, out, (size_t)len) != len)
        _exit(3);
}

/* The child's life: one client after another, each greeted, its
 * capabilities accepted and its commands answered from s. */
static void serve(int lfd, const script *s)
{
    static const char greeting[] =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2,"
        " \"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\r\n";
    static const char not_found[] =
        "\"error\": {\"class\": \"CommandNotFound\","
        " \"desc\": \"The command x has not been found\"}}";
    char line[4096];

    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        if (write(fd, greeting, sizeof(greeting) - 1) !=
            (ssize_t)sizeof(greeting) - 1)
            _exit(3);
        while (read_line(fd, line, sizeof(line))) {
            if (strstr(line, "\"qmp_capabilities\""))
                reply(fd, line, "\"return\": {}}");
            else if (strstr(line, "\"query-cpus-fast\""))
                reply(fd, line, s->fast);
            else if (strstr(line, "\"query-cpus\""))
                reply(fd, line, s->slow ? s->slow : not_found);
            else
                reply(fd, line, not_found);
        }
        close(fd);
    }
}

static pid_t fake_start(const char *sock, const script *s)
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
        /* (check's handler would take the whole process group down) */
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        serve(lfd, s);
    }
    close(lfd);
    return pid;
}

/* ------------------------------------------------------------------ test */

static const char stored[] =
    "{\"c_info\": {\"type\": \"hvm\", \"name\": \"stored\"},"
    " \"b_info\": {\"max_vcpus\": 3, \"avail_vcpus\": [0, 1, 2],"
    " \"max_memkb\": 65536, \"target_memkb\": 65536,"
    " \"type.hvm\": {\"acpi\": \"True\"}}}";

/* What the probe printed of domid's retrieval: its result line and the
 * configuration's JSON, up to the next retrieval (the caller frees). */
static char *section(const char *out, int domid)
{
    char head[80];
    snprintf(head, sizeof(head), "retrieve_domain_configuration(%d) = ", domid);
    const char *p = strstr(out, head);
    ck_assert_msg(p, "no retrieval of %d in %s", domid, out);
    const char *end = strstr(p + 1, "retrieve_domain_configuration(");
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *s = strndup(p, len);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Eight guests, each with the same stored configuration (3 vcpus, all
 * available) and a different device model behind its QMP socket: QEMU
 * with 1 or 2 cpus plugged, no socket, a GenericError, an old QEMU
 * (CommandNotFound, then query-cpus), an index that is not an integer,
 * an answer that is not a list, and indexes past the map (7 fits its
 * byte, 9 and -1 do not). */
TEST(retrieve_config_upstream_qemu_same_on_debian_and_lightcore, 180)
{
    enum { ONE, TWO, NOSOCK, QERR, OLD, BADIDX, NOTARRAY, FAR, N };
    static const script scripts[N] = {
        [QERR] = { "\"error\": {\"class\": \"GenericError\","
                   " \"desc\": \"no cpus for you\"}}", NULL },
        [OLD] = { NULL, "\"return\": [{\"CPU\": 0, \"current\": true},"
                  " {\"CPU\": 2, \"current\": false}]}" },
        [BADIDX] = { "\"return\": [{\"cpu-index\": 0},"
                     " {\"cpu-index\": \"1\"}]}", NULL },
        [NOTARRAY] = { "\"return\": {\"cpu-index\": 1}}", NULL },
        [FAR] = { "\"return\": [{\"cpu-index\": 1}, {\"cpu-index\": 7},"
                  " {\"cpu-index\": 9}, {\"cpu-index\": -1}]}", NULL },
    };
    static const script old_not_found = {
        "\"error\": {\"class\": \"CommandNotFound\","
        " \"desc\": \"The command query-cpus-fast has not been found\"}}",
        NULL };
    char dir[PATH_MAX], run[PATH_MAX + 8], ids[N][16], file[PATH_MAX];
    int domid[N];
    pid_t pids[N] = { 0 };

    snprintf(dir, sizeof(dir), "%s/xen", base);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(run, sizeof(run), "%s/run", dir);
    ck_assert_int_eq(mkdir(run, 0700), 0);
    snprintf(file, sizeof(file), "%s/config", base);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(stored, 1, sizeof(stored), f), sizeof(stored));
    ck_assert_int_eq(fclose(f), 0);

    for (int i = 0; i < N; i++) {
        char name[16], sock[PATH_MAX + 32];
        snprintf(name, sizeof(name), "qemu%d", i);
        domid[i] = make_guest(name);
        snprintf(ids[i], sizeof(ids[i]), "%d", domid[i]);
        const char *put[] = { "put", ids[i], "libxl-json", file, NULL };
        free(dropin_run_private(PROBE_DEBIAN, put, preload_env, false, dir));
        snprintf(sock, sizeof(sock), "%s/qmp-libxl-%d", run, domid[i]);
        if (i == ONE || i == TWO)
            pids[i] = qemu_start(sock, i == ONE ? 1 : 2);
        else if (i == OLD)
            pids[i] = fake_start(sock, &(script){ old_not_found.fast,
                                                  scripts[OLD].slow });
        else if (i != NOSOCK)
            pids[i] = fake_start(sock, &scripts[i]);
        if (pids[i])
            wait_socket(pids[i], sock);
    }

    /* (two runs: a probe takes at most 8 arguments) */
    char *out[3];
    const char *args[2][6] = {
        { "config", ids[ONE], ids[TWO], ids[NOSOCK], ids[QERR], NULL },
        { "config", ids[OLD], ids[BADIDX], ids[NOTARRAY], ids[FAR], NULL },
    };
    for (int w = 0; w < 3; w++) {
        const char *prog = w == 2 ? PROBE_OURS : PROBE_DEBIAN;
        char *a = dropin_run_private(prog, args[0], preload_env, w != 0, dir);
        char *b = dropin_run_private(prog, args[1], preload_env, w != 0, dir);
        ck_assert_int_gt(asprintf(&out[w], "%s%s", a, b), 0);
        free(a);
        free(b);
    }
    for (int i = 0; i < N; i++)
        if (pids[i])
            stop(pids[i]);
    dropin_assert_same(out[0], out[1], out[2]);

    /* What Debian's library said, so that the comparison means something. */
    static const struct { int i; const char *want; } expect[] = {
        { ONE, "= 0\n" },
        { ONE, "\"avail_vcpus\": [\n            0\n        ]" },
        { TWO, "\"avail_vcpus\": [\n            0,\n            1\n        ]" },
        { NOSOCK, "= -3\n" },
        { QERR, "= -28\n" },
        { OLD, "\"avail_vcpus\": [\n            0,\n            2\n        ]" },
        { BADIDX, "= -32\n" },
        { NOTARRAY, "= 0\n" },
        { FAR, "\"avail_vcpus\": [\n            1,\n            7\n        ]" },
    };
    for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
        char *s = section(out[0], domid[expect[k].i]);
        ck_assert_msg(strstr(s, expect[k].want), "want %s in %s",
                      expect[k].want, s);
        free(s);
    }
    /* none listed: an empty map, which the JSON leaves out */
    char *s = section(out[0], domid[NOTARRAY]);
    ck_assert_ptr_null(strstr(s, "avail_vcpus"));
    free(s);
    /* (a call's log lines come before its result) */
    ck_assert_ptr_nonnull(strstr(out[0], "Failed to retrieve CPU index."));
    ck_assert_ptr_nonnull(strstr(out[0], "no cpus for you"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}
