// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frontend "rspro-bank": cardroute as an osmo-remsim bankd. Remote RSPRO
 * clients connect to `listen`; the client mapped to bank slot N uses the
 * frontend slot NAME.N, whose route says which card answers. Keys in
 * README.md.
 */
#include <sys/socket.h>
#include <string.h>
#include <sys/resource.h>

#include "bank-private.h"
#include "rspro-listen-host.h"

G_DEFINE_TYPE(BankInstance, bank_instance, CR_TYPE_INSTANCE)

void
bank_instance_fill_identity(BankInstance *self, RsproIdentity *identity, gboolean towards_server)
{
	g_autofree gchar *host = rspro_component_name(g_get_host_name());

	/* upstream applies -N towards the server only */
	rspro_identity_set(identity, RSPRO_COMPONENT_BANKD,
	                   towards_server && self->component_name != NULL ? self->component_name
	                                                                  : host,
	                   "remsim-bankd", "cardroute-" CR_VERSION);
	if (towards_server && (self->bound_port != 0 || self->tls_side.bound_port != 0)) {
		/* where clients reach this bank (plugins/server-rspro/README.md):
		 * upstream servers ignore these optional fields */
		g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(self->listen_host);
		gboolean any = ip == NULL || g_inet_address_get_is_any(ip);

		identity->hw_manufacturer = g_strdup("cardroute");
		if (self->bound_port != 0)
			identity->hw_model = any ? g_strdup_printf("*:%u", self->bound_port)
			                         : rspro_host_port_string(self->listen_host,
			                                                  self->bound_port);
		if (self->tls_side.bound_port != 0) {
			g_autoptr(GInetAddress) tip =
			        g_inet_address_new_from_string(self->tls_side.host);

			identity->hw_serial_nr =
			        tip == NULL || g_inet_address_get_is_any(tip)
			                ? g_strdup_printf("*:%u", self->tls_side.bound_port)
			                : rspro_host_port_string(self->tls_side.host,
			                                         self->tls_side.bound_port);
		}
	}
}

BankClient *
bank_instance_find_waiting(BankInstance *self, RsproClientSlot client)
{
	GHashTableIter it;
	gpointer key;
	BankClient *best = NULL;

	g_hash_table_iter_init(&it, self->clients);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		BankClient *c = key;
		if (c->state == BANK_CLIENT_WAIT_MAP && c->client_slot.client_id == client.client_id &&
		    c->client_slot.slot_nr == client.slot_nr && (best == NULL || c->serial > best->serial))
			best = c;
	}
	return best;
}

void
bank_instance_map_removed(BankInstance *self, guint bank_slot, const gchar *why)
{
	BankClient *client = bank_slot_get_client(self->slots[bank_slot]);

	if (client != NULL)
		bank_client_close(client, "bank slot %u:%u: %s", self->bank_id, bank_slot, why);
}

void
bank_instance_map_added(BankInstance *self, guint bank_slot)
{
	RsproClientSlot c;
	BankClient *client;

	if (!bank_maps_get(self->maps, bank_slot, &c))
		return;
	client = bank_instance_find_waiting(self, c);
	if (client != NULL)
		bank_client_attach(client, bank_slot, FALSE);
}

static void
raise_fd_limit(BankInstance *self)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)self->max_clients + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		g_message("%s: open file limit raised to %lu for %u clients",
		          cr_instance_get_name(CR_INSTANCE(self)), (gulong)rl.rlim_cur,
		          self->max_clients);
}

/* A client connection, plain or handshaken on listen-tls: the same
 * admission (bank-admit.c) for both. */
static void
accept_stream(BankInstance *self, GIOStream *stream)
{
	if (!bank_admit_accept(self)) {
		rspro_stream_close_now(stream);
		return;
	}
	self->accepted++;
	g_hash_table_add(self->clients, bank_client_new(self, stream));
}

static void
on_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	accept_stream(user_data, G_IO_STREAM(connection));
}

void
bank_instance_accept_tls(BankInstance *self, GIOStream *stream)
{
	accept_stream(self, stream);
}

