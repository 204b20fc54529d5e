/*
 * test_datacopier.c: libxl__datacopier (subop/datacopier.h) inside
 * an operation. Everything runs in the test's one event loop: a source
 * that writes a known pattern into a non-blocking pipe and then closes
 * it, the copier, and a sink that reads the other end and checks every
 * byte (fast, or slow: a little per round). Cases: several MiB through a
 * pipe pair (with and without the read hook), backpressure against a
 * slow sink (never more than the buffer in flight), maxread exceeded and
 * exactly reached, immediate EOF, collecting through the hook alone
 * (writefd -1), a reader that has gone (EPIPE on a pipe and on a socket:
 * the process survives and no SIGPIPE is left behind), abort mid-copy and
 * while idle, regular files on either side, a read error, the hook
 * stopping the copy, and starts refused.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include "subop/datacopier.h"
#include "subop/subop_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); }
static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

#define MiB (1024 * 1024)

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 131u + (i >> 13));
}

static bool pattern_ok(const uint8_t *buf, size_t len, uint64_t offset)
{
    for (size_t k = 0; k < len; k++)
        if (buf[k] != pattern(offset + k)) return false;
    return true;
}

static void fill_pattern(uint8_t *buf, size_t len, uint64_t offset)
{
    for (size_t k = 0; k < len; k++) buf[k] = pattern(offset + k);
}

/* ------------------------------------------------------------- source */

/* Writes total pattern bytes into fd as fast as it is taken, then closes
 * fd (unless hold_open). */
typedef struct {
    libxl__ev_fd reg;
    int fd;
    uint64_t total, sent;
    bool hold_open, closed;
} source;

static source S;

static void source_writable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                            short events, short revents)
{
    source *s = CONTAINER_OF(ev, source, reg);
    uint8_t buf[8192];
    (void)events; (void)revents;

    while (s->sent < s->total) {
        size_t n = sizeof(buf);
        if (n > s->total - s->sent) n = (size_t)(s->total - s->sent);
        fill_pattern(buf, n, s->sent);
        ssize_t r = write(fd, buf, n);
        if (r < 0 && errno == EAGAIN) return;
        ck_assert_msg(r > 0, "source write: %s", strerror(errno));
        s->sent += (uint64_t)r;
    }
    libxl__ev_fd_deregister(egc->ctx, ev);
    if (s->hold_open) return;
    close(s->fd);
    s->fd = -1;
    s->closed = true;
}

static void source_start(int fd, uint64_t total)
{
    memset(&S, 0, sizeof(S));
    S.fd = fd;
    S.total = total;
    libxl__ev_fd_init(&S.reg);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &S.reg, source_writable, fd,
                                           POLLOUT), 0);
    CTX_UNLOCK(ctx);
}

static void source_stop(void)
{
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &S.reg);
    CTX_UNLOCK(ctx);
    if (S.fd >= 0) close(S.fd);
    S.fd = -1;
}

/* ------------------------------------------------------------- copier */

typedef struct {
    libxl__ao *ao;
    libxl__datacopier_state dc;
    int calls, rc, onwrite, errnoval;
    bool inuse_in_callback;
    /* parameters */
    int readfd, writefd;
    uint64_t maxread;
    size_t bufsize;
    bool hook, hook_stops;
    bool close_writefd;           /* when done: so the sink sees EOF */
    /* what the hook saw */
    int hook_calls;
    uint64_t hooked;
    bool hook_bad;
} copy_run;

static copy_run D;

static void copy_done(libxl__egc *egc, libxl__datacopier_state *dc, int rc,
                      int onwrite, int errnoval)
{
    copy_run *cr = CONTAINER_OF(dc, copy_run, dc);
    cr->calls++;
    cr->rc = rc;
    cr->onwrite = onwrite;
    cr->errnoval = errnoval;
    cr->inuse_in_callback = libxl__datacopier_inuse(dc);
    if (cr->close_writefd && cr->writefd >= 0) {
        close(cr->writefd);
        cr->writefd = -1;
    }
    libxl__ao_complete(egc, cr->ao, rc);
}

