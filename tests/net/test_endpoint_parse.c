/* test_endpoint_parse.c - the built-in endpoint types (eddy/endpoint.h): what each description
 * asks the network for (checked on a memory reactor's records) and the message each mistake
 * gives. */
#include <criterion/criterion.h>
#include <string.h>

#include "eddy.h"

static eddy_memory_reactor *mr;
static eddy_network net;
static eddy_recording_factory factory;
static eddy_deferred *pending[4]; /* connects still in progress, cancelled at teardown */
static size_t npending;

static eddy_result swallow(eddy_result in, void *arg)
{
    eddy_result_drop(in);
    return eddy_result_none();
}

static void setup(void)
{
    cr_assert_eq(eddy_memory_reactor_new(&mr), 0);
    net = eddy_memory_reactor_network(mr);
    eddy_recording_factory_init(&factory);
}

static void teardown(void)
{
    for (size_t i = 0; i < npending; i++) {
        eddy_deferred_add_errback(pending[i], swallow, NULL);
        eddy_deferred_cancel(pending[i]);
        eddy_deferred_unref(pending[i]);
    }
    eddy_memory_reactor_free(mr);
    eddy_recording_factory_release(&factory);
}

TestSuite(endpoint_parse, .init = setup, .fini = teardown, .timeout = 10);

/* Parse `desc` as a server, listen, and return what the memory reactor recorded. */
static const eddy_memory_listen *listened(const char *desc)
{
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    int rc = eddy_server_endpoint_parse(&net, desc, &ep, &err);
    cr_assert_eq(rc, 0, "parse '%s': %s", desc, err ? eddy_failure_message(err) : "");
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_endpoint_listen(ep, &factory.base, &d), 0);
    eddy_deferred_unref(d); /* the memory reactor keeps the record */
    eddy_server_endpoint_free(ep);
    size_t n = eddy_memory_reactor_listen_count(mr);
    cr_assert_gt(n, 0);
    return eddy_memory_reactor_listen_at(mr, n - 1);
}

/* Parse `desc` as a client, connect, and return the recorded attempt. */
static const eddy_memory_connect *connected(const char *desc)
{
    eddy_client_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    int rc = eddy_client_endpoint_parse(&net, desc, &ep, &err);
    cr_assert_eq(rc, 0, "parse '%s': %s", desc, err ? eddy_failure_message(err) : "");
    eddy_deferred *d = NULL;
    cr_assert_eq(eddy_endpoint_connect(ep, &factory.base, &d), 0);
    pending[npending++] = d;
    eddy_client_endpoint_free(ep);
    size_t n = eddy_memory_reactor_connect_count(mr);
    cr_assert_gt(n, 0);
    return eddy_memory_reactor_connect_at(mr, n - 1);
}

/* The message parsing `desc` fails with (static buffer). */
static const char *server_error(const char *desc)
{
    static char msg[512];
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, desc, &ep, &err), -EINVAL,
                 "'%s' should not parse", desc);
    cr_assert_null(ep);
    snprintf(msg, sizeof msg, "%s", eddy_failure_message(err));
    eddy_failure_unref(err);
    return msg;
}

static const char *client_error(const char *desc)
{
    static char msg[512];
    eddy_client_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_client_endpoint_parse(&net, desc, &ep, &err), -EINVAL,
                 "'%s' should not parse", desc);
    snprintf(msg, sizeof msg, "%s", eddy_failure_message(err));
    eddy_failure_unref(err);
    return msg;
}

/* ---- tcp servers ---------------------------------------------------------------------------- */

Test(endpoint_parse, tcp_port_alone_listens_on_every_ipv4_address_with_backlog_50)
{
    const eddy_memory_listen *l = listened("tcp:8080");
    cr_assert_eq(l->kind, EDDY_ADDRESS_TCP);
    cr_assert_eq(l->port, 8080);
    cr_assert_null(l->tcp.interface);
    cr_assert_eq(l->tcp.backlog, 50);
}

Test(endpoint_parse, tcp_takes_keywords_and_an_escaped_ipv6_interface)
{
    const eddy_memory_listen *l = listened("tcp:port=8080:interface=\\:\\:1:backlog=128");
    cr_assert_eq(l->port, 8080);
    cr_assert_str_eq(l->tcp.interface, "::1");
    cr_assert_eq(l->tcp.backlog, 128);
}

Test(endpoint_parse, tcp_takes_the_interface_as_second_positional_argument)
{
    cr_assert_str_eq(listened("tcp:80:127.0.0.1")->tcp.interface, "127.0.0.1");
}

Test(endpoint_parse, tcp_port_zero_asks_for_any_free_port)
{
    cr_assert_eq(listened("tcp:0")->port, 0);
}

Test(endpoint_parse, tcp6_defaults_to_the_dual_stack_any_address)
{
    const eddy_memory_listen *l = listened("tcp6:443");
    cr_assert_str_eq(l->tcp.interface, "::");
}

