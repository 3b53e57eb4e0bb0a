// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tap-gsmtap: the router's events as GSMTAP frames, sent over UDP and/or
 * written to pcap files. Nothing here blocks: the UDP socket is non-blocking
 * and the file is written on a thread of its own; what cannot go out at once
 * is dropped, counted and logged at most once a minute.
 */
#include <cardroute/cardroute.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "gsmtap-encode.h"
#include "gsmtap-file.h"
#include "gsmtap-pcap.h"
#include "gsmtap-trace.h"

#define DROP_LOG_INTERVAL_US (60 * G_USEC_PER_SEC)
#define HOLD_MAX_US G_USEC_PER_SEC

typedef enum {
	EVENTS_ATR = 1 << 0,
	EVENTS_APDU = 1 << 1,
	EVENTS_RESET = 1 << 2,
	EVENTS_ERROR = 1 << 3,
	EVENTS_ROUTE = 1 << 4,
	EVENTS_ALL = 0x1f,
} EventsMask;

static const gchar *const event_names[] = {"atr", "apdu", "reset", "error", "route", NULL};

#define GSMTAP_TYPE_TAP (gsmtap_tap_get_type())
G_DECLARE_FINAL_TYPE(GsmtapTap, gsmtap_tap, GSMTAP, TAP, CrInstance)

typedef struct {
	GsmtapTap *tap; /* weak */
	gchar *name;
	guint index; /* cr_route_get_index(); 0 without a route */
	guint32 frame_number;
	GsmtapTrace *trace;
	gboolean atr_seen; /* this card's ATR went out since the last traffic */
} RouteState;

struct _GsmtapTap {
	CrInstance parent_instance;

	/* configuration */
	gchar *name;
	gchar *dest_host;
	guint16 dest_port;
	gchar *file;
	guint64 max_size;
	guint max_files;
	gboolean tpdu;
	gchar **routes; /* NULL: all */
	guint events;
	guint redact;

	/* running */
	guint hook_id;
	GSocket *socket;
	GSocketAddress *dest;
	GsmtapFileSink *sink;
	CrWatch *watch; /* the UDP socket on the reactor (errors; sends go out at once) */
	CrTimer timer;  /* once a second: held case-4 commands, drop reports */
	gboolean timer_on;
	GHashTable *route_states; /* name -> RouteState */
	gint64 wall_offset_us;    /* real time - monotonic time */
	GByteArray *scratch;
	GByteArray *log_payload;

	guint64 sent;
	guint64 dropped_socket;
	guint64 reported_socket;
	guint64 reported_file;
	gint64 last_drop_log_us;
	gchar *last_socket_error;
};

G_DEFINE_TYPE(GsmtapTap, gsmtap_tap, CR_TYPE_INSTANCE)

static void
route_state_free(RouteState *rs)
{
	gsmtap_trace_free(rs->trace);
	g_free(rs->name);
	g_free(rs);
}

/* "udp:HOST:PORT" ("udp:[V6]:PORT"), or NULL without a destination. */
static gchar *
describe_destination(GsmtapTap *self)
{
	if (self->dest_host == NULL)
		return NULL;
	if (strchr(self->dest_host, ':') != NULL)
		return g_strdup_printf("udp:[%s]:%u", self->dest_host, self->dest_port);
	return g_strdup_printf("udp:%s:%u", self->dest_host, self->dest_port);
}

