/* test_line_receiver.c - the line receiver (Twisted's LineReceiver): delimiters, limits, raw mode,
 * pausing, re-entrancy, closing, and sameness under every split of the input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "eddy.h"
#include "proto_helpers.h"

TestSuite(line_receiver, .timeout = 30);

static void max_10(proto_rec *r)
{
    r->u.line.max_length = 10;
}

Test(line_receiver, delivers_crlf_lines_without_delimiter)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    proto_rec_feed(r, S("hello\r\nworld\r\n\r\npartial"));
    cr_assert_str_eq(r->log, "L[hello]L[world]L[]");
    cr_assert_eq(eddy_receiver_buffered(proto_rec_receiver(r)), 7);
    proto_rec_free(r);
}

Test(line_receiver, lone_lf_is_part_of_a_crlf_line)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    proto_rec_feed(r, S("a\nb\r\n"));
    cr_assert_str_eq(r->log, "L[a\\x0ab]");
    proto_rec_free(r);
}

static void lf_delimiter(proto_rec *r)
{
    cr_assert_eq(eddy_line_receiver_set_delimiter(&r->u.line, "\n", 1), 0);
}

Test(line_receiver, custom_delimiter_is_used_for_receiving_and_sending)
{
    proto_rec *r = proto_rec_new(REC_LINE, lf_delimiter);
    proto_rec_feed(r, S("one\ntwo\r\n"));
    cr_assert_str_eq(r->log, "L[one]L[two\\x0d]");
    cr_assert_eq(eddy_line_receiver_send_line(&r->u.line, "x", 1), 0);
    cr_assert_str_eq(proto_rec_written(r, NULL), "x\n");
    proto_rec_free(r);
}

Test(line_receiver, delimiter_must_be_between_1_and_16_bytes)
{
    eddy_line_receiver lr;
    eddy_line_receiver_init(&lr, NULL);
    cr_assert_eq(eddy_line_receiver_set_delimiter(&lr, "", 0), -EINVAL);
    cr_assert_eq(eddy_line_receiver_set_delimiter(&lr, "0123456789abcdefg", 17), -EINVAL);
    cr_assert_eq(eddy_line_receiver_set_delimiter(&lr, "0123456789abcdef", 16), 0);
}

Test(line_receiver, send_line_appends_the_delimiter)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    cr_assert_eq(eddy_line_receiver_send_line(&r->u.line, "PING", 4), 0);
    cr_assert_str_eq(proto_rec_written(r, NULL), "PING\r\n");
    proto_rec_free(r);
}

Test(line_receiver, send_line_when_not_connected_is_enotconn)
{
    eddy_line_receiver lr;
    eddy_line_receiver_init(&lr, NULL);
    cr_assert_eq(eddy_line_receiver_send_line(&lr, "x", 1), -ENOTCONN);
}

Test(line_receiver, defaults_match_twisted)
{
    eddy_line_receiver lr;
    eddy_line_receiver_init(&lr, NULL);
    cr_assert_eq(lr.max_length, 16384);
    cr_assert(eddy_line_receiver_line_mode(&lr));
    cr_assert_eq(lr.delimiter_len, 2);
    cr_assert_eq(memcmp(lr.delimiter, "\r\n", 2), 0);
}

Test(line_receiver, line_of_exactly_max_length_is_accepted)
{
    proto_rec *r = proto_rec_new(REC_LINE, max_10);
    proto_rec_feed(r, S("0123456789\r\n"));
    cr_assert_str_eq(r->log, "L[0123456789]");
    proto_rec_free(r);
}

Test(line_receiver, delimited_line_over_max_length_closes_with_etoolong)
{
    proto_rec *r = proto_rec_new(REC_LINE, max_10);
    proto_rec_feed(r, S("ok\r\n0123456789A\r\nnever\r\n"));
    cr_assert_str_eq(r->log, "L[ok]!EDDY_ETOOLONG");
    cr_assert_eq(r->lost_code, EDDY_ETOOLONG);
    cr_assert(strstr(r->lost_message, "longer than 10"), "%s", r->lost_message);
    proto_rec_free(r);
}

Test(line_receiver, undelimited_buffer_reaching_max_plus_delimiter_closes)
{
    proto_rec *r = proto_rec_new(REC_LINE, max_10);
    proto_rec_feed(r, S("0123456789A")); /* 11 bytes: a line of 10 + "\r" could still come */
    cr_assert_eq(r->lost, 0);
    proto_rec_feed(r, S("B"));
    cr_assert_eq(r->lost_code, EDDY_ETOOLONG);
    proto_rec_free(r);
}

Test(line_receiver, buffer_never_exceeds_the_limit_while_a_long_line_trickles_in)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    for (int i = 0; i < 20000 && !r->lost; i++) {
        proto_rec_feed(r, "x", 1);
        if (!r->lost)
            cr_assert_leq(eddy_receiver_buffered(proto_rec_receiver(r)), 16384 + 1);
    }
    cr_assert_eq(r->lost_code, EDDY_ETOOLONG);
    proto_rec_free(r);
}