Test(endpoint_parse, endpoint_types_are_case_insensitive)
{
    cr_assert_eq(listened("TCP:81")->port, 81);
}

Test(endpoint_parse, tcp_port_must_be_a_number_in_range)
{
    cr_assert_str_eq(server_error("tcp:http"), "tcp: port: 'http' is not a port number (0-65535)");
    cr_assert_str_eq(server_error("tcp:70000"),
                     "tcp: port: '70000' is not a port number (0-65535)");
    cr_assert_str_eq(server_error("tcp:-1"), "tcp: port: '-1' is not a port number (0-65535)");
    cr_assert_str_eq(server_error("tcp:8o"), "tcp: port: '8o' is not a port number (0-65535)");
}

Test(endpoint_parse, tcp_needs_a_port)
{
    cr_assert_str_eq(server_error("tcp:"), "tcp: port is required (tcp:PORT or tcp:port=PORT)");
    cr_assert_str_eq(server_error("tcp:interface=127.0.0.1"),
                     "tcp: port is required (tcp:PORT or tcp:port=PORT)");
}

Test(endpoint_parse, tcp_interface_must_be_an_ip_literal)
{
    cr_assert_str_eq(server_error("tcp:80:interface=localhost"),
                     "tcp: interface: 'localhost' is not an IP address");
    cr_assert_str_eq(server_error("tcp6:80:interface=127.0.0.1"),
                     "tcp6: interface: '127.0.0.1' is not an IPv6 address");
}

Test(endpoint_parse, tcp_backlog_must_be_a_positive_number)
{
    cr_assert_str_eq(server_error("tcp:80:backlog=0"),
                     "tcp: backlog: '0' is not a whole number (1-65535)");
    cr_assert_str_eq(server_error("tcp:80:backlog=lots"),
                     "tcp: backlog: 'lots' is not a whole number (1-65535)");
}

Test(endpoint_parse, unknown_types_and_parameters_are_named)
{
    cr_assert_str_eq(server_error("foo:1"), "unknown endpoint type 'foo'");
    cr_assert_str_eq(server_error("tcp:80:bogus=1"),
                     "tcp: unknown parameter 'bogus' (parameters: port, interface, backlog)");
}

Test(endpoint_parse, the_error_pointer_may_be_null)
{
    eddy_server_endpoint *ep = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, "tcp:x", &ep, NULL), -EINVAL);
}

/* ---- unix servers --------------------------------------------------------------------------- */

Test(endpoint_parse, unix_takes_address_mode_and_lockfile)
{
    const eddy_memory_listen *l = listened("unix:/run/x.sock:mode=660:lockfile=1");
    cr_assert_eq(l->kind, EDDY_ADDRESS_UNIX);
    cr_assert_str_eq(l->path, "/run/x.sock");
    cr_assert_eq(l->unix_options.mode, 0660);
    cr_assert(l->unix_options.want_pid);
    cr_assert_eq(l->unix_options.backlog, 50);
}

Test(endpoint_parse, unix_defaults_to_mode_666_with_a_lock_file)
{
    const eddy_memory_listen *l = listened("unix:address=/tmp/s");
    cr_assert_eq(l->unix_options.mode, 0666);
    cr_assert(l->unix_options.want_pid);
}

Test(endpoint_parse, unix_lockfile_0_turns_the_lock_off)
{
    cr_assert_not(listened("unix:/tmp/s:lockfile=0")->unix_options.want_pid);
}

Test(endpoint_parse, unix_abstract_names_have_no_lock_file)
{
    const eddy_memory_listen *l = listened("unix:@abstract");
    cr_assert_str_eq(l->path, "@abstract");
    cr_assert_not(l->unix_options.want_pid);
}

Test(endpoint_parse, unix_abstract_names_may_use_every_byte_of_sun_path)
{
    char desc[200], name[110];
    memset(name, 'a', 107);
    name[107] = '\0'; /* '@' + 107 bytes: the 108 bytes of sun_path */
    snprintf(desc, sizeof desc, "unix:@%s", name);
    cr_assert_eq(strlen(listened(desc)->path), 108);
    snprintf(desc, sizeof desc, "unix:@%sa", name);
    cr_assert(strstr(server_error(desc), "longer than 108 bytes"), "one more is too many");
}

Test(endpoint_parse, unix_mode_must_be_octal)
{
    cr_assert_str_eq(server_error("unix:/s:mode=999"),
                     "unix: mode: '999' is not an octal file mode (like 660)");
    cr_assert_str_eq(server_error("unix:/s:mode=rw"),
                     "unix: mode: 'rw' is not an octal file mode (like 660)");
}

Test(endpoint_parse, unix_mode_0_is_refused_rather_than_widened_to_666)
{
    cr_assert_str_eq(server_error("unix:/s:mode=000"),
                     "unix: mode: '000' (no permissions) is not supported; use 600 for the owner "
                     "only");
}