/* One finished GSMTAP datagram of @rs (or of no route) to every sink. */
static void
send_datagram(GsmtapTap *self, RouteState *rs, guint8 type, guint8 sub_type, gint64 mono_us,
              const guint8 *payload, gsize len)
{
	guint index = rs != NULL ? rs->index : 0;
	guint32 frame_number = rs != NULL ? rs->frame_number++ : 0;
	GByteArray *d = self->scratch;

	if (len > GSMTAP_MAX_PAYLOAD)
		len = GSMTAP_MAX_PAYLOAD;
	g_byte_array_set_size(d, GSMTAP_HDR_LEN);
	gsmtap_header_write(d->data, type, sub_type, index, frame_number);
	g_byte_array_append(d, payload, (guint)len);

	if (self->socket != NULL) {
		g_autoptr(GError) error = NULL;

		if (g_socket_send_to(self->socket, self->dest, (const gchar *)d->data, d->len, NULL,
		                     &error) < 0) {
			self->dropped_socket++;
			if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
				g_free(self->last_socket_error);
				self->last_socket_error = g_strdup(error->message);
			}
		} else {
			self->sent++;
		}
	}
	if (self->sink != NULL)
		gsmtap_file_sink_push(self->sink, mono_us + self->wall_offset_us,
		                      (guint16)(GSMTAP_PCAP_SRC_PORT_BASE + (index & 0x7fff)),
		                      d->data, d->len);
}

static void
emit_sim(guint8 sub_type, gint64 timestamp_us, const guint8 *payload, gsize len, gpointer user_data)
{
	RouteState *rs = user_data;

	send_datagram(rs->tap, rs, GSMTAP_TYPE_SIM, sub_type, timestamp_us, payload, len);
}

static void
send_log(GsmtapTap *self, RouteState *rs, guint8 level, gint64 mono_us, const gchar *text)
{
	GByteArray *p = self->log_payload;

	g_byte_array_set_size(p, 0);
	gsmtap_log_payload_append(p, mono_us + self->wall_offset_us, "cardrouted",
	                          (guint32)getpid(), level, rs != NULL ? rs->name : self->name,
	                          text);
	send_datagram(self, rs, GSMTAP_TYPE_OSMOCORE_LOG, 0, mono_us, p->data, p->len);
}

static gboolean
route_wanted(GsmtapTap *self, const gchar *name)
{
	return self->routes == NULL || g_strv_contains((const gchar *const *)self->routes, name);
}

/* The state of @route, made on first use; NULL when the route is filtered out. */
static RouteState *
route_state(GsmtapTap *self, CrRoute *route)
{
	const gchar *name;
	RouteState *rs;

	if (route == NULL)
		return NULL;
	name = cr_route_get_name(route);
	if (!route_wanted(self, name))
		return NULL;
	rs = g_hash_table_lookup(self->route_states, name);
	if (rs != NULL)
		return rs;
	rs = g_new0(RouteState, 1);
	rs->tap = self;
	rs->name = g_strdup(name);
	rs->index = cr_route_get_index(route);
	rs->trace = gsmtap_trace_new(self->redact, self->tpdu, emit_sim, rs);
	g_hash_table_insert(self->route_states, rs->name, rs);
	return rs;
}

static void
on_transaction(GsmtapTap *self, RouteState *rs, const CrEvent *event)
{
	gsize cmd_len = 0, rsp_len = 0;
	const guint8 *cmd = cr_transaction_get_command(event->transaction, &cmd_len);
	const guint8 *rsp = cr_transaction_get_response(event->transaction, &rsp_len);
	const GError *error = cr_transaction_get_error(event->transaction);

	rs->atr_seen = FALSE;
	if ((self->events & EVENTS_APDU) && rsp != NULL && rsp_len >= 2)
		gsmtap_trace_exchange(rs->trace, event->timestamp_us, cmd, cmd_len, rsp, rsp_len);
	if ((self->events & EVENTS_ERROR) && error != NULL) {
		g_autofree gchar *text = g_strdup_printf(
		        "%s: transaction %s: %s", rs->name,
		        rsp != NULL ? "answered with the route's error status" : "failed",
		        error->message);

		gsmtap_trace_flush(rs->trace);
		send_log(self, rs, GSMTAP_LOG_ERROR, event->timestamp_us, text);
	}
}

