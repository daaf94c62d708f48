/* test_endpoint_syntax.c - the endpoint string syntax (eddy/endpoint.h): splitting, escapes,
 * binding arguments to parameters, quoting, and the parser registry. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"

TestSuite(endpoint_syntax, .timeout = 10);

static eddy_endpoint_args *split_ok(const char *desc)
{
    eddy_endpoint_args *a = NULL;
    eddy_failure *err = NULL;
    int rc = eddy_endpoint_args_split(desc, &a, &err);
    cr_assert_eq(rc, 0, "split '%s': %s", desc, err ? eddy_failure_message(err) : "");
    return a;
}

/* The message of the failure splitting `desc` gives (static buffer). */
static const char *split_error(const char *desc)
{
    static char msg[512];
    eddy_endpoint_args *a = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_endpoint_args_split(desc, &a, &err), -EINVAL, "'%s' should not split", desc);
    cr_assert_not_null(err);
    cr_assert_eq(eddy_failure_code(err), -EINVAL);
    snprintf(msg, sizeof msg, "%s", eddy_failure_message(err));
    eddy_failure_unref(err);
    return msg;
}

static void assert_arg(const eddy_endpoint_args *a, size_t i, const char *key, const char *value)
{
    cr_assert_lt(i, a->count);
    if (key)
        cr_assert_str_eq(a->args[i].key, key);
    else
        cr_assert_null(a->args[i].key, "argument %zu should be positional", i);
    cr_assert_str_eq(a->args[i].value, value);
}

/* ---- splitting ------------------------------------------------------------------------------ */

Test(endpoint_syntax, split_separates_type_positional_and_keyword_arguments)
{
    eddy_endpoint_args *a = split_ok("tcp:80:interface=127.0.0.1");
    cr_assert_str_eq(a->prefix, "tcp");
    cr_assert_eq(a->count, 2);
    assert_arg(a, 0, NULL, "80");
    assert_arg(a, 1, "interface", "127.0.0.1");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, backslash_makes_colons_and_backslashes_literal)
{
    eddy_endpoint_args *a = split_ok("tcp6:port=80:interface=2001\\:db8\\:\\:1:x=a\\\\b");
    assert_arg(a, 1, "interface", "2001:db8::1");
    assert_arg(a, 2, "x", "a\\b");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, only_the_first_equals_separates_key_from_value)
{
    eddy_endpoint_args *a = split_ok("x:k=a=b");
    assert_arg(a, 0, "k", "a=b");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, an_escaped_equals_keeps_an_argument_positional)
{
    eddy_endpoint_args *a = split_ok("unix:/tmp/a\\=b");
    assert_arg(a, 0, NULL, "/tmp/a=b");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, a_type_alone_or_followed_by_a_colon_has_no_arguments)
{
    eddy_endpoint_args *a = split_ok("stdio");
    cr_assert_eq(a->count, 0);
    eddy_endpoint_args_free(a);
    a = split_ok("stdio:");
    cr_assert_str_eq(a->prefix, "stdio");
    cr_assert_eq(a->count, 0);
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, an_empty_piece_is_an_empty_positional_argument)
{
    eddy_endpoint_args *a = split_ok("tcp::80");
    cr_assert_eq(a->count, 2);
    assert_arg(a, 0, NULL, "");
    assert_arg(a, 1, NULL, "80");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, malformed_descriptions_say_what_is_wrong)
{
    cr_assert_str_eq(split_error(""), "empty endpoint description");
    cr_assert(strstr(split_error(":80"), "missing endpoint type"));
    cr_assert(strstr(split_error("port=80:tcp"), "the endpoint type must come first"));
    cr_assert(strstr(split_error("tcp:80:=5"), "argument 2: empty parameter name"));
    cr_assert(strstr(split_error("tcp:80\\"), "backslash at the end"));
}

/* ---- binding -------------------------------------------------------------------------------- */

static const char *const tcp_names[] = {"port", "interface", "backlog"};

static const char *bind_error(const char *desc)
{
    static char msg[512];
    eddy_endpoint_args *a = split_ok(desc);
    const char *v[3];
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_endpoint_args_bind(a, tcp_names, 3, v, &err), -EINVAL);
    snprintf(msg, sizeof msg, "%s", eddy_failure_message(err));
    eddy_failure_unref(err);
    eddy_endpoint_args_free(a);
    return msg;
}

Test(endpoint_syntax, bind_fills_parameters_by_position_then_by_name)
{
    eddy_endpoint_args *a = split_ok("tcp:80:backlog=5");
    const char *v[3];
    cr_assert_eq(eddy_endpoint_args_bind(a, tcp_names, 3, v, NULL), 0);
    cr_assert_str_eq(v[0], "80");
    cr_assert_null(v[1]);
    cr_assert_str_eq(v[2], "5");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, bind_names_an_unknown_parameter_and_lists_the_known_ones)
{
    cr_assert_str_eq(bind_error("tcp:80:bogus=1"),
                     "tcp: unknown parameter 'bogus' (parameters: port, interface, backlog)");
}

Test(endpoint_syntax, bind_refuses_a_parameter_given_twice)
{
    cr_assert_str_eq(bind_error("tcp:port=80:81"), "tcp: parameter 'port' given twice");
}

