/* test_intn_receiver.c - length-prefixed strings (Twisted's Int8/Int16/Int32StringReceiver). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"
#include "proto_helpers.h"

TestSuite(intn_receiver, .timeout = 30);

Test(intn_receiver, int32_prefix_is_big_endian)
{
    proto_rec *r = proto_rec_new(REC_INT32, NULL);
    proto_rec_feed(r, S("\0\0\0\5hello\0\0\0\0"));
    cr_assert_str_eq(r->log, "S[hello]S[]");
    proto_rec_free(r);
}

Test(intn_receiver, int16_and_int8_prefixes)
{
    proto_rec *r = proto_rec_new(REC_INT16, NULL);
    proto_rec_feed(r, S("\0\3abc\1\0"));
    cr_assert_str_eq(r->log, "S[abc]");
    cr_assert_eq(eddy_receiver_buffered(proto_rec_receiver(r)), 2);
    proto_rec_free(r);
    r = proto_rec_new(REC_INT8, NULL);
    proto_rec_feed(r, S("\2hi\0\1!"));
    cr_assert_str_eq(r->log, "S[hi]S[]S[!]");
    proto_rec_free(r);
}

Test(intn_receiver, send_string_writes_the_prefix_then_the_bytes)
{
    proto_rec *r = proto_rec_new(REC_INT32, NULL);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, "abc", 3), 0);
    size_t len;
    const char *out = proto_rec_written(r, &len);
    cr_assert_eq(len, 7);
    cr_assert_eq(memcmp(out, "\0\0\0\3abc", 7), 0);
    proto_rec_free(r);
    r = proto_rec_new(REC_INT16, NULL);
    char big[258];
    memset(big, 'q', sizeof big);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, big, sizeof big), 0);
    out = proto_rec_written(r, &len);
    cr_assert_eq(len, 260);
    cr_assert_eq(memcmp(out, "\1\2qq", 4), 0);
    proto_rec_free(r);
}

Test(intn_receiver, send_string_refuses_what_the_prefix_cannot_hold)
{
    proto_rec *r = proto_rec_new(REC_INT8, NULL);
    char buf[65536];
    memset(buf, 0, sizeof buf);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, buf, 255), 0);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, buf, 256), -EMSGSIZE);
    proto_rec_free(r);
    r = proto_rec_new(REC_INT16, NULL);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, buf, 65535), 0);
    cr_assert_eq(eddy_intn_receiver_send_string(&r->u.intn, buf, 65536), -EMSGSIZE);
    size_t len;
    proto_rec_written(r, &len);
    cr_assert_eq(len, 2 + 65535, "the refused string must not be written");
    proto_rec_free(r);
}

Test(intn_receiver, only_1_2_and_4_byte_prefixes_exist)
{
    eddy_intn_receiver ir;
    cr_assert_eq(eddy_intn_receiver_init(&ir, 3, NULL), -EINVAL);
    cr_assert_eq(eddy_intn_receiver_init(&ir, 8, NULL), -EINVAL);
    cr_assert_eq(eddy_intn_receiver_init(&ir, 2, NULL), 0);
    cr_assert_eq(ir.max_length, 99999);
}

Test(intn_receiver, length_over_the_maximum_closes_with_etoolong)
{
    proto_rec *r = proto_rec_new(REC_INT32, NULL);
    proto_rec_feed(r, S("\0\0\0\1a\0\1\x86\xa0")); /* 100000 */
    cr_assert_str_eq(r->log, "S[a]!EDDY_ETOOLONG");
    cr_assert(strstr(r->lost_message, "100000"), "%s", r->lost_message);
    proto_rec_free(r);
}

Test(intn_receiver, length_of_exactly_the_maximum_is_waited_for)
{
    proto_rec *r = proto_rec_new(REC_INT32, NULL);
    proto_rec_feed(r, S("\0\1\x86\x9f")); /* 99999 */
    cr_assert_eq(r->lost, 0);
    proto_rec_free(r);
}

static void hooked(proto_rec *r)
{
    r->hook_exceeded = true;
    r->u.intn.max_length = 3;
}

Test(intn_receiver, length_hook_replaces_the_close_and_input_stops_for_good)
{
    proto_rec *r = proto_rec_new(REC_INT16, hooked);
    proto_rec_feed(r, S("\0\3abc\0\4abcd\0\1x"));
    cr_assert_str_eq(r->log, "S[abc]N[4]");
    proto_rec_feed(r, S("\0\1y"));
    cr_assert_str_eq(r->log, "S[abc]N[4]");
    cr_assert_eq(r->lost, 0);
    proto_rec_free(r);
}

Test(intn_receiver, strings_after_close_are_not_delivered)
{
    proto_rec *r = proto_rec_new(REC_INT8, proto_rec_scripted);
    proto_rec_feed(r, S("\5CLOSE\1a"));
    cr_assert_str_eq(r->log, "S[CLOSE]!EDDY_ECONNDONE");
    proto_rec_free(r);
}

Test(intn_receiver, pausing_holds_strings_until_resumed)
{
    proto_rec *r = proto_rec_new(REC_INT8, proto_rec_scripted);
    proto_rec_feed(r, S("\5PAUSE\1a"));
    cr_assert_str_eq(r->log, "S[PAUSE]");
    eddy_receiver_resume_producing(proto_rec_receiver(r));
    cr_assert_str_eq(r->log, "S[PAUSE]S[a]");
    proto_rec_free(r);
}

Test(intn_receiver, strings_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(REC_INT32, S("\0\0\0\3abc\0\0\0\5PAUSE\0\0\0\0\0\0\0\2zz"),
                                       proto_rec_scripted);
    cr_assert_str_eq(log, "S[abc]S[PAUSE]S[]S[zz]!EDDY_ECONNDONE");
    free(log);
    log = assert_split_invariant(REC_INT16, S("\0\2ab\0\0\1\0"), NULL);
    cr_assert_str_eq(log, "S[ab]S[]!EDDY_ECONNDONE");
    free(log);
    log = assert_split_invariant(REC_INT8, S("\1a\3bcd\0"), NULL);
    cr_assert_str_eq(log, "S[a]S[bcd]S[]!EDDY_ECONNDONE");
    free(log);
}

static void max_3(proto_rec *r)
{
    r->u.intn.max_length = 3;
}

Test(intn_receiver, limit_is_the_same_under_every_split)
{
    char *log = assert_split_invariant(REC_INT16, S("\0\3abc\0\4abcd"), max_3);
    cr_assert_str_eq(log, "S[abc]!EDDY_ETOOLONG");
    free(log);
}