static void copy_hook(libxl__egc *egc, libxl__datacopier_state *dc,
                      const void *data, size_t len)
{
    copy_run *cr = CONTAINER_OF(dc, copy_run, dc);
    ck_assert_uint_gt(len, 0);
    if (!pattern_ok(data, len, cr->hooked)) cr->hook_bad = true;
    cr->hook_calls++;
    cr->hooked += len;
    if (cr->hook_stops) {
        libxl__datacopier_stop(egc->ctx, dc);
        ck_assert(!libxl__datacopier_inuse(dc));
        libxl__ao_complete(egc, cr->ao, 0);
    }
}

static int copy_starter(libxl__egc *egc, libxl__ao *ao, void *arg)
{
    copy_run *cr = arg;
    (void)egc;
    cr->ao = ao;
    libxl__datacopier_init(&cr->dc);
    cr->dc.ao = ao;
    cr->dc.readfd = cr->readfd;
    cr->dc.writefd = cr->writefd;
    cr->dc.maxread = cr->maxread;
    cr->dc.bufsize = cr->bufsize;
    cr->dc.copywhat = "test data";
    cr->dc.readwhat = "the source";
    cr->dc.writewhat = "the sink";
    cr->dc.callback = copy_done;
    if (cr->hook) cr->dc.readhook = copy_hook;
    return libxl__datacopier_start(&cr->dc);
}

static void copy_init(int readfd, int writefd)
{
    memset(&D, 0, sizeof(D));
    D.rc = -12345;
    D.readfd = readfd;
    D.writefd = writefd;
    D.close_writefd = true;
}

static int copy_start(t_op *op)
{
    int rc = t_op_start(ctx, op, copy_starter, &D);
    ck_assert_int_eq(D.calls, 0);       /* never from inside _start */
    return rc;
}

/* --------------------------------------------------------------- sink */

/* Reads fd (all there is per round, or per_call bytes), checking the
 * pattern; watches the copier's buffer while it runs. */
typedef struct {
    libxl__ev_fd reg;
    int fd;
    size_t per_call;              /* 0: until EAGAIN */
    uint64_t got;
    bool eof, bad;
    uint64_t max_in_flight;       /* read by the copier, not yet written */
    bool saw_paused;              /* the copier had stopped reading */
} sink;

static sink K;

static void sink_readable(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                          short events, short revents)
{
    sink *k = CONTAINER_OF(ev, sink, reg);
    static uint8_t buf[65536];
    (void)events; (void)revents;

    for (;;) {
        size_t want = k->per_call ? k->per_call : sizeof(buf);
        ssize_t r = read(fd, buf, want);
        if (r < 0 && errno == EAGAIN) break;
        ck_assert_msg(r >= 0, "sink read: %s", strerror(errno));
        if (r == 0) {
            k->eof = true;
            libxl__ev_fd_deregister(egc->ctx, ev);
            break;
        }
        if (!pattern_ok(buf, (size_t)r, k->got)) k->bad = true;
        k->got += (uint64_t)r;
        if (k->per_call) break;
    }
    if (libxl__datacopier_inuse(&D.dc)) {
        uint64_t in_flight = D.dc.bytes_read - D.dc.bytes_written;
        if (in_flight > k->max_in_flight) k->max_in_flight = in_flight;
        if (!libxl__ev_fd_isregistered(&D.dc.toread) && !D.dc.eof)
            k->saw_paused = true;
    }
}

static void sink_start(int fd, size_t per_call)
{
    memset(&K, 0, sizeof(K));
    K.fd = fd;
    K.per_call = per_call;
    libxl__ev_fd_init(&K.reg);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &K.reg, sink_readable, fd,
                                           POLLIN), 0);
    CTX_UNLOCK(ctx);
}

static void sink_stop(void)
{
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &K.reg);
    CTX_UNLOCK(ctx);
    close(K.fd);
}

/* ------------------------------------------------------------- waiting */

static t_op OP;

static bool copy_over(void *arg)
{
    (void)arg;
    return OP.calls && (K.eof || !libxl__ev_fd_isregistered(&K.reg));
}

/* Wait for the operation and (if there is one) the sink's EOF; the
 * operation's rc. */
