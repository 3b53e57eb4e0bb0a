// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control "rspro-server": cardroute as osmo-remsim-server. Banks and clients
 * connect over RSPRO to `listen`; slotmaps come from the RSRES REST API on
 * the daemon's HTTP server (/api/backend/v1/) and are kept in `state-file`.
 * See README.md.
 */
#include "srv-private.h"
#include "rspro-listen-host.h"

#include <string.h>

#define SAVE_DELAY_MS 100

G_DEFINE_TYPE(SrvServer, srv_server, CR_TYPE_INSTANCE)

static gboolean
save_timeout(gpointer data)
{
	SrvServer *self = data;
	self->save_idle = 0;
	srv_persist_save(self);
	return G_SOURCE_REMOVE;
}

/* SrvMapOps: the store asks, the connections do */
static void
ops_send(SrvServer *self, const SrvMap *map, RsproMsgType type)
{
	SrvConn *bank = g_hash_table_lookup(self->banks, GUINT_TO_POINTER(map->bank_id));
	if (bank != NULL)
		srv_conn_send_mapping(bank, type, map);
}

static void
ops_send_create(const SrvMap *map, gpointer data)
{
	ops_send(data, map, RSPRO_MSG_CREATE_MAPPING_REQ);
}

static void
ops_send_remove(const SrvMap *map, gpointer data)
{
	ops_send(data, map, RSPRO_MSG_REMOVE_MAPPING_REQ);
}

static void
ops_client_changed(guint16 client_id, guint16 client_slot, gpointer data)
{
	SrvServer *self = data;
	SrvConn *c = g_hash_table_lookup(self->clients,
					 GUINT_TO_POINTER(srv_client_key(client_id, client_slot)));
	if (c != NULL)
		srv_conn_update_client(c);
}

static void
ops_changed(gpointer data)
{
	SrvServer *self = data;
	if (self->state_file != NULL && self->save_idle == 0 && self->started)
		self->save_idle = g_timeout_add(SAVE_DELAY_MS, save_timeout, self);
}

static const SrvMapOps map_ops = {
	.send_create = ops_send_create,
	.send_remove = ops_send_remove,
	.client_changed = ops_client_changed,
	.changed = ops_changed,
};

static void
on_incoming(CrListener *listener, GSocketConnection *connection, gpointer user_data)
{
	if (!srv_admit_accept(user_data)) {
		g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
		return;
	}
	srv_conn_accept(user_data, G_IO_STREAM(connection));
}

static gboolean
srv_server_start(CrInstance *instance, GError **error)
{
	SrvServer *self = SRV_SERVER(instance);
	CrRouter *router = cr_instance_get_router(instance);
	g_autoptr(GError) local = NULL;

	srv_admit_init(self);
	/* `listen` empty: TLS only */
	if (self->listen_host != NULL) {
		self->service = rspro_listen(self->listen_host, self->listen_port, 0,
					     cr_instance_get_name(instance), on_incoming, self,
					     &self->bound_port, &local);
		if (self->service == NULL) {
			/* where the port comes from and, if it is taken, who holds it */
			cr_net_set_listen_error(error, CR_ERROR_CONFIG, local, self->listen_port,
						self->listen_where);
			return FALSE;
		}
	}
	if (!srv_tls_start(self, error)) {
		g_clear_pointer(&self->service, cr_listener_free);
		return FALSE;
	}
	srv_persist_load(self);
	self->restart_counter++;
	self->started = TRUE;
	srv_metrics_start(self);
	srv_persist_save(self);
	self->http_id = cr_router_add_http_handler(router, SRV_REST_PREFIX, srv_rsres_handle, self,
						   NULL);
	if (self->http_id == 0)
		g_warning("%s: %s is taken by another handler: no RSRES API",
			  cr_instance_get_name(instance), SRV_REST_PREFIX);
	g_message("%s: RSPRO server listening on %s:%u, RSRES API under %s, %u slotmap(s), "
		  "restart %" G_GUINT64_FORMAT ", state %s",
		  cr_instance_get_name(instance),
		  self->listen_host != NULL ? self->listen_host : "(none)", self->bound_port,
		  SRV_REST_PREFIX, srv_map_store_count(self->maps), self->restart_counter,
		  self->state_file != NULL ? self->state_file : "not stored");
	return TRUE;
}

