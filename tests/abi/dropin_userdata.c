/*
 * dropin_userdata.c: the drop-in probe of the stored configuration
 * (libxl_userdata_store, _retrieve, _unlink and
 * libxl_retrieve_domain_configuration). Built against Debian's headers and
 * library (dropin-userdata-debian) and against lightcore's
 * (dropin-userdata-ours); tests/integration/ops/test_dropin_userdata.c
 * runs it on one simulated host, inside private /var/lib/xen directories
 * (tests/common/private-xen-dirs), on both libraries, and compares what it
 * prints: results, data, the log lines they cause (without the
 * file:line:function prefix, which names each library's own source, and
 * without the JSON parsers' messages, which are each parser's own) and
 * the files left in /var/lib/xen (with the domains' uuids spelled as the
 * words uuid-of-N).
 *
 * Commands (one per run):
 *   userdata DOMID         every userdata call, good and bad, on DOMID,
 *                          dom0 and domains that do not exist
 *   put DOMID USERID FILE  store FILE's bytes (all of them)
 *   get DOMID USERID       retrieve and print them
 *   config DOMID...        libxl_retrieve_domain_configuration of each:
 *                          rc and the configuration's JSON
 *   ls                     the files in /var/lib/xen
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>

#define LIBDIR "/var/lib/xen"

/* ------------------------------------------------------------ logger */

static const char *words(const char *s);

/* Prints each message as "  log LEVEL [errno E] MESSAGE". */
#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_WARN) return;   /* debug lines differ by design */
    /* The JSON parsers' own messages (yajl's in libxl, json-c's here) */
    if (strstr(msg, "yajl error") ||
        strstr(msg, "unable to generate libxl__json_object"))
        return;
    /* libxl logs errno there without having set it */
    if (strstr(msg, "is not a plain file")) errnoval = 0;
    printf("  log %d %s [errno %d] %s\n", (int)level, context ? context : "-",
           errnoval, words(msg));
}

/* ------------------------------------------------------------ helpers */

static libxl_ctx *ctx;

/* The uuids of the domains named so far, to print them as words. */
static struct { char uuid[37]; uint32_t domid; } known[8];
static int nknown;

static void know(uint32_t domid)
{
    libxl_dominfo info;

    libxl_dominfo_init(&info);
    if (nknown < 8 && !libxl_domain_info(ctx, &info, domid)) {
        snprintf(known[nknown].uuid, 37, LIBXL_UUID_FMT,
                 LIBXL_UUID_BYTES(info.uuid));
        known[nknown++].domid = domid;
    }
    libxl_dominfo_dispose(&info);
}

/* s with every known uuid replaced by "uuid-of-DOMID" (a static buffer of
 * its own for each of two callers at a time: the logger may run while a
 * result is being printed). */
