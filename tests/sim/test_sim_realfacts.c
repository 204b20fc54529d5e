/*
 * test_sim_realfacts.c: the simulated host gives the answers the real
 * hypervisor gave. tests/realxen/rxfacts (built against Debian's libraries)
 * asserts, for each fact issue 16's simulation relies on, the simulator's
 * answer; `make check-xen` runs it in a real Xen 4.17 dom0 (where every
 * check passed, or the simulator was changed to match), and this test runs
 * the same binary on a simulated host of the same shape (2 cpus, 1 node)
 * with a 1-vcpu guest: every check passes here too, and the probe leaves
 * the host as it found it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhost.h"
#include "testmain.h"

static simhost *host;

static void setup(void)
{
    setenv("XENSIM_CPUS", "2", 1);     /* the real suite's host: 2 cpus */
    setenv("XENSIM_NODES", "1", 1);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Runs rxfacts on the host; its exit status, the PASS and FAIL counts. */
static int run_rxfacts(int domid, int *pass, int *fail)
{
    char cmd[1024], line[1024];
    snprintf(cmd, sizeof cmd, "LD_PRELOAD=%s %s sim %d 2>&1", SIM_PRELOAD_PATH,
             RXFACTS_PATH, domid);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    *pass = *fail = 0;
    while (fgets(line, sizeof line, p)) {
        if (!strncmp(line, "PASS ", 5))
            ++*pass;
        if (!strncmp(line, "FAIL ", 5)) {
            ++*fail;
            fprintf(stderr, "rxfacts: %s", line);
        }
    }
    return pclose(p);
}

TEST(rxfacts_passes_on_the_simulator, 60)
{
    int pass, fail;
    int d = simhost_create_domain("rxg", 128, 1, "obey");
    ck_assert_int_ge(d, 1);
    ck_assert_int_eq(run_rxfacts(d, &pass, &fail), 0);
    ck_assert_int_eq(fail, 0);
    ck_assert_int_ge(pass, 50);
    /* as it found it: a second run answers the same */
    int pass2, fail2;
    ck_assert_int_eq(run_rxfacts(d, &pass2, &fail2), 0);
    ck_assert_int_eq(fail2, 0);
    ck_assert_int_eq(pass2, pass);
}