static int copy_wait(void)
{
    ck_assert_msg(t_wait(ctx, copy_over, NULL, 25000),
                  "copy not over: op %d, read %llu written %llu, sink %llu",
                  OP.calls, (unsigned long long)D.dc.bytes_read,
                  (unsigned long long)D.dc.bytes_written,
                  (unsigned long long)K.got);
    ck_assert_int_eq(OP.calls, 1);
    return OP.rc;
}

static bool is_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* ------------------------------------------------------------- copying */

/* _i = 0: plain, 1: with the read hook */
TEST_LOOP(copy_pipe_several_mib, 30, 0, 2)
{
    const uint64_t total = 8 * MiB;
    int a[2], b[2];

    ck_assert_int_eq(pipe2(a, O_CLOEXEC), 0);   /* blocking: made so */
    ck_assert_int_eq(pipe2(b, O_CLOEXEC), 0);
    ck_assert_int_eq(fcntl(a[1], F_SETFL, O_NONBLOCK), 0);
    ck_assert_int_eq(fcntl(b[0], F_SETFL, O_NONBLOCK), 0);
    source_start(a[1], total);
    sink_start(b[0], 0);
    copy_init(a[0], b[1]);
    D.hook = _i;
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert(is_nonblocking(a[0]) && is_nonblocking(b[1]));
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_int_eq(D.calls, 1);
    ck_assert_int_eq(D.onwrite, 0);
    ck_assert_int_eq(D.errnoval, 0);
    ck_assert(!D.inuse_in_callback);
    ck_assert_uint_eq(D.dc.bytes_read, total);
    ck_assert_uint_eq(D.dc.bytes_written, total);
    ck_assert_uint_eq(K.got, total);
    ck_assert(!K.bad);
    ck_assert_ptr_null(D.dc.buf);
    if (_i) {
        ck_assert_uint_eq(D.hooked, total);
        ck_assert(!D.hook_bad);
    } else {
        ck_assert_int_eq(D.hook_calls, 0);
    }
    close(a[0]);
    sink_stop();
}

TEST(backpressure_slow_reader, 30)
{
    const uint64_t total = 1 * MiB;
    int a[2], b[2];

    t_pipe(a);
    t_pipe(b);
    source_start(a[1], total);
    sink_start(b[0], 1000);
    copy_init(a[0], b[1]);
    D.bufsize = 16384;
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_uint_eq(K.got, total);
    ck_assert(!K.bad);
    ck_assert_msg(K.saw_paused, "the copier never stopped reading");
    ck_assert_uint_le(K.max_in_flight, 16384);
    close(a[0]);
    sink_stop();
}

/* _i = 0: more than maxread, 1: exactly maxread */
TEST_LOOP(maxread, 30, 0, 2)
{
    const uint64_t max = 100000;
    int a[2], b[2];

    t_pipe(a);
    t_pipe(b);
    source_start(a[1], _i ? max : 3 * max);
    sink_start(b[0], 0);
    copy_init(a[0], b[1]);
    D.maxread = max;
    D.hook = true;
    ck_assert_int_eq(copy_start(&OP), 0);
    if (_i) {
        ck_assert_int_eq(copy_wait(), 0);
        ck_assert_uint_eq(K.got, max);
    } else {
        ck_assert_int_eq(copy_wait(), ERROR_BUFFERFULL);
        ck_assert_int_eq(D.onwrite, 0);
        ck_assert_int_eq(D.errnoval, 0);
        ck_assert_uint_le(D.dc.bytes_read, max);
        ck_assert_uint_le(K.got, max);
        ck_assert(testlog_contains(lg, XTL_ERROR,
                                   "gave more than the 100000 bytes"));
    }
    ck_assert_uint_le(D.hooked, max);
    ck_assert(!K.bad && !D.hook_bad);
    source_stop();
    close(a[0]);
    sink_stop();
}

TEST(eof_at_once, 30)
{
    int a[2], b[2];

    t_pipe(a);
    t_pipe(b);
    close(a[1]);
    sink_start(b[0], 0);
    copy_init(a[0], b[1]);
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_int_eq(D.onwrite, 0);
    ck_assert_uint_eq(D.dc.bytes_read, 0);
    ck_assert_uint_eq(K.got, 0);
    ck_assert(K.eof);
    close(a[0]);
    sink_stop();
}