Test(endpoint_syntax, bind_refuses_extra_positional_arguments)
{
    cr_assert(strstr(bind_error("tcp:80:0.0.0.0:50:extra"), "too many arguments: 'extra'"));
}

/* ---- quoting -------------------------------------------------------------------------------- */

Test(endpoint_syntax, quote_escapes_what_the_splitter_treats_specially)
{
    char buf[64];
    size_t n = eddy_endpoint_quote("a:b=c\\d", buf, sizeof buf);
    cr_assert_str_eq(buf, "a\\:b\\=c\\\\d");
    cr_assert_eq(n, strlen(buf));
    char desc[80];
    snprintf(desc, sizeof desc, "unix:%s", buf);
    eddy_endpoint_args *a = split_ok(desc);
    assert_arg(a, 0, NULL, "a:b=c\\d");
    eddy_endpoint_args_free(a);
}

Test(endpoint_syntax, quote_reports_the_length_it_needs_when_truncating)
{
    char buf[4];
    cr_assert_eq(eddy_endpoint_quote("::::", buf, sizeof buf), 8);
    cr_assert_str_eq(buf, "\\:\\");
}

/* ---- the registry --------------------------------------------------------------------------- */

typedef struct seen {
    int calls;
    char prefix[16];
    size_t count;
} seen;

static int mem_parser(const eddy_network *net, const eddy_endpoint_args *args, void *arg,
                      eddy_server_endpoint **out, eddy_failure **error)
{
    seen *s = arg;
    s->calls++;
    snprintf(s->prefix, sizeof s->prefix, "%s", args->prefix);
    s->count = args->count;
    return eddy_tcp_server_endpoint_new(net, 1234, NULL, out);
}

static eddy_network some_network(eddy_memory_reactor **mr)
{
    cr_assert_eq(eddy_memory_reactor_new(mr), 0);
    return eddy_memory_reactor_network(*mr);
}

Test(endpoint_syntax, a_registered_server_parser_handles_its_prefix_in_any_case)
{
    eddy_memory_reactor *mr;
    eddy_network net = some_network(&mr);
    seen s = {0};
    cr_assert_eq(eddy_endpoint_register_server_parser("mem", mem_parser, &s), 0);
    eddy_server_endpoint *ep = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, "MEM:a:b=c", &ep, NULL), 0);
    cr_assert_eq(s.calls, 1);
    cr_assert_str_eq(s.prefix, "MEM");
    cr_assert_eq(s.count, 2);
    eddy_server_endpoint_free(ep);
    eddy_memory_reactor_free(mr);
}

Test(endpoint_syntax, taken_or_malformed_prefixes_cannot_be_registered)
{
    seen s = {0};
    cr_assert_eq(eddy_endpoint_register_server_parser("TCP", mem_parser, &s), -EEXIST);
    cr_assert_eq(eddy_endpoint_register_server_parser("mem", mem_parser, &s), 0);
    cr_assert_eq(eddy_endpoint_register_server_parser("Mem", mem_parser, &s), -EEXIST);
    cr_assert_eq(eddy_endpoint_register_server_parser("a:b", mem_parser, &s), -EINVAL);
    cr_assert_eq(eddy_endpoint_register_server_parser("", mem_parser, &s), -EINVAL);
    cr_assert_eq(eddy_endpoint_register_server_parser("x", NULL, &s), -EINVAL);
}

Test(endpoint_syntax, unregistering_makes_the_prefix_unknown_again)
{
    eddy_memory_reactor *mr;
    eddy_network net = some_network(&mr);
    seen s = {0};
    eddy_endpoint_register_server_parser("mem", mem_parser, &s);
    cr_assert_eq(eddy_endpoint_unregister_server_parser("mem"), 0);
    cr_assert_eq(eddy_endpoint_unregister_server_parser("mem"), EDDY_ENOTFOUND);
    cr_assert_eq(eddy_endpoint_unregister_server_parser("tcp"), EDDY_ENOTFOUND);
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, "mem:1", &ep, &err), -EINVAL);
    cr_assert_str_eq(eddy_failure_message(err), "unknown endpoint type 'mem'");
    eddy_failure_unref(err);
    eddy_memory_reactor_free(mr);
}

Test(endpoint_syntax, server_and_client_parsers_are_registered_separately)
{
    eddy_memory_reactor *mr;
    eddy_network net = some_network(&mr);
    seen s = {0};
    eddy_endpoint_register_server_parser("mem", mem_parser, &s);
    eddy_client_endpoint *ep = NULL;
    cr_assert_eq(eddy_client_endpoint_parse(&net, "mem:1", &ep, NULL), -EINVAL);
    cr_assert_eq(eddy_endpoint_unregister_client_parser("mem"), EDDY_ENOTFOUND);
    cr_assert_eq(s.calls, 0);
    eddy_memory_reactor_free(mr);
}

Test(endpoint_syntax, a_bare_number_suggests_the_tcp_type)
{
    eddy_memory_reactor *mr;
    eddy_network net = some_network(&mr);
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, "8080", &ep, &err), -EINVAL);
    cr_assert_str_eq(eddy_failure_message(err),
                     "unknown endpoint type '8080' (did you mean 'tcp:8080'?)");
    eddy_failure_unref(err);
    eddy_memory_reactor_free(mr);
}