static void
srv_server_stop(CrInstance *instance)
{
	SrvServer *self = SRV_SERVER(instance);
	g_autoptr(GList) conns = NULL;

	if (!self->started)
		return;
	if (self->save_idle != 0)
		srv_persist_save(self);
	self->started = FALSE;
	srv_metrics_stop(self);
	srv_tls_stop(self);
	if (self->http_id != 0)
		cr_router_remove_http_handler(cr_instance_get_router(instance), self->http_id);
	self->http_id = 0;
	g_clear_pointer(&self->service, cr_listener_free);
	conns = g_hash_table_get_keys(self->conns);
	for (GList *l = conns; l != NULL; l = l->next)
		srv_conn_close(l->data, "the server is stopping");
}

static void
srv_server_describe(CrInstance *instance, GVariantDict *dict)
{
	SrvServer *self = SRV_SERVER(instance);
	g_variant_dict_insert(dict, "listen", "s", self->listen_host != NULL ? self->listen_host : "");
	g_variant_dict_insert(dict, "listen-port", "q", self->bound_port);
	g_variant_dict_insert(dict, "clients", "u", g_hash_table_size(self->clients));
	g_variant_dict_insert(dict, "banks", "u", g_hash_table_size(self->banks));
	g_variant_dict_insert(dict, "slotmaps", "u", srv_map_store_count(self->maps));
	g_variant_dict_insert(dict, "restart-counter", "t", self->restart_counter);
	if (self->state_file != NULL)
		g_variant_dict_insert(dict, "state-file", "s", self->state_file);
	srv_metrics_describe(self, dict);
	srv_admit_describe(self, dict);
}

static void
srv_server_finalize(GObject *object)
{
	SrvServer *self = SRV_SERVER(object);
	srv_server_stop(CR_INSTANCE(self));
	rspro_reaper_clear(&self->closed);
	g_clear_handle_id(&self->save_idle, g_source_remove);
	g_hash_table_destroy(self->conns);
	g_hash_table_destroy(self->clients);
	g_hash_table_destroy(self->banks);
	g_hash_table_destroy(self->bank_override);
	g_clear_pointer(&self->refusals, g_hash_table_destroy);
	g_clear_pointer(&self->log_limit, cr_log_limiter_free);
	srv_map_store_free(self->maps);
	srv_tls_free(self);
	g_free(self->listen_host);
	g_free(self->listen_where);
	g_free(self->state_file);
	g_free(self->component_name);
	G_OBJECT_CLASS(srv_server_parent_class)->finalize(object);
}

static void
srv_server_class_init(SrvServerClass *klass)
{
	CrInstanceClass *instance_class = CR_INSTANCE_CLASS(klass);
	G_OBJECT_CLASS(klass)->finalize = srv_server_finalize;
	instance_class->start = srv_server_start;
	instance_class->stop = srv_server_stop;
	instance_class->describe = srv_server_describe;
}

static void
srv_server_init(SrvServer *self)
{
	self->conns = g_hash_table_new(NULL, NULL);
	rspro_reaper_init(&self->closed, (GDestroyNotify)srv_conn_free);
	self->clients = g_hash_table_new(NULL, NULL);
	self->banks = g_hash_table_new(NULL, NULL);
	self->bank_override = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	self->maps = srv_map_store_new(&map_ops, self);
}

static gboolean
running_from_build_tree(void)
{
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *dir = exe != NULL ? g_path_get_dirname(exe) : NULL;
	return dir != NULL && g_strcmp0(dir, SRV_BUILD_CORE_DIR) == 0;
}

/* state-file: default STATE-DIR/remsim-server.json, STATE-DIR from [router]
 * state-dir, else the installed state directory (none from the build tree,
 * as the control plane does); empty: not stored */
static void
read_state_file(SrvServer *self, CrRouter *router, CrConfigSection *section)
{
	CrConfigSection *rs = cr_router_get_router_section(router);
	g_autofree gchar *dir = rs != NULL ? cr_config_section_get_string(rs, "state-dir", NULL)
					   : NULL;
	g_autofree gchar *file = NULL;
	g_autofree gchar *def = NULL;

	if (dir == NULL && !running_from_build_tree())
		dir = g_strdup(SRV_STATE_DIR);
	if (dir != NULL && dir[0] != '\0')
		def = g_build_filename(dir, SRV_STATE_FILE, NULL);
	file = cr_config_section_get_string(section, "state-file", def);
	if (file != NULL && file[0] != '\0') {
		if (!g_path_is_absolute(file)) {
			g_autofree gchar *ini_dir =
				g_path_get_dirname(cr_config_section_get_file(section));
			self->state_file = g_build_filename(ini_dir, file, NULL);
		} else {
			self->state_file = g_steal_pointer(&file);
		}
	}
}