static void
on_event(const CrEvent *event, gpointer user_data)
{
	GsmtapTap *self = user_data;
	RouteState *rs = route_state(self, event->route);
	g_autofree gchar *text = NULL;

	switch (event->type) {
	case CR_EVENT_TRANSACTION:
		if (rs != NULL && event->transaction != NULL)
			on_transaction(self, rs, event);
		break;
	case CR_EVENT_CARD:
		if (rs == NULL)
			break;
		if (event->atr == NULL) {
			rs->atr_seen = FALSE;
			break;
		}
		/* The backend's and the frontend's view of one card change come
		 * as two events: one ATR frame for both. */
		if (rs->atr_seen || !(self->events & EVENTS_ATR))
			break;
		rs->atr_seen = TRUE;
		{
			gsize len = 0;
			const guint8 *atr = g_bytes_get_data(event->atr, &len);

			gsmtap_trace_atr(rs->trace, event->timestamp_us, atr, len);
		}
		break;
	case CR_EVENT_RESET:
	case CR_EVENT_POWER_OFF:
		if (rs == NULL)
			break;
		rs->atr_seen = FALSE;
		gsmtap_trace_flush(rs->trace);
		if (!(self->events & EVENTS_RESET))
			break;
		if (event->type == CR_EVENT_RESET)
			text = g_strdup_printf("%s: terminal reset (%s)%s", rs->name,
			                       cr_reset_kind_to_string(event->reset_kind),
			                       event->forwarded ? ", forwarded"
			                                        : ", not forwarded");
		else
			text = g_strdup_printf("%s: terminal power off%s", rs->name,
			                       event->forwarded ? ", forwarded"
			                                        : ", not forwarded");
		send_log(self, rs, GSMTAP_LOG_NOTICE, event->timestamp_us, text);
		break;
	case CR_EVENT_ERROR:
		if (!(self->events & EVENTS_ERROR) || event->error == NULL)
			break;
		if (event->route != NULL && rs == NULL)
			break; /* a route not traced */
		if (self->routes != NULL && event->route == NULL)
			break;
		if (rs != NULL)
			gsmtap_trace_flush(rs->trace);
		text = g_strdup_printf(
		        "%s: %s",
		        rs != NULL                ? rs->name
		        : event->frontend != NULL ? cr_frontend_slot_get_name(event->frontend)
		        : event->backend != NULL  ? cr_backend_slot_get_name(event->backend)
		                                  : "cardroute",
		        event->error->message);
		send_log(self, rs, GSMTAP_LOG_ERROR, event->timestamp_us, text);
		break;
	case CR_EVENT_ROUTE_ADDED:
		if (rs == NULL || !(self->events & EVENTS_ROUTE))
			break;
		text = g_strdup_printf("%s: route %s -> %s made (index %u)", rs->name,
		                       cr_frontend_slot_get_name(event->frontend),
		                       cr_backend_slot_get_name(event->backend), rs->index);
		send_log(self, rs, GSMTAP_LOG_INFO, event->timestamp_us, text);
		break;
	case CR_EVENT_ROUTE_REMOVED:
		if (rs == NULL)
			break;
		gsmtap_trace_flush(rs->trace);
		if (self->events & EVENTS_ROUTE) {
			text = g_strdup_printf("%s: route removed", rs->name);
			send_log(self, rs, GSMTAP_LOG_INFO, event->timestamp_us, text);
		}
		g_hash_table_remove(self->route_states, rs->name);
		break;
	default:
		break;
	}
}

static void
report_drops(GsmtapTap *self, gint64 now)
{
	guint64 file_written = 0, file_dropped = 0;
	g_autofree gchar *file_error = NULL;

	if (now - self->last_drop_log_us < DROP_LOG_INTERVAL_US && self->last_drop_log_us != 0)
		return;
	if (self->sink != NULL)
		gsmtap_file_sink_get_stats(self->sink, &file_written, &file_dropped, &file_error);
	if (self->dropped_socket > self->reported_socket) {
		g_autofree gchar *dest = describe_destination(self);

		g_warning("%s: %" G_GUINT64_FORMAT " frames not sent to %s%s%s", self->name,
		          self->dropped_socket - self->reported_socket, dest,
		          self->last_socket_error != NULL ? ": " : "",
		          self->last_socket_error != NULL ? self->last_socket_error : "");
		self->reported_socket = self->dropped_socket;
		self->last_drop_log_us = now;
	}
	if (file_dropped > self->reported_file) {
		g_warning("%s: %" G_GUINT64_FORMAT " frames not written to %s%s%s", self->name,
		          file_dropped - self->reported_file, self->file,
		          file_error != NULL ? ": " : "", file_error != NULL ? file_error : "");
		self->reported_file = file_dropped;
		self->last_drop_log_us = now;
	}
}

