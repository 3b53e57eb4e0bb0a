// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a cardroute RSPRO peer carries in its TPDU messages beyond upstream's
 * T=0 short TPDUs, exchanged in an optional ComponentIdentity field that
 * upstream peers ignore (rspro.md B: hwVersion [5] IMPLICIT IA5String,
 * 1..32 characters):
 *
 *   hwManufacturer = "cardroute"
 *   hwVersion      = "cr-caps:t0,t1,ext,c65400,r65400"
 *
 * Tokens after "cr-caps:", comma separated, any order: "t0" / "t1" the
 * protocols, "ext" extended length fields, "cN" / "rN" the largest command
 * and answer (decimal, 5..65535 / 2..65535). Unknown tokens are skipped (a
 * later version may add some); a malformed string is no announcement.
 *
 * A cardroute client adds it to its connectClientReq towards the bank; a
 * cardroute bank answers with its own only when the client announced one, so
 * nothing changes towards upstream clients. Plain C, no I/O; fuzzed
 * (tests/rspro/fuzz-rspro-caps.c).
 */
#pragma once

#include <cardroute/cardroute.h>

#include "rspro-msg.h"

G_BEGIN_DECLS

#define RSPRO_CAPS_PREFIX "cr-caps:"
#define RSPRO_CAPS_MANUFACTURER "cardroute"
/* The largest APDU one tpduModemToCard / tpduCardToModem carries: an IPA
 * frame holds 65534 bytes of RSPRO PDU, of which the PDU's header, the two
 * slots and the flags take less than 100 (rspro.md B and C). */
#define RSPRO_CAPS_APDU_MAX 65400u

/* a peer's announcement; extended / sizes as CrSlotCaps */
typedef struct {
	gboolean present; /* the peer announced capabilities */
	guint protocols;  /* CrProtocol bits */
	gboolean extended;
	guint max_command;
	guint max_response;
} RsproCaps;

/* What this cardroute peer carries over RSPRO: T=0 and T=1, extended, up to
 * RSPRO_CAPS_APDU_MAX bytes each way. */
void rspro_caps_local(RsproCaps *out);
/* Parses a hwVersion string; FALSE (and @out zeroed) when it is none. */
gboolean rspro_caps_parse(const gchar *text, RsproCaps *out);
/* The hwVersion string for @caps (at most RSPRO_NAME_MAX_LEN characters). */
gchar *rspro_caps_format(const RsproCaps *caps);
/* The capabilities a peer's identity announces; FALSE (zeroed) when none. */
gboolean rspro_caps_from_identity(const RsproIdentity *identity, RsproCaps *out);
/* Adds the announcement of @caps to @identity (replacing hwVersion; setting
 * hwManufacturer when unset). */
void rspro_caps_to_identity(RsproIdentity *identity, const RsproCaps *caps);
/* What both @a and @b carry, as slot capabilities. */
void rspro_caps_both(const RsproCaps *a, const RsproCaps *b, CrSlotCaps *out);

G_END_DECLS
