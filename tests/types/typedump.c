/*
 * typedump.c: prints facts about the libxl types that must be the same in
 * Debian's libxenlight 4.17 and in lightcore. Built twice from this one
 * source (see gen.mk): against Debian's headers and library, and against
 * ours; tests/types/compare-outputs compares the two outputs section by
 * section ("=== name" starts a section).
 *
 *   typedump layout   sizeof/offsetof of every type and field
 *   typedump json     libxl_*_to_json text for a fixed set of values and
 *                     for every type's initial values
 *   typedump init     the bytes of every struct after _init and after
 *                     each _init_<key>
 *   typedump which    which library the program is bound to
 *
 * The Debian build is also run bound to lightcore's library
 * (LD_LIBRARY_PATH, see typedump-on-lightcore): the ABI check.
 *
 * The per-type parts come from typedump_types.h, which
 * tests/types/gen-typedump.py generates from libxl_types.idl.
 *
 * to_json is called with ctx == NULL: Debian's implementation accepts
 * that (it does not use the ctx when printing).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <libxl.h>
/* what an application (xl) defines for libxl's libxl_json.h to use yajl 2 */
#define HAVE_YAJL_YAJL_VERSION_H 1
#include <libxl_json.h>

/* ------------------------------------------------------------ layout */

#define TYPE(t) printf("=== %s\nsize %zu align %zu\n", #t, sizeof(t), \
                       (size_t)__alignof__(t))
#define FIELD(t, f) printf("%s %zu %zu\n", #f, offsetof(t, f), \
                           sizeof(((t *)0)->f))

/* Shows an object's bytes in hex, each pointer member (offsets in ptrs,
   ended by (size_t)-1) as "<ptr>" or "<NULL>". */
static void dump_bytes(const char *name, const void *obj, size_t size,
                       const size_t *ptrs)
{
    const unsigned char *b = obj;

    printf("=== %s\n", name);
    for (size_t i = 0; i < size; ) {
        const size_t *p;

        for (p = ptrs; *p != (size_t)-1 && *p != i; p++)
            ;
        if (*p == i) {
            void *ptr;

            memcpy(&ptr, b + i, sizeof(ptr));
            printf("\n%zu: %s\n", i, ptr ? "<ptr>" : "<NULL>");
            i += sizeof(ptr);
            continue;
        }
        printf("%02x", b[i]);
        i++;
        if (i % 32 == 0)
            printf("\n");
    }
    printf("\n");
}

static void show(const char *name, char *text)
{
    printf("=== %s\n%s", name, text ? text : "(NULL)\n");
    free(text);
}