static gboolean
bank_instance_start(CrInstance *instance, GError **error)
{
	BankInstance *self = BANK_INSTANCE(instance);
	g_autoptr(GError) local = NULL;
	g_autofree gchar *where = NULL;

	raise_fd_limit(self);
	for (guint i = 0; i < self->n_slots; i++)
		cr_frontend_slot_set_state(CR_FRONTEND_SLOT(self->slots[i]), CR_SLOT_STATE_EMPTY,
		                           NULL);
	/* many clients may connect at once (a bank restart): a long backlog */
	if (!bank_tls_start(self, error))
		return FALSE;
	if (!self->plain_off) {
		self->service =
		        rspro_listen(self->listen_host, self->listen_port,
		                     (gint)CLAMP(self->max_clients, SOMAXCONN, 4096),
		                     cr_instance_get_name(instance), on_incoming, self,
		                     &self->bound_port, &local);
		if (self->service == NULL) {
			/* where the port comes from and, if it is taken, who holds it */
			cr_net_set_listen_error(error, CR_ERROR_CONFIG, local, self->listen_port,
			                        self->listen_where);
			bank_tls_stop(self);
			return FALSE;
		}
	}
	where = self->plain_off ? g_strdup("TLS only (listen is empty)")
	                        : g_strdup_printf("%s:%u", self->listen_host, self->bound_port);
	g_message("%s: bank %u with %u slots listening on %s%s%s",
	          cr_instance_get_name(instance), self->bank_id, self->n_slots, where,
	          self->server_host != NULL ? ", server " : " (no server)",
	          self->server_host != NULL ? self->server_host : "");
	self->started = TRUE;
	bank_admit_metrics_start(self);
	bank_server_start(self);
	return TRUE;
}

static void
bank_instance_stop(CrInstance *instance)
{
	BankInstance *self = BANK_INSTANCE(instance);
	g_autoptr(GPtrArray) all = NULL;

	bank_server_stop(self);
	bank_admit_metrics_stop(self);
	g_clear_pointer(&self->service, cr_listener_free);
	bank_tls_stop(self);
	all = g_ptr_array_new();
	{
		GHashTableIter it;
		gpointer key;
		g_hash_table_iter_init(&it, self->clients);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_ptr_array_add(all, key);
	}
	for (guint i = 0; i < all->len; i++)
		bank_client_close(all->pdata[i], "the bank is stopping");
	self->started = FALSE;
}

static void
bank_instance_describe(CrInstance *instance, GVariantDict *dict)
{
	BankInstance *self = BANK_INSTANCE(instance);

	g_variant_dict_insert(dict, "bank-id", "q", self->bank_id);
	g_variant_dict_insert(dict, "slots", "u", self->n_slots);
	g_variant_dict_insert(dict, "listen", "s", self->listen_host);
	g_variant_dict_insert(dict, "listen-port", "q", self->bound_port);
	if (self->server_host != NULL) {
		g_autofree gchar *server =
		        g_strdup_printf("%s:%u", self->server_host, self->server_port);
		g_variant_dict_insert(dict, "server", "s", server);
		g_variant_dict_insert(dict, "server-state", "s",
		                      self->server != NULL
		                              ? rspro_conn_state_name(rspro_conn_get_state(self->server))
		                              : "INIT");
		rspro_retry_log_describe(&self->server_retry, self->server, "server", dict);
	}
	if (self->csv_path != NULL)
		g_variant_dict_insert(dict, "slots-csv", "s", self->csv_path);
	g_variant_dict_insert(dict, "mappings", "u", bank_maps_count(self->maps));
	g_variant_dict_insert(dict, "clients", "u", g_hash_table_size(self->clients));
	{
		GHashTableIter it;
		gpointer client;
		guint held = 0;
		g_hash_table_iter_init(&it, self->clients);
		while (g_hash_table_iter_next(&it, &client, NULL))
			held += ((BankClient *)client)->answer_pending ? 1 : 0;
		/* connectClientRes held back (hold-not-present-ms) right now */
		g_variant_dict_insert(dict, "answers-held", "u", held);
	}
	g_variant_dict_insert(dict, "clients-accepted", "t", self->accepted);
	bank_admit_describe(self, dict);
	g_variant_dict_insert(dict, "tpdus", "t", self->tpdus);
	g_variant_dict_insert(dict, "error-answers", "t", self->error_answers);
}

