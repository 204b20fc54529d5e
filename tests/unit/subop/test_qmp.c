/*
 * test_qmp.c: libxl__qmp (subop/qmp.h) against a QMP server of the
 * test's own: a forked child on a listening unix socket that either
 * plays QMP properly (echoing arguments, answering with error classes,
 * events in between, floods of them, replies byte by byte, fds received
 * and sent) or
 * sends what a hostile peer would: garbage, a message that is not an
 * object, unknown kinds, a second greeting, replies with a wrong, missing
 * or non-integer id, replies ahead of the command, oversize lines (with
 * and without their end), nothing at all, an end of file anywhere, a
 * refused capabilities negotiation. Also: connecting while the socket is
 * not there yet, to a stale socket and never; abort and timeout with the
 * command sent or not, and abort while connected between commands; the
 * operation called synchronously and completed by an event, and two
 * threads each in a synchronous operation on one ctx; requests _send
 * refuses; libxl's socket path; no fd leaked to children or left open. The server checks what the client sent and reports
 * through its exit status; it exits once the client has closed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fdprobe.h"
#include "subop/qmp_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;
static char dir[64], path[128];
static int sockets_before;

static void setup(void)
{
    lg = testlog_new();
    ctx = t_ctx(lg);
    strcpy(dir, "/tmp/lc-qmp.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/qmp.sock", dir);
    qc_init(path);
    sockets_before = qc_count_sockets();
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    unlink(path);
    rmdir(dir);
}

TEST_FIXTURE(setup, teardown);

#define FIRST_ID 0x786c7100LL         /* "xlq\0": the command's id */

/* --------------------------------------------------------------- server */

/* What the scripted server does; see server_main. */
enum phase {
    AT_ACCEPT,                        /* raw instead of the greeting */
    AT_CAPS,                          /* raw instead of the caps reply */
    AT_CMD,                           /* raw instead of the reply */
    SCRIPTED,                         /* plays QMP (see serve_command) */
};

static struct {
    enum phase phase;
    const char *raw;                  /* "@ID@", "@ID1@": the id, id+1 */
    size_t raw_len;                   /* 0: strlen(raw) */
    bool close_after_raw;
    bool lf_only;                     /* "\n" line ends */
    int listen_fd;
    pid_t pid;
} SV;

static int srv_conn, srv_fd = -1;     /* in the child: last fd received */

static void srv_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "test server: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    _exit(code);
}

static void srv_write_raw(const char *s, size_t len)
{
    while (len) {
        ssize_t r = send(srv_conn, s, len, MSG_NOSIGNAL);
        if (r < 0) return;            /* the client went away: its test */
        s += r;
        len -= (size_t)r;
    }
}

static void srv_write(const char *line)
{
    srv_write_raw(line, strlen(line));
    srv_write_raw(SV.lf_only ? "\n" : "\r\n", SV.lf_only ? 1 : 2);
}

static void srv_writef(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) srv_die(9, "vasprintf");
    va_end(ap);
    srv_write(s);
    free(s);
}

/* One byte, with any fd that came with it (kept in srv_fd). 0 at EOF. */
static int srv_getc(void)
{
    union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr a; } c;
    char ch;
    struct iovec iov = { &ch, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = c.buf,
                          .msg_controllen = sizeof(c.buf) };
    ssize_t r = recvmsg(srv_conn, &msg, MSG_CMSG_CLOEXEC);

    if (r <= 0) return 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm;
         cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&srv_fd, CMSG_DATA(cm), sizeof(int));
    return (unsigned char)ch;
}

/* The next command: its name, id and arguments (JSON text, or NULL).
 * false at EOF. */
static bool srv_read_command(char **cmd, long long *id, char **args)
{
    static char line[65536];
    size_t n = 0;
    int ch;
    struct json_object *o, *v;

    while ((ch = srv_getc()) && ch != '\n')
        if (n < sizeof(line) - 1) line[n++] = (char)ch;
    if (!ch) return false;
    line[n] = 0;
    if (n < 2 || line[n - 1] != '\r') srv_die(2, "no \\r\\n: %s", line);
    o = json_tokener_parse(line);
    if (!o || !json_object_object_get_ex(o, "execute", &v))
        srv_die(2, "not a command: %s", line);
    *cmd = strdup(json_object_get_string(v));
    if (!json_object_object_get_ex(o, "id", &v) ||
        !json_object_is_type(v, json_type_int))
        srv_die(2, "no id: %s", line);
    *id = (long long)json_object_get_int64(v);
    *args = json_object_object_get_ex(o, "arguments", &v)
        ? strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN))
        : NULL;
    json_object_put(o);
    return true;
}

/* SV.raw with @ID@ / @ID1@ replaced by id / id + 1, written as one
 * buffer (NULs included). */
