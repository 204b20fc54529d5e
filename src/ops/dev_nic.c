/*
 * ops/dev_nic.c: network interfaces (vif): their device type for the
 * generic machinery (defaults, the next free devid, address, xenstore
 * entries, what is read back from the toolstack's record), and
 * libxl_device_nic_add / _remove / _destroy / _list / _getinfo,
 * libxl_devid_to_device_nic and libxl_mac_to_device_nic, with libxl
 * 4.17's results and log lines.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/device_devid.h"
#include "xs/paths.h"
#include "libxl_utils.h"

#define SCRIPT_DIR "/etc/xen/scripts"
/* What libxl takes an MTU of 0 to mean, and leaves out of the backend. */
#define DEFAULT_MTU 1500
/* Longest value taken from a node the guest writes (xenstored's own
 * limit for a value). */
#define MAX_GUEST_VALUE 4096

/* ------------------------------------------------------------ codecs */

/* script: absolute, under the scripts directory unless given so; read
 * back as it was written. */
static const char *script_encode(libxl__gc *gc, const libxl__devent_src *src,
                                 const void *field, const void *arg)
{
    const char *script = *(char *const *)field;
    (void)src; (void)arg;

    if (!script) return NULL;
    return script[0] == '/' ? script : GCSPRINTF("%s/%s", SCRIPT_DIR, script);
}

static int script_decode(libxl__gc *gc, const char *text, void *field,
                         const void *arg)
{
    return libxl__devc_string.decode(gc, text, field, arg);
}

static const libxl__dev_codec script_codec = { script_encode, script_decode };

/* rate: "BYTES,USECS" (written only when there is an interval). */
static const char *rate_encode(libxl__gc *gc, const libxl__devent_src *src,
                               const void *field, const void *arg)
{
    const libxl_device_nic *nic = src->dev;
    (void)field; (void)arg;

    return GCSPRINTF("%" PRIu64 ",%" PRIu32, nic->rate_bytes_per_interval,
                     nic->rate_interval_usecs);
}

static const libxl__dev_codec rate_codec = { rate_encode, NULL };

/* ------------------------------------------------------------ entries */

static bool has_rate(const libxl__devent_src *src)
{
    return ((const libxl_device_nic *)src->dev)->rate_interval_usecs > 0;
}

static bool mtu_not_default(const libxl__devent_src *src)
{
    return ((const libxl_device_nic *)src->dev)->mtu != DEFAULT_MTU;
}

#define F(field) offsetof(libxl_device_nic, field)
#define A(field) offsetof(libxl__devaddr, field)
#define BACK LIBXL__DEVENT_BACK
#define FRONT LIBXL__DEVENT_FRONT
#define RO_FRONT LIBXL__DEVENT_RO_FRONT
#define OPT LIBXL__DEVENT_OPTIONAL
#define WO LIBXL__DEVENT_WRITE_ONLY
/* A COLO setting: backend key colo_NAME, from field colo_NAME; written
 * when set and read back. */
#define COLO(name) \
    { "colo_" #name, BACK, F(colo_##name), &libxl__devc_string, NULL, OPT, \
      NULL }