TEST(collect_through_hook_only, 30)
{
    const uint64_t total = 1 * MiB + 12345;
    int a[2];

    t_pipe(a);
    source_start(a[1], total);
    copy_init(a[0], -1);
    D.hook = true;
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_uint_eq(D.hooked, total);
    ck_assert(!D.hook_bad);
    ck_assert_uint_eq(D.dc.bytes_read, total);
    ck_assert_uint_eq(D.dc.bytes_written, 0);
    close(a[0]);
}

/* ------------------------------------------------------------- failures */

/* _i = 0: the sink is a pipe, 1: a socket; its reader has gone. */
TEST_LOOP(reader_gone_epipe, 30, 0, 2)
{
    struct sigaction sa;
    sigset_t mask, pending;
    int a[2], b[2];

    sigaction(SIGPIPE, NULL, &sa);
    ck_assert_msg(sa.sa_handler == SIG_DFL, "SIGPIPE must kill, for this"
                  " test to mean anything");
    t_pipe(a);
    if (_i)
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
                                    b), 0);
    else
        t_pipe(b);
    close(b[0]);
    source_start(a[1], 100000);
    copy_init(a[0], b[1]);
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), ERROR_FAIL);
    ck_assert_int_eq(D.onwrite, 1);
    ck_assert_int_eq(D.errnoval, EPIPE);
    ck_assert(testlog_contains(lg, XTL_ERROR, "cannot write to the sink"));
    /* still here, and nothing left behind */
    sigpending(&pending);
    ck_assert(!sigismember(&pending, SIGPIPE));
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    ck_assert(!sigismember(&mask, SIGPIPE));
    source_stop();
    close(a[0]);
}

TEST(read_error, 30)
{
    int b[2];
    int wronly = open("/dev/null", O_WRONLY | O_CLOEXEC);

    ck_assert_int_ge(wronly, 0);
    t_pipe(b);
    sink_start(b[0], 0);
    copy_init(wronly, b[1]);
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), ERROR_FAIL);
    ck_assert_int_eq(D.onwrite, 0);
    ck_assert_int_eq(D.errnoval, EBADF);
    ck_assert(testlog_contains(lg, XTL_ERROR, "cannot read the source"));
    close(wronly);
    sink_stop();
}

/* ---------------------------------------------------------------- abort */

static bool sink_got_some(void *arg) { (void)arg; return K.got >= 65536; }

/* _i = 0: mid-copy, 1: idle (the source never writes) */
TEST_LOOP(aborted, 30, 0, 2)
{
    int a[2], b[2];

    t_pipe(a);
    t_pipe(b);
    source_start(a[1], _i ? 0 : 4 * MiB);
    S.hold_open = true;
    sink_start(b[0], 1000);
    copy_init(a[0], b[1]);
    ck_assert_int_eq(copy_start(&OP), 0);
    if (!_i)
        ck_assert(t_wait(ctx, sink_got_some, NULL, 20000));
    ck_assert_int_eq(t_op_abort(ctx, &OP), 0);
    ck_assert_int_eq(D.calls, 1);              /* at once */
    ck_assert_int_eq(D.rc, ERROR_ABORTED);
    ck_assert_int_eq(D.onwrite, -1);
    ck_assert_int_eq(D.errnoval, 0);
    ck_assert(!D.inuse_in_callback);
    ck_assert_int_eq(copy_wait(), ERROR_ABORTED);
    ck_assert(!K.bad);
    ck_assert_uint_lt(K.got, 4 * MiB);
    ck_assert_int_eq(t_op_abort(ctx, &OP), ERROR_NOTFOUND);
    source_stop();
    close(a[0]);
    sink_stop();
}

/* -------------------------------------------------------- regular files */