static gboolean
read_bank_addresses(SrvServer *self, CrConfigSection *section, GError **error)
{
	g_auto(GStrv) list = cr_config_section_get_list(section, "bank-address");

	for (guint i = 0; list != NULL && list[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		g_auto(GStrv) kv = g_strsplit(g_strstrip(list[i]), "=", 2);
		guint64 id;
		RsproIpPort *addr = g_new0(RsproIpPort, 1);

		if (kv[0] == NULL || kv[1] == NULL ||
		    !g_ascii_string_to_unsigned(g_strstrip(kv[0]), 10, 0, RSPRO_MAX_ID, &id,
						&local) ||
		    !srv_ip_port_parse(g_strstrip(kv[1]), addr, NULL, &local)) {
			g_free(addr);
			cr_config_section_set_error(section, error, "bank-address",
						    "'%s': BANK-ID=HOST:PORT expected%s%s", list[i],
						    local != NULL ? ": " : "",
						    local != NULL ? local->message : "");
			return FALSE;
		}
		g_hash_table_replace(self->bank_override, GUINT_TO_POINTER((guint)id), addr);
	}
	return TRUE;
}

/* listen = HOST:PORT; PORT 0 takes a free port (tests; the log says which) */
static gboolean
read_listen(SrvServer *self, CrConfigSection *section, GError **error)
{
	g_free(self->listen_where);
	self->listen_where = cr_config_section_locate(section, "listen");
	/* empty: no plain listener */
	return cr_config_section_get_listen_address(section, "listen", "127.0.0.1",
						    SRV_DEFAULT_PORT, TRUE, &self->listen_host,
						    &self->listen_port, error);
}

static CrInstance *
srv_server_create(CrRouter *router, CrConfigSection *section, GError **error)
{
	g_autoptr(SrvServer) self = g_object_new(SRV_TYPE_SERVER, NULL);
	g_autofree gchar *name = NULL;
	gint64 v;

	if (!read_listen(self, section, error) || !srv_tls_read_config(self, section, error))
		return NULL;
	if (self->listen_host == NULL && self->tls_side.host == NULL) {
		cr_config_section_set_error(section, error, "listen",
					    "empty, and no listen-tls: nothing to listen on");
		return NULL;
	}
	/* empty `listen`: no plain listener, nothing to check */
	if (self->listen_host != NULL &&
	    !rspro_listen_host_check(section, "listen", &self->listen_host, TRUE, error))
		return NULL;
	read_state_file(self, router, section);
	if (!read_bank_addresses(self, section, error))
		return NULL;
	if (!cr_config_section_get_int(section, "bank-port", SRV_UPSTREAM_BANK_PORT, 1, 65535, &v,
				       error))
		return NULL;
	self->bank_port = (guint16)v;
	if (!cr_config_section_get_int(section, "identify-timeout-ms", 10000, 1, 3600000, &v,
				       error))
		return NULL;
	self->identify_timeout_ms = (guint)v;
	if (!cr_config_section_get_int(section, "max-connections", SRV_DEFAULT_MAX_CONNECTIONS, 1,
				       65536, &v, error))
		return NULL;
	self->max_connections = (guint)v;
	if (!cr_config_section_get_int(section, "reject-linger-ms", 1000, 0, 60000, &v, error))
		return NULL;
	self->reject_linger_ms = (guint)v;
	if (!rspro_keepalive_read_config(section, &self->ka_interval_ms, &self->ka_timeout_ms,
					 error))
		return NULL;
	name = cr_config_section_get_string(section, "name", NULL);
	if (name != NULL && (name[0] == '\0' || strlen(name) > RSPRO_NAME_MAX_LEN)) {
		cr_config_section_set_error(section, error, "name", "1 to %d characters",
					    RSPRO_NAME_MAX_LEN);
		return NULL;
	}
	self->component_name = rspro_component_name(name != NULL ? name : g_get_host_name());
	return CR_INSTANCE(g_steal_pointer(&self));
}

CR_PLUGIN_DEFINE("rspro-server", CR_PLUGIN_KIND_CONTROL,
		 "osmo-remsim server: slotmaps for RSPRO clients and banks, RSRES REST API",
		 srv_server_create)
