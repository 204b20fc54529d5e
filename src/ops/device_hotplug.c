/*
 * ops/device_hotplug.c: what a device's hotplug script is run with
 * (ops/device.h): libxl 4.17's arguments, and its environment (this
 * process's, plus script, XENBUS_TYPE, XENBUS_PATH, XENBUS_BASE_PATH and,
 * for a vif, netdev and vif). In the toolstack's domain everything comes
 * from its record of the device (/libxl/D/device/K/N, which only dom0 can
 * write); in a driver domain (libxl_device_events_handler), which cannot
 * read those records, from its own backend directory, which only it and
 * dom0 can write. Never from the frontend directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"
#include "xs/paths.h"
#include "libxl_utils.h"

extern char **environ;

/* Longest script path or record value taken. */
#define MAX_VALUE 4096

/* A value under src: the toolstack's record, or (in a driver domain,
 * which cannot read dom0's records) its own backend directory. */
static const char *record_value(libxl__gc *gc, const char *src,
                                const char *key)
{
    return src ? libxl__xs_read_checked(gc, XBT_NULL,
                                        GCSPRINTF("%s/%s", src, key),
                                        MAX_VALUE)
               : NULL;
}

/* environ with the pairs of extra (NAME, value, ..., NULL) set. */
static char **make_env(libxl__gc *gc, const char **extra)
{
    size_t n_env = 0, n_extra = 0, n = 0;
    char **env;

    while (environ && environ[n_env]) n_env++;
    while (extra[2 * n_extra]) n_extra++;
    env = GCZALLOC((n_env + n_extra + 1) * sizeof(*env));
    if (!env) return NULL;
    for (size_t i = 0; i < n_env; i++) {
        bool replaced = false;
        for (size_t j = 0; j < n_extra; j++) {
            size_t len = strlen(extra[2 * j]);
            if (!strncmp(environ[i], extra[2 * j], len) &&
                environ[i][len] == '=')
                replaced = true;
        }
        if (!replaced) env[n++] = environ[i];
    }
    for (size_t j = 0; j < n_extra; j++) {
        env[n] = GCSPRINTF("%s=%s", extra[2 * j], extra[2 * j + 1]);
        if (!env[n++]) return NULL;
    }
    env[n] = NULL;
    return env;
}

/* The variables every script gets, into vars (room for 8 more pairs),
 * returning how many strings were put. */
static int common_vars(libxl__gc *gc, const libxl__devaddr *addr,
                       const char *script, const char **vars)
{
    const char *kind = libxl__devkind_name(addr->backend_kind);

    vars[0] = "script";
    vars[1] = script;
    vars[2] = "XENBUS_TYPE";
    vars[3] = kind;
    vars[4] = "XENBUS_PATH";
    vars[5] = GCSPRINTF("backend/%s/%u/%d", kind, addr->domid, addr->devid);
    vars[6] = "XENBUS_BASE_PATH";
    vars[7] = "backend";
    return 8;
}

static const char *read_script(libxl__gc *gc, const libxl__devaddr *addr,
                               const char *src)
{
    const char *script = record_value(gc, src, "script");

    if (!script)
        LOGED(gc->ctx, ERROR, addr->domid, "unable to read script from %s",
              libxl__dev_backend_path(gc, addr));
    return script;
}

static int block_args(libxl__gc *gc, const libxl__devaddr *addr,
                      const char *src, bool add,
                      int num_exec, const char **path, char ***argv,
                      char ***envp)
{
    const char *vars[17], *script;
    int n;

    if (num_exec) {
        LOGD(gc->ctx, DEBUG, addr->domid,
             "num_exec %d, not running hotplug scripts", num_exec);
        return 0;
    }
    script = read_script(gc, addr, src);
    if (!script) return ERROR_FAIL;
    n = common_vars(gc, addr, script, vars);
    vars[n] = NULL;
    *envp = make_env(gc, vars);
    *argv = GCZALLOC(3 * sizeof(**argv));
    if (!*envp || !*argv) return ERROR_NOMEM;
    (*argv)[0] = (char *)script;
    (*argv)[1] = (char *)(add ? "add" : "remove");
    *path = script;
    return 1;
}

