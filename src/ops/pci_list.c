/*
 * ops/pci_list.c: libxl_device_pci_list, the PCI devices a domain has, as
 * libxl 4.17 reads them from the domain's pci backend in dom0's xenstore
 * (/local/domain/0/backend/pci/DOMID/0: num_devs, then dev-N, vdevfn-N,
 * name-N and opts-N for each N below it). Needs no hypervisor.
 *
 * The backend is dom0's, but its values are parsed strictly all the same:
 * where libxl would crash (a dev-N missing, options without a value, a
 * negative count) or read a prefix, lightcore logs and returns no list,
 * or leaves out an option it cannot parse. Keeps no state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/gc.h"
#include "base/log.h"
#include "dev/devpath.h"
#include "xs/paths.h"

#include "libxl.h"

#define PCI_DEVS_MAX  256      /* a bus's worth: more is not a backend */
#define XS_VALUE_MAX  4096

/* Exactly "ssss:bb:dd.f" (hex; device <= 0x1f, function <= 7). */
static bool parse_dev(const char *s, libxl_device_pci *pci)
{
    unsigned v[4] = {0};
    static const int width[4] = {4, 2, 2, 1};
    static const char after[4] = {':', ':', '.', '\0'};

    for (int f = 0; f < 4; f++) {
        for (int i = 0; i < width[f]; i++, s++) {
            int c = (unsigned char)*s, d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else return false;
            v[f] = v[f] * 16 + (unsigned)d;
        }
        if (*s++ != after[f])
            return false;
    }
    if (v[2] > 0x1f || v[3] > 7)
        return false;
    pci->domain = (int)v[0];
    pci->bus = (uint8_t)v[1];
    pci->dev = (uint8_t)v[2];
    pci->func = (uint8_t)v[3];
    return true;
}

/* A whole decimal int (optional '-'), as libxl's options hold. */
static bool parse_int(const char *s, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int)v;
    return true;
}

/*
 * opts-N: "key=value,..." with libxl's keys (msitranslate, power_mgmt,
 * permissive, rdm_policy); unknown keys are skipped, a known key with a
 * value that does not parse is logged and skipped.
 */
static void parse_opts(libxl__gc *gc, const char *path, char *opts,
                       libxl_device_pci *pci)
{
    char *save = NULL;

    for (char *item = strtok_r(opts, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        char *value = strchr(item, '=');
        int n;
        bool ok = true;

        while (*item == ' ')
            item++;
        if (!value)
            continue;
        *value++ = '\0';
        if (!strcmp(item, "rdm_policy")) {
            ok = !libxl_rdm_reserve_policy_from_string(value,
                                                       &pci->rdm_policy);
        } else {
            bool *flag = !strcmp(item, "msitranslate") ? &pci->msitranslate
                : !strcmp(item, "power_mgmt") ? &pci->power_mgmt
                : !strcmp(item, "permissive") ? &pci->permissive : NULL;
            if (!flag)
                continue;
            ok = parse_int(value, &n);
            if (ok)
                *flag = n != 0;
        }
        if (!ok)
            LOG(CTX, WARN, "%s: option %s has a bad value, ignored", path,
                item);
    }
}

/* Device nr of the backend at be into pci (initialised): 0 or ERROR_FAIL
 * (logged). */
static int read_device(libxl__gc *gc, const char *be, unsigned nr,
                       libxl_device_pci *pci)
{
    char *path = GCSPRINTF("%s/dev-%u", be, nr);
    char *s = path ? libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX)
                   : NULL;

    if (!s || !parse_dev(s, pci)) {
        LOG(CTX, ERROR, "%s: %s", path ? path : be,
            s ? "not a PCI address" : "missing");
        return ERROR_FAIL;
    }

    path = GCSPRINTF("%s/vdevfn-%u", be, nr);
    s = path ? libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX) : NULL;
    if (s) {
        char *end;
        unsigned long v;
        errno = 0;
        v = strtoul(s, &end, 16);
        if (end == s || *end || errno || v > UINT32_MAX || s[0] == '-')
            LOG(CTX, WARN, "%s: not a hex number, ignored", path);
        else
            pci->vdevfn = (uint32_t)v;
    }

    path = GCSPRINTF("%s/name-%u", be, nr);
    s = path ? libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX) : NULL;
    if (s) {
        pci->name = strdup(s);
        if (!pci->name) return ERROR_NOMEM;
    }

    path = GCSPRINTF("%s/opts-%u", be, nr);
    s = path ? libxl__xs_read_checked(gc, XBT_NULL, path, XS_VALUE_MAX) : NULL;
    if (s)
        parse_opts(gc, path, s, pci);
    return 0;
}

libxl_device_pci *libxl_device_pci_list(libxl_ctx *ctx, uint32_t domid,
                                        int *num)
{
    GC_INIT(ctx);
    libxl_device_pci *list = NULL;
    const char *p;
    uint32_t n;
    int got = 0;

    *num = 0;
    char *dom0 = libxl__gc_adopt(gc, xs_get_domain_path(ctx->xsh, 0));
    char *be = dom0 ? GCSPRINTF("%s/backend/pci/%u/0", dom0, domid) : NULL;
    char *path = be ? GCSPRINTF("%s/num_devs", be) : NULL;
    char *count = path ? libxl__xs_read_checked(gc, XBT_NULL, path,
                                                XS_VALUE_MAX) : NULL;
    if (!count)
        return NULL;                   /* no backend: no device (no log) */
    p = count;
    if (!libxl__parse_u32_strict(&p, &n) || *p || n > PCI_DEVS_MAX) {
        LOG(ctx, ERROR, "%s: not a device count: %s", path, count);
        return NULL;
    }
    if (!n)
        return NULL;
    list = calloc(n, sizeof(*list));
    if (!list) {
        LOG(ctx, ERROR, "cannot allocate %u PCI devices", n);
        return NULL;
    }
    for (; got < (int)n; got++) {
        libxl_device_pci_init(&list[got]);
        if (read_device(gc, be, (unsigned)got, &list[got])) {
            libxl_device_pci_list_free(list, got + 1);
            return NULL;
        }
    }
    *num = got;
    return list;
}
