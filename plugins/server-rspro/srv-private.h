// SPDX-License-Identifier: GPL-2.0-or-later
/* The rspro-server plugin's shared types (one instance = one SrvServer). */
#pragma once

#include <cardroute/cardroute.h>
#include <gio/gio.h>

#include "rspro-keepalive.h"
#include "rspro-link.h"
#include "rspro-reaper.h"
#include "rspro-tls-side.h"
#include "srv-rsres-parse.h"
#include "srv-slotmap.h"

G_BEGIN_DECLS

#define SRV_DEFAULT_PORT 9998
#define SRV_UPSTREAM_BANK_PORT 9999
#define SRV_STATE_FILE "remsim-server.json"
#define SRV_REST_PREFIX SRV_RSRES_PREFIX

/* per-connection state, named as upstream's FSM (rsres.md 2.1) */
typedef enum {
	SRV_CONN_ESTABLISHED,	   /* waiting for connectClientReq / connectBankReq */
	SRV_CONN_CONNECTED_CLIENT, /* identified client */
	SRV_CONN_CONNECTED_BANKD,  /* identified bankd */
	SRV_CONN_REJECTED,	   /* identityInUse sent; closed after a linger */
} SrvConnState;

#define SRV_TYPE_SERVER (srv_server_get_type())
G_DECLARE_FINAL_TYPE(SrvServer, srv_server, SRV, SERVER, CrInstance)

typedef struct {
	SrvServer *srv;
	RsproLink *link;
	SrvConnState state;
	gchar *remote_ip;   /* source address as text */
	guint16 remote_port;
	gchar *name;	    /* "C7:0", "B1", or the peer address */
	RsproIdentity identity;
	/* client */
	guint16 client_id;
	guint16 client_slot;
	gboolean told_mapped;	 /* last configClientBankReq named a bankd */
	RsproBankSlot told_bank; /* what we last told (B0:0 0.0.0.0:0 initially) */
	RsproIpPort told_addr;
	/* bank */
	guint16 bank_id;
	guint16 num_slots;
	gboolean announced;	/* a cardroute bank told its client address */
	RsproIpPort announced_addr;
	gboolean announced_any; /* announced host was "*" / 0.0.0.0: use remote_ip */
	gboolean announced_tls; /* ... and its TLS address (srv-tls.c) */
	RsproIpPort announced_tls_addr;
	gboolean announced_tls_any;
	gboolean tls;           /* the link is TLS: its certificate binds the identity */
	CrTimer timer;		/* identify timeout / reject linger, on the reactor */
	guint64 serial;		/* accept order (srv-admit.c) */
} SrvConn;

struct _SrvServer {
	CrInstance parent;
	/* configuration */
	gchar *listen_host;
	gchar *listen_where; /* "FILE:LINE: [SECTION] listen", for bind errors */
	guint16 listen_port;
	gchar *state_file;	/* NULL: not stored */
	GHashTable *bank_override; /* bank id -> RsproIpPort* */
	guint16 bank_port;
	guint identify_timeout_ms;
	guint reject_linger_ms;
	guint ka_interval_ms;
	guint ka_timeout_ms;
	gchar *component_name;
	guint max_connections;
	/* running */
	CrListener *service;
	guint16 bound_port;
	GHashTable *conns;   /* SrvConn* set (owned) */
	RsproReaper closed;  /* closed SrvConn*, freed outside their callbacks */
	GHashTable *clients; /* client key -> SrvConn* (identified) */
	GHashTable *banks;   /* bank id -> SrvConn* (identified) */
	SrvMapStore *maps;
	guint http_id;
	guint save_idle;
	guint64 restart_counter;
	gboolean started;
	/* srv-metrics.c */
	guint metrics_id;
	guint64 client_ups, client_downs, bank_ups, bank_downs;
	GHashTable *refusals; /* result name (static) -> count (guint64*) */
	/* srv-admit.c */
	CrLogLimiter *log_limit;
	guint64 next_serial;
	guint64 conns_evicted, conns_refused;
	/* srv-tls.c */
	RsproTlsSide tls_side; /* credentials, listen-tls, TLS series in /metrics */
	guint64 tls_identity_refusals;
};