static void hooked_max_10(proto_rec *r)
{
    r->u.line.max_length = 10;
    r->hook_exceeded = true;
}

Test(line_receiver, length_hook_gets_line_delimiter_and_rest_then_parsing_continues)
{
    proto_rec *r = proto_rec_new(REC_LINE, hooked_max_10);
    proto_rec_feed(r, S("0123456789AB\r\ntail"));
    cr_assert_str_eq(r->log, "X[0123456789AB\\x0d\\x0atail]");
    proto_rec_feed(r, S("next\r\n"));
    cr_assert_str_eq(r->log, "X[0123456789AB\\x0d\\x0atail]L[next]");
    cr_assert_eq(r->lost, 0);
    proto_rec_free(r);
}

Test(line_receiver, raw_mode_switch_mid_buffer_keeps_every_byte_in_order)
{
    proto_rec *r = proto_rec_new(REC_LINE, proto_rec_scripted);
    proto_rec_feed(r, S("a\r\nRAW 5\r\n12\r\n4after\r\nz\r\n"));
    cr_assert_str_eq(r->log, "L[a]L[RAW 5]R[12\\x0d\\x0a4]L[after]L[z]");
    proto_rec_free(r);
}

Test(line_receiver, raw_data_is_delivered_as_it_comes_until_line_mode)
{
    proto_rec *r = proto_rec_new(REC_LINE, proto_rec_scripted);
    proto_rec_feed(r, S("RAW 6\r\nabc"));
    proto_rec_feed(r, S("de"));
    cr_assert_str_eq(r->log, "L[RAW 6]R[abcde]");
    proto_rec_feed(r, S("fline\r\n"));
    cr_assert_str_eq(r->log, "L[RAW 6]R[abcdef]L[line]");
    proto_rec_free(r);
}

Test(line_receiver, set_line_mode_outside_callbacks_parses_extra_at_once)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    eddy_line_receiver_set_raw_mode(&r->u.line);
    cr_assert_not(eddy_line_receiver_line_mode(&r->u.line));
    eddy_line_receiver_set_line_mode(&r->u.line, S("x\r\ny\r\npart"));
    cr_assert_str_eq(r->log, "L[x]L[y]");
    cr_assert_eq(eddy_receiver_buffered(proto_rec_receiver(r)), 4);
    proto_rec_free(r);
}

Test(line_receiver, raw_mode_without_handler_drops_raw_bytes)
{
    static const eddy_line_receiver_ops ops = {0};
    eddy_line_receiver lr;
    eddy_line_receiver_init(&lr, &ops);
    eddy_line_receiver_set_raw_mode(&lr);
    eddy_receiver_data_received(&lr.base, "abc", 3);
    cr_assert_eq(eddy_receiver_buffered(&lr.base), 0);
    eddy_receiver_release(&lr.base);
}

Test(line_receiver, pause_in_a_callback_holds_the_remaining_lines_and_the_transport)
{
    proto_rec *r = proto_rec_new(REC_LINE, proto_rec_scripted);
    proto_rec_feed(r, S("one\r\nPAUSE\r\nthree\r\nfour\r\n"));
    cr_assert_str_eq(r->log, "L[one]L[PAUSE]");
    cr_assert(eddy_receiver_paused(proto_rec_receiver(r)));
    cr_assert_eq(eddy_string_transport_producer_state(r->st), EDDY_PRODUCER_PAUSED);
    proto_rec_feed(r, S("five\r\n")); /* a transport may still deliver a read in flight */
    cr_assert_str_eq(r->log, "L[one]L[PAUSE]");
    eddy_receiver_resume_producing(proto_rec_receiver(r));
    cr_assert_str_eq(r->log, "L[one]L[PAUSE]L[three]L[four]L[five]");
    cr_assert_eq(eddy_string_transport_producer_state(r->st), EDDY_PRODUCER_PRODUCING);
    proto_rec_free(r);
}

Test(line_receiver, receiver_is_a_push_producer_for_another_transport)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    eddy_producer *p = &proto_rec_receiver(r)->producer;
    p->ops->pause_producing(p);
    proto_rec_feed(r, S("held\r\n"));
    cr_assert_str_eq(r->log, "");
    p->ops->resume_producing(p);
    cr_assert_str_eq(r->log, "L[held]");
    p->ops->stop_producing(p);
    cr_assert_eq(eddy_string_transport_producer_state(r->st), EDDY_PRODUCER_STOPPED);
    proto_rec_free(r);
}

Test(line_receiver, lines_after_close_in_a_callback_are_not_delivered)
{
    proto_rec *r = proto_rec_new(REC_LINE, proto_rec_scripted);
    proto_rec_feed(r, S("a\r\nCLOSE\r\nb\r\nc\r\n"));
    cr_assert_str_eq(r->log, "L[a]L[CLOSE]!EDDY_ECONNDONE");
    proto_rec_free(r);
}