static const libxl__dev_entry nic_entries[] = {
    { "frontend-id", BACK, A(domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "online", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "state", BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "script", BACK, F(script), &script_codec, NULL, OPT, NULL },
    /* libxl reads neither the interface name nor the model back */
    { "vifname", BACK, F(ifname), &libxl__devc_string, NULL, WO, NULL },
    { "forwarddev", BACK, F(coloft_forwarddev), &libxl__devc_string, NULL,
      OPT, NULL },
    COLO(sock_mirror_id),
    COLO(sock_mirror_ip),
    COLO(sock_mirror_port),
    COLO(sock_compare_pri_in_id),
    COLO(sock_compare_pri_in_ip),
    COLO(sock_compare_pri_in_port),
    COLO(sock_compare_sec_in_id),
    COLO(sock_compare_sec_in_ip),
    COLO(sock_compare_sec_in_port),
    COLO(sock_compare_notify_id),
    COLO(sock_compare_notify_ip),
    COLO(sock_compare_notify_port),
    COLO(sock_redirector0_id),
    COLO(sock_redirector0_ip),
    COLO(sock_redirector0_port),
    COLO(sock_redirector1_id),
    COLO(sock_redirector1_ip),
    COLO(sock_redirector1_port),
    COLO(sock_redirector2_id),
    COLO(sock_redirector2_ip),
    COLO(sock_redirector2_port),
    COLO(filter_mirror_queue),
    COLO(filter_mirror_outdev),
    COLO(filter_redirector0_queue),
    COLO(filter_redirector0_indev),
    COLO(filter_redirector0_outdev),
    COLO(filter_redirector1_queue),
    COLO(filter_redirector1_indev),
    COLO(filter_redirector1_outdev),
    COLO(compare_pri_in),
    COLO(compare_sec_in),
    COLO(compare_out),
    COLO(compare_notify_dev),
    COLO(sock_sec_redirector0_id),
    COLO(sock_sec_redirector0_ip),
    COLO(sock_sec_redirector0_port),
    COLO(sock_sec_redirector1_id),
    COLO(sock_sec_redirector1_ip),
    COLO(sock_sec_redirector1_port),
    COLO(filter_sec_redirector0_queue),
    COLO(filter_sec_redirector0_indev),
    COLO(filter_sec_redirector0_outdev),
    COLO(filter_sec_redirector1_queue),
    COLO(filter_sec_redirector1_indev),
    COLO(filter_sec_redirector1_outdev),
    COLO(filter_sec_rewriter0_queue),
    COLO(checkpoint_host),
    COLO(checkpoint_port),
    { "mac", BACK, F(mac), &libxl__devc_mac, NULL, OPT, NULL },
    { "ip", BACK, F(ip), &libxl__devc_string, NULL, OPT, NULL },
    { "gatewaydev", BACK, F(gatewaydev), &libxl__devc_string, NULL, WO,
      NULL },
    { "rate", BACK, 0, &rate_codec, NULL, WO, has_rate },
    /* mtu is an int that libxl prints unsigned */
    { "mtu", BACK, F(mtu), &libxl__devc_u32, NULL, OPT, mtu_not_default },
    { "bridge", BACK, F(bridge), &libxl__devc_string, NULL, OPT, NULL },
    { "handle", BACK, F(devid), &libxl__devc_int, NULL, OPT, NULL },
    { "type", BACK, F(nictype), &libxl__devc_enum,
      LIBXL__DEVC_ENUM(libxl_nic_type), OPT, NULL },
    /* netback stays out of Connected until the script says so */
    { "hotplug-status", BACK, 0, &libxl__devc_fixed, "", 0, NULL },
    /* the frontend's own */
    { "backend-id", FRONT, A(backend_domid), &libxl__devc_u32, NULL,
      LIBXL__DEVENT_ADDR, NULL },
    { "state", FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
    { "handle", FRONT, F(devid), &libxl__devc_int, NULL, 0, NULL },
    { "mac", FRONT, F(mac), &libxl__devc_mac, NULL, 0, NULL },
    { "trusted", FRONT, F(trusted), &libxl__devc_defbool01, NULL, 0, NULL },
    { "mtu", RO_FRONT, F(mtu), &libxl__devc_u32, NULL, 0, NULL },
};
#undef COLO
#undef F
#undef A

/* ------------------------------------------------------------ devtype */

static bool nic_same(const void *a, const void *b)
{
    return ((const libxl_device_nic *)a)->devid ==
           ((const libxl_device_nic *)b)->devid;
}

/* libxl's defaults, in its order (an MTU, a model, a random MAC in Xen's
 * OUI, the bridge, the script, the backend domain, the nic type). */
static int nic_setdefault(libxl__gc *gc, uint32_t domid,
                          libxl_domain_type type, void *dev, bool hotplug)
{
    libxl_device_nic *nic = dev;
    int rc;

    if (!nic->mtu) nic->mtu = DEFAULT_MTU;
    if (!nic->model) {
        nic->model = strdup("rtl8139");
        if (!nic->model) return ERROR_NOMEM;
    }
    if (!nic->mac[0] && !nic->mac[1] && !nic->mac[2] && !nic->mac[3] &&
        !nic->mac[4] && !nic->mac[5]) {
        libxl_uuid uuid;
        const uint8_t *r;

        libxl_uuid_generate(&uuid);
        r = libxl_uuid_bytearray(&uuid);
        nic->mac[0] = 0x00;
        nic->mac[1] = 0x16;
        nic->mac[2] = 0x3e;
        nic->mac[3] = r[0] & 0x7f;
        nic->mac[4] = r[1];
        nic->mac[5] = r[2];
    }
    if (!nic->bridge) {
        nic->bridge = strdup("xenbr0");
        if (!nic->bridge) return ERROR_NOMEM;
    }
    if (!nic->script) {
        nic->script = strdup(SCRIPT_DIR "/vif-bridge");
        if (!nic->script) return ERROR_FAIL;
    }
    if (nic->backend_domname) {
        rc = libxl_domain_qualifier_to_domid(gc->ctx, nic->backend_domname,
                                             &nic->backend_domid);
        if (rc < 0) return rc;
    }
    switch (type) {
    case LIBXL_DOMAIN_TYPE_HVM:
        if (!nic->nictype)
            nic->nictype = hotplug ? LIBXL_NIC_TYPE_VIF
                                   : LIBXL_NIC_TYPE_VIF_IOEMU;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
    case LIBXL_DOMAIN_TYPE_PVH:
        if (nic->nictype == LIBXL_NIC_TYPE_VIF_IOEMU) {
            LOGD(gc->ctx, ERROR, domid, "trying to create PV or PVH guest"
                 " with an emulated interface");
            return ERROR_INVAL;
        }
        nic->nictype = LIBXL_NIC_TYPE_VIF;
        break;
    default:
        return ERROR_FAIL;
    }
    libxl_defbool_setdefault(&nic->trusted, true);
    return 0;
}

static int nic_update_devid(libxl__gc *gc, uint32_t domid, void *dev)
{
    libxl_device_nic *nic = dev;

    if (nic->devid == -1)
        nic->devid = libxl__device_nextid(gc, domid, LIBXL__DEVKIND_VIF);
    return nic->devid < 0 ? ERROR_FAIL : 0;
}

/* The stored copy keeps the devid, type and MAC the defaults chose. */
static void nic_update_config(libxl__gc *gc, void *saved, const void *dev)
{
    libxl_device_nic *dst = saved;
    const libxl_device_nic *src = dev;
    (void)gc;

    dst->devid = src->devid;
    dst->nictype = src->nictype;
    memcpy(dst->mac, src->mac, sizeof(dst->mac));
}

/* What the table does not say: the backend domain (from the record's
 * backend path), and the values libxl gives a record that lacks the
 * handle, mtu or type. */
static int nic_from_record(libxl__gc *gc, const libxl__devaddr *addr,
                           const char *(*get)(const char *, void *),
                           void *user, void *dev)
{
    libxl_device_nic *nic = dev;
    const char *be = get("backend", user);

    nic->devid = 0;
    if (!be) {
        LOG(gc->ctx, ERROR, "nic %s does not exist (no backend path)",
            libxl__dev_record_path(gc, addr));
        return ERROR_FAIL;
    }
    if (libxl__device_backend_domid(gc, be, &nic->backend_domid))
        return ERROR_FAIL;
    nic->mtu = DEFAULT_MTU;
    nic->nictype = LIBXL_NIC_TYPE_VIF;
    return 0;
}

const libxl__devtype libxl__nic_devtype = {
    .name = "nic",
    .kind = LIBXL__DEVKIND_VIF,
    .size = sizeof(libxl_device_nic),
    .cfg_array = offsetof(libxl_domain_config, nics),
    .cfg_num = offsetof(libxl_domain_config, num_nics),
    .init = (void (*)(void *))libxl_device_nic_init,
    .dispose = (void (*)(void *))libxl_device_nic_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_nic_copy,
    .same = nic_same,
    .setdefault = nic_setdefault,
    .update_devid = nic_update_devid,
    .update_config = nic_update_config,
    .backend_domid_off = offsetof(libxl_device_nic, backend_domid),
    .devid_off = offsetof(libxl_device_nic, devid),
    .entries = LIBXL__DEV_ENTRIES(nic_entries),
    .from_record = nic_from_record,
    .hotplug = LIBXL__HOTPLUG_VIF,
};
#define nic_type libxl__nic_devtype

/* --------------------------------------------------- public functions */

int libxl_device_nic_add(libxl_ctx *ctx, uint32_t domid,
                         libxl_device_nic *nic,
                         const libxl_asyncop_how *ao_how)
{
    return libxl__device_add(ctx, domid, &nic_type, nic, ao_how);
}

int libxl_device_nic_remove(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_nic *nic,
                            const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &nic_type, nic,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_nic_destroy(libxl_ctx *ctx, uint32_t domid,
                             libxl_device_nic *nic,
                             const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &nic_type, nic,
                                LIBXL__FORCE_ON, ao_how);
}

libxl_device_nic *libxl_device_nic_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num)
{
    GC_INIT(ctx);
    return libxl__device_list(gc, &nic_type, domid, num);
}

int libxl_devid_to_device_nic(libxl_ctx *ctx, uint32_t domid, int devid,
                              libxl_device_nic *nic)
{
    GC_INIT(ctx);
    return libxl__device_devid_to_device(gc, &nic_type, domid, devid, nic);
}

/*
 * A MAC address as libxl reads one: six groups of exactly two characters
 * that strtol takes as a hexadecimal number, each followed by ':' or the
 * end of the text; what follows the sixth group's ':' is not looked at.
 */
static int parse_mac(const char *s, libxl_mac mac)
{
    const char *tok = s;
    int i;

    for (i = 0; *tok && i < 6; i++) {
        char *end;
        long v = strtol(tok, &end, 16);

        if (end != tok + 2 || (*end && *end != ':')) return ERROR_INVAL;
        mac[i] = (uint8_t)v;
        tok = *end == ':' ? end + 1 : end;
    }
    return i == 6 ? 0 : ERROR_INVAL;
}

int libxl_mac_to_device_nic(libxl_ctx *ctx, uint32_t domid, const char *mac,
                            libxl_device_nic *nic)
{
    GC_INIT(ctx);
    libxl_device_nic *nics;
    libxl_mac want;
    int n = 0, found = -1, rc;

    rc = parse_mac(mac, want);
    if (rc) return rc;
    nics = libxl__device_list(gc, &nic_type, domid, &n);
    if (!nics) return ERROR_FAIL;
    memset(nic, 0, sizeof(*nic));
    for (int i = 0; i < n; i++) {
        if (!memcmp(nics[i].mac, want, sizeof(want))) {
            found = i;
            break;
        }
    }
    if (found >= 0) {
        *nic = nics[found];               /* the caller owns its strings */
        memmove(&nics[found], &nics[found + 1],
                (size_t)(n - found - 1) * sizeof(*nics));
        n--;
    }
    libxl__device_list_free(&nic_type, nics, n);
    return found >= 0 ? 0 : ERROR_INVAL;
}

/* A number the guest wrote, read as libxl reads it (strtoul), or -1. */
static int frontend_number(libxl__gc *gc, const char *fe, const char *key)
{
    const char *v = libxl__xs_read_checked(gc, XBT_NULL,
                                           GCSPRINTF("%s/%s", fe, key),
                                           MAX_GUEST_VALUE);
    return v ? (int)strtoul(v, NULL, 10) : -1;
}

int libxl_device_nic_getinfo(libxl_ctx *ctx, uint32_t domid,
                             const libxl_device_nic *nic,
                             libxl_nicinfo *nicinfo)
{
    GC_INIT(ctx);
    libxl__devaddr addr = { .kind = LIBXL__DEVKIND_VIF,
                            .backend_kind = LIBXL__DEVKIND_VIF,
                            .domid = domid, .devid = nic->devid };
    const char *fe = libxl__dev_frontend_path(gc, &addr);
    const char *rec = libxl__dev_record_path(gc, &addr);
    int rc;

    nicinfo->devid = nic->devid;
    nicinfo->backend = NULL;
    if (!fe || !rec) return ERROR_NOMEM;
    nicinfo->backend = xs_read(ctx->xsh, XBT_NULL,
                               GCSPRINTF("%s/backend", rec), NULL);
    if (!nicinfo->backend) return ERROR_FAIL;
    rc = libxl__device_backend_domid(gc, nicinfo->backend,
                                     &nicinfo->backend_id);
    if (rc) {
        free(nicinfo->backend);
        nicinfo->backend = NULL;
        return rc;
    }
    nicinfo->state = frontend_number(gc, fe, "state");
    nicinfo->evtch = frontend_number(gc, fe, "event-channel");
    nicinfo->rref_tx = frontend_number(gc, fe, "tx-ring-ref");
    nicinfo->rref_rx = frontend_number(gc, fe, "rx-ring-ref");
    nicinfo->frontend = strdup(fe);
    if (!nicinfo->frontend) {
        free(nicinfo->backend);
        nicinfo->backend = NULL;
        return ERROR_NOMEM;
    }
    nicinfo->frontend_id = domid;
    return 0;
}