static void srv_write_template(long long id)
{
    const char *t = SV.raw, *end = t + (SV.raw_len ? SV.raw_len
                                                   : strlen(SV.raw));
    char *out = malloc((size_t)(end - t) * 4 + 64), *o = out;

    if (!out) _exit(9);
    while (t < end) {
        if (end - t >= 4 && !memcmp(t, "@ID@", 4)) {
            o += sprintf(o, "%lld", id);
            t += 4;
        } else if (end - t >= 5 && !memcmp(t, "@ID1@", 5)) {
            o += sprintf(o, "%lld", id + 1);
            t += 5;
        } else {
            *o++ = *t++;
        }
    }
    srv_write_raw(out, (size_t)(o - out));
    free(out);
}

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, " \
                 "\"minor\": 2, \"major\": 1}, \"package\": \"test\"}, " \
                 "\"capabilities\": [\"oob\"]}}"

static void srv_handshake(long long *caps_id)
{
    char *cmd, *args;
    long long id;

    srv_write(GREETING);
    if (!srv_read_command(&cmd, &id, &args)) _exit(0);
    if (strcmp(cmd, "qmp_capabilities") || args)
        srv_die(3, "expected qmp_capabilities, got %s", cmd);
    if (id != FIRST_ID + 1) srv_die(3, "caps id %lld", id);
    free(cmd);
    if (caps_id) { *caps_id = id; return; }
    srv_writef("{\"return\": {}, \"id\": %lld}", id);
}

/* The scripted server's answer to one command. */
static void serve_command(const char *cmd, long long id, const char *args)
{
    if (!strcmp(cmd, "echo")) {
        srv_writef("{\"return\": %s, \"id\": %lld}", args ? args : "null",
                   id);
    } else if (!strncmp(cmd, "fail-", 5)) {
        srv_writef("{\"id\": %lld, \"error\": {\"class\": \"%s\", \"desc\":"
                   " \"it failed as asked\"}}", id, cmd + 5);
    } else if (!strcmp(cmd, "events")) {
        /* events before the reply, one after it in the same write */
        for (int i = 0; i < 1000; i++)
            srv_writef("{\"timestamp\": {\"seconds\": %d, \"microseconds\":"
                       " 0}, \"event\": \"TICK\", \"data\": {\"n\": %d}}",
                       i, i);
        srv_writef("{\"return\": {\"after\": \"events\"}, \"id\": %lld}\r\n"
                   "{\"event\": \"LATE\"}", id);
    } else if (!strcmp(cmd, "bytewise")) {
        char *s;
        if (asprintf(&s, "{\"return\": {\"slow\": true}, \"id\": %lld}\r\n",
                     id) < 0) _exit(9);
        for (char *p = s; *p; p++) srv_write_raw(p, 1);
        free(s);
    } else if (!strcmp(cmd, "blank")) {
        srv_write("");
        srv_write("   \t ");
        srv_writef("{\"return\": 7, \"id\": %lld}", id);
    } else if (!strcmp(cmd, "read-fd")) {
        /* the fd that came with the command: read what it holds */
        char buf[64] = "";
        ssize_t r;
        if (srv_fd < 0) srv_die(4, "no fd came with read-fd");
        r = read(srv_fd, buf, sizeof(buf) - 1);
        if (r < 0) srv_die(4, "read on the fd received");
        buf[r] = 0;
        close(srv_fd);
        srv_fd = -1;
        srv_writef("{\"return\": {\"read\": \"%s\"}, \"id\": %lld}", buf, id);
    } else if (!strcmp(cmd, "send-fd")) {
        /* an fd of ours along with the reply: the client must drop it */
        char *s;
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } c;
        struct iovec iov;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = c.buf,
                              .msg_controllen = sizeof(c.buf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (asprintf(&s, "{\"return\": {}, \"id\": %lld}\r\n", id) < 0)
            _exit(9);
        memset(&c, 0, sizeof(c));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        iov.iov_base = s;
        iov.iov_len = strlen(s);
        if (sendmsg(srv_conn, &msg, MSG_NOSIGNAL) != (ssize_t)strlen(s))
            srv_die(4, "sendmsg");
        free(s);
    } else if (!strncmp(cmd, "flood-", 6)) {
        /* events as fast as the client takes them: for ever, or n bytes
         * of them and then the reply */
        static char buf[65536];
        const char *ev = "{\"event\": \"FLOOD\"}\r\n";
        size_t evlen = strlen(ev), n = 0, total = 0;
        long long want = strcmp(cmd + 6, "forever") ? atoll(cmd + 6) : -1;
        while (n + evlen <= sizeof(buf)) {
            memcpy(buf + n, ev, evlen);
            n += evlen;
        }
        while (want < 0 || (long long)total < want) {
            for (size_t off = 0; off < n; ) {
                ssize_t r = send(srv_conn, buf + off, n - off, MSG_NOSIGNAL);
                if (r < 0) _exit(0);  /* the client has gone */
                off += (size_t)r;
            }
            total += n;
        }
        srv_writef("{\"return\": {\"flooded\": %zu}, \"id\": %lld}", total,
                   id);
    } else if (!strcmp(cmd, "hang")) {
        /* never answers */
    } else {
        srv_writef("{\"id\": %lld, \"error\": {\"class\": \"CommandNotFound\","
                   " \"desc\": \"The command %s has not been found\"}}",
                   id, cmd);
    }
}