static int vif_args(libxl__gc *gc, const libxl__devaddr *addr,
                    const char *src, bool add,
                    int num_exec, const char **path, char ***argv,
                    char ***envp)
{
    const char *vars[17], *script, *type, *gatewaydev, *vif;
    libxl_nic_type nictype;
    int n;

    if (num_exec > 1 ||
        (num_exec && libxl_get_stubdom_id(gc->ctx, addr->domid))) {
        LOGD(gc->ctx, DEBUG, addr->domid,
             "num_exec %d, not running hotplug scripts", num_exec);
        return 0;
    }
    script = read_script(gc, addr, src);
    if (!script) return ERROR_FAIL;
    type = record_value(gc, src, "type");
    if (!type || libxl_nic_type_from_string(type, &nictype) ||
        (nictype != LIBXL_NIC_TYPE_VIF &&
         nictype != LIBXL_NIC_TYPE_VIF_IOEMU)) {
        LOGD(gc->ctx, ERROR, addr->domid, "error when fetching nic type");
        return ERROR_FAIL;
    }
    if (nictype == LIBXL_NIC_TYPE_VIF && num_exec) return 0;
    gatewaydev = record_value(gc, src, "gatewaydev");
    vif = GCSPRINTF("vif%u.%d", addr->domid, addr->devid);
    n = common_vars(gc, addr, script, vars);
    vars[n++] = "netdev";
    vars[n++] = gatewaydev ? gatewaydev : "";
    if (nictype == LIBXL_NIC_TYPE_VIF_IOEMU) {
        vars[n++] = "INTERFACE";
        vars[n++] = GCSPRINTF("%s-emu", vif);
    }
    vars[n++] = "vif";
    vars[n++] = vif;
    vars[n] = NULL;
    *envp = make_env(gc, vars);
    *argv = GCZALLOC(4 * sizeof(**argv));
    if (!*envp || !*argv) return ERROR_NOMEM;
    (*argv)[0] = (char *)script;
    if (nictype == LIBXL_NIC_TYPE_VIF_IOEMU && num_exec) {
        (*argv)[1] = (char *)(add ? "add" : "remove");
        (*argv)[2] = (char *)"type_if=tap";
    } else {
        (*argv)[1] = (char *)(add ? "online" : "offline");
        (*argv)[2] = (char *)"type_if=vif";
    }
    *path = script;
    return 1;
}

/* The arguments for addr's backend kind, read from src. */
static int args_from(libxl__gc *gc, const libxl__devaddr *addr,
                     const char *src, bool add, int num_exec,
                     const char **path, char ***argv, char ***envp)
{
    switch (addr->backend_kind) {
    case LIBXL__DEVKIND_VBD:
        return block_args(gc, addr, src, add, num_exec, path, argv, envp);
    case LIBXL__DEVKIND_VIF:
        return vif_args(gc, addr, src, add, num_exec, path, argv, envp);
    default:
        break;
    }
    LOGD(gc->ctx, DEBUG, addr->domid,
         "backend_kind %d, no need to execute scripts", addr->backend_kind);
    return 0;
}

int libxl__device_hotplug_args(libxl__gc *gc, const libxl__devtype *dt,
                               const libxl__devaddr *addr, bool add,
                               int num_exec, const char **path,
                               char ***argv, char ***envp)
{
    /* without its kind, a device is known by its backend's alone */
    bool block = addr->backend_kind == LIBXL__DEVKIND_VBD;
    bool vif = addr->backend_kind == LIBXL__DEVKIND_VIF;
    bool runs = dt ? (dt->hotplug == LIBXL__HOTPLUG_BLOCK && block) ||
                     (dt->hotplug == LIBXL__HOTPLUG_VIF && vif)
                   : block || vif;

    if (!runs) {
        LOGD(gc->ctx, DEBUG, addr->domid,
             "backend_kind %d, no need to execute scripts",
             addr->backend_kind);
        return 0;
    }
    return args_from(gc, addr, libxl__dev_record_path(gc, addr), add,
                     num_exec, path, argv, envp);
}

int libxl__device_hotplug_args_backend(libxl__gc *gc,
                                       const libxl__devaddr *addr, bool add,
                                       int num_exec, const char **path,
                                       char ***argv, char ***envp)
{
    return args_from(gc, addr, libxl__dev_backend_path(gc, addr), add,
                     num_exec, path, argv, envp);
}