static void
bank_instance_finalize(GObject *obj)
{
	BankInstance *self = BANK_INSTANCE(obj);

	rspro_reaper_clear(&self->closed);
	g_clear_handle_id(&self->resync_timer, g_source_remove);
	g_clear_pointer(&self->server, rspro_conn_unref);
	g_clear_pointer(&self->service, cr_listener_free);
	bank_tls_free(self);
	g_hash_table_destroy(self->clients);
	g_clear_pointer(&self->log_limit, cr_log_limiter_free);
	bank_maps_free(self->maps);
	rspro_retry_log_clear(&self->server_retry);
	bank_csv_free(self->csv);
	g_free(self->slots);
	g_free(self->listen_host);
	g_free(self->listen_where);
	g_free(self->server_host);
	g_free(self->component_name);
	g_free(self->csv_path);
	G_OBJECT_CLASS(bank_instance_parent_class)->finalize(obj);
}

static void
bank_instance_class_init(BankInstanceClass *klass)
{
	CrInstanceClass *ic = CR_INSTANCE_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = bank_instance_finalize;
	ic->start = bank_instance_start;
	ic->stop = bank_instance_stop;
	ic->describe = bank_instance_describe;
}

static void
bank_instance_init(BankInstance *self)
{
	self->clients = g_hash_table_new_full(g_direct_hash, g_direct_equal,
	                                      (GDestroyNotify)bank_client_free, NULL);
	rspro_reaper_init(&self->closed, (GDestroyNotify)bank_client_free);
	self->listen_host = g_strdup("127.0.0.1");
	self->listen_port = BANK_DEFAULT_PORT;
	self->bank_id = 1;
	self->n_slots = 8;
	self->resync_ms = BANK_DEFAULT_RESYNC_MS;
	self->max_unidentified = BANK_DEFAULT_MAX_UNIDENTIFIED;
	self->max_unmapped = BANK_DEFAULT_MAX_UNMAPPED;
	self->identify_timeout_ms = BANK_DEFAULT_IDENTIFY_TIMEOUT_MS;
	for (guint i = 0; i < BANK_ADMIT_N_CLASSES; i++)
		g_queue_init(&self->admit[i]);
}

gboolean
bank_instance_setup(BankInstance *self, const gchar *name, GError **error)
{
	bank_log_init(self);
	self->maps = bank_maps_new(self->bank_id, self->n_slots);
	self->slots = g_new0(BankSlot *, self->n_slots);
	if (self->max_clients == 0)
		self->max_clients = self->n_slots * 2 + 16;
	for (guint i = 0; i < self->n_slots; i++) {
		g_autofree gchar *slot_name = g_strdup_printf("%s.%u", name, i);
		g_autoptr(BankSlot) slot = bank_slot_new(self, i, slot_name);

		if (!cr_instance_add_frontend_slot(CR_INSTANCE(self), CR_FRONTEND_SLOT(slot), error))
			return FALSE;
		self->slots[i] = slot;
	}
	return TRUE;
}

static gchar *
resolve_path(CrConfigSection *section, const gchar *path)
{
	const gchar *ini = cr_config_section_get_file(section);
	g_autofree gchar *dir = NULL;

	if (g_path_is_absolute(path) || ini == NULL)
		return g_strdup(path);
	dir = g_path_get_dirname(ini);
	return g_build_filename(dir, path, NULL);
}

