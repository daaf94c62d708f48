/* test_log_json.c - Twisted's JSON log format: 0x1E, one JSON object, newline. */
#include <criterion/criterion.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eddy_test.h"

#include "eddy/log.h"

TestSuite(log_json, .timeout = 30);

#define LEVEL(name)                                                                                \
    "{\"name\":\"" name "\",\"__class_uuid__\":\"02e59486-f24d-46ad-8224-3acdf2a5732a\"}"

static const char *json(const eddy_log_event *ev)
{
    static char buf[2048];
    size_t n = eddy_log_format_json(ev, buf, sizeof buf);
    cr_assert_lt(n, sizeof buf);
    cr_assert_eq(strlen(buf), n);
    return buf;
}

Test(log_json, record_is_separator_object_newline_with_twisteds_keys)
{
    eddy_log_field f[] = {EDDY_LOG_INT("n", 3), EDDY_LOG_STR("who", "w"),
                          EDDY_LOG_DOUBLE("ratio", 0.25), EDDY_LOG_BOOL("ok", true)};
    eddy_log_event ev = {.time = 1714564800.25,
                         .level = EDDY_LOG_WARN,
                         .ns = "eddy.net.tcp",
                         .prefix = "Echo,3,10.0.0.1",
                         .message = "peer reset",
                         .fields = f,
                         .nfields = 4};
    cr_assert_str_eq(
        json(&ev), "\x1e{\"log_time\":1714564800.250000,\"log_level\":" LEVEL(
                       "warn") ",\"log_namespace\":\"eddy.net.tcp\",\"log_format\":\"peer reset\","
                               "\"log_system\":\"Echo,3,10.0.0.1\",\"n\":3,\"who\":\"w\","
                               "\"ratio\":0.25,\"ok\":true}\n");
}

Test(log_json, event_without_prefix_has_no_log_system)
{
    eddy_log_event ev = {.time = 3.0000016, .level = EDDY_LOG_CRITICAL, .ns = "a", .message = "m"};
    cr_assert_str_eq(json(&ev), "\x1e{\"log_time\":3.000002,\"log_level\":" LEVEL(
                                    "critical") ",\"log_namespace\":\"a\",\"log_format\":\"m\"}\n");
}

Test(log_json, time_before_the_epoch_keeps_its_value)
{
    eddy_log_event ev = {.time = -0.25, .level = EDDY_LOG_INFO, .ns = "a", .message = "m"};
    cr_assert_str_eq(json(&ev), "\x1e{\"log_time\":-0.250000,\"log_level\":" LEVEL(
                                    "info") ",\"log_namespace\":\"a\",\"log_format\":\"m\"}\n");
    ev.time = -2;
    cr_assert_str_eq(json(&ev), "\x1e{\"log_time\":-2.000000,\"log_level\":" LEVEL(
                                    "info") ",\"log_namespace\":\"a\",\"log_format\":\"m\"}\n");
}

Test(log_json, strings_escape_quotes_backslashes_and_control_characters)
{
    eddy_log_field f[] = {EDDY_LOG_STR("k\"ey", "tab\there")};
    eddy_log_event ev = {.time = 0,
                         .level = EDDY_LOG_INFO,
                         .ns = "n\\s",
                         .message = "q\" b\\ nl\n cr\r rs\x1e esc\x1b del\x7f",
                         .fields = f,
                         .nfields = 1};
    cr_assert_str_eq(
        json(&ev),
        "\x1e{\"log_time\":0.000000,\"log_level\":" LEVEL(
            "info") ",\"log_namespace\":\"n\\\\s\",\"log_format\":\"q\\\" b\\\\ nl\\n "
                    "cr\\r rs\\u001e esc\\u001b del\x7f\",\"k\\\"ey\":\"tab\\there\"}\n");
}

Test(log_json, invalid_utf8_becomes_the_replacement_character)
{
    /* valid: 2-, 3- and 4-byte sequences; invalid: a lone continuation byte, an overlong NUL, a
     * UTF-16 surrogate, a truncated sequence, a byte that never starts one, a code point above
     * U+10FFFF. */
    eddy_log_event ev = {
        .time = 0,
        .level = EDDY_LOG_INFO,
        .ns = "a",
        .message = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xc0\x80|\xed\xa0\x80|\xe2\x82|\xf5|"
                   "\xf4\x90\x80\x80"};
#define R "\xef\xbf\xbd"
    cr_assert_str_eq(json(&ev),
                     "\x1e{\"log_time\":0.000000,\"log_level\":" LEVEL(
                         "info") ",\"log_namespace\":\"a\",\"log_format\":\"\xc3\xa9\xe2\x82\xac"
                                 "\xf0\x9f\x98\x80|" R "|" R R "|" R R R "|" R R "|" R "|" R R R R
                                 "\"}\n");
#undef R
}

Test(log_json, braces_are_doubled_in_log_format_only)
{
    eddy_log_field f[] = {EDDY_LOG_STR("v", "{x}")};
    eddy_log_event ev = {.time = 0,
                         .level = EDDY_LOG_INFO,
                         .ns = "{a}",
                         .message = "{x} }{",
                         .fields = f,
                         .nfields = 1};
    cr_assert_str_eq(json(&ev),
                     "\x1e{\"log_time\":0.000000,\"log_level\":" LEVEL(
                         "info") ",\"log_namespace\":\"{a}\",\"log_format\":\"{{x}} }}{{\","
                                 "\"v\":\"{x}\"}\n");
}