static int tmpfile_fd(void)
{
    char path[] = "/tmp/test_subop_datacopier.XXXXXX";
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    fd = mkostemp(path, O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    return fd;
}

TEST(regular_file_source, 30)
{
    const uint64_t total = 3 * MiB + 777;
    static uint8_t chunk[65536];
    int f = tmpfile_fd(), b[2];

    for (uint64_t off = 0; off < total; ) {
        size_t n = sizeof(chunk);
        if (n > total - off) n = (size_t)(total - off);
        fill_pattern(chunk, n, off);
        ck_assert_int_eq(write(f, chunk, n), (ssize_t)n);
        off += n;
    }
    ck_assert_int_eq(lseek(f, 0, SEEK_SET), 0);
    t_pipe(b);
    sink_start(b[0], 0);
    copy_init(f, b[1]);
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_uint_eq(K.got, total);
    ck_assert(!K.bad);
    close(f);
    sink_stop();
}

TEST(regular_file_destination, 30)
{
    const uint64_t total = 3 * MiB + 555;
    static uint8_t chunk[65536];
    int a[2], f = tmpfile_fd();
    struct stat st;

    t_pipe(a);
    source_start(a[1], total);
    copy_init(a[0], f);
    D.close_writefd = false;
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(copy_wait(), 0);
    ck_assert_int_eq(fstat(f, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, total);
    for (uint64_t off = 0; off < total; ) {
        ssize_t r = pread(f, chunk, sizeof(chunk), (off_t)off);
        ck_assert_int_gt(r, 0);
        ck_assert_msg(pattern_ok(chunk, (size_t)r, off), "bad data at %llu",
                      (unsigned long long)off);
        off += (uint64_t)r;
    }
    close(f);
    close(a[0]);
}

/* ------------------------------------------------------- stop, refusal */

TEST(hook_stops_copy, 30)
{
    int a[2], b[2];

    t_pipe(a);
    t_pipe(b);
    source_start(a[1], 1 * MiB);
    sink_start(b[0], 0);
    copy_init(a[0], b[1]);
    D.hook = D.hook_stops = true;
    ck_assert_int_eq(copy_start(&OP), 0);
    ck_assert_int_eq(t_op_wait(ctx, &OP, 20000), 0);
    ck_assert_int_eq(D.calls, 0);              /* stopped: no callback */
    ck_assert_int_eq(D.hook_calls, 1);
    ck_assert(!libxl__datacopier_inuse(&D.dc));
    ck_assert_ptr_null(D.dc.buf);
    source_stop();
    close(a[0]);
    close(b[1]);
    sink_stop();
}

static void never_called(libxl__egc *egc, libxl__datacopier_state *dc,
                         int rc, int onwrite, int errnoval)
{
    (void)egc; (void)dc; (void)rc; (void)onwrite; (void)errnoval;
    ck_abort_msg("callback of a copy that never started");
}

static void never_completes(libxl_ctx *c, int rc, void *arg)
{
    (void)c; (void)rc; (void)arg;
    ck_abort_msg("completion of an operation that never started");
}

static int start_alone(int readfd, int writefd, bool aborting)
{
    const libxl_asyncop_how how = { .callback = never_completes };
    static libxl__datacopier_state dc;
    int rc;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__ao *ao = libxl__ao_create(egc, LIBXL__NO_DOMID, &how);
    ck_assert_ptr_nonnull(ao);
    ao->aborting = aborting;      /* as libxl_ao_abort leaves it */
    libxl__datacopier_init(&dc);
    dc.ao = ao;
    dc.readfd = readfd;
    dc.writefd = writefd;
    dc.copywhat = "test data";
    dc.callback = never_called;
    rc = libxl__datacopier_start(&dc);
    ck_assert(!libxl__datacopier_inuse(&dc));
    ck_assert(!libxl__ev_fd_isregistered(&dc.toread));
    ck_assert_ptr_null(dc.buf);
    if (rc) ck_assert_int_eq(libxl__ao_create_fail(egc, ao, rc), rc);
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

TEST(start_refused, 30)
{
    int a[2];

    t_pipe(a);
    ck_assert_int_eq(start_alone(a[0], a[1], true), ERROR_ABORTED);
    ck_assert_int_eq(start_alone(-1, a[1], false), ERROR_INVAL);
    ck_assert_int_eq(start_alone(a[0], -2, false), ERROR_INVAL);
    close(a[0]);
    close(a[1]);
}
