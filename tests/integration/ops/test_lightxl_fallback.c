/*
 * test_lightxl_fallback.c: `lightxl shutdown -F` and `reboot -F` on an HVM
 * guest without PV drivers: lightxl falls back to the ACPI power button
 * (libxl_send_trigger), whose simulated guest OS powers off, and -w waits
 * for that shutdown; a reset (reboot -F) is refused by the hypervisor on
 * x86, as on Xen; without -F the missing PV interface is an error.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char lightxl[PATH_MAX];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    snprintf(lightxl, sizeof(lightxl), "%s", subproc_build_path("lightxl"));
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static int run(char **out, char **err, const char *const argv[])
{
    const char *env[] = {preload_env,
                         "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0",
                         NULL};
    return subproc_run(out, err, argv, env, 30000);
}

TEST(lightxl_shutdown_fallback_presses_the_power_button, 60)
{
    int d = simhost_create_hvm_domain("hvmguest", "hvm", NULL);
    ck_assert_int_ge(d, 1);
    char id[16], *out = NULL, *err = NULL;
    snprintf(id, sizeof(id), "%d", d);

    /* Without -F: no PV control interface, an error. */
    const char *plain[] = {lightxl, "shutdown", id, NULL};
    ck_assert_int_eq(run(NULL, &err, plain), 1);
    ck_assert_ptr_nonnull(strstr(err, "no PV control interface"));
    free(err);

    /* reboot -F: a reset, which Xen refuses on x86. */
    const char *reboot[] = {lightxl, "reboot", "-F", id, NULL};
    ck_assert_int_ne(run(NULL, &err, reboot), 0);
    ck_assert_ptr_nonnull(strstr(err, "ACPI reset"));
    free(err);

    /* shutdown -F -w: the power button, then the guest's poweroff. */
    const char *fallback[] = {lightxl, "shutdown", "-F", "-w", "--timeout",
                              "20", id, NULL};
    ck_assert_int_eq(run(&out, &err, fallback), 0);
    ck_assert_ptr_nonnull(strstr(err, "power button"));
    ck_assert_ptr_nonnull(strstr(out, "has shut down, reason poweroff"));
    free(out);
    free(err);
    ck_assert_int_eq(simhost_cli(&out, "mem", id, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "trigger_power=1\n"));
    free(out);
}