static void
on_timer(CrTimer *timer, gpointer user_data)
{
	GsmtapTap *self = user_data;
	gint64 now = g_get_monotonic_time();
	GHashTableIter iter;
	gpointer value;

	/* A case-4 command waits for its GET RESPONSE at most about a second. */
	g_hash_table_iter_init(&iter, self->route_states);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		RouteState *rs = value;
		gint64 since = 0;

		if (gsmtap_trace_is_holding(rs->trace, &since) && now - since >= HOLD_MAX_US)
			gsmtap_trace_flush(rs->trace);
	}
	report_drops(self, now);
	cr_timer_arm(timer, 1000);
}

/* an ICMP error queued on the socket (EPOLLERR is reported whatever was asked
 * for): take it off so it does not fire again, and keep it for the report */
static void
on_socket_error(CrWatch *watch, GIOCondition events, gpointer user_data)
{
	GsmtapTap *self = user_data;
	g_autoptr(GError) error = NULL;

	if (!g_socket_check_connect_result(self->socket, &error) && error != NULL) {
		g_free(self->last_socket_error);
		self->last_socket_error = g_strdup(error->message);
	}
}

static gboolean
open_socket(GsmtapTap *self, GError **error)
{
	g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(self->dest_host);

	if (addr == NULL) {
		/* A host name: resolved once, at start. */
		g_autoptr(GResolver) resolver = g_resolver_get_default();
		GList *list = g_resolver_lookup_by_name(resolver, self->dest_host, NULL, error);

		if (list == NULL)
			return FALSE;
		addr = g_object_ref(list->data);
		g_resolver_free_addresses(list);
	}
	self->dest = g_inet_socket_address_new(addr, self->dest_port);
	self->socket = g_socket_new(g_inet_address_get_family(addr), G_SOCKET_TYPE_DATAGRAM,
	                            G_SOCKET_PROTOCOL_UDP, error);
	if (self->socket == NULL)
		return FALSE;
	g_socket_set_blocking(self->socket, FALSE);
	self->watch = cr_watch_new(NULL, g_socket_get_fd(self->socket), 0, on_socket_error, self,
	                           error);
	return self->watch != NULL;
}

static gboolean
gsmtap_tap_start(CrInstance *instance, GError **error)
{
	GsmtapTap *self = GSMTAP_TAP(instance);
	g_autoptr(GError) local = NULL;
	CrRouter *router = cr_instance_get_router(instance);

	self->wall_offset_us = g_get_real_time() - g_get_monotonic_time();
	if (self->dest_host != NULL && !open_socket(self, &local)) {
		g_set_error(error, CR_ERROR, CR_ERROR_IO, "%s: destination %s:%u: %s", self->name,
		            self->dest_host, self->dest_port, local->message);
		return FALSE;
	}
	if (self->file != NULL) {
		self->sink =
		        gsmtap_file_sink_new(self->file, self->max_size, self->max_files, &local);
		if (self->sink == NULL) {
			g_set_error(error, CR_ERROR, CR_ERROR_IO, "%s: %s", self->name,
			            local->message);
			return FALSE;
		}
	}
	for (guint i = 0; self->routes != NULL && self->routes[i] != NULL; i++)
		if (cr_router_lookup_route(router, self->routes[i]) == NULL)
			g_message("%s: route %s does not exist (yet)", self->name, self->routes[i]);
	cr_timer_init(&self->timer, NULL, on_timer, self);
	cr_timer_arm(&self->timer, 1000);
	self->timer_on = TRUE;
	self->hook_id = cr_router_add_event_hook(router, on_event, self, NULL);
	/* Routes made before the tap started (the configured ones): name them
	 * in the trace so their index can be told from their frames. */
	if (self->events & EVENTS_ROUTE) {
		GPtrArray *routes = cr_router_get_routes(router);

		for (guint i = 0; i < routes->len; i++) {
			CrRoute *route = routes->pdata[i];
			RouteState *rs = route_state(self, route);
			g_autofree gchar *text = NULL;

			if (rs == NULL)
				continue;
			text = g_strdup_printf(
			        "%s: route %s -> %s (index %u)", rs->name,
			        cr_frontend_slot_get_name(cr_route_get_frontend(route)),
			        cr_backend_slot_get_name(cr_route_get_backend(route)), rs->index);
			send_log(self, rs, GSMTAP_LOG_INFO, g_get_monotonic_time(), text);
		}
	}
	{
		g_autofree gchar *dest = describe_destination(self);

		g_message("%s: tracing to %s%s%s", self->name, dest != NULL ? dest : "",
		          dest != NULL && self->file != NULL ? " and " : "",
		          self->file != NULL ? self->file : "");
	}
	return TRUE;
}