static const char *words(const char *s)
{
    static char bufs[2][8192];
    static int which;
    char *out = bufs[which ^= 1];
    const size_t outsize = sizeof(bufs[0]);
    size_t o = 0;

    while (*s && o < outsize - 32) {
        int hit = -1;
        for (int i = 0; i < nknown; i++)
            if (!strncmp(s, known[i].uuid, 36)) hit = i;
        if (hit >= 0) {
            o += (size_t)snprintf(out + o, outsize - o, "uuid-of-%u",
                                  known[hit].domid);
            s += 36;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files in LIBDIR, sorted, with their sizes. */
static void list_dir(const char *when)
{
    DIR *d = opendir(LIBDIR);
    char *names[256];
    int n = 0;
    struct dirent *e;

    printf("files %s:", when);
    if (!d) {
        printf(" (no %s)\n", LIBDIR);
        return;
    }
    while ((e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    for (int i = 0; i < n; i++) {
        char path[512];
        struct stat st;

        snprintf(path, sizeof(path), LIBDIR "/%s", names[i]);
        if (stat(path, &st)) st.st_size = -1;
        printf(" %s(%s%lld)", words(names[i]), S_ISDIR(st.st_mode) ? "dir " : "",
               (long long)st.st_size);
        free(names[i]);
    }
    printf("\n");
}

static void print_data(const uint8_t *data, int len)
{
    printf(" data ");
    if (!data) {
        printf("NULL");
    } else {
        putchar('"');
        for (int i = 0; i < len; i++) {
            if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\' &&
                data[i] != '"')
                putchar(data[i]);
            else
                printf("\\x%02x", data[i]);
        }
        putchar('"');
    }
}

static void store(uint32_t domid, const char *id, const void *data, int len)
{
    errno = 0;
    int rc = libxl_userdata_store(ctx, domid, id, data, len);
    printf("store(%u, %s, %d bytes) = %d\n", domid, id ? id : "NULL", len, rc);
}

static void retrieve(uint32_t domid, const char *id, int want_data,
                     int want_len)
{
    uint8_t *data = NULL;   /* libxl asserts the caller's is NULL */
    int len = -7;

    errno = 0;
    int rc = libxl_userdata_retrieve(ctx, domid, id, want_data ? &data : NULL,
                                     want_len ? &len : NULL);
    printf("retrieve(%u, %s%s%s) = %d len %d", domid, id ? id : "NULL",
           want_data ? "" : ", no data_r", want_len ? "" : ", no len_r", rc,
           len);
    if (want_data) {
        print_data(data, want_len ? len : 0);
        free(data);
    }
    printf("\n");
}

static void unlink_ud(uint32_t domid, const char *id)
{
    errno = 0;
    int rc = libxl_userdata_unlink(ctx, domid, id);
    printf("unlink(%u, %s) = %d\n", domid, id ? id : "NULL", rc);
}

/* The path libxl names a userdata file by. */
static void path_of(char *buf, size_t size, uint32_t domid, const char *wh,
                    const char *id)
{
    const char *uuid = "?";
    for (int i = 0; i < nknown; i++)
        if (known[i].domid == domid) uuid = known[i].uuid;
    snprintf(buf, size, LIBDIR "/userdata-%s.%u.%s.%s", wh, domid, uuid, id);
}

/* ---------------------------------------------------------- commands */

static void cmd_userdata(uint32_t domid)
{
    static const uint8_t binary[] = { 0, 1, 2, 0xff, '\n', 0 };
    char path[512];

    know(0);
    know(domid);
    list_dir("before");

    /* Nothing stored yet: 0, no data (libxl's answer for no file). */
    retrieve(domid, "app", 1, 1);
    store(domid, "app", "hello", 6);
    list_dir("after store");
    retrieve(domid, "app", 1, 1);
    retrieve(domid, "app", 0, 1);
    retrieve(domid, "app", 1, 0);
    retrieve(domid, "app", 0, 0);
    /* Replaced whole; binary data kept byte for byte. */
    store(domid, "app", binary, (int)sizeof(binary));
    retrieve(domid, "app", 1, 1);
    /* Another id, dom0, a NULL id. */
    store(domid, "other.app", "x", 1);
    store(0, "app", "dom0's", 6);
    store(domid, NULL, "null id", 7);
    list_dir("after four stores");
    retrieve(0, "app", 1, 1);
    retrieve(domid, NULL, 1, 1);
    unlink_ud(domid, NULL);
    unlink_ud(0, "app");

    /* Storing nothing removes the file; a second time fails with errno's
     * value as the result (libxl's). */
    store(domid, "other.app", NULL, 0);
    store(domid, "other.app", NULL, 0);
    retrieve(domid, "other.app", 1, 1);

    /* A negative length stores an empty file, which retrieve refuses. */
    store(domid, "neg", "abc", -1);
    list_dir("after a negative length");
    retrieve(domid, "neg", 1, 1);
    unlink_ud(domid, "neg");

    /* Unlink: present, then missing. */
    unlink_ud(domid, "app");
    unlink_ud(domid, "app");

    /* A stale lock file (not locked) does not stop anyone, and goes. */
    path_of(path, sizeof(path), domid, "l", "domain-userdata-lock");
    close(open(path, O_CREAT | O_WRONLY, 0644));
    store(domid, "app", "after a stale lock", 18);
    list_dir("after a stale lock");

    /* Something that is not a file where the data goes. */
    path_of(path, sizeof(path), domid, "d", "dir");
    mkdir(path, 0755);
    store(domid, "dir", "into a directory", 16);
    retrieve(domid, "dir", 1, 1);
    unlink_ud(domid, "dir");
    list_dir("after storing over a directory");
    rmdir(path);
    path_of(path, sizeof(path), domid, "n", "dir");
    unlink(path);

    /* Domains that do not exist. */
    static const uint32_t gone[] = { 12345, 0x7ff0, 0x7fff, 0xffffffffu };
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        store(gone[i], "app", "x", 1);
        retrieve(gone[i], "app", 1, 1);
        unlink_ud(gone[i], "app");
    }
    unlink_ud(domid, "app");
    list_dir("at the end");
}

static int cmd_put(uint32_t domid, const char *id, const char *file)
{
    void *data = NULL;
    int len = 0;

    if (libxl_read_file_contents(ctx, file, &data, &len)) return 1;
    store(domid, id, data, len);
    free(data);
    return 0;
}

static void cmd_config(int n, char **domids)
{
    for (int i = 0; i < n; i++) {
        uint32_t domid = (uint32_t)strtoul(domids[i], NULL, 0);
        libxl_domain_config dc;

        know(domid);
        libxl_domain_config_init(&dc);
        errno = 0;
        int rc = libxl_retrieve_domain_configuration(ctx, domid, &dc, NULL);
        printf("retrieve_domain_configuration(%u) = %d\n", domid, rc);
        if (!rc) {
            char *json = libxl_domain_config_to_json(ctx, &dc);
            printf("%s\n", json ? words(json) : "(no JSON)");
            free(json);
        }
        libxl_domain_config_dispose(&dc);
    }
}

int main(int argc, char **argv)
{
    int rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return 2;
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 1;

    if (!strcmp(argv[1], "userdata") && argc == 3) {
        cmd_userdata((uint32_t)strtoul(argv[2], NULL, 0));
    } else if (!strcmp(argv[1], "put") && argc == 5) {
        rc = cmd_put((uint32_t)strtoul(argv[2], NULL, 0), argv[3], argv[4]);
    } else if (!strcmp(argv[1], "get") && argc == 4) {
        uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 0);
        know(domid);
        retrieve(domid, argv[3], 1, 1);
    } else if (!strcmp(argv[1], "config")) {
        cmd_config(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "ls") && argc == 2) {
        list_dir("now");
    } else {
        rc = 2;
    }
    libxl_ctx_free(ctx);
    return rc;
}
