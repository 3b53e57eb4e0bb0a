// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend "rspro-bank": the bank role of osmo-remsim (rspro.md C.2, C.3).
 * Internal types shared by the plugin's files:
 *
 * - BankInstance (bank-plugin.c): the INI section, the listener for client
 *   data connections, the mapping table and the server link.
 * - BankSlot (bank-slot.c): one bank slot = one frontend slot NAME.N; the
 *   client holding it submits its TPDUs there, the route says which card
 *   answers.
 * - BankClient (bank-client.c): one accepted client connection.
 * - bank-server.c: the link to the server (connectBankReq, mappings).
 *
 * Everything runs on the main context; nothing blocks.
 */
#pragma once

#include <cardroute/cardroute.h>

#include "bank-csv.h"
#include "bank-maps.h"
#include "rspro-caps.h"
#include "rspro-conn.h"
#include "rspro-keepalive.h"
#include "rspro-link.h"
#include "rspro-reaper.h"
#include "rspro-retry-log.h"
#include "rspro-tls-side.h"

G_BEGIN_DECLS

/* commands a client may queue while its slot is busy (upstream clients
 * never have more than one outstanding) */
#define BANK_CLIENT_MAX_QUEUED 16
/* a connection that does not send connectClientReq in this time is closed
 * (identify-timeout-ms) */
#define BANK_DEFAULT_IDENTIFY_TIMEOUT_MS 5000
/* connections that have not identified yet (max-unidentified: slots + this) */
#define BANK_DEFAULT_MAX_UNIDENTIFIED 16
/* identified connections of clients without a mapping (max-unmapped) */
#define BANK_DEFAULT_MAX_UNMAPPED 16
#define BANK_DEFAULT_PORT 9999
#define BANK_DEFAULT_SERVER_PORT 9998
#define BANK_DEFAULT_RESYNC_MS 5000

typedef struct _BankSlot BankSlot;
typedef struct _BankClient BankClient;

/* what a connection counts against (bank-admit.c) */
typedef enum {
	BANK_ADMIT_NONE,         /* not counted (closed, detached) */
	BANK_ADMIT_UNIDENTIFIED, /* no connectClientReq yet */
	BANK_ADMIT_UNMAPPED,     /* identified, no mapping, holds no bank slot */
	BANK_ADMIT_MAPPED,       /* holds a bank slot */
	BANK_ADMIT_N_CLASSES,
} BankAdmitClass;

/* takeover = a second connectClientReq for a client slot whose connection
 * holds a bank slot */
typedef enum {
	BANK_TAKEOVER_SAME_ADDRESS,
	BANK_TAKEOVER_ANY,
	BANK_TAKEOVER_NEVER,
} BankTakeover;

#define BANK_TYPE_INSTANCE (bank_instance_get_type())
G_DECLARE_FINAL_TYPE(BankInstance, bank_instance, BANK, INSTANCE, CrInstance)

struct _BankInstance {
	CrInstance parent_instance;
	guint16 bank_id;
	guint n_slots;
	gchar *listen_host;
	gchar *listen_where; /* "FILE:LINE: [SECTION] listen", for bind errors */
	guint16 listen_port;
	guint16 bound_port; /* after start (listen port 0 = any) */
	gchar *server_host; /* NULL: no server, mappings from the INI */
	guint16 server_port;
	guint ka_interval_ms; /* the server link's IPA keepalive (0: no PINGs) */
	guint ka_timeout_ms;
	gchar *component_name;
	gchar *csv_path;
	BankCsv *csv;
	guint resync_ms;
	guint max_clients;

	BankSlot **slots; /* by bank slot number; owned by the instance's slot list */
	BankMaps *maps;
	CrListener *service; /* the client listener, on the reactor */
	GHashTable *clients; /* BankClient * set (owned) */
	RsproReaper closed;  /* closed clients, freed outside their callbacks */
	guint64 next_client_serial;
	RsproConn *server;
	RsproRetryLog server_retry; /* its failures: logged once, then summaries */
	guint resync_timer;
	gboolean started;

	/* counters for describe() */
	guint64 accepted;
	guint64 tpdus;
	guint64 error_answers;
	CrLogLimiter *log_limit; /* client connection lines (bank-log.c) */
	guint hold_ms;           /* hold-not-present-ms */

