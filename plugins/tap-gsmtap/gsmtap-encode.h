// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GSMTAP v2 encoding of smart-card traffic (type SIM): the 16-byte header,
 * the APDU payload Wireshark's "GSM SIM" dissector expects, redaction and the
 * libosmocore log frames used for resets and errors. Plain C over bytes, no
 * I/O; depends on GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GSMTAP_UDP_PORT 4729
#define GSMTAP_VERSION 0x02
#define GSMTAP_HDR_LEN 16

#define GSMTAP_TYPE_SIM 0x04
#define GSMTAP_TYPE_OSMOCORE_LOG 0x10

/* Sub-types of GSMTAP_TYPE_SIM (libosmocore gsmtap.h). */
typedef enum {
	GSMTAP_SIM_APDU = 0x00,
	GSMTAP_SIM_ATR = 0x01,
	GSMTAP_SIM_PPS_REQ = 0x02,
	GSMTAP_SIM_PPS_RSP = 0x03,
	GSMTAP_SIM_TPDU_HDR = 0x04,
	GSMTAP_SIM_TPDU_CMD = 0x05,
	GSMTAP_SIM_TPDU_RSP = 0x06,
	GSMTAP_SIM_TPDU_SW = 0x07,
} GsmtapSimSubType;

/* The largest UDP payload over IPv4, and what is left of it after the header. */
#define GSMTAP_MAX_DATAGRAM 65507
#define GSMTAP_MAX_PAYLOAD (GSMTAP_MAX_DATAGRAM - GSMTAP_HDR_LEN)

/* The ARFCN field has 14 bits of channel number. */
#define GSMTAP_ARFCN_MASK 0x3fff

/*
 * Writes a GSMTAP v2 header. Project convention (not upstream behaviour,
 * which leaves every field 0): the route index goes into arfcn (14 bits) and
 * sub_slot (low 8 bits), @frame_number is the tap's frame counter; timeslot,
 * antenna, signal and SNR stay 0.
 */
void gsmtap_header_write(guint8 out[GSMTAP_HDR_LEN], guint8 type, guint8 sub_type,
                         guint route_index, guint32 frame_number);

/* What `redact =` hides. */
typedef enum {
	GSMTAP_REDACT_NONE = 0,
	GSMTAP_REDACT_PIN = 1 << 0,  /* VERIFY/CHANGE/DISABLE/ENABLE/UNBLOCK PIN data */
	GSMTAP_REDACT_AUTH = 1 << 1, /* RUN GSM ALGORITHM / AUTHENTICATE challenge and response */
} GsmtapRedactFlags;

/* Parses "pin,auth"-style names; FALSE with *bad set to the unknown word. */
gboolean gsmtap_redact_from_strv(const gchar *const *names, guint *flags, const gchar **bad);

/*
 * A command as the terminal sent it (T=0 C-TPDU from a byte-level frontend,
 * or an ISO 7816-4 C-APDU from vpcd), seen as a T=0 header and its data.
 */
typedef struct {
	guint8 header[5];   /* CLA INS P1 P2 P3 (P3 = Lc when there is data) */
	const guint8 *data; /* command data, into the parsed buffer; NULL when none */
	gsize data_len;
	gboolean le_stripped; /* an ISO case-4 Le (short or extended) was dropped */
	gboolean extended;    /* extended lengths: P3 is only Lc's low byte */
	gboolean valid;       /* FALSE: not a command shape; the payload is then raw */
} GsmtapCommand;

/*
 * Splits @cmd into header and data:
 *   4 bytes                  ISO case 1            -> CLA INS P1 P2 00
 *   5 bytes                  T=0 case 1/2, ISO case 2 (P3 = Le)
 *   5 + P3                   T=0 case 3/4, ISO case 3
 *   5 + P3 + 1               ISO case 4: Le dropped
 *   extended (byte 4 = 00)   Lc/Le fields dropped, P3 = Lc's low byte
 */
void gsmtap_command_parse(const guint8 *cmd, gsize len, GsmtapCommand *out);

/* Is @ins one whose data `redact = pin` / `redact = auth` hides? */
gboolean gsmtap_ins_is_pin(guint8 ins);
gboolean gsmtap_ins_is_auth(guint8 ins);

/*
 * Appends the APDU sub-type payload of one exchange to @out:
 *   CLA INS P1 P2 P3 ‖ command data ‖ response data ‖ SW1 SW2
 * For a command without data P3 is set to the number of response data bytes
 * (00 for none or 256), so the dissector's view of P3 matches the frame.
 * @redact_ins is the INS whose rules apply (normally the command's own; for a
 * GET RESPONSE that fetches an AUTHENTICATE answer, 0x88). A command that is
 * not @valid is written raw, followed by the response.
 */
void gsmtap_apdu_payload_append(GByteArray *out, const GsmtapCommand *cmd, const guint8 *rsp_data,
                                gsize rsp_data_len, guint8 sw1, guint8 sw2, guint redact,
                                guint8 redact_ins);

/* One exchange, response = data ‖ SW1 SW2; FALSE (nothing appended) when
 * @rsp has fewer than 2 bytes. */
gboolean gsmtap_apdu_payload_build(GByteArray *out, const guint8 *cmd, gsize cmd_len,
                                   const guint8 *rsp, gsize rsp_len, guint redact);

/* Log levels of libosmocore (the gsmtap_log "Log Level" field). */
#define GSMTAP_LOG_DEBUG 1
#define GSMTAP_LOG_INFO 3
#define GSMTAP_LOG_NOTICE 5
#define GSMTAP_LOG_ERROR 7

#define GSMTAP_LOG_HDR_LEN 84

/*
 * Appends a GSMTAP_TYPE_OSMOCORE_LOG payload (84-byte log header + NUL
 * terminated text) to @out: Wireshark shows it as "GSMTAP libosmocore
 * logging" with @subsys and @text. Strings are truncated to their fields.
 */
void gsmtap_log_payload_append(GByteArray *out, gint64 wall_time_us, const gchar *proc_name,
                               guint32 pid, guint8 level, const gchar *subsys, const gchar *text);

G_END_DECLS