static gboolean
read_csv(BankInstance *self, CrConfigSection *section, GError **error)
{
	g_autofree gchar *path = cr_config_section_get_string(section, "slots-csv", NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len;

	if (path == NULL)
		return TRUE;
	self->csv_path = resolve_path(section, path);
	if (!cr_file_get_contents_limited(self->csv_path, BANK_CSV_MAX_SIZE, &text, &len, &local) ||
	    (self->csv = bank_csv_parse(text, len, &local)) == NULL) {
		cr_config_section_set_error(section, error, "slots-csv", "%s: %s", self->csv_path,
		                            local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
read_config(BankInstance *self, CrConfigSection *section, GError **error)
{
	g_autofree gchar *listen_host = NULL;
	g_autofree gchar *name = NULL;
	gint64 v;

	/* `listen`: port 0 takes any free port (tests); empty: no plain listener */
	if (!cr_config_section_get_listen_address(section, "listen", "127.0.0.1", BANK_DEFAULT_PORT,
	                                          TRUE, &listen_host, &self->listen_port, error) ||
	    !bank_tls_read_config(self, section, error))
		return FALSE;
	if (listen_host == NULL) {
		if (self->tls_side.host == NULL) {
			cr_config_section_set_error(section, error, "listen",
			                            "empty, and no listen-tls: nothing to listen on");
			return FALSE;
		}
		self->plain_off = TRUE;
		listen_host = g_strdup("127.0.0.1");
	}
	g_free(self->listen_where);
	self->listen_where = cr_config_section_locate(section, "listen");
	if (!rspro_listen_host_check(section, "listen", &listen_host, TRUE, error))
		return FALSE;
	g_free(self->listen_host);
	self->listen_host = g_steal_pointer(&listen_host);
	if (!cr_config_section_get_int(section, "bank-id", 1, 0, RSPRO_MAX_ID, &v, error))
		return FALSE;
	self->bank_id = (guint16)v;
	if (!cr_config_section_get_int(section, "slots", 8, 1, RSPRO_MAX_ID, &v, error))
		return FALSE;
	self->n_slots = (guint)v;
	if (!cr_config_section_get_int(section, "resync-ms", BANK_DEFAULT_RESYNC_MS, 0, 3600000,
	                               &v, error))
		return FALSE;
	self->resync_ms = (guint)v;
	/* the server link's keepalive: the same keys and defaults as backend-remote's */
	if (!rspro_keepalive_read_config(section, &self->ka_interval_ms, &self->ka_timeout_ms,
	                                 error))
		return FALSE;
	/* below the upstream client's 10 s connectClientRes limit (its T1) */
	if (!cr_config_section_get_int(section, "hold-not-present-ms", 0, 0, 9000, &v, error))
		return FALSE;
	self->hold_ms = (guint)v;
	if (!cr_config_section_get_int(section, "max-clients", (gint64)self->n_slots * 2 + 16, 1,
	                               65536, &v, error))
		return FALSE;
	self->max_clients = (guint)v;
	if (!bank_admit_read_config(self, section, error))
		return FALSE;
	if (cr_config_section_has_key(section, "server") &&
	    !cr_config_section_get_host_port(section, "server", NULL, BANK_DEFAULT_SERVER_PORT,
	                                     &self->server_host, &self->server_port, error))
		return FALSE;
	name = cr_config_section_get_string(section, "name", NULL);
	if (name != NULL)
		self->component_name = rspro_component_name(name);
	return read_csv(self, section, error);
}

/* With slots-csv and no backend section, the bank opens the PC/SC readers
 * itself, as osmo-remsim-bankd: an instance [backend:NAME-readers] of
 * backend-pcsc with a slot per reader; each CSV regex is matched against
 * the slots' reader names (bank-slot.c). */
static gboolean
request_readers(BankInstance *self, CrRouter *router, CrConfigSection *section, GError **error)
{
	static const gchar *const shares[] = {"exclusive", "shared", NULL};
	g_autofree gchar *name = g_strdup_printf("%s-readers", cr_config_section_get_name(section));
	guint share;

	if (!cr_config_section_get_choice(section, "pcsc-share", shares, 0, &share, error))
		return FALSE;
	const gchar *const keys[] = {"plugin",   "pcsc",          "readers", "every",
	                             "protocol", "t0",            "share",   shares[share],
	                             NULL};
	cr_router_add_default_section(router, CR_PLUGIN_KIND_BACKEND, name, keys);
	return TRUE;
}

static CrInstance *
bank_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(BankInstance) self = g_object_new(BANK_TYPE_INSTANCE, NULL);
	g_autofree gchar *mappings = NULL;
	g_autoptr(GError) local = NULL;

	if (!read_config(self, section, error))
		return NULL;
	mappings = cr_config_section_get_string(section, "mappings", NULL);
	if (mappings != NULL && self->server_host != NULL) {
		cr_config_section_set_error(section, error, "mappings",
		                            "the server makes the mappings: drop `mappings` or "
		                            "`server`");
		return NULL;
	}
	if (!bank_instance_setup(self, cr_config_section_get_name(section), error))
		return NULL;
	if (self->csv != NULL && !request_readers(self, router, section, error))
		return NULL;
	if (mappings != NULL && !bank_maps_parse(self->maps, mappings, &local)) {
		cr_config_section_set_error(section, error, "mappings", "%s", local->message);
		return NULL;
	}
	return CR_INSTANCE(g_steal_pointer(&self));
}

CR_PLUGIN_DEFINE("rspro-bank", CR_PLUGIN_KIND_FRONTEND,
                 "osmo-remsim bankd: serves cards to remote RSPRO clients", bank_create)