	/* bank-admit.c: connections by class, oldest first (BankClient.admit_link) */
	GQueue admit[BANK_ADMIT_N_CLASSES];
	guint max_unidentified;
	guint max_unmapped;
	guint identify_timeout_ms;
	BankTakeover takeover;
	guint64 refused;              /* closed at accept: every connection is mapped */
	guint64 evicted_unidentified; /* made room for a newer connection */
	guint64 evicted_unmapped;
	guint64 takeovers;
	guint64 takeovers_refused;
	guint metrics_id; /* the counters above in /metrics */
	/* bank-tls.c */
	gboolean plain_off; /* `listen` empty */
	RsproTlsSide tls_side; /* credentials, listen-tls, TLS series in /metrics */
	gboolean server_tls;
	guint64 tls_identity_refusals;
};

/* bank-admit.c */
/* counts a new connection and makes room for it (closing the oldest
 * unidentified or unmapped connection when a limit is reached); FALSE when
 * it must be refused (every connection holds a bank slot) */
gboolean bank_admit_accept(BankInstance *self);
/* files a client under the class its state says now; may close the oldest
 * connection of that class to keep its limit */
void bank_admit_update(BankClient *client);
/* takes the client out of the accounting (closed, freed) */
void bank_admit_remove(BankClient *client);
/* connectClientReq for @client's slot: TRUE when @client may have it (other
 * connections of that client slot were closed), FALSE when it was refused
 * (the caller answers and closes) */
gboolean bank_admit_takeover(BankClient *client);
guint bank_admit_count(BankInstance *self, BankAdmitClass cls);
/* the host part of "ADDR:PORT" / "[ADDR]:PORT" (newly allocated) */
gchar *bank_admit_peer_host(const gchar *peer);
gboolean bank_admit_parse_takeover(const gchar *text, BankTakeover *out);
void bank_admit_describe(BankInstance *self, GVariantDict *dict);
/* the admission counters in /metrics while the bank runs */
void bank_admit_metrics_start(BankInstance *self);
void bank_admit_metrics_stop(BankInstance *self);
/* max-unidentified, max-unmapped, identify-timeout-ms, takeover */
gboolean bank_admit_read_config(BankInstance *self, CrConfigSection *section, GError **error);


/* a client handshaken on listen-tls (bank-plugin.c) */
void bank_instance_accept_tls(BankInstance *self, GIOStream *stream);
/* bank-tls.c: listen-tls, server-tls, certificate-bound client identities */
gboolean bank_tls_read_config(BankInstance *self, CrConfigSection *section, GError **error);
gboolean bank_tls_start(BankInstance *self, GError **error);
void bank_tls_stop(BankInstance *self);
void bank_tls_free(BankInstance *self);
/* over TLS the certificate must name @client_id; FALSE: logged, counted, the
 * caller answers and closes */
gboolean bank_tls_check_client(BankInstance *self, RsproLink *link, const gchar *peer,
                               guint client_id);

/* bank-log.c */
void bank_log_init(BankInstance *self);
/* A line about a client connection, rate-limited per peer host, client slot
 * and @kind. */
void bank_log_client(BankInstance *self, const gchar *peer, const RsproClientSlot *client,
                     const gchar *kind, const gchar *format, ...) G_GNUC_PRINTF(5, 6);

/* bank-plugin.c */
/* creates the maps and the slots NAME.0 .. NAME.N-1 from the fields set */
gboolean bank_instance_setup(BankInstance *self, const gchar *name, GError **error);
/* the bank's own identity (towards clients: the host name) */
void bank_instance_fill_identity(BankInstance *self, RsproIdentity *identity,
                                 gboolean towards_server);
/* the open, identified connection with this client slot that waits for a
 * mapping (the newest), or NULL */
BankClient *bank_instance_find_waiting(BankInstance *self, RsproClientSlot client);
/* closes every other connection identified as @client */
/* a map for @bank_slot was removed: its client (if any) is disconnected */
void bank_instance_map_removed(BankInstance *self, guint bank_slot, const gchar *why);
/* a map was added: a waiting client gets its slot */
void bank_instance_map_added(BankInstance *self, guint bank_slot);

/* bank-slot.c */
#define BANK_TYPE_SLOT (bank_slot_get_type())
G_DECLARE_FINAL_TYPE(BankSlot, bank_slot, BANK, SLOT, CrFrontendSlot)

