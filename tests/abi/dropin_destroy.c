/*
 * dropin_destroy.c: the drop-in probe of libxl_domain_destroy on a guest
 * that has what a running guest has: a disk and a nic whose hotplug
 * scripts log each run, a vkb, its stored configuration and another
 * userdata file, the device model's save file and a device model (a
 * process whose pid the guest's image/device-model-pid records). Built
 * against Debian's headers and library (dropin-destroy-debian) and against
 * lightcore's (dropin-destroy-ours); test_dropin_destroy.c runs it on a
 * simulated host with device drivers, in private /var/lib/xen and
 * /var/run/xen directories, and compares what each run prints.
 *
 * Commands (one per run):
 *   store DOMID CONFIG       store CONFIG's text as the configuration
 *   setup DOMID IMAGE SCRIPT DM
 *                            add the devices (SCRIPT as both scripts),
 *                            the userdata and save files, and record DM
 *                            (a running process's pid) as the device model
 *   destroy DOMID LOG DMPID  destroy the domain; then wait (5 s at most)
 *                            until process DMPID is gone, and print the
 *                            result, LOG's lines sorted (the removals run
 *                            at once, in no set order), what is left in
 *                            xenstore and in /var/lib/xen (the uuid
 *                            masked), and whether DMPID went; then
 *                            destroy a domain that does not exist
 */
#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "probe_logger.h"
#include "probe_devices.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_errors_once(level, errnoval, context, msg);
}

static libxl_ctx *ctx;
static struct xs_handle *xsh;

static void setup(uint32_t domid, const char *img, const char *script,
                  const char *dm_pid)
{
    libxl_device_disk d;
    libxl_device_nic n;
    libxl_device_vkb k;
    char path[128];

    libxl_device_disk_init(&d);
    d.vdev = strdup("xvdb");
    d.pdev_path = strdup(img);
    d.script = strdup(script);
    d.format = LIBXL_DISK_FORMAT_RAW;
    d.backend = LIBXL_DISK_BACKEND_PHY;
    d.readwrite = 1;
    printf("add disk rc=%d\n", libxl_device_disk_add(ctx, domid, &d, NULL));
    libxl_device_disk_dispose(&d);

    libxl_device_nic_init(&n);
    n.script = strdup(script);
    n.mac[0] = 0x00; n.mac[1] = 0x16; n.mac[2] = 0x3e;
    n.mac[3] = 0x01; n.mac[4] = 0x02; n.mac[5] = 0x03;
    printf("add nic rc=%d\n", libxl_device_nic_add(ctx, domid, &n, NULL));
    libxl_device_nic_dispose(&n);

    libxl_device_vkb_init(&k);
    printf("add vkb rc=%d\n", libxl_device_vkb_add(ctx, domid, &k, NULL));
    libxl_device_vkb_dispose(&k);

    printf("store extra rc=%d\n",
           libxl_userdata_store(ctx, domid, "extra",
                                (const uint8_t *)"x", 1));
    snprintf(path, sizeof(path), "/var/lib/xen/qemu-save.%u", domid);
    FILE *f = fopen(path, "w");
    printf("save file %s\n", f && !fclose(f) ? "made" : "not made");
    snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-pid",
             domid);
    printf("dm pid recorded %d\n",
           xs_write(xsh, XBT_NULL, path, dm_pid, strlen(dm_pid)));
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_sorted(const char *file)
{
    char *lines[256], buf[1024];
    int n = 0;
    FILE *f = fopen(file, "r");

    if (!f) {
        printf("script log: none\n");
        return;
    }
    while (n < 256 && fgets(buf, sizeof(buf), f)) lines[n++] = strdup(buf);
    fclose(f);
    qsort(lines, (size_t)n, sizeof(*lines), cmp_lines);
    printf("script log:\n");
    for (int i = 0; i < n; i++) {
        printf("  %s", lines[i]);
        free(lines[i]);
    }
}

/* /var/lib/xen's names, sorted, each domain uuid masked. */
static void print_lib_dir(void)
{
    struct dirent **names;
    int n = scandir("/var/lib/xen", &names, NULL, alphasort);

    printf("/var/lib/xen:");
    for (int i = 0; i < n; i++) {
        char *s = names[i]->d_name;
        if (s[0] != '.') {
            char *u = strchr(s, '.');
            u = u ? strchr(u + 1, '.') : NULL;   /* after the domid */
            if (u && strlen(u + 1) > 36 && u[37] == '.')
                memset(u + 1, 'U', 36);
            printf(" %s", s);
        }
        free(names[i]);
    }
    if (n >= 0) free(names);
    printf("\n");
}

/* Whether process pid ended within 5 s (pidfd: woken when it does). */
static bool gone_within(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return true;                  /* already gone */
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, 5000);
    close(fd);
    return r == 1;
}

static void destroy(uint32_t domid, const char *log, pid_t dm)
{
    char path[64], *v;

    printf("destroy rc=%d\n", libxl_domain_destroy(ctx, domid, NULL));
    printf("device model %s\n", gone_within(dm) ? "gone" : "still running");
    print_sorted(log);
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    v = xs_read(xsh, XBT_NULL, path, NULL);
    printf("%s %s\n", path, v ? "left" : "gone");
    free(v);
    probe_device_trees(xsh, domid);
    print_lib_dir();
    printf("destroy absent rc=%d\n", libxl_domain_destroy(ctx, 4242, NULL));
}

int main(int argc, char **argv)
{
    uint32_t domid;
    int rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return 2;
    domid = (uint32_t)strtoul(argv[2], NULL, 10);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 3;
    xsh = xs_open(0);
    if (!xsh) return 4;
    if (!strcmp(argv[1], "store") && argc == 4)
        rc = probe_store_config(ctx, domid, argv[3]);
    else if (!strcmp(argv[1], "setup") && argc == 6)
        setup(domid, argv[3], argv[4], argv[5]);
    else if (!strcmp(argv[1], "destroy") && argc == 5)
        destroy(domid, argv[3], (pid_t)atoi(argv[4]));
    else
        rc = 2;
    xs_close(xsh);
    libxl_ctx_free(ctx);
    return rc;
}
