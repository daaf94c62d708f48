/* eddy/protocols/wire.h - the small RFC services (Twisted's twisted.protocols.wire):
 * echo (RFC 862), discard (863), chargen (864), quote of the day (865), daytime (867) and
 * time (868), as factories ready to pass to eddy_listen_tcp or an endpoint.
 *
 * Each function sets up caller-owned storage (static, or embedded in your own struct); nothing is
 * allocated until connections arrive, and each connection's protocol is freed after its
 * connection_lost. Keep the factory alive while a port or connection uses it. */
#ifndef EDDY_PROTOCOLS_WIRE_H
#define EDDY_PROTOCOLS_WIRE_H

#include <stdint.h>

#include "eddy/protocols/factory.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Echo (RFC 862): every byte received is sent back. */
void eddy_echo_factory_init(eddy_simple_factory *f);
/** Discard (RFC 863): everything received is dropped. */
void eddy_discard_factory_init(eddy_simple_factory *f);
/** Character generator (RFC 864): 72-character lines of the 95 printable ASCII characters, each
 * line starting one character later, sent as fast as the client reads them (a pull producer:
 * memory stays bounded however slow the client is). Input is discarded. */
void eddy_chargen_factory_init(eddy_simple_factory *f);
/** Quote of the day (RFC 865): sends `quote` and CRLF, then closes. `quote` is borrowed and must
 * outlive the factory; NULL gives a default quote. */
void eddy_qotd_factory_init(eddy_simple_factory *f, const char *quote);
/** Daytime (RFC 867): sends the current UTC time as "Weekday, Month DD, YYYY HH:MM:SS-UTC" and
 * CRLF, then closes. */
void eddy_daytime_factory_init(eddy_simple_factory *f);
/** Time (RFC 868): sends the current time as a 32-bit big-endian count of seconds since
 * 1900-01-01 00:00 UTC, then closes. (Twisted sends Unix-epoch seconds here; eddy follows the
 * RFC, which is what rdate and other clients expect.) */
void eddy_time_factory_init(eddy_simple_factory *f);

/** The RFC 868 value for a Unix time (seconds since 1970), modulo 2^32. */
uint32_t eddy_rfc868_time(int64_t unix_seconds);

/** One 74-byte chargen line (72 characters + CRLF) for line number `n` into out[74]. */
void eddy_chargen_line(uint64_t n, char out[74]);

#ifdef __cplusplus
}
#endif
#endif