static void server_main(void)
{
    long long id = 0;
    char *cmd, *args;

    switch (SV.phase) {
    case AT_ACCEPT:
        srv_write_template(0);
        break;
    case AT_CAPS:
        srv_handshake(&id);
        srv_write_template(id);
        break;
    case AT_CMD:
        srv_handshake(NULL);
        if (!srv_read_command(&cmd, &id, &args)) _exit(0);
        srv_write_template(id);
        break;
    case SCRIPTED:
        srv_handshake(NULL);
        while (srv_read_command(&cmd, &id, &args)) {
            serve_command(cmd, id, args);
            free(cmd);
            free(args);
        }
        _exit(0);
    }
    if (SV.close_after_raw) _exit(0);
    /* wait for the client to close (commands it sends are ignored) */
    while (srv_getc())
        ;
    _exit(0);
}

static void server_listen_at(const char *where)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };

    strcpy(un.sun_path, where);
    unlink(where);
    SV.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(SV.listen_fd, 0);
    ck_assert_int_eq(bind(SV.listen_fd, (struct sockaddr *)&un, sizeof(un)),
                     0);
    ck_assert_int_eq(listen(SV.listen_fd, 4), 0);
}

static void server_listen(void) { server_listen_at(path); }

/* Listen on where and serve one connection in a child. */
static void server_start_at(const char *where, enum phase phase,
                            const char *raw, bool close_after)
{
    SV.phase = phase;
    SV.raw = raw;
    SV.close_after_raw = close_after;
    server_listen_at(where);
    SV.pid = fork();
    ck_assert_int_ge(SV.pid, 0);
    if (SV.pid == 0) {
        alarm(30);
        srv_conn = accept4(SV.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (srv_conn < 0) srv_die(8, "accept");
        close(SV.listen_fd);
        server_main();
    }
    close(SV.listen_fd);
}

static void server_start(enum phase phase, const char *raw, bool close_after)
{
    server_start_at(path, phase, raw, close_after);
}

/* The server has ended (it does once the client has closed), happy. */
static void server_end(void)
{
    int status;
    ck_assert_int_eq(waitpid(SV.pid, &status, 0), SV.pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the test server failed (status %#x)", status);
}

/* After a test: the client's socket is closed again. */
static void no_sockets_left(void)
{
    ck_assert_int_eq(qc_count_sockets(), sockets_before);
}

/* ------------------------------------------------------ proper exchange */

TEST(qmp_commands_in_sequence_on_one_connection, 30)
{
    server_start(SCRIPTED, NULL, false);
    qc_add("echo", "{\"a\":1,\"s\":\"x\\\"y/z\",\"l\":[true,null,2.5]}", -1);
    qc_add("echo", NULL, -1);
    qc_add("blank", NULL, -1);
    for (int i = 0; i < 40; i++) qc_add("echo", "{\"i\":[[[{}]]]}", -1);

    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_int_eq(QC.calls, 43);
    ck_assert_str_eq(QC.response[0],
                     "{\"a\":1,\"s\":\"x\\\"y\\/z\",\"l\":[true,null,2.5]}");
    ck_assert_ptr_null(QC.response[1]);          /* JSON null */
    ck_assert_str_eq(QC.response[2], "7");
    for (int i = 0; i < 43; i++) {
        ck_assert_int_eq(QC.rc[i], 0);
        ck_assert(QC.connected_in_cb[i] && !QC.inuse_in_cb[i]);
        ck_assert(QC.sent_in_cb[i]);
    }
    ck_assert_str_eq(QC.response[42], "{\"i\":[[[{}]]]}");
    ck_assert_int_eq(QC.qmp.qemu_major, 1);
    ck_assert_int_eq(QC.qmp.qemu_minor, 2);
    ck_assert_int_eq(QC.qmp.qemu_micro, 3);
    ck_assert_int_eq(QC.qmp.connect_attempts, 0);   /* not for later ones */
    server_end();
    no_sockets_left();
    ck_assert(testlog_contains(lg, XTL_DEBUG, "QEMU version 1.2.3"));
}

TEST(qmp_events_are_skipped_before_and_after_the_reply, 30)
{
    server_start(SCRIPTED, NULL, false);
    qc_add("events", NULL, -1);
    qc_add("echo", "{\"next\":true}", -1);     /* LATE is read first */
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_str_eq(QC.response[0], "{\"after\":\"events\"}");
    ck_assert_str_eq(QC.response[1], "{\"next\":true}");
    server_end();
    ck_assert(testlog_contains(lg, XTL_DEBUG, "event TICK skipped"));
    ck_assert_uint_eq(QC.qmp.events_skipped, 1);   /* LATE, in the 2nd */
    ck_assert(testlog_contains(lg, XTL_DEBUG, "event LATE skipped"));
}

/* A server that floods events and never answers cannot keep the client
 * from its timeout (nor the event loop from anything else). */
TEST(qmp_event_flood_never_starves_the_timeout, 30)
{
    uint64_t t0 = test_now_ms();

    server_start(SCRIPTED, NULL, false);
    QC.timeout_ms = 300;
    qc_add("flood-forever", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 20000), ERROR_TIMEDOUT);
    ck_assert_uint_lt(test_now_ms() - t0, 10000);
    server_end();
    no_sockets_left();
}

TEST(qmp_reply_after_a_flood_of_events, 60)
{
    server_start(SCRIPTED, NULL, false);
    qc_add("flood-4194304", NULL, -1);   /* 16 pauses of the reading */
    QC.timeout_ms = 40000;            /* slow under the sanitizers */
    ck_assert_int_eq(qc_run_all(ctx, 50000), 0);
    ck_assert_ptr_nonnull(strstr(QC.response[0], "\"flooded\":"));
    /* 4 MiB of 21-byte events, only the first few logged */
    ck_assert_uint_gt(QC.qmp.events_skipped, 190000);
    ck_assert(testlog_contains(lg, XTL_DEBUG, "further events of this"
                               " command are not logged"));
    server_end();
}

TEST(qmp_reply_byte_by_byte_and_lf_line_ends, 30)
{
    SV.lf_only = true;
    server_start(SCRIPTED, NULL, false);
    qc_add("bytewise", NULL, -1);
    qc_add("echo", "{}", -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_str_eq(QC.response[0], "{\"slow\":true}");
    ck_assert_str_eq(QC.response[1], "{}");
    server_end();
}

/* Each error class, and the connection still serves the next command. */
TEST_LOOP(qmp_error_classes_map_to_libxl_codes, 30, 0, 6)
{
    static const struct { const char *cmd; int rc; } t[] = {
        { "fail-GenericError", ERROR_QMP_GENERIC_ERROR },
        { "fail-CommandNotFound", ERROR_QMP_COMMAND_NOT_FOUND },
        { "fail-DeviceNotActive", ERROR_QMP_DEVICE_NOT_ACTIVE },
        { "fail-DeviceNotFound", ERROR_QMP_DEVICE_NOT_FOUND },
        { "fail-genericerror", ERROR_QMP_GENERIC_ERROR },
        { "fail-KVMMissingCap", ERROR_UNKNOWN_QMP_ERROR },
    };
    char resp[128];

    server_start(SCRIPTED, NULL, false);
    qc_add(t[_i].cmd, NULL, -1);
    qc_add("echo", "{\"still\":\"there\"}", -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_int_eq(QC.rc[0], t[_i].rc);
    ck_assert(QC.connected_in_cb[0]);
    snprintf(resp, sizeof(resp), "{\"class\":\"%s\",\"desc\":\"it failed as"
             " asked\"}", t[_i].cmd + 5);
    ck_assert_str_eq(QC.response[0], resp);
    ck_assert_int_eq(QC.rc[1], 0);
    server_end();
    ck_assert(testlog_contains(lg, XTL_ERROR, "it failed as asked"));
    ck_assert(testlog_contains(lg, XTL_ERROR, "unknown QMP error class") ==
              (t[_i].rc == ERROR_UNKNOWN_QMP_ERROR));
}

TEST(qmp_fd_passed_with_the_command, 30)
{
    int p[2];

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    ck_assert_int_eq(write(p[1], "token", 5), 5);
    close(p[1]);
    server_start(SCRIPTED, NULL, false);
    qc_add("read-fd", NULL, p[0]);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_str_eq(QC.response[0], "{\"read\":\"token\"}");
    close(p[0]);
    server_end();
    no_sockets_left();
}

TEST(qmp_fds_sent_by_the_server_are_dropped, 30)
{
    server_start(SCRIPTED, NULL, false);
    qc_add("send-fd", NULL, -1);
    qc_add("send-fd", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_int_eq(QC.calls, 2);
    server_end();
    no_sockets_left();
}

static void report_fd(const char *line, const char *target, void *arg)
{
    (void)arg;
    fprintf(stderr, "inherited: %s (%s)\n", line, target);
}

/* While the command is under way, no child sees the socket. */
TEST(qmp_socket_is_not_inherited, 30)
{
    t_op op;

    fdprobe_take_baseline();
    server_start(SCRIPTED, NULL, false);
    qc_add("hang", NULL, -1);
    ck_assert_int_eq(qc_start(ctx, &op), 0);
    ck_assert(t_wait(ctx, qc_command_sent, NULL, 10000));
    for (int m = 0; m < FDPROBE_METHODS; m++) {
        char *listing = fdprobe_child_listing((enum fdprobe_method)m);
        ck_assert_msg(fdprobe_new_fds(listing, report_fd, NULL) == 0,
                      "%s: a child inherited an fd",
                      fdprobe_method_name[m]);
        free(listing);
    }
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_ABORTED);
    server_end();
    no_sockets_left();
}

/* ------------------------------------------- the ao's completion styles */

/* The same exchange in an operation called synchronously (ao_how NULL:
 * the calling thread runs the event loop until it completes) ... */
static int sync_op(libxl_ctx *c)
{
    AO_CREATE(c, 0, NULL);
    int rc = qc_starter(egc, ao, NULL);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

/* ... and completed by an OPERATION_COMPLETE event. */
static int event_op(libxl_ctx *c, const libxl_asyncop_how *how)
{
    AO_CREATE(c, 0, how);
    int rc = qc_starter(egc, ao, NULL);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

TEST(qmp_in_synchronous_and_event_completed_operations, 30)
{
    libxl_asyncop_how how = { .callback = NULL, .u.for_event = 0x5eed };
    libxl_event *ev = NULL;

    server_start(SCRIPTED, NULL, false);
    qc_add("echo", "{\"style\":\"sync\"}", -1);
    qc_add("fail-DeviceNotFound", NULL, -1);
    ck_assert_int_eq(sync_op(ctx), ERROR_QMP_DEVICE_NOT_FOUND);
    ck_assert_int_eq(QC.calls, 2);
    ck_assert_str_eq(QC.response[0], "{\"style\":\"sync\"}");
    server_end();

    qc_init(path);
    server_start(SCRIPTED, NULL, false);
    qc_add("echo", "{\"style\":\"event\"}", -1);
    ck_assert_int_eq(event_op(ctx, &how), 0);
    ck_assert_int_eq(libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL,
                                      NULL), 0);
    ck_assert_int_eq(ev->type, LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
    ck_assert_uint_eq(ev->for_user, 0x5eed);
    ck_assert_int_eq(ev->u.operation_complete.rc, 0);
    libxl_event_free(ctx, ev);
    ck_assert_str_eq(QC.response[0], "{\"style\":\"event\"}");
    server_end();
    no_sockets_left();
}

/* Between commands the connection waits, connected, while the operation
 * does something else (here: a timer); an abort meanwhile is heard by the
 * next _send. */
TEST(qmp_connected_between_callbacks, 30)
{
    server_start(SCRIPTED, NULL, false);
    qc_add("events", NULL, -1);       /* leaves an event behind */
    qc_add("echo", "{\"later\":true}", -1);
    QC.delay_next_ms = 50;
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_str_eq(QC.response[1], "{\"later\":true}");
    ck_assert_uint_eq(QC.attempts_in_cb[1], 0);
    server_end();
    no_sockets_left();
}

static bool first_reply(void *arg)
{
    (void)arg;
    return QC.calls >= 1;
}

TEST(qmp_abort_while_connected_between_commands, 30)
{
    t_op op;

    server_start(SCRIPTED, NULL, false);
    qc_add("echo", "{}", -1);
    qc_add("echo", "{}", -1);
    QC.delay_next_ms = 200;
    ck_assert_int_eq(qc_start(ctx, &op), 0);
    ck_assert(t_wait(ctx, first_reply, NULL, 10000));
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_ABORTED);
    ck_assert_int_eq(QC.calls, 1);
    ck_assert_int_eq(QC.send_rc, ERROR_ABORTED);
    server_end();
    no_sockets_left();
}

/* Two threads, each in a synchronous operation of its own on the same
 * ctx, each with its connection: both run the event loop, and each
 * completes. */
typedef struct {
    const char *path;
    libxl__ao *ao;
    libxl__qmp qmp;
    int left, calls, rc;
    bool bad_response;
} th_op;

static void th_replied(libxl__egc *egc, libxl__qmp *qmp, int rc,
                       struct json_object *response)
{
    th_op *t = CONTAINER_OF(qmp, th_op, qmp);
    struct json_object *n, *args;

    t->calls++;
    if (!rc && (!json_object_object_get_ex(response, "n", &n) ||
                json_object_get_int(n) != t->left))
        t->bad_response = true;
    if (!rc && --t->left > 0) {
        args = json_object_new_object();
        json_object_object_add(args, "n", json_object_new_int(t->left));
        rc = libxl__qmp_send(qmp, "echo", args, -1);
        json_object_put(args);
        if (!rc) return;
    }
    libxl__qmp_close(qmp);
    libxl__ao_complete(egc, t->ao, rc);
}

static int th_op_run(th_op *t, struct json_object *args)
{
    int rc;

    AO_CREATE(ctx, 0, NULL);
    t->ao = ao;
    libxl__qmp_init(&t->qmp);
    t->qmp.ao = ao;
    t->qmp.path = t->path;
    t->qmp.timeout_ms = 20000;
    t->qmp.callback = th_replied;
    rc = libxl__qmp_send(&t->qmp, "echo", args, -1);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

static void *th_main(void *arg)
{
    th_op *t = arg;
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "n", json_object_new_int(t->left));
    t->rc = th_op_run(t, args);
    json_object_put(args);
    return NULL;
}

TEST(qmp_two_threads_two_connections_one_ctx, 60)
{
    static char path2[160];
    th_op t[2];
    pthread_t th[2];
    pid_t pids[2];

    snprintf(path2, sizeof(path2), "%s/qmp2.sock", dir);
    server_start(SCRIPTED, NULL, false);
    pids[0] = SV.pid;
    server_start_at(path2, SCRIPTED, NULL, false);
    pids[1] = SV.pid;
    for (int i = 0; i < 2; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        t[i].path = i ? path2 : path;
        t[i].left = 100;
        ck_assert_int_eq(pthread_create(&th[i], NULL, th_main, &t[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_int_eq(t[i].rc, 0);
        ck_assert_int_eq(t[i].calls, 100);
        ck_assert(!t[i].bad_response);
        SV.pid = pids[i];
        server_end();
    }
    unlink(path2);
    no_sockets_left();
}

TEST(qmp_socket_path_is_libxl_s, 10)
{
    libxl__gc gc;

    libxl__gc_init(&gc, ctx);
    ck_assert_str_eq(libxl__qmp_socket_path(&gc, 7),
                     "/var/run/xen/qmp-libxl-7");
    ck_assert_str_eq(libxl__qmp_socket_path(&gc, 32752),
                     "/var/run/xen/qmp-libxl-32752");
    libxl__gc_dispose(&gc);
}

/* ------------------------------------------------- hostile: the reply */

/* Instead of the reply: each is a protocol error, the socket closed. */
#define RAW(s, why) { s, sizeof(s) - 1, why }
TEST_LOOP(qmp_bad_reply_is_a_protocol_error, 30, 0, 23)
{
    static const struct { const char *raw; size_t len; const char *why; }
    bad[] = {
        RAW("this is not JSON\r\n", "not valid JSON"),
        RAW("[1, 2]\r\n", "not a JSON object"),
        RAW("null\r\n", "not a JSON object"),
        RAW("42\r\n", "not a JSON object"),
        RAW("\"return\"\r\n", "not a JSON object"),
        RAW("{\"return\": {}, \"id\": @ID@} {\"event\": \"X\"}\r\n",
            "not valid JSON"),
        RAW("{\"return\": {}, \"id\": @ID@,}\r\n", "not valid JSON"),
        RAW("{\"return\": {}, \"id\": @ID@\r\n", "not valid JSON"),
        RAW("{\"return\": 'x', \"id\": @ID@}\r\n", "not valid JSON"),
        RAW("{\"return\": \"a\0b\", \"id\": @ID@}\r\n", "not valid JSON"),
        RAW("{\"return\": {}, \"id\": @ID@}\0\r\n", "more than one JSON"),
        RAW("{\"foo\": 1, \"id\": @ID@}\r\n", "no known kind"),
        RAW("{\"return\": {}, \"id\": @ID1@}\r\n", "unexpected id"),
        RAW("{\"return\": {}, \"id\": \"@ID@\"}\r\n", "without an integer id"),
        RAW("{\"return\": {}, \"id\": @ID@.0}\r\n", "without an integer id"),
        RAW("{\"return\": {}}\r\n", "without an integer id"),
        RAW("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}\r\n",
            "without an integer id"),
        RAW("{\"id\": @ID@, \"error\": {\"class\": 1, \"desc\": \"x\"}}\r\n",
            "malformed error"),
        RAW("{\"id\": @ID@, \"error\": {\"class\": \"GenericError\"}}\r\n",
            "malformed error"),
        RAW("{\"id\": @ID@, \"error\": \"GenericError\"}\r\n",
            "malformed error"),
        RAW(GREETING "\r\n", "unexpected greeting"),
        RAW("{\"return\": " /* deeper than LIBXL__QMP_MAX_DEPTH */
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
            "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
            ", \"id\": @ID@}\r\n", "nesting too deep"),
        /* control characters reach the log as '?' */
        RAW("\x1b[2J\x07\r\n", "received ?[2J?"),
    };

    SV.raw_len = bad[_i].len;         /* some have a NUL inside */
    server_start(AT_CMD, bad[_i].raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_PROTOCOL_ERROR_QMP);
    ck_assert_msg(testlog_contains(lg, XTL_DEBUG, bad[_i].why),
                  "no log line with \"%s\"", bad[_i].why);
    ck_assert_int_eq(QC.calls, 1);
    ck_assert_ptr_null(QC.response[0]);
    ck_assert(!QC.connected_in_cb[0] && !QC.inuse_in_cb[0]);
    ck_assert(QC.sent_in_cb[0]);
    server_end();                     /* it saw the client close */
    no_sockets_left();
}

TEST(qmp_reply_ahead_of_the_command_is_refused, 30)
{
    /* the command's id is known in advance: FIRST_ID; send its reply
     * with the caps reply, before the command has been written */
    static char raw[256];
    snprintf(raw, sizeof(raw), "{\"return\": {}, \"id\": @ID@}\r\n"
             "{\"return\": {}, \"id\": %lld}\r\n", FIRST_ID);
    server_start(AT_CAPS, raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_PROTOCOL_ERROR_QMP);
    ck_assert(!QC.sent_in_cb[0]);
    server_end();
    ck_assert(testlog_contains(lg, XTL_ERROR, "not sent in full"));
}

TEST_LOOP(qmp_bad_handshake_is_a_protocol_error, 30, 0, 8)
{
    static const struct { enum phase phase; const char *raw; } t[] = {
        { AT_ACCEPT, "garbage\r\n" },
        { AT_ACCEPT, "{\"return\": {}, \"id\": 1}\r\n" },
        { AT_ACCEPT, "{\"QMP\": 1}\r\n" },
        { AT_CAPS, "{\"id\": @ID@, \"error\": {\"class\": \"GenericError\","
                   " \"desc\": \"no capabilities for you\"}}\r\n" },
        { AT_CAPS, "{\"return\": {}, \"id\": @ID1@}\r\n" },
        { AT_CAPS, GREETING "\r\n" },
        /* the caps reply before the caps were sent */
        { AT_ACCEPT, GREETING "\r\n{\"return\": {}, \"id\": 2020372737}\r\n" },
        { AT_ACCEPT, "{\"return\": {}, \"id\": 2020372737}\r\n" },
    };

    server_start(t[_i].phase, t[_i].raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_PROTOCOL_ERROR_QMP);
    ck_assert(!QC.sent_in_cb[0]);
    server_end();
    no_sockets_left();
}

TEST(qmp_greeting_without_version_is_accepted, 30)
{
    server_start(AT_ACCEPT, "{\"QMP\": {\"version\": {\"qemu\": {\"major\":"
                 " \"7\", \"minor\": 1e3, \"micro\": -1}}}}\r\n", false);
    /* the client sends qmp_capabilities, which the server ignores */
    QC.timeout_ms = 300;
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_TIMEDOUT);
    ck_assert_int_eq(QC.qmp.qemu_major, -1);
    ck_assert_int_eq(QC.qmp.qemu_minor, -1);
    ck_assert_int_eq(QC.qmp.qemu_micro, -1);
    server_end();
    ck_assert(testlog_contains(lg, XTL_ERROR,
                               "the capabilities negotiation"));
}

/* ----------------------------------------------- hostile: sizes, EOF */

TEST(qmp_message_of_max_size_passes_one_more_is_refused, 30)
{
    static char raw[2048];
    const char *head = "{\"return\": \"", *tail = "\", \"id\": @ID@}";
    size_t fill;

    /* 1000 bytes once @ID@ (2 more characters) is replaced */
    fill = 1000 - strlen(head) - strlen(tail) - 6;
    snprintf(raw, sizeof(raw), "%s%*s%s\r\n", head, (int)fill, "", tail);
    QC.max_message = 1000;
    server_start(AT_CMD, raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_uint_eq(strlen(QC.response[0]), fill + 2);
    server_end();

    qc_init(path);
    snprintf(raw, sizeof(raw), "%s%*s%s\r\n", head, (int)fill + 1, "", tail);
    QC.max_message = 1000;
    server_start(AT_CMD, raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_BUFFERFULL);
    server_end();
    no_sockets_left();
}

/* A line that never ends is refused once it passes the limit (the
 * default, 1 MiB), not when the timeout passes. */
TEST(qmp_endless_line_is_refused_at_the_limit, 30)
{
    size_t n = 3 * 1024 * 1024;
    char *raw = malloc(n + 1);

    memset(raw, 'x', n);
    raw[n] = 0;
    server_start(AT_CMD, raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_BUFFERFULL);
    server_end();
    free(raw);
    ck_assert(testlog_contains(lg, XTL_ERROR, "longer than 1048576 bytes"));
}

TEST(qmp_default_limit_takes_a_large_reply, 30)
{
    size_t n = 1024 * 1024 - 100;
    char *raw = malloc(n + 64);

    memcpy(raw, "{\"return\": \"", 12);
    memset(raw + 12, 'y', n - 12);
    strcpy(raw + n, "\", \"id\": @ID@}\r\n");
    server_start(AT_CMD, raw, false);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), 0);
    ck_assert_uint_eq(strlen(QC.response[0]), n - 12 + 2);
    server_end();
    free(raw);
}

TEST_LOOP(qmp_end_of_file_anywhere_is_a_protocol_error, 30, 0, 5)
{
    static const struct { enum phase phase; const char *raw; } t[] = {
        { AT_ACCEPT, "" },                          /* before greeting */
        { AT_ACCEPT, "{\"QMP\": {\"vers" },          /* mid-greeting */
        { AT_CAPS, "" },                            /* no caps reply */
        { AT_CMD, "" },                             /* no reply */
        { AT_CMD, "{\"return\": {}, \"i" },           /* mid-reply */
    };

    server_start(t[_i].phase, t[_i].raw, true);
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_PROTOCOL_ERROR_QMP);
    server_end();
    no_sockets_left();
    ck_assert(testlog_contains(lg, XTL_ERROR, "unexpected end of file"));
    ck_assert(testlog_contains(lg, XTL_ERROR, "in the middle of a message")
              == (_i == 1 || _i == 4));
}

/* --------------------------------------------- hostile: silence, abort */

TEST_LOOP(qmp_silent_server_times_out, 30, 0, 3)
{
    static const enum phase phase[] = { AT_ACCEPT, AT_CAPS, AT_CMD };
    static const char *const waiting[] = {
        "waiting for the greeting", "the capabilities negotiation",
        "the reply from",
    };
    uint64_t t0 = test_now_ms();

    server_start(phase[_i], "", false);
    QC.timeout_ms = 300;
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_TIMEDOUT);
    ck_assert_uint_ge(test_now_ms() - t0, 300);
    ck_assert(QC.sent_in_cb[0] == (_i == 2));
    server_end();
    no_sockets_left();
    ck_assert(testlog_contains(lg, XTL_ERROR, waiting[_i]));
}

TEST(qmp_abort_with_the_command_sent, 30)
{
    t_op op;

    server_start(AT_CMD, "", false);
    qc_add("anything", NULL, -1);
    QC.send_again_on_abort = true;
    ck_assert_int_eq(qc_start(ctx, &op), 0);
    ck_assert(t_wait(ctx, qc_command_sent, NULL, 10000));
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_ABORTED);
    ck_assert(QC.sent_in_cb[0]);
    ck_assert_int_eq(QC.send_rc, ERROR_ABORTED);   /* ao aborting */
    server_end();
    no_sockets_left();
}

/* ------------------------------------------------------------- connect */

static bool two_attempts(void *arg)
{
    (void)arg;
    return QC.qmp.connect_attempts >= 2 || QC.calls;
}

TEST(qmp_connect_retries_until_the_socket_appears, 30)
{
    t_op op;

    QC.connect_timeout_ms = 10000;
    qc_add("echo", "{\"late\":1}", -1);
    ck_assert_int_eq(qc_start(ctx, &op), 0);
    ck_assert(t_wait(ctx, two_attempts, NULL, 10000));
    ck_assert_int_eq(QC.calls, 0);
    server_start(SCRIPTED, NULL, false);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), 0);
    ck_assert_str_eq(QC.response[0], "{\"late\":1}");
    ck_assert_uint_ge(QC.qmp.connect_attempts, 3);
    server_end();
    no_sockets_left();
}

/* A socket file nobody listens on (ECONNREFUSED), then nothing at all
 * (ENOENT): retried until connect_timeout_ms, then ERROR_FAIL. */
TEST_LOOP(qmp_connect_gives_up, 30, 0, 2)
{
    uint64_t t0;

    if (_i == 0) {
        server_listen();
        close(SV.listen_fd);          /* the file stays */
    }
    QC.connect_timeout_ms = 350;
    qc_add("anything", NULL, -1);
    t0 = test_now_ms();
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_FAIL);
    ck_assert_uint_ge(test_now_ms() - t0, 250);
    ck_assert_uint_ge(QC.qmp.connect_attempts, 3);
    ck_assert(testlog_contains(lg, XTL_ERROR, "cannot connect to"));
    no_sockets_left();
}