/* every enumeration's string table, in order */
#define TABLE(e) do {                                                   \
        const libxl_enum_string_table *row;                             \
        printf("=== table %s\n", #e);                                   \
        for (row = e##_string_table; row->s; row++)                     \
            printf("%s %d\n", row->s, row->v);                          \
    } while (0)

/* layout_all, init_all, json_init_all: generated from the IDL */
#include "typedump_types.h"

static void layout(void)
{
    TYPE(libxl_defbool);
    TYPE(libxl_uuid);
    TYPE(libxl_ev_link);
    TYPE(libxl_mac);
    TYPE(libxl_bitmap);
    FIELD(libxl_bitmap, size);
    FIELD(libxl_bitmap, map);
    TYPE(libxl_string_list);
    TYPE(libxl_key_value_list);
    TYPE(libxl_hwcap);
    TYPE(libxl_ms_vm_genid);
    TYPE(libxl_cpuid_policy_list);
    TYPE(libxl_enum_string_table);
    FIELD(libxl_enum_string_table, s);
    FIELD(libxl_enum_string_table, v);
    layout_all();
}

/* ------------------------------------------------------------ json */

static void fill_disk(libxl_device_disk *d)
{
    d->backend_domid = 7;
    d->backend_domname = strdup("driver-dom");
    d->pdev_path = strdup("/dev/vg0/guest \"disk\"\t\\ \x01/\x7f caf\xc3\xa9");
    d->vdev = strdup("xvda");
    d->backend = LIBXL_DISK_BACKEND_QDISK;
    d->format = LIBXL_DISK_FORMAT_QCOW2;
    d->script = strdup("");
    d->removable = 1;
    d->readwrite = -1;
    d->is_cdrom = 0;
    d->direct_io_safe = true;
    libxl_defbool_set(&d->discard_enable, false);
    d->specification = LIBXL_DISK_SPECIFICATION_VIRTIO;
    d->transport = LIBXL_DISK_TRANSPORT_MMIO;
    d->irq = 4294967295u;
    d->base = 18446744073709551615ull;
    libxl_defbool_set(&d->colo_enable, true);
    d->colo_host = strdup("10.0.0.1");
    d->colo_port = 9000;
    d->colo_export = strdup("exp\n");
    d->active_disk = strdup("a");
    d->hidden_disk = strdup("h");
    libxl_defbool_set(&d->trusted, true);
}

/* Array members whose pointer and count disagree, and a keyed union
   whose key is outside its enumeration. */
static void json_odd_shapes(void)
{
    libxl_numainfo ni;
    libxl_event ev;

    libxl_numainfo_init(&ni);
    ni.dists = calloc(2, sizeof(*ni.dists));
    ni.dists[0] = 10;
    ni.num_dists = 0;
    show("array-count-zero", libxl_numainfo_to_json(NULL, &ni));
    ni.num_dists = -1;
    show("array-count-negative", libxl_numainfo_to_json(NULL, &ni));
    ni.num_dists = 1;
    show("array-count-one", libxl_numainfo_to_json(NULL, &ni));
    free(ni.dists);
    ni.dists = NULL;
    ni.num_dists = 3;
    show("array-pointer-null", libxl_numainfo_to_json(NULL, &ni));
    ni.num_dists = 0;
    libxl_numainfo_dispose(&ni);

    libxl_event_init(&ev);
    ev.type = (libxl_event_type)99;
    show("union-key-outside", libxl_event_to_json(NULL, &ev));
    ev.type = 0;
    libxl_event_dispose(&ev);
}

/*
 * The public generators used as xl uses them: into the application's own
 * yajl handle (here not beautified), a struct and an enumeration inside
 * an array the application opened.
 */
static void json_own_handle(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    libxl_domain_config dc;
    libxl_domain_type dt = LIBXL_DOMAIN_TYPE_PVH;
    const unsigned char *buf;
    size_t len;

    fill_libxl_domain_config(&dc, 1);
    printf("=== gen_json own handle\n");
    printf("%d ", (int)yajl_gen_array_open(g));
    printf("%d ", (int)libxl_domain_config_gen_json(g, &dc));
    printf("%d ", (int)libxl_domain_type_gen_json(g, &dt));
    printf("%d ", (int)yajl_gen_array_close(g));
    printf("%d\n", (int)yajl_gen_get_buf(g, &buf, &len));
    fwrite(buf, 1, len, stdout);
    printf("\n");
    /* a map where yajl expects a map key: yajl's error is passed back */
    yajl_gen_free(g);
    g = yajl_gen_alloc(NULL);
    yajl_gen_map_open(g);
    printf("=== gen_json status\n%d\n",
           (int)libxl_domain_config_gen_json(g, &dc));
    yajl_gen_free(g);
    libxl_domain_config_dispose(&dc);
}

static void json(void)
{
    static const libxl_uuid uuid = { { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 } };
    libxl_event ev;
    libxl_dominfo di;
    libxl_version_info vi;
    libxl_device_disk disk;
    int t;

    libxl_event_init(&ev);
    show("event-init", libxl_event_to_json(NULL, &ev));
    libxl_event_dispose(&ev);

    for (t = LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN;
         t <= LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE; t++) {
        char name[64];

        /* empty member */
        libxl_event_init(&ev);
        libxl_event_init_type(&ev, (libxl_event_type)t);
        snprintf(name, sizeof(name), "event-%d-empty", t);
        show(name, libxl_event_to_json(NULL, &ev));
        libxl_event_dispose(&ev);

        /* filled */
        libxl_event_init(&ev);
        libxl_event_init_type(&ev, (libxl_event_type)t);
        ev.domid = 32000u + (unsigned)t;
        ev.domuuid = uuid;
        ev.for_user = t == 1 ? 0xffffffffffffffffull : 0x123456789abcull * (unsigned)t;
        switch (t) {
        case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
            ev.u.domain_shutdown.shutdown_reason = 255;
            break;
        case LIBXL_EVENT_TYPE_DISK_EJECT:
            ev.u.disk_eject.vdev = strdup("hdc");
            fill_disk(&ev.u.disk_eject.disk);
            break;
        case LIBXL_EVENT_TYPE_OPERATION_COMPLETE:
            ev.u.operation_complete.rc = ERROR_DOMAIN_NOTFOUND;
            break;
        default:
            break;
        }
        snprintf(name, sizeof(name), "event-%d-filled", t);
        show(name, libxl_event_to_json(NULL, &ev));
        libxl_event_dispose(&ev);
    }

    libxl_dominfo_init(&di);
    show("dominfo-init", libxl_dominfo_to_json(NULL, &di));
    di.uuid = uuid;
    di.domid = 4;
    di.ssidref = 9;
    di.ssid_label = strdup("system_u:system_r:domU_t");
    di.running = true;
    di.paused = true;
    di.dying = true;
    di.shutdown_reason = LIBXL_SHUTDOWN_REASON_SOFT_RESET;
    di.outstanding_memkb = 0;
    di.current_memkb = 1048576;
    di.max_memkb = 2097152;
    di.cpu_time = 123456789012345ull;
    di.vcpu_max_id = 3;
    di.vcpu_online = 4;
    di.cpupool = 1;
    di.gpaddr_bits = 52;
    di.domain_type = LIBXL_DOMAIN_TYPE_PVH;
    show("dominfo-filled", libxl_dominfo_to_json(NULL, &di));
    di.shutdown_reason = LIBXL_SHUTDOWN_REASON_POWEROFF;
    di.domain_type = (libxl_domain_type)77; /* unknown: printed as null */
    show("dominfo-odd", libxl_dominfo_to_json(NULL, &di));
    libxl_dominfo_dispose(&di);

    libxl_version_info_init(&vi);
    show("version_info-init", libxl_version_info_to_json(NULL, &vi));
    vi.xen_version_major = 4;
    vi.xen_version_minor = 17;
    vi.xen_version_extra = strdup(".3-pre");
    vi.compiler = strdup("gcc (Debian 12.2.0-14) 12.2.0");
    vi.compile_by = strdup("pkg-xen-devel");
    vi.compile_domain = strdup("lists.alioth.debian.org");
    vi.compile_date = strdup("Thu Jan  1 00:00:00 UTC 1970");
    vi.capabilities = strdup("xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_64");
    vi.changeset = strdup("");
    vi.virt_start = 0xffff800000000000ull;
    vi.pagesize = 4096;
    vi.commandline = strdup("placeholder dom0_mem=2G,max:2G \"q\"");
    vi.build_id = strdup("0123abcd");
    show("version_info-filled", libxl_version_info_to_json(NULL, &vi));
    vi.pagesize = -1;
    vi.xen_version_major = -2147483647 - 1;
    show("version_info-negative", libxl_version_info_to_json(NULL, &vi));
    libxl_version_info_dispose(&vi);

    libxl_device_disk_init(&disk);
    show("device_disk-init", libxl_device_disk_to_json(NULL, &disk));
    fill_disk(&disk);
    show("device_disk-filled", libxl_device_disk_to_json(NULL, &disk));
    libxl_device_disk_dispose(&disk);

    show("error-fail", libxl_error_to_json(NULL, ERROR_FAIL));
    show("error-qemu_api", libxl_error_to_json(NULL, ERROR_QEMU_API));
    show("error-unknown", libxl_error_to_json(NULL, (libxl_error)-99));
    show("event_type", libxl_event_type_to_json(NULL,
             LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE));
    show("shutdown_reason", libxl_shutdown_reason_to_json(NULL,
             LIBXL_SHUTDOWN_REASON_UNKNOWN));
    show("domain_type", libxl_domain_type_to_json(NULL, LIBXL_DOMAIN_TYPE_HVM));
    show("disk_format", libxl_disk_format_to_json(NULL, LIBXL_DISK_FORMAT_QED));
    show("disk_backend", libxl_disk_backend_to_json(NULL, LIBXL_DISK_BACKEND_TAP));
    show("disk_specification", libxl_disk_specification_to_json(NULL,
             LIBXL_DISK_SPECIFICATION_XEN));
    show("disk_transport", libxl_disk_transport_to_json(NULL,
             LIBXL_DISK_TRANSPORT_MMIO));

    json_init_all();
    json_fill_all();
    json_odd_shapes();
    json_own_handle();
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "layout"))
        layout();
    else if (argc == 2 && !strcmp(argv[1], "json"))
        json();
    else if (argc == 2 && !strcmp(argv[1], "init"))
        init_all();
    else if (argc == 2 && !strcmp(argv[1], "which"))
        /* only lightcore has the single pollable fd */
        printf("%s\n", dlsym(RTLD_DEFAULT, "libxl_osevent_fd") ? "lightcore"
                                                                : "debian");
    else {
        fprintf(stderr, "usage: %s layout|json|init|which\n", argv[0]);
        return 2;
    }
    return 0;
}