Test(endpoint_parse, unix_lockfile_must_be_0_or_1)
{
    cr_assert_str_eq(server_error("unix:/s:lockfile=yes"), "unix: lockfile: 'yes' must be 0 or 1");
}

Test(endpoint_parse, unix_paths_must_fit_a_socket_address)
{
    char desc[300] = "unix:/";
    memset(desc + 6, 'a', 200);
    cr_assert(strstr(server_error(desc), "is longer than 107 bytes"));
    cr_assert_str_eq(server_error("unix:"), "unix: address is required (unix:PATH)");
}

Test(endpoint_parse, a_very_long_bad_value_still_gets_a_message_that_says_what_is_wrong)
{
    char desc[1100] = "tcp:";
    memset(desc + 4, '9', 1000);
    eddy_server_endpoint *ep = NULL;
    eddy_failure *err = NULL;
    cr_assert_eq(eddy_server_endpoint_parse(&net, desc, &ep, &err), -EINVAL);
    const char *msg = eddy_failure_message(err), *reason = "is not a port number (0-65535)";
    size_t n = strlen(msg), m = strlen(reason);
    cr_assert(n > m && strcmp(msg + n - m, reason) == 0, "the message ends '...%s'",
              msg + (n > 40 ? n - 40 : 0));
    eddy_failure_unref(err);
}

/* ---- clients -------------------------------------------------------------------------------- */

Test(endpoint_parse, tcp_client_takes_keywords)
{
    const eddy_memory_connect *c = connected("tcp:host=127.0.0.1:port=80:timeout=10");
    cr_assert_eq(c->kind, EDDY_ADDRESS_TCP);
    cr_assert_str_eq(c->host, "127.0.0.1");
    cr_assert_eq(c->port, 80);
    cr_assert_float_eq(c->tcp.timeout, 10.0, 1e-9);
    cr_assert_null(c->tcp.bind_address);
}

Test(endpoint_parse, tcp_client_takes_host_and_port_by_position_with_timeout_30)
{
    const eddy_memory_connect *c = connected("tcp:127.0.0.1:80");
    cr_assert_str_eq(c->host, "127.0.0.1");
    cr_assert_eq(c->port, 80);
    cr_assert_float_eq(c->tcp.timeout, 30.0, 1e-9);
}

Test(endpoint_parse, tcp_client_binds_to_bind_address)
{
    const eddy_memory_connect *c = connected("tcp:127.0.0.1:80:bindAddress=127.0.0.2");
    cr_assert_not_null(c->tcp.bind_address);
    char buf[64];
    eddy_address_format(c->tcp.bind_address, buf, sizeof buf);
    cr_assert_str_eq(buf, "127.0.0.2:0");
}

Test(endpoint_parse, tcp_client_needs_host_and_a_nonzero_port)
{
    cr_assert_str_eq(client_error("tcp:port=80"),
                     "tcp: host is required (tcp:HOST:PORT or tcp:host=HOST:port=PORT)");
    cr_assert_str_eq(client_error("tcp:127.0.0.1"),
                     "tcp: port is required (tcp:HOST:PORT or tcp:host=HOST:port=PORT)");
    cr_assert_str_eq(client_error("tcp:127.0.0.1:0"),
                     "tcp: port: '0' is not a port number (1-65535)");
}

Test(endpoint_parse, tcp_client_timeout_must_be_positive_seconds)
{
    cr_assert_str_eq(client_error("tcp:h:80:timeout=soon"),
                     "tcp: timeout: 'soon' is not a positive number of seconds");
    cr_assert_str_eq(client_error("tcp:h:80:timeout=-1"),
                     "tcp: timeout: '-1' is not a positive number of seconds");
}

Test(endpoint_parse, tcp_client_bind_address_must_be_an_ip_literal)
{
    cr_assert_str_eq(client_error("tcp:h:80:bindAddress=me"),
                     "tcp: bindAddress: 'me' is not an IP address");
}

Test(endpoint_parse, unix_client_takes_path_timeout_and_lockfile)
{
    const eddy_memory_connect *c = connected("unix:path=/run/x.sock:timeout=5:lockfile=1");
    cr_assert_eq(c->kind, EDDY_ADDRESS_UNIX);
    cr_assert_str_eq(c->path, "/run/x.sock");
    cr_assert_float_eq(c->unix_options.timeout, 5.0, 1e-9);
    cr_assert(c->unix_options.check_pid);
}

Test(endpoint_parse, unix_client_does_not_check_the_lock_by_default)
{
    const eddy_memory_connect *c = connected("unix:/run/x.sock");
    cr_assert_str_eq(c->path, "/run/x.sock");
    cr_assert_not(c->unix_options.check_pid);
    cr_assert_float_eq(c->unix_options.timeout, 30.0, 1e-9);
}

Test(endpoint_parse, unix_client_names_its_parameters)
{
    cr_assert_str_eq(client_error("unix:/s:mode=600"),
                     "unix: unknown parameter 'mode' (parameters: path, timeout, lockfile)");
}