TEST(qmp_connect_once_fails_at_send, 30)
{
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_FAIL);
    ck_assert_int_eq(QC.calls, 0);
    ck_assert_int_eq(QC.qmp.connect_attempts, 1);
    no_sockets_left();
}

TEST(qmp_abort_while_connecting, 30)
{
    t_op op;

    QC.connect_timeout_ms = 10000;
    qc_add("anything", NULL, -1);
    ck_assert_int_eq(qc_start(ctx, &op), 0);
    ck_assert(t_wait(ctx, two_attempts, NULL, 10000));
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_ABORTED);
    ck_assert(!QC.sent_in_cb[0]);
    no_sockets_left();
}

/* ------------------------------------------------------------- refusals */

static int bad_send_rc;
static const char *bad_send_case;

static int bad_send_starter(libxl__egc *egc, libxl__ao *ao, void *arg)
{
    libxl__qmp q;
    struct json_object *arr = json_object_new_array();
    static char longpath[200];
    int rc;
    (void)egc; (void)arg;

    libxl__qmp_init(&q);
    q.ao = ao;
    q.path = path;
    q.timeout_ms = 1000;
    q.callback = qc_callback;
    if (!strcmp(bad_send_case, "no-cmd")) {
        rc = libxl__qmp_send(&q, NULL, NULL, -1);
    } else if (!strcmp(bad_send_case, "empty-cmd")) {
        rc = libxl__qmp_send(&q, "", NULL, -1);
    } else if (!strcmp(bad_send_case, "array-args")) {
        rc = libxl__qmp_send(&q, "x", arr, -1);
    } else if (!strcmp(bad_send_case, "no-timeout")) {
        q.timeout_ms = 0;
        rc = libxl__qmp_send(&q, "x", NULL, -1);
    } else if (!strcmp(bad_send_case, "no-callback")) {
        q.callback = NULL;
        rc = libxl__qmp_send(&q, "x", NULL, -1);
    } else if (!strcmp(bad_send_case, "no-path")) {
        q.path = NULL;
        rc = libxl__qmp_send(&q, "x", NULL, -1);
    } else if (!strcmp(bad_send_case, "bad-fd")) {
        rc = libxl__qmp_send(&q, "x", NULL, -2);
    } else {
        memset(longpath, 'p', sizeof(longpath) - 1);
        longpath[0] = '/';
        q.path = longpath;
        rc = libxl__qmp_send(&q, "x", NULL, -1);
    }
    json_object_put(arr);
    ck_assert(!libxl__qmp_inuse(&q) && !libxl__qmp_connected(&q));
    libxl__qmp_close(&q);
    bad_send_rc = rc;
    return rc;
}

TEST_LOOP(qmp_send_refuses_bad_requests, 30, 0, 8)
{
    static const char *const cases[] = {
        "no-cmd", "empty-cmd", "array-args", "no-timeout", "no-callback",
        "no-path", "bad-fd", "long-path",
    };
    t_op op;

    server_start(SCRIPTED, NULL, false);      /* never connected to */
    bad_send_case = cases[_i];
    ck_assert_int_eq(t_op_start(ctx, &op, bad_send_starter, NULL),
                     ERROR_INVAL);
    ck_assert_int_eq(bad_send_rc, ERROR_INVAL);
    ck_assert_int_eq(op.calls, 0);
    ck_assert(testlog_contains(lg, XTL_ERROR, "QMP: "));
    kill(SV.pid, SIGKILL);
    waitpid(SV.pid, NULL, 0);
    no_sockets_left();
}