static inline guint32
srv_client_key(guint16 client_id, guint16 client_slot)
{
	return ((guint32)client_id << 16) | client_slot;
}

/* srv-conn.c: one accepted RSPRO connection */
void srv_conn_accept(SrvServer *srv, GIOStream *connection);
void srv_conn_close(SrvConn *conn, const gchar *why);
/* frees a connection (srv->closed's free function) */
void srv_conn_free(SrvConn *conn);
const gchar *srv_conn_state_name(SrvConnState state);
/* the address a client is sent to for this bank (rsres sheet A.1 / README) */
void srv_conn_bank_address(SrvConn *bank, RsproIpPort *out);
/* the same for a client that came over TLS (@tls): the bank's TLS address */
void srv_conn_bank_address_for(SrvConn *bank, gboolean tls, RsproIpPort *out);
/* tells a client what its map says now, if that changed */
void srv_conn_update_client(SrvConn *client);
void srv_conn_send_mapping(SrvConn *bank, RsproMsgType type, const SrvMap *map);

/* srv-admit.c: the listener's budget (max-connections), rate-limited lines */
#define SRV_DEFAULT_MAX_CONNECTIONS 1024
void srv_admit_init(SrvServer *srv);
/* makes room for a new connection; FALSE: close it (counted, logged) */
gboolean srv_admit_accept(SrvServer *srv);
/* a line about the peer at @ip, rate-limited per @ip and @kind */
void srv_log_peer(SrvServer *srv, const gchar *ip, const gchar *kind, const gchar *format, ...)
	G_GNUC_PRINTF(4, 5);
void srv_admit_describe(SrvServer *srv, GVariantDict *dict);

/* srv-persist.c */
/* Loads the state file into the store (maps in NEW) and the restart counter;
 * a corrupt file is moved aside with a warning. */
void srv_persist_load(SrvServer *srv);
void srv_persist_save(SrvServer *srv);

/* srv-rsres.c: the RSRES API under /api/backend/v1/ */
void srv_rsres_handle(CrHttpRequest *request, CrHttpResponder *responder, gpointer user_data);
void srv_json_map(GString *out, const SrvMap *map);
void srv_json_client(GString *out, SrvConn *conn);
void srv_json_bank(GString *out, SrvConn *conn);

/* srv-metrics.c: remsim series in /metrics, refusals */
void srv_metrics_start(SrvServer *srv);
void srv_metrics_stop(SrvServer *srv);
/* a client or bank link came up (@up) or went down */
void srv_metrics_note_link(SrvServer *srv, gboolean bank, gboolean up);
/* @bank refused createMappingReq for @map with @result: recorded on the map
 * (RSRES, /api/v1) and counted */
void srv_metrics_note_refusal(SrvServer *srv, const SrvMap *map, guint16 bank, guint result);
/* "refusal" member of a map's JSON (with the leading ','), or nothing */
void srv_json_refusal(GString *out, const SrvMap *map);
void srv_metrics_describe(SrvServer *srv, GVariantDict *dict);

/* srv-tls.c: listen-tls and certificate-bound identities */
gboolean srv_tls_read_config(SrvServer *srv, CrConfigSection *section, GError **error);
gboolean srv_tls_start(SrvServer *srv, GError **error);
void srv_tls_stop(SrvServer *srv);
void srv_tls_free(SrvServer *srv);
/* over TLS, the certificate must name what connectClientReq / connectBankReq
 * claims (@bank: bank id, else client id); FALSE: logged, counted, refused */
gboolean srv_tls_check_identity(SrvConn *conn, gboolean bank, guint id);
/* the bank's TLS address (hwSerialNumber "HOST:PORT") */
void srv_tls_read_announcement(SrvConn *conn, const RsproIdentity *id);

/* srv-address.c: HOST:PORT text <-> RsproIpPort */
gboolean srv_ip_port_parse(const gchar *text, RsproIpPort *out, gboolean *any, GError **error);
gchar *srv_ip_port_to_string(const RsproIpPort *addr);
gboolean srv_ip_port_from_inet(const gchar *ip, guint16 port, RsproIpPort *out);

G_END_DECLS