/* A receiver that feeds itself from line_received (as a protocol splicing in bytes would). */
typedef struct feeder {
    eddy_line_receiver lr;
    char log[256];
} feeder;

static void feeder_line(eddy_line_receiver *lr, const char *line, size_t len)
{
    feeder *f = (feeder *)lr;
    strncat(f->log, line, len);
    strcat(f->log, "|");
    if (len == 5 && memcmp(line, "first", 5) == 0)
        eddy_receiver_data_received(&lr->base, "fed\r\n", 5);
}

Test(line_receiver, reentrant_data_is_queued_behind_bytes_already_received)
{
    static const eddy_line_receiver_ops ops = {.line_received = feeder_line};
    feeder f = {0};
    eddy_line_receiver_init(&f.lr, &ops);
    eddy_receiver_data_received(&f.lr.base, S("first\r\nsecond\r\nthi"));
    /* "fed\r\n" went behind everything already received, partial "thi" included. */
    cr_assert_str_eq(f.log, "first|second|thifed|");
    eddy_receiver_data_received(&f.lr.base, S("rd\r\n"));
    cr_assert_str_eq(f.log, "first|second|thifed|rd|");
    eddy_receiver_release(&f.lr.base);
}

Test(line_receiver, clear_line_buffer_returns_and_drops_unparsed_bytes)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    proto_rec_feed(r, S("done\r\npartial"));
    void *data = NULL;
    size_t len = 0;
    cr_assert_eq(eddy_line_receiver_clear_line_buffer(&r->u.line, &data, &len), 0);
    cr_assert_eq(len, 7);
    cr_assert_eq(memcmp(data, "partial", 7), 0);
    free(data);
    cr_assert_eq(eddy_receiver_buffered(proto_rec_receiver(r)), 0);
    proto_rec_feed(r, S("new\r\n"));
    cr_assert_str_eq(r->log, "L[done]L[new]");
    proto_rec_free(r);
}

Test(line_receiver, receiver_may_be_freed_in_connection_lost)
{
    proto_rec *r = proto_rec_new(REC_LINE, proto_rec_scripted);
    r->free_on_lost = true;
    eddy_string_transport *st = r->st;
    eddy_string_transport_receive(st, S("x\r\nCLOSE\r\nrest-buffered"));
    cr_assert(eddy_string_transport_lost(st));
    eddy_string_transport_free(st); /* r freed itself; ASan checks nothing touched it after */
}

Test(line_receiver, eof_without_handler_closes_cleanly)
{
    proto_rec *r = proto_rec_new(REC_LINE, NULL);
    proto_rec_feed(r, S("half"));
    eddy_string_transport_receive_eof(r->st);
    cr_assert_str_eq(r->log, "!EDDY_ECONNDONE");
    proto_rec_free(r);
}

/* ---- every split ----------------------------------------------------------------------------- */

Test(line_receiver, lines_are_the_same_under_every_split)
{
    free(assert_split_invariant(REC_LINE, S("alpha\r\n\r\nbeta gamma\r\nx\r\r\n\n\r\nend"), NULL));
}

Test(line_receiver, raw_switches_are_the_same_under_every_split)
{
    char *log = assert_split_invariant(
        REC_LINE, S("h1\r\nRAW 7\r\nr\r\naw\r\nRAW 1\r\n\rRAW 3\r\nxyzL\r\nPAUSE\r\nafter\r\n"),
        proto_rec_scripted);
    cr_assert_str_eq(log,
                     "L[h1]L[RAW 7]R[r\\x0d\\x0aaw\\x0d\\x0a]L[RAW 1]R[\\x0d]L[RAW 3]R[xyz]L[L]"
                     "L[PAUSE]L[after]!EDDY_ECONNDONE");
    free(log);
}

Test(line_receiver, limits_are_the_same_under_every_split)
{
    char *log =
        assert_split_invariant(REC_LINE, S("0123456789\r\nabc\r\n0123456789A\r\nz\r\n"), max_10);
    cr_assert_str_eq(log, "L[0123456789]L[abc]!EDDY_ETOOLONG");
    free(log);
}

static void multi_delimiter(proto_rec *r)
{
    eddy_line_receiver_set_delimiter(&r->u.line, "<|>", 3);
    r->u.line.max_length = 6;
}

Test(line_receiver, multibyte_delimiter_is_found_across_every_split)
{
    char *log = assert_split_invariant(REC_LINE, S("ab<|>c<<|>|><|><|<|>123456<|>1234567<|>"),
                                       multi_delimiter);
    cr_assert_str_eq(log, "L[ab]L[c<]L[|>]L[<|]L[123456]!EDDY_ETOOLONG");
    free(log);
}