static void
gsmtap_tap_stop(CrInstance *instance)
{
	GsmtapTap *self = GSMTAP_TAP(instance);
	GHashTableIter iter;
	gpointer value;

	if (self->hook_id != 0) {
		cr_router_remove_event_hook(cr_instance_get_router(instance), self->hook_id);
		self->hook_id = 0;
	}
	g_hash_table_iter_init(&iter, self->route_states);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		gsmtap_trace_flush(((RouteState *)value)->trace);
	g_hash_table_remove_all(self->route_states);
	if (self->timer_on) {
		cr_timer_cancel(&self->timer);
		self->timer_on = FALSE;
	}
	if (self->sink != NULL)
		gsmtap_file_sink_stop(self->sink);
	report_drops(self, g_get_monotonic_time() + DROP_LOG_INTERVAL_US * 2);
	g_clear_pointer(&self->sink, gsmtap_file_sink_free);
	g_clear_pointer(&self->watch, cr_watch_free);
	if (self->socket != NULL)
		g_socket_close(self->socket, NULL);
	g_clear_object(&self->socket);
	g_clear_object(&self->dest);
}

static void
gsmtap_tap_describe(CrInstance *instance, GVariantDict *dict)
{
	GsmtapTap *self = GSMTAP_TAP(instance);
	guint64 written = 0, dropped = 0;

	if (self->dest_host != NULL) {
		g_autofree gchar *d = describe_destination(self);

		g_variant_dict_insert(dict, "destination", "s", d);
		g_variant_dict_insert(dict, "frames-sent", "t", self->sent);
		g_variant_dict_insert(dict, "frames-not-sent", "t", self->dropped_socket);
	}
	if (self->file != NULL) {
		g_variant_dict_insert(dict, "file", "s", self->file);
		if (self->sink != NULL)
			gsmtap_file_sink_get_stats(self->sink, &written, &dropped, NULL);
		g_variant_dict_insert(dict, "frames-written", "t", written);
		g_variant_dict_insert(dict, "frames-not-written", "t", dropped);
	}
}

static void
gsmtap_tap_finalize(GObject *object)
{
	GsmtapTap *self = GSMTAP_TAP(object);

	/* Finalized without stop(): the router is letting go of its instances
	 * and calls no hook any more; close the sinks (the file gets flushed). */
	self->hook_id = 0;
	if (self->sink != NULL || self->socket != NULL || self->timer_on)
		gsmtap_tap_stop(CR_INSTANCE(self));
	/* a start that failed after resolving the destination */
	g_clear_object(&self->dest);
	g_hash_table_unref(self->route_states);
	g_byte_array_unref(self->scratch);
	g_byte_array_unref(self->log_payload);
	g_free(self->name);
	g_free(self->dest_host);
	g_free(self->file);
	g_strfreev(self->routes);
	g_free(self->last_socket_error);
	G_OBJECT_CLASS(gsmtap_tap_parent_class)->finalize(object);
}