BankSlot *bank_slot_new(BankInstance *bank, guint index, const gchar *name);
guint bank_slot_get_index(BankSlot *self);
BankClient *bank_slot_get_client(BankSlot *self);
/* @client takes the slot (a previous holder is disconnected), the card is
 * powered up for it (cold reset) */
void bank_slot_claim(BankSlot *self, BankClient *client);
/* the holder left: the card is powered off, the slot EMPTY again */
void bank_slot_release(BankSlot *self);
/* submits what the holder has queued while the slot is free */
void bank_slot_pump(BankSlot *self);
/* the error status word for commands that get no answer */
guint16 bank_slot_error_sw(BankSlot *self);

/* bank-client.c */
typedef enum {
	BANK_CLIENT_WAIT_ID,   /* TCP up, no connectClientReq yet */
	BANK_CLIENT_WAIT_MAP,  /* identified; no mapping for its client slot */
	BANK_CLIENT_WAIT_CARD, /* holds its bank slot; no card yet (cardNotPresent sent) */
	BANK_CLIENT_READY,     /* setAtrReq sent: TPDUs flow */
	BANK_CLIENT_CLOSED,
} BankClientState;

struct _BankClient {
	BankInstance *bank;
	RsproLink *link;   /* NULL when driven by bank_client_new_detached() */
	GByteArray *sink;  /* detached: every frame sent is appended here */
	gchar *peer;       /* "ADDR:PORT" */
	guint64 serial;
	BankClientState state;
	RsproClientSlot client_slot;
	BankSlot *slot;    /* the bank slot it holds, or NULL */
	gboolean last_vcc; /* clientSlotStatusInd edge detection */
	gboolean last_rst;
	GBytes *atr_sent;  /* last ATR sent in setAtrReq */
	GQueue queued;     /* GBytes: TPDUs waiting for the slot */
	CrTimer id_timer; /* the identify timeout, on the reactor */
	guint hold_timer;        /* hold-not-present-ms: connectClientRes held back */
	gboolean answer_pending; /* connectClientRes not sent yet */
	GList admit_link;        /* in bank->admit[admit_class] (bank-admit.c) */
	BankAdmitClass admit_class;
	RsproCaps caps;          /* a cardroute client's announcement (bank-caps.c) */
};

/* a connection accepted on the listener; starts reading */
BankClient *bank_client_new(BankInstance *bank, GIOStream *connection);
/* a client without a socket (fuzzing, unit tests): frames go to @sink */
BankClient *bank_client_new_detached(BankInstance *bank, GByteArray *sink);
void bank_client_free(BankClient *self);
/* one decoded PDU from the client */
void bank_client_handle(BankClient *self, const RsproMsg *msg);
/* closes the connection with a log line saying why (no-op when closed) */
void bank_client_close(BankClient *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
/* the mapping gave this client a bank slot: claim it and, when the card is
 * there, send setAtrReq; @answer_connect: also send connectClientRes */
void bank_client_attach(BankClient *self, guint bank_slot, gboolean answer_connect);
/* called by the slot */
void bank_client_card_changed(BankClient *self, GBytes *atr);
void bank_client_send_response(BankClient *self, const guint8 *data, gsize len);
gboolean bank_client_send(BankClient *self, const RsproMsg *msg);
const gchar *bank_client_state_name(BankClientState state);

/* bank-caps.c: extended APDUs and T=1 with cardroute clients */
/* reads the client's announcement from its connectClientReq identity */
void bank_caps_hello(BankClient *client, const RsproIdentity *identity);
/* adds ours to the connectClientRes identity, only for a client that
 * announced its own (nothing changes towards upstream clients) */
void bank_caps_answer(BankClient *client, RsproIdentity *identity);
/* the slot's capabilities for its holder (NULL: none): what both carry, or
 * upstream's T=0 short TPDUs */
void bank_caps_apply(BankSlot *slot, BankClient *client);

/* bank-server.c */
void bank_server_start(BankInstance *self);
void bank_server_stop(BankInstance *self);
/* one PDU from the server (also used by tests) */
void bank_server_handle(BankInstance *self, const RsproMsg *msg);
/* the client of a stale map left: the map goes too */
void bank_server_slot_released(BankInstance *self, guint bank_slot);

G_END_DECLS
