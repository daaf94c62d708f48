/* test_log_text.c - the text line format and the text observers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eddy/log.h"

TestSuite(log_text, .timeout = 10);

/* 2024-05-01T12:00:00.250Z */
#define T0 1714564800.25

static const char *text(const eddy_log_event *ev)
{
    static char buf[1024];
    size_t n = eddy_log_format_text(ev, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_assert_eq(strlen(buf), n);
    return buf;
}

Test(log_text, line_has_utc_time_level_namespace_prefix_message_and_fields)
{
    eddy_log_field f[] = {EDDY_LOG_INT("n", 3), EDDY_LOG_STR("peer", "10.0.0.1:80")};
    eddy_log_event ev = {.time = T0,
                         .level = EDDY_LOG_WARN,
                         .ns = "eddy.net.tcp",
                         .prefix = "Echo,3,10.0.0.1",
                         .message = "peer reset",
                         .fields = f,
                         .nfields = 2};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z warn eddy.net.tcp [Echo,3,10.0.0.1] "
                                "peer reset n=3 peer=10.0.0.1:80\n");
}

Test(log_text, line_without_prefix_has_no_brackets)
{
    eddy_log_event ev = {.time = T0, .level = EDDY_LOG_CRITICAL, .ns = "app", .message = "down"};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z critical app down\n");
}

Test(log_text, time_is_rounded_down_to_the_millisecond)
{
    eddy_log_event ev = {
        .time = 1714564799.9996, .level = EDDY_LOG_INFO, .ns = "a", .message = "m"};
    cr_assert_str_eq(text(&ev), "2024-05-01T11:59:59.999Z info a m\n");
}

Test(log_text, string_value_is_quoted_when_it_would_not_read_back_as_one_token)
{
    eddy_log_field f[] = {EDDY_LOG_STR("a", "two words"),
                          EDDY_LOG_STR("b", "x=y"),
                          EDDY_LOG_STR("c", "say \"hi\" \\o/"),
                          EDDY_LOG_STR("d", ""),
                          EDDY_LOG_STR("e", NULL),
                          EDDY_LOG_STR("f", "caf\xc3\xa9")};
    eddy_log_event ev = {
        .time = T0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m", .fields = f, .nfields = 6};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z info a m a=\"two words\" b=\"x=y\" "
                                "c=\"say \\\"hi\\\" \\\\o/\" d=\"\" e=\"\" f=caf\xc3\xa9\n");
}

Test(log_text, control_characters_are_escaped_so_an_event_stays_one_line)
{
    eddy_log_field f[] = {EDDY_LOG_STR("v", "a\nb")};
    eddy_log_event ev = {.time = T0,
                         .level = EDDY_LOG_INFO,
                         .ns = "a",
                         .prefix = "p\r",
                         .message = "line1\nline2\t\x1b[31m\x7f",
                         .fields = f,
                         .nfields = 1};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z info a [p\\r] "
                                "line1\\nline2\\t\\x1b[31m\\x7f v=\"a\\nb\"\n");
}

Test(log_text, invalid_utf8_becomes_the_replacement_character)
{
    eddy_log_event ev = {.time = T0,
                         .level = EDDY_LOG_INFO,
                         .ns = "a",
                         .message = "ok \xe2\x82\xac bad \xff \xc0\x80 end"};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z info a ok \xe2\x82\xac bad \xef\xbf\xbd "
                                "\xef\xbf\xbd\xef\xbf\xbd end\n");
}

Test(log_text, numbers_and_booleans_read_back_exactly)
{
    eddy_log_field f[] = {EDDY_LOG_INT("i", -9223372036854775807LL - 1),
                          EDDY_LOG_DOUBLE("a", 0.1),
                          EDDY_LOG_DOUBLE("b", 2.0),
                          EDDY_LOG_DOUBLE("c", 1e300),
                          EDDY_LOG_DOUBLE("d", -INFINITY),
                          EDDY_LOG_DOUBLE("e", NAN),
                          EDDY_LOG_BOOL("t", true),
                          EDDY_LOG_BOOL("f", false)};
    eddy_log_event ev = {
        .time = T0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m", .fields = f, .nfields = 8};
    cr_assert_str_eq(text(&ev), "2024-05-01T12:00:00.250Z info a m i=-9223372036854775808 a=0.1 "
                                "b=2.0 c=1e+300 d=-inf e=nan t=true f=false\n");
}

Test(log_text, format_returns_the_needed_length_and_truncates_like_snprintf)
{
    eddy_log_event ev = {.time = T0, .level = EDDY_LOG_INFO, .ns = "a", .message = "hello"};
    const char *full = "2024-05-01T12:00:00.250Z info a hello\n";
    char small[11];
    cr_assert_eq(eddy_log_format_text(&ev, small, sizeof small), strlen(full));
    cr_assert_str_eq(small, "2024-05-01");
    cr_assert_eq(eddy_log_format_text(&ev, NULL, 0), strlen(full));
}

Test(log_text, fd_observer_writes_one_line_per_event)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(eddy_log_add_text_fd(fds[1], EDDY_LOG_INFO, NULL), 0);
    eddy_log(EDDY_LOG_INFO, "app", "P", "one");
    eddy_log(EDDY_LOG_DEBUG, "app", "P", "filtered");
    eddy_log_kv(EDDY_LOG_ERROR, "app", NULL, EDDY_LOG_FIELDS(EDDY_LOG_INT("n", 2)), "two");
    close(fds[1]);
    char buf[512];
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    /* Skip the timestamps: 24 characters each. */
    char *second = strchr(buf, '\n') + 1;
    cr_assert_str_eq(strchr(second, '\n') + 1, "");
    cr_assert_eq(strncmp(buf + 24, " info app [P] one\n", 18), 0, "got: %s", buf);
    cr_assert_str_eq(second + 24, " error app two n=2\n");
}

Test(log_text, fd_observer_on_a_socket_whose_reader_went_away_does_not_raise_sigpipe)
{
    /* A logger must not kill the process: stderr is a socket under systemd, and its reader can
     * go away like any other. */
    signal(SIGPIPE, SIG_DFL);
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    close(fds[0]);
    cr_assert_eq(eddy_log_add_text_fd(fds[1], EDDY_LOG_INFO, NULL), 0);
    errno = 0;
    eddy_log(EDDY_LOG_WARN, "app", NULL, "nobody reads this");
    cr_assert_eq(errno, 0);
    close(fds[1]);
}

Test(log_text, file_observer_writes_and_flushes_each_event)
{
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    cr_assert_eq(eddy_log_add_text_file(fp, EDDY_LOG_DEBUG, NULL), 0);
    eddy_log_set_level(NULL, EDDY_LOG_DEBUG);
    eddy_log(EDDY_LOG_DEBUG, "app", NULL, "visible at once");
    /* Read through the descriptor, not the FILE, so only flushed bytes count. */
    char buf[256];
    ssize_t n = pread(fileno(fp), buf, sizeof buf - 1, 0);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf + 24, " debug app visible at once\n");
    eddy_log_reset();
    fclose(fp);
}

Test(log_text, adding_an_observer_for_no_file_is_einval)
{
    cr_assert_eq(eddy_log_add_text_file(NULL, EDDY_LOG_INFO, NULL), -EINVAL);
    cr_assert_eq(eddy_log_add_text_fd(-1, EDDY_LOG_INFO, NULL), -EINVAL);
}
