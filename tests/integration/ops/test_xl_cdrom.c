/*
 * test_xl_cdrom.c: Debian's own xl, unchanged, on lightcore for
 * cdrom-insert and cdrom-eject, on a simulated host with an HVM guest
 * whose device model is a real QEMU (-S, its cdrom drive as libxl starts
 * it, its QMP socket where libxl looks) and a PV guest. The guest's
 * configuration and disks (hda, an empty hdc cdrom) are set up by Debian's
 * library (tests/abi/dropin_cdrom.c) in a private /var/lib/xen both
 * libraries share. The steps run all on Debian's libxenlight, then all on
 * lightcore; each step's exit status, output and error output must be the
 * same (libxl's FILE:LINE:FUNC masked).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"

static simhost *host;
static pid_t qemu;
static char dir[] = "/tmp/xl-cdrom.XXXXXX";
static char image[PATH_MAX], media[PATH_MAX];

static void make_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
    ck_assert_int_eq(close(fd), 0);
}

static pid_t qemu_start(const char *sock)
{
    char qmp[PATH_MAX + 64];

    snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", sock);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "pc",
               "-accel", "tcg", "-S", "-nodefaults", "-display", "none",
               "-drive", "if=none,readonly=on,id=ide-5632",
               "-device", "ide-cd,id=ide-5632,drive=ide-5632,bus=ide.1,unit=0",
               "-qmp", qmp, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 1000 && stat(sock, &st); i++) {
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
        poll(NULL, 0, 10);
    }
    ck_assert_msg(stat(sock, &st) == 0, "no socket %s", sock);
    return pid;
}

static void setup(void)
{
    char shared[PATH_MAX], run[PATH_MAX + 8], sock[PATH_MAX + 32],
         preload[PATH_MAX * 2 + 32], *out;

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    xlboth_init(simhost_preload_env(), dir);
    xlboth_shared = true;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    snprintf(image, sizeof(image), "%s/disk.img", dir);
    snprintf(media, sizeof(media), "%s/media.iso", dir);
    make_file(image);
    make_file(media);

    ck_assert_int_eq(simhost_create_hvm_domain("hvm", "hvm", NULL), 1);
    ck_assert_int_eq(simhost_create_domain("pv", 64, 1, NULL), 2);
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_write(xs, XBT_NULL, "/libxl/1/dm-version", "qemu_xen", 8));
    ck_assert(xs_write(xs, XBT_NULL, "/local/domain/1/image/device-model-pid",
                       "1", 1));
    xs_close(xs);

    snprintf(shared, sizeof(shared), "%s/shared", dir);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    const char *args[] = { "setup", "1", image, NULL };
    out = dropin_run_private("tests/dropin-cdrom-debian", args, preload,
                             false, shared);
    ck_assert_str_eq(out, "store rc=0\nadd hda rc=0\nadd hdc rc=0\n");
    free(out);
    snprintf(run, sizeof(run), "%s/run", shared);
    snprintf(sock, sizeof(sock), "%s/qmp-libxl-1", run);
    qemu = qemu_start(sock);
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    kill(qemu, SIGTERM);
    ck_assert_int_eq(waitpid(qemu, NULL, 0), qemu);
    ck_assert_int_eq(simhost_stop(host), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

TEST_FIXTURE(setup, teardown);

#define MAX_STEPS 16

TEST(xl_cdrom_commands_are_the_same_on_lightcore, 120)
{
    const char *const *const steps[] = {
        (const char *[]){ "cd-insert", "hvm", "hdc", media, NULL },
        (const char *[]){ "cd-eject", "hvm", "hdc", NULL },
        (const char *[]){ "cd-insert", "hvm", "hdc", "/no/such.iso",
                          NULL },
        (const char *[]){ "cd-insert", "hvm", "hda", media, NULL },
        (const char *[]){ "cd-insert", "pv", "hdc", media, NULL },
        (const char *[]){ "cd-insert", "hvm", "hdc", media, NULL },
        (const char *[]){ "cd-eject", "no-such-vm", "hdc", NULL },
        (const char *[]){ "cd-eject", "hvm", "hdc", NULL },
    };
    int n = (int)(sizeof(steps) / sizeof(steps[0]));
    xl_run debian[MAX_STEPS];

    xlboth_steps_on_debian(steps, n, debian);
    /* what xl saw on Debian's library */
    ck_assert_msg(debian[0].status == 0, "%s", debian[0].err);
    ck_assert_str_eq(debian[0].err, "");
    ck_assert_int_eq(debian[1].status, 0);
    ck_assert_ptr_nonnull(strstr(debian[2].err, "Cannot stat file"));
    ck_assert_ptr_nonnull(strstr(debian[3].err, "Virtual device not found"));
    ck_assert_ptr_nonnull(strstr(debian[4].err,
                                 "cdrom-insert requires an HVM domain"));
    ck_assert_int_eq(debian[5].status, 0);
    ck_assert_int_ne(debian[6].status, 0);
    ck_assert_int_eq(debian[7].status, 0);
    xlboth_steps_on_lightcore(steps, n, NULL, debian);
}
