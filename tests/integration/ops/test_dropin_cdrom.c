/*
 * test_dropin_cdrom.c: libxl_cdrom_insert as a drop-in for Debian's
 * libxenlight 4.17. tests/abi/dropin_cdrom.c is built against Debian's
 * headers and library and against ours; each run (Debian's, Debian's
 * binary on lightcore: ABI, ours: API) gets a simulated host of its own
 * with the same guests, set up by Debian's library (stored configuration,
 * an hda disk and an empty hdc cdrom, both qdisk), private /var/lib/xen and
 * /var/run/xen, and behind each guest's QMP socket the same device model:
 *   1  HVM, upstream QEMU: a real qemu-system-x86_64 -S with the cdrom as
 *      libxl starts it (-drive if=none,id=ide-5632 -device ide-cd);
 *      media inserted, ejected, a file that does not exist, a disk that is
 *      no cdrom, a vdev the guest has not; then media again, and QEMU's
 *      own view of the drive (query-block) after the run;
 *   2  PV: refused;
 *   3  HVM, a scripted QMP server that refuses the eject;
 *   4  HVM, the traditional device model (xenstore only);
 *   5  HVM, a scripted QEMU 7.2 that accepts everything, and
 *   6  the same as QEMU 2.7 (the commands before 2.8): the commands they
 *      received, logged;
 *  99  no such domain.
 * Every result, the caller's disk after each call, the error log lines,
 * the xenstore trees with permissions and the stored configurations must
 * be the same.
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

#define PROBE_DEBIAN "tests/dropin-cdrom-debian"
#define PROBE_OURS   "tests/dropin-cdrom-ours"

static char base[] = "/tmp/dropin-cdrom.XXXXXX";
static char image[PATH_MAX], media[PATH_MAX];

static void write_file(const char *path, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    ck_assert_int_eq(close(fd), 0);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(image, sizeof(image), "%s/disk.img", base);
    snprintf(media, sizeof(media), "%s/media.iso", base);
    write_file(image, 1 << 20);
    write_file(media, 1 << 20);
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
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------ real QEMU */

static pid_t qemu_start(const char *sock)
{
    char *qmp;

    ck_assert_int_gt(asprintf(&qmp, "unix:%s,server=on,wait=off", sock), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "pc",
               "-accel", "tcg", "-S", "-nodefaults", "-display", "none",
               "-drive", "if=none,readonly=on,id=ide-5632",
               "-device", "ide-cd,id=ide-5632,drive=ide-5632,bus=ide.1,unit=0",
               "-qmp", qmp, (char *)NULL);
        fprintf(stderr, "cannot run qemu-system-x86_64: %s\n",
                strerror(errno));
        _exit(127);
    }
    free(qmp);
    return pid;
}