Test(log_json, field_named_like_a_twisted_key_gets_a_leading_underscore)
{
    eddy_log_field f[] = {EDDY_LOG_INT("log_time", 1), EDDY_LOG_INT("logx", 2)};
    eddy_log_event ev = {
        .time = 0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m", .fields = f, .nfields = 2};
    cr_assert(strstr(json(&ev), ",\"_log_time\":1,\"logx\":2}\n"), "got: %s", json(&ev));
}

Test(log_json, numbers_keep_their_type_and_non_finite_ones_become_null)
{
    eddy_log_field f[] = {EDDY_LOG_DOUBLE("a", 2.0),       EDDY_LOG_DOUBLE("b", 0.1),
                          EDDY_LOG_DOUBLE("c", -1.5e-300), EDDY_LOG_DOUBLE("d", NAN),
                          EDDY_LOG_DOUBLE("e", INFINITY),  EDDY_LOG_INT("f", -42),
                          EDDY_LOG_STR("g", NULL),         EDDY_LOG_BOOL("h", false)};
    eddy_log_event ev = {
        .time = 0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m", .fields = f, .nfields = 8};
    cr_assert(strstr(json(&ev), ",\"a\":2.0,\"b\":0.1,\"c\":-1.5e-300,\"d\":null,\"e\":null,"
                                "\"f\":-42,\"g\":null,\"h\":false}\n"),
              "got: %s", json(&ev));
}

Test(log_json, doubles_use_a_decimal_point_whatever_the_locale)
{
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
        cr_skip_test("no locale with a decimal comma is installed");
    eddy_log_field f[] = {EDDY_LOG_DOUBLE("d", 1.5)};
    eddy_log_event ev = {
        .time = 0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m", .fields = f, .nfields = 1};
    cr_assert(strstr(json(&ev), ",\"d\":1.5}\n"), "got: %s", json(&ev));
}

Test(log_json, format_returns_the_needed_length_and_truncates_like_snprintf)
{
    eddy_log_event ev = {.time = 0, .level = EDDY_LOG_INFO, .ns = "a", .message = "m"};
    size_t need = eddy_log_format_json(&ev, NULL, 0);
    char small[6];
    cr_assert_eq(eddy_log_format_json(&ev, small, sizeof small), need);
    cr_assert_str_eq(small, "\x1e{\"lo");
    cr_assert_eq(need, strlen(json(&ev)));
}

/* ---- Twisted reads what eddy writes ---------------------------------------------------------- */

#define PYTHON "/usr/bin/python3"

/* Prints one line per event read back by twisted.logger, with the message as Twisted formats it. */
static const char reader[] =
    "import sys\n"
    "from twisted.logger import eventsFromJSONLogFile, formatEvent\n"
    "with open(sys.argv[1]) as f:\n"
    "    for e in eventsFromJSONLogFile(f):\n"
    "        fields = sorted((k, v) for k, v in e.items() if not k.startswith('log_'))\n"
    "        print(e['log_level'].name, e['log_namespace'], e.get('log_system'),\n"
    "              repr(formatEvent(e)), int(e['log_time']) > 1500000000, fields)\n";

static bool twisted_available(void)
{
    return access(PYTHON, X_OK) == 0 &&
           system(PYTHON " -c 'import twisted.logger' >/dev/null 2>&1") == 0;
}

Test(log_json, twisteds_reader_reads_eddys_json_log)
{
    if (!twisted_available())
        cr_skip_test("python3-twisted is not installed");
    char path[128];
    int fd = test_mkstemp(path, sizeof path, "eddy-log-json");
    cr_assert_eq(eddy_log_add_json_fd(fd, EDDY_LOG_DEBUG, NULL), 0);
    eddy_log(EDDY_LOG_INFO, "eddy.net.tcp", "Echo,1,127.0.0.1", "accepted {fd=%d}", 7);
    eddy_log_kv(EDDY_LOG_ERROR, "myapp", NULL,
                EDDY_LOG_FIELDS(EDDY_LOG_INT("n", 3), EDDY_LOG_STR("s", "\"q\"\n\xff"),
                                EDDY_LOG_DOUBLE("d", 1.5), EDDY_LOG_BOOL("b", true)),
                "caf\xc3\xa9 \\ \x01");
    eddy_log_reset();
    close(fd);

    char command[256];
    snprintf(command, sizeof command, PYTHON " -c \"$EDDY_READER\" %s", path);
    cr_assert_eq(setenv("EDDY_READER", reader, 1), 0);
    FILE *p = popen(command, "r");
    cr_assert_not_null(p);
    char out[1024] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    cr_assert_eq(pclose(p), 0, "reader failed; output: %s", out);
    unlink(path);
    cr_assert_str_eq(out,
                     "info eddy.net.tcp Echo,1,127.0.0.1 'accepted {fd=7}' True []\n"
                     "error myapp None 'caf\xc3\xa9 \\\\ \\x01' True [('b', True), ('d', 1.5), "
                     "('n', 3), ('s', '\"q\"\\n\xef\xbf\xbd')]\n");
}