static void
gsmtap_tap_class_init(GsmtapTapClass *klass)
{
	CrInstanceClass *instance_class = CR_INSTANCE_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = gsmtap_tap_finalize;
	instance_class->start = gsmtap_tap_start;
	instance_class->stop = gsmtap_tap_stop;
	instance_class->describe = gsmtap_tap_describe;
}

static void
gsmtap_tap_init(GsmtapTap *self)
{
	self->route_states = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	                                           (GDestroyNotify)route_state_free);
	self->scratch = g_byte_array_sized_new(1024);
	self->log_payload = g_byte_array_sized_new(256);
}

static gboolean
parse_events(CrConfigSection *section, guint *out, GError **error)
{
	g_auto(GStrv) list = cr_config_section_get_list(section, "events");

	if (list == NULL) {
		*out = EVENTS_ALL;
		return TRUE;
	}
	*out = 0;
	for (guint i = 0; list[i] != NULL; i++) {
		guint bit = 0;

		for (guint j = 0; event_names[j] != NULL; j++)
			if (g_strcmp0(list[i], event_names[j]) == 0)
				bit = 1u << j;
		if (g_strcmp0(list[i], "all") == 0)
			bit = EVENTS_ALL;
		if (bit == 0) {
			cr_config_section_set_error(
			        section, error, "events",
			        "unknown event '%s' (expected atr, apdu, reset, error, route, all)",
			        list[i]);
			return FALSE;
		}
		*out |= bit;
	}
	return TRUE;
}

static gboolean
parse_config(GsmtapTap *self, CrConfigSection *section, GError **error)
{
	g_auto(GStrv) redact = NULL;
	const gchar *bad = NULL;
	gint64 v = 0;

	if (cr_config_section_has_key(section, "destination") &&
	    !cr_config_section_get_host_port(section, "destination", NULL, GSMTAP_UDP_PORT,
	                                     &self->dest_host, &self->dest_port, error))
		return FALSE;
	self->file = cr_config_section_get_string(section, "file", NULL);
	if (self->file != NULL && self->file[0] == '\0')
		g_clear_pointer(&self->file, g_free);
	if (!cr_config_section_get_int(section, "max-size", 0, 0, G_MAXINT64, &v, error))
		return FALSE;
	self->max_size = (guint64)v;
	if (!cr_config_section_get_int(section, "max-files", 0, 0, 1000000, &v, error))
		return FALSE;
	self->max_files = (guint)v;
	if (!cr_config_section_get_bool(section, "tpdu", FALSE, &self->tpdu, error))
		return FALSE;
	self->routes = cr_config_section_get_list(section, "routes");
	if (self->routes != NULL && self->routes[0] == NULL)
		g_clear_pointer(&self->routes, g_strfreev);
	if (!parse_events(section, &self->events, error))
		return FALSE;
	redact = cr_config_section_get_list(section, "redact");
	if (!gsmtap_redact_from_strv((const gchar *const *)redact, &self->redact, &bad)) {
		cr_config_section_set_error(section, error, "redact",
		                            "unknown item '%s' (expected pin, auth, none)", bad);
		return FALSE;
	}
	if (self->dest_host == NULL && self->file == NULL) {
		cr_config_section_set_error(section, error, "destination",
		                            "set destination, file or both");
		return FALSE;
	}
	if (self->file == NULL && (self->max_size > 0 || self->max_files > 0)) {
		cr_config_section_set_error(section, error,
		                            self->max_size > 0 ? "max-size" : "max-files",
		                            "only meaningful with file");
		return FALSE;
	}
	return TRUE;
}

static CrInstance *
gsmtap_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(GsmtapTap) self = g_object_new(GSMTAP_TYPE_TAP, NULL);

	self->name = g_strdup(cr_config_section_get_name(section));
	if (!parse_config(self, section, error))
		return NULL;
	return CR_INSTANCE(g_steal_pointer(&self));
}

CR_PLUGIN_DEFINE("gsmtap", CR_PLUGIN_KIND_TAP, "GSMTAP over UDP and pcap files for Wireshark",
                 gsmtap_create)