/* Waits (at most 10 s) for the socket of process pid to appear. */
static void wait_socket(pid_t pid, const char *sock)
{
    struct stat st;
    for (int i = 0; i < 1000 && stat(sock, &st); i++) {
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
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

static void send_all(int fd, const char *s)
{
    size_t len = strlen(s);
    if (write(fd, s, len) != (ssize_t)len)
        _exit(3);
}

static void reply(int fd, const char *line, const char *rest)
{
    char out[2048];
    const char *id = strstr(line, "\"id\"");
    long long n = -1;
    if (id && (id = strchr(id, ':')))
        n = strtoll(id + 1, NULL, 10);
    snprintf(out, sizeof(out), "{\"id\": %lld, %s\r\n", n, rest);
    send_all(fd, out);
}

/* QEMU's drive as query-block shows it, after the run: the "inserted"
 * medium's file and format, or "no medium". */
static char *qemu_drive(const char *sock)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    char line[65536], *out;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    strcpy(a.sun_path, sock);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert(read_line(fd, line, sizeof(line)));         /* greeting */
    send_all(fd, "{\"execute\":\"qmp_capabilities\"}\n");
    ck_assert(read_line(fd, line, sizeof(line)));
    send_all(fd, "{\"execute\":\"query-block\"}\n");
    ck_assert(read_line(fd, line, sizeof(line)));
    close(fd);
    const char *ins = strstr(line, "\"inserted\"");
    const char *file = ins ? strstr(ins, "\"file\": ") : NULL;
    const char *drv = ins ? strstr(ins, "\"drv\": ") : NULL;
    const char *ro = ins ? strstr(ins, "\"ro\": ") : NULL;
    ck_assert_int_gt(asprintf(&out, "qemu: %.*s %.*s %.*s\n",
                              file ? (int)strcspn(file, ",}") : 9,
                              file ? file : "no medium",
                              drv ? (int)strcspn(drv, ",}") : 0,
                              drv ? drv : "",
                              ro ? (int)strcspn(ro, ",}") : 0, ro ? ro : ""),
                     0);
    return out;
}

/* ------------------------------------------------------ a fake QMP server */

typedef struct {
    const char *version;       /* "7, \"minor\": 2" style: major, minor */
    bool refuse_eject;
    bool silent_eject;         /* never answers it */
    const char *log;           /* where each command line received goes */
} script;

static void serve(int lfd, const script *s)
{
    char greeting[512], line[4096];
    int log = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    if (log < 0)
        _exit(2);
    snprintf(greeting, sizeof(greeting),
             "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": %s},"
             " \"package\": \"\"}, \"capabilities\": []}}\r\n", s->version);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        send_all(fd, greeting);
        while (read_line(fd, line, sizeof(line))) {
            send_all(log, line);
            if (strstr(line, "\"eject\"") && s->silent_eject)
                continue;
            if (strstr(line, "\"eject\"") && s->refuse_eject)
                reply(fd, line, "\"error\": {\"class\": \"GenericError\","
                      " \"desc\": \"Tray of device 'ide-5632' is locked\"}}");
            else if (strstr(line, "\"add-fd\""))
                reply(fd, line, "\"return\": {\"fdset-id\": 4, \"fd\": 25}}");
            else if (strstr(line, "\"query-version\""))
                reply(fd, line, "\"return\": {\"qemu\": {}}}");
            else
                reply(fd, line, "\"return\": {}}");
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
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        serve(lfd, s);
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
    ck_assert_int_ge(getdelim(&buf, &size, '\0', f), 0);
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------------ test */

static void xs_put(struct xs_handle *xs, const char *fmt, int domid,
                   const char *value)
{
    char path[128];
    snprintf(path, sizeof(path), fmt, domid);
    ck_assert(xs_write(xs, XBT_NULL, path, value, strlen(value)));
}

static void append(char **all, const char *text)
{
    size_t len = strlen(*all);
    *all = realloc(*all, len + strlen(text) + 1);
    ck_assert_ptr_nonnull(*all);
    strcpy(*all + len, text);
}

enum { QEMU = 1, PV, REFUSE, TRAD, FAKE, OLD };

/* One way (0 Debian's, 1 ABI, 2 API) on a host of its own: what the
 * probe printed, then what the scripted servers received. */
static char *run_way(int way)
{
    static const char *const names[] = { "debian", "abi", "api" };
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], sock[7][PATH_MAX + 32],
         logs[7][PATH_MAX + 32], *all = strdup("");
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    pid_t pids[7] = { 0 };

    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(all);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    snprintf(dir, sizeof(dir), "%s/%s", base, names[way]);
    ck_assert_int_eq(mkdir(dir, 0700), 0);

    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    for (int d = QEMU; d <= OLD; d++) {
        char name[16], id[8];
        snprintf(name, sizeof(name), "g%d", d);
        snprintf(id, sizeof(id), "%d", d);
        if (d == PV) {
            ck_assert_int_eq(simhost_create_domain(name, 64, 1, NULL), d);
            continue;
        }
        ck_assert_int_eq(simhost_create_hvm_domain(name, "hvm", NULL), d);
        xs_put(xs, "/local/domain/%d/image/device-model-pid", d, "1");
        if (d != TRAD)
            xs_put(xs, "/libxl/%d/dm-version", d, "qemu_xen");
        const char *args[] = { "setup", id, image, NULL };
        char *out = dropin_run_private(PROBE_DEBIAN, args, preload, false,
                                       dir);
        ck_assert_str_eq(out, "store rc=0\nadd hda rc=0\nadd hdc rc=0\n");
        free(out);
        snprintf(sock[d], sizeof(sock[d]), "%s/run/qmp-libxl-%d", dir, d);
        snprintf(logs[d], sizeof(logs[d]), "%s/qmp-%d.log", dir, d);
        if (d == QEMU)
            pids[d] = qemu_start(sock[d]);
        else if (d == REFUSE)
            pids[d] = fake_start(sock[d], &(script){ "2, \"major\": 7", true,
                                                     false, logs[d] });
        else if (d == FAKE)
            pids[d] = fake_start(sock[d], &(script){ "2, \"major\": 7", false,
                                                     false, logs[d] });
        else if (d == OLD)
            pids[d] = fake_start(sock[d], &(script){ "7, \"major\": 2", false,
                                                     false, logs[d] });
        if (pids[d])
            wait_socket(pids[d], sock[d]);
    }
    xs_close(xs);

    const char *const cmds[][6] = {
        { "insert", "1", "hdc", media, NULL },
        { "state", "1", NULL },
        { "insert", "1", "hdc", "", NULL },
        { "insert", "1", "hdc", "/nonexistent/cd.iso", NULL },
        { "insert", "1", "hda", media, NULL },
        { "insert", "1", "hdd", media, NULL },
        { "insert", "1", "hdc", "-", NULL },
        { "state", "1", NULL },
        { "insert", "1", "hdc", media, "qcow2", NULL },
        { "insert", "1", "hdc", media, NULL },
        { "state", "1", NULL },
        { "insert", "2", "hdc", media, NULL },
        { "insert", "3", "hdc", media, NULL },
        { "state", "3", NULL },
        { "insert", "4", "hdc", media, NULL },
        { "state", "4", NULL },
        { "insert", "4", "hdc", "", NULL },
        { "insert", "5", "hdc", media, "qcow2", NULL },
        { "insert", "5", "hdc", "", NULL },
        { "state", "5", NULL },
        { "insert", "6", "hdc", media, NULL },
        { "insert", "99", "hdc", media, NULL },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        char *out = dropin_run_private(prog, cmds[i], preload, way != 0, dir);
        append(&all, out);
        free(out);
    }
    char *drive = qemu_drive(sock[QEMU]);
    append(&all, drive);
    free(drive);
    for (int d = QEMU; d <= OLD; d++)
        if (pids[d])
            stop(pids[d]);
    for (int d = REFUSE; d <= OLD; d++) {
        if (d == TRAD) continue;
        char *log = slurp(logs[d]);
        append(&all, log);
        free(log);
    }
    ck_assert_int_eq(simhost_stop(host), 0);
    return all;
}

TEST(cdrom_insert_same_on_debian_and_lightcore, 240)
{
    char *out[3];

    char want[PATH_MAX + 128];

    for (int w = 0; w < 3; w++) out[w] = run_way(w);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what Debian's library did, so that the comparison means something */
    static const char *const expect[] = {
        "Failed to open cdrom file /nonexistent/cd.iso\n"
        "insert hdc /nonexistent/cd.iso rc=-3\n",
        "Domain 1:Virtual device not found\ninsert hda ",
        "Domain 1:Virtual device not found\ninsert hdd ",
        "Domain 1:Image is not in qcow2 format\ninsert hdc ",
        "Domain 2:cdrom-insert requires an HVM domain\ninsert hdc ",
        "Domain 3:Tray of device 'ide-5632' is locked\ninsert hdc ",
        "unable to get domain type for domid=99\ninsert hdc ",
        /* the empty drive: nothing in QEMU, "" in xenstore */
        "insert hdc - rc=0\n",
        "  params = \"\" (0:0,1:1)\n",
        /* QEMU has the media, through the fd libxl passed */
        "qemu: \"file\": \"/dev/fdset/",
        "\"drv\": \"raw\" \"ro\": true\n",
        /* the commands, QEMU 7.2's and 2.7's */
        "{\"execute\":\"eject\",\"id\":2020372738,\"arguments\":"
        "{\"id\":\"ide-5632\"}}",
        "{\"execute\":\"blockdev-change-medium\",\"id\":2020372740,"
        "\"arguments\":{\"id\":\"ide-5632\",\"filename\":"
        "\"/dev/fdset/4\",\"format\":\"qcow2\"}}",
        "{\"execute\":\"change\",\"id\":2020372740,\"arguments\":"
        "{\"device\":\"ide-5632\",\"target\":\"/dev/fdset/4\","
        "\"arg\":\"raw\"}}",
    };
    for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++)
        ck_assert_msg(strstr(out[0], expect[k]), "want %s in %s", expect[k],
                      out[0]);
    snprintf(want, sizeof(want), "insert hdc %s rc=0\n", media);
    ck_assert_ptr_nonnull(strstr(out[0], want));
    snprintf(want, sizeof(want), "  params = \"aio:%s\" (0:0,4:1)\n", media);
    ck_assert_ptr_nonnull(strstr(out[0], want));     /* traditional */
    snprintf(want, sizeof(want), "\"opaque\":\"qcow2:%s\"", media);
    ck_assert_ptr_nonnull(strstr(out[0], want));
    for (int w = 0; w < 3; w++) free(out[w]);
}

