/* test_netstring_receiver.c - the netstring receiver (Twisted's NetstringReceiver): the format,
 * its strictness, its limit, and sameness under every split. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"
#include "proto_helpers.h"

TestSuite(netstring_receiver, .timeout = 30);

static void max_12(proto_rec *r)
{
    r->u.netstring.max_length = 12;
}

/* Feed `in` to a fresh receiver and return its log (malloc'ed). */
static char *log_of(const char *in, size_t len, void (*setup)(proto_rec *))
{
    proto_rec *r = proto_rec_new(REC_NETSTRING, setup);
    proto_rec_feed(r, in, len);
    char *log = strdup(r->log);
    proto_rec_free(r);
    return log;
}

#define assert_log(input, setup, expected)                                                         \
    do {                                                                                           \
        char *log_ = log_of(S(input), setup);                                                      \
        cr_assert_str_eq(log_, expected, "input %s", proto_escape(S(input)));                      \
        free(log_);                                                                                \
    } while (0)

Test(netstring_receiver, decodes_strings_including_empty_and_binary)
{
    assert_log("5:hello,0:,3:a\0b,", NULL, "S[hello]S[]S[a\\x00b]");
}

Test(netstring_receiver, send_string_encodes_length_colon_payload_comma)
{
    proto_rec *r = proto_rec_new(REC_NETSTRING, NULL);
    cr_assert_eq(eddy_netstring_receiver_send_string(&r->u.netstring, "hello world!", 12), 0);
    cr_assert_eq(eddy_netstring_receiver_send_string(&r->u.netstring, "", 0), 0);
    cr_assert_str_eq(proto_rec_written(r, NULL), "12:hello world!,0:,");
    proto_rec_free(r);
}

Test(netstring_receiver, default_max_length_is_99999)
{
    eddy_netstring_receiver nr;
    eddy_netstring_receiver_init(&nr, NULL);
    cr_assert_eq(nr.max_length, 99999);
}

Test(netstring_receiver, payload_of_max_length_is_accepted)
{
    char in[99999 + 16];
    int n = sprintf(in, "99999:");
    memset(in + n, 'z', 99999);
    in[n + 99999] = ',';
    proto_rec *r = proto_rec_new(REC_NETSTRING, NULL);
    proto_rec_feed(r, in, (size_t)n + 99999 + 1);
    cr_assert_eq(r->lost, 0);
    cr_assert_eq(strncmp(r->log, "S[zzz", 5), 0);
    proto_rec_free(r);
}

Test(netstring_receiver, missing_comma_closes_with_eprotocol)
{
    assert_log("3:abc,3:abcX4:more,", NULL, "S[abc]!EDDY_EPROTOCOL");
}

Test(netstring_receiver, missing_comma_reason_says_so)
{
    proto_rec *r = proto_rec_new(REC_NETSTRING, NULL);
    proto_rec_feed(r, S("1:a;"));
    cr_assert_eq(r->lost_code, EDDY_EPROTOCOL);
    cr_assert(strstr(r->lost_message, "','"), "%s", r->lost_message);
    proto_rec_free(r);
}

Test(netstring_receiver, input_not_starting_with_a_digit_closes)
{
    assert_log("x:abc,", NULL, "!EDDY_EPROTOCOL");
    assert_log(":abc,", NULL, "!EDDY_EPROTOCOL");
    assert_log("-1:a,", NULL, "!EDDY_EPROTOCOL");
    assert_log(" 1:a,", NULL, "!EDDY_EPROTOCOL");
}

Test(netstring_receiver, length_followed_by_anything_but_a_colon_closes)
{
    assert_log("12x", NULL, "!EDDY_EPROTOCOL");
    assert_log("1 :a,", NULL, "!EDDY_EPROTOCOL");
}

Test(netstring_receiver, leading_zeros_are_refused_but_a_lone_zero_is_fine)
{
    assert_log("0:,", NULL, "S[]");
    assert_log("01:a,", NULL, "!EDDY_EPROTOCOL");
    assert_log("00:,", NULL, "!EDDY_EPROTOCOL");
}

Test(netstring_receiver, length_over_the_maximum_closes_with_etoolong_before_the_colon)
{
    assert_log("12:123456789012,", max_12, "S[123456789012]");
    assert_log("13", max_12, "!EDDY_ETOOLONG");
    assert_log("100000", NULL, "!EDDY_ETOOLONG");
    assert_log("99999", NULL, "");
}

Test(netstring_receiver, absurdly_long_length_is_refused_without_overflow)
{
    assert_log("99999999999999999999999999999999999999:", NULL, "!EDDY_ETOOLONG");
}

static void huge_max(proto_rec *r)
{
    r->u.netstring.max_length = (size_t)-1;
}

Test(netstring_receiver, length_beyond_size_max_is_too_long_even_without_a_limit)
{
    assert_log("999999999999999999999999:", huge_max, "!EDDY_ETOOLONG");
}

Test(netstring_receiver, nothing_is_delivered_after_broken_input)
{
    proto_rec *r = proto_rec_new(REC_NETSTRING, NULL);
    proto_rec_feed(r, S("1:a,x"));
    proto_rec_feed(r, S("1:b,"));
    cr_assert_str_eq(r->log, "S[a]!EDDY_EPROTOCOL");
    proto_rec_free(r);
}

Test(netstring_receiver, strings_after_close_are_not_delivered)
{
    assert_log("5:CLOSE,1:a,", proto_rec_scripted, "S[CLOSE]!EDDY_ECONNDONE");
}

Test(netstring_receiver, pausing_holds_strings_until_resumed)
{
    proto_rec *r = proto_rec_new(REC_NETSTRING, proto_rec_scripted);
    proto_rec_feed(r, S("5:PAUSE,1:a,1:b,"));
    cr_assert_str_eq(r->log, "S[PAUSE]");
    eddy_receiver_resume_producing(proto_rec_receiver(r));
    cr_assert_str_eq(r->log, "S[PAUSE]S[a]S[b]");
    proto_rec_free(r);
}

Test(netstring_receiver, strings_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(REC_NETSTRING, S("5:hello,0:,5:PAUSE,12:hello, world,1:,,"),
                                       proto_rec_scripted);
    cr_assert_str_eq(log, "S[hello]S[]S[PAUSE]S[hello, world]S[,]!EDDY_ECONNDONE");
    free(log);
}

Test(netstring_receiver, errors_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(REC_NETSTRING, S("2:ab,2:abc,"), NULL);
    cr_assert_str_eq(log, "S[ab]!EDDY_EPROTOCOL");
    free(log);
    log = assert_split_invariant(REC_NETSTRING, S("1:a,01:a,"), NULL);
    cr_assert_str_eq(log, "S[a]!EDDY_EPROTOCOL");
    free(log);
    log = assert_split_invariant(REC_NETSTRING, S("3:abc,13:"), max_12);
    cr_assert_str_eq(log, "S[abc]!EDDY_ETOOLONG");
    free(log);
}
