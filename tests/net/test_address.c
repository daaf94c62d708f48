/* test_address.c - eddy_address: parsing IP literals, formatting, ports. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net_helpers.h"

TestSuite(address, .timeout = 10);

static void assert_formats(const eddy_address *a, const char *want)
{
    char buf[128];
    size_t n = eddy_address_format(a, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
}

Test(address, ipv4_literal_with_port)
{
    eddy_address a;
    cr_assert_eq(eddy_address_from_ip("127.0.0.1", 8080, EDDY_ADDRESS_TCP, &a), 0);
    cr_assert_eq(a.kind, EDDY_ADDRESS_TCP);
    cr_assert_eq(a.sa.ss_family, AF_INET);
    cr_assert_eq(eddy_address_port(&a), 8080);
    assert_formats(&a, "127.0.0.1:8080");
}

Test(address, ipv6_literal_is_bracketed)
{
    eddy_address a;
    cr_assert_eq(eddy_address_from_ip("::1", 80, EDDY_ADDRESS_TCP, &a), 0);
    cr_assert_eq(a.sa.ss_family, AF_INET6);
    assert_formats(&a, "[::1]:80");
}

Test(address, host_names_and_bad_ports_are_einval)
{
    eddy_address a;
    cr_assert_eq(eddy_address_from_ip("localhost", 80, EDDY_ADDRESS_TCP, &a), -EINVAL);
    cr_assert_eq(eddy_address_from_ip("1.2.3.4", -1, EDDY_ADDRESS_TCP, &a), -EINVAL);
    cr_assert_eq(eddy_address_from_ip("1.2.3.4", 65536, EDDY_ADDRESS_TCP, &a), -EINVAL);
    cr_assert_eq(eddy_address_from_ip("1.2.3.4", 1, EDDY_ADDRESS_UNIX, &a), -EINVAL);
}

Test(address, format_truncates_like_snprintf)
{
    eddy_address a;
    eddy_address_from_ip("192.168.100.200", 65535, EDDY_ADDRESS_TCP, &a);
    char buf[8];
    size_t n = eddy_address_format(&a, buf, sizeof buf);
    cr_assert_eq(n, strlen("192.168.100.200:65535"));
    cr_assert_str_eq(buf, "192.168");
}

Test(address, pipes_and_unknown_addresses)
{
    eddy_address a = {.kind = EDDY_ADDRESS_PIPE};
    assert_formats(&a, "pipe");
    cr_assert_eq(eddy_address_port(&a), -1);
    eddy_address none = {0};
    assert_formats(&none, "?");
}

Test(address, tcp_transports_report_both_ends)
{
    tcp_pair p;
    tcp_pair_open(&p, "127.0.0.1", NULL, NULL);
    eddy_address host, peer;
    cr_assert_eq(eddy_transport_get_host(p.t, &host), 0);
    cr_assert_eq(eddy_transport_get_peer(p.t, &peer), 0);
    cr_assert_eq(eddy_address_port(&host), port_number(p.port));
    struct sockaddr_in local;
    socklen_t len = sizeof local;
    getsockname(p.client, (struct sockaddr *)&local, &len);
    cr_assert_eq(eddy_address_port(&peer), ntohs(local.sin_port));
    char want[160], h[64], pe[64];
    eddy_address_format(&host, h, sizeof h);
    eddy_address_format(&peer, pe, sizeof pe);
    snprintf(want, sizeof want, "tcp %s<-%s", h, pe);
    cr_assert_str_eq(eddy_transport_log_prefix(p.t), want);
    tcp_pair_close(&p);
}