/*
 * Lightcore only (Debian's library always waits 40 s): QEMU never answers
 * the eject, and the operation's deadline (LIGHTCORE_DEVICE_HOTPLUG_TIMEOUT_MS,
 * libxl's 40 s otherwise) ends it with ERROR_TIMEDOUT and libxl's line;
 * nothing was written, and the device lock is free again (a second call
 * gets as far as QEMU again).
 */
TEST(cdrom_insert_times_out_on_lightcore, 60)
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], sock[PATH_MAX + 32],
         log[PATH_MAX + 32];
    const char *const wrapper[] = {
        "env", "LIGHTCORE_DEVICE_HOTPLUG_TIMEOUT_MS=300", NULL };
    const char *setup_args[] = { "setup", "1", image, NULL };
    const char *insert_args[] = { "insert", "1", "hdc", media, NULL };
    const char *state_args[] = { "state", "1", NULL };

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    snprintf(dir, sizeof(dir), "%s/timeout", base);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(simhost_create_hvm_domain("g1", "hvm", NULL), 1);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    xs_put(xs, "/local/domain/%d/image/device-model-pid", 1, "1");
    xs_put(xs, "/libxl/%d/dm-version", 1, "qemu_xen");
    xs_close(xs);
    char *out = dropin_run_private(PROBE_DEBIAN, setup_args, preload, false,
                                   dir);
    ck_assert_str_eq(out, "store rc=0\nadd hda rc=0\nadd hdc rc=0\n");
    free(out);
    char *before = dropin_run_private(PROBE_DEBIAN, state_args, preload,
                                      false, dir);
    snprintf(sock, sizeof(sock), "%s/run/qmp-libxl-1", dir);
    snprintf(log, sizeof(log), "%s/qmp.log", dir);
    pid_t pid = fake_start(sock, &(script){ "2, \"major\": 7", false, true,
                                            log });
    wait_socket(pid, sock);

    for (int w = 1; w <= 2; w++) {
        out = dropin_run_wrapped(w == 2 ? PROBE_OURS : PROBE_DEBIAN,
                                 insert_args, preload, true, dir, wrapper);
        ck_assert_msg(strstr(out, "Domain 1:cdrom insertion timed out\n"
                                  "insert hdc "), "%s", out);
        ck_assert_msg(strstr(out, " rc=-9\n"), "%s", out);
        free(out);
    }
    stop(pid);
    char *after = dropin_run_private(PROBE_DEBIAN, state_args, preload,
                                     false, dir);
    ck_assert_str_eq(after, before);
    char *sent = slurp(log);
    /* both calls reached QEMU: the first left the device lock free */
    const char *eject = strstr(sent, "\"eject\"");
    ck_assert_ptr_nonnull(eject);
    ck_assert_ptr_nonnull(strstr(eject + 1, "\"eject\""));
    free(sent);
    free(before);
    free(after);
    ck_assert_int_eq(simhost_stop(host), 0);
}
