/* test_line_only_receiver.c - the line-only receiver (Twisted's LineOnlyReceiver). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"
#include "proto_helpers.h"

TestSuite(line_only_receiver, .timeout = 30);

static void max_8(proto_rec *r)
{
    r->u.line_only.max_length = 8;
}

Test(line_only_receiver, delivers_lines_and_keeps_the_partial_one)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, NULL);
    proto_rec_feed(r, S("a\r\nbb\r\nccc"));
    cr_assert_str_eq(r->log, "L[a]L[bb]");
    proto_rec_feed(r, S("\r\n"));
    cr_assert_str_eq(r->log, "L[a]L[bb]L[ccc]");
    proto_rec_free(r);
}

Test(line_only_receiver, defaults_match_twisted)
{
    eddy_line_only_receiver lr;
    eddy_line_only_receiver_init(&lr, NULL);
    cr_assert_eq(lr.max_length, 16384);
    cr_assert_eq(memcmp(lr.delimiter, "\r\n", 2), 0);
}

Test(line_only_receiver, send_line_writes_line_and_delimiter)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, NULL);
    cr_assert_eq(eddy_line_only_receiver_send_line(&r->u.line_only, "hi", 2), 0);
    cr_assert_str_eq(proto_rec_written(r, NULL), "hi\r\n");
    proto_rec_free(r);
}

Test(line_only_receiver, custom_delimiter)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, NULL);
    cr_assert_eq(eddy_line_only_receiver_set_delimiter(&r->u.line_only, "\0", 1), 0);
    proto_rec_feed(r, "x\0y\0", 4);
    cr_assert_str_eq(r->log, "L[x]L[y]");
    cr_assert_eq(eddy_line_only_receiver_set_delimiter(&r->u.line_only, "", 0), -EINVAL);
    proto_rec_free(r);
}

Test(line_only_receiver, over_long_line_closes_with_etoolong)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, max_8);
    proto_rec_feed(r, S("12345678\r\n123456789\r\nlater\r\n"));
    cr_assert_str_eq(r->log, "L[12345678]!EDDY_ETOOLONG");
    proto_rec_free(r);
}

Test(line_only_receiver, line_of_max_length_is_accepted_whatever_the_split)
{
    /* Twisted refuses this one when "\r" and "\n" arrive apart; eddy does not. */
    char *log = assert_split_invariant(REC_LINE_ONLY, S("12345678\r\n"), max_8);
    cr_assert_str_eq(log, "L[12345678]!EDDY_ECONNDONE");
    free(log);
}

static void hooked_max_8(proto_rec *r)
{
    r->u.line_only.max_length = 8;
    r->hook_exceeded = true;
}

Test(line_only_receiver, length_hook_replaces_the_close)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, hooked_max_8);
    proto_rec_feed(r, S("123456789\r\n"));
    cr_assert_str_eq(r->log, "X[123456789\\x0d\\x0a]");
    proto_rec_feed(r, S("ok\r\n"));
    cr_assert_str_eq(r->log, "X[123456789\\x0d\\x0a]L[ok]");
    proto_rec_free(r);
}

Test(line_only_receiver, lines_after_close_are_not_delivered)
{
    proto_rec *r = proto_rec_new(REC_LINE_ONLY, proto_rec_scripted);
    proto_rec_feed(r, S("CLOSE\r\nmore\r\n"));
    cr_assert_str_eq(r->log, "L[CLOSE]!EDDY_ECONNDONE");
    proto_rec_free(r);
}

Test(line_only_receiver, lines_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(
        REC_LINE_ONLY, S("one\r\n\r\ntwo\r\r\nPAUSE\r\nthree\r\n12345678\r\nx"), NULL);
    cr_assert_str_eq(log, "L[one]L[]L[two\\x0d]L[PAUSE]L[three]L[12345678]!EDDY_ECONNDONE");
    free(log);
}

Test(line_only_receiver, limits_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(REC_LINE_ONLY, S("ab\r\n1234567890"), max_8);
    cr_assert_str_eq(log, "L[ab]!EDDY_ETOOLONG");
    free(log);
}
