// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who gets a connection to the bank, so that no one who can merely connect
 * can keep a mapped client out:
 *
 * - every open connection is in one class: unidentified (no connectClientReq
 *   yet), unmapped (identified, no mapping: it holds no bank slot) or mapped
 *   (holds a bank slot), kept in a queue per class, oldest first;
 * - unidentified and unmapped connections have their own limits
 *   (max-unidentified, max-unmapped): one more closes the oldest of its
 *   class; an unidentified connection is closed after identify-timeout-ms;
 * - max-clients bounds all connections (the listener's file descriptors):
 *   when it is reached, a new connection closes the oldest unidentified,
 *   else the oldest unmapped one; only when every connection holds a bank
 *   slot is the new one refused. A mapped client therefore always gets in.
 * - takeover: a connectClientReq for a client slot whose connection holds a
 *   bank slot takes it over only as `takeover` says (same-address, any,
 *   never); logged either way.
 *
 * Every line here goes through the bank's log limiter (bank-log.c).
 */
#include <string.h>

#include "bank-private.h"

static const gchar *const takeover_names[] = {"same-address", "any", "never", NULL};

gboolean
bank_admit_parse_takeover(const gchar *text, BankTakeover *out)
{
	for (guint i = 0; takeover_names[i] != NULL; i++) {
		if (g_strcmp0(text, takeover_names[i]) == 0) {
			*out = (BankTakeover)i;
			return TRUE;
		}
	}
	return FALSE;
}

gchar *
bank_admit_peer_host(const gchar *peer)
{
	const gchar *colon = peer != NULL ? strrchr(peer, ':') : NULL;

	if (colon == NULL)
		return g_strdup(peer);
	if (peer[0] == '[' && colon > peer && colon[-1] == ']')
		return g_strndup(peer + 1, colon - peer - 2);
	return g_strndup(peer, colon - peer);
}

guint
bank_admit_count(BankInstance *self, BankAdmitClass cls)
{
	return g_queue_get_length(&self->admit[cls]);
}

void
bank_admit_remove(BankClient *client)
{
	if (client->admit_class == BANK_ADMIT_NONE)
		return;
	g_queue_unlink(&client->bank->admit[client->admit_class], &client->admit_link);
	client->admit_class = BANK_ADMIT_NONE;
}

static BankAdmitClass
class_of(const BankClient *client)
{
	if (client->state == BANK_CLIENT_CLOSED || client->link == NULL)
		return BANK_ADMIT_NONE;
	if (client->slot != NULL)
		return BANK_ADMIT_MAPPED;
	if (client->state == BANK_CLIENT_WAIT_ID)
		return BANK_ADMIT_UNIDENTIFIED;
	return BANK_ADMIT_UNMAPPED;
}

/* closes the oldest connection of @cls other than @keep; FALSE if none */
static gboolean
evict_oldest(BankInstance *self, BankAdmitClass cls, BankClient *keep, const gchar *why)
{
	for (GList *l = self->admit[cls].head; l != NULL; l = l->next) {
		BankClient *victim = l->data;

		if (victim == keep)
			continue;
		if (cls == BANK_ADMIT_UNIDENTIFIED)
			self->evicted_unidentified++;
		else
			self->evicted_unmapped++;
		bank_client_close(victim, "%s", why);
		return TRUE;
	}
	return FALSE;
}

gboolean
bank_admit_accept(BankInstance *self)
{
	if (bank_admit_count(self, BANK_ADMIT_UNIDENTIFIED) >= self->max_unidentified)
		evict_oldest(self, BANK_ADMIT_UNIDENTIFIED, NULL,
		             "max-unidentified reached: the oldest unidentified connection makes "
		             "room");
	if (g_hash_table_size(self->clients) < self->max_clients)
		return TRUE;
	if (evict_oldest(self, BANK_ADMIT_UNIDENTIFIED, NULL,
	                 "max-clients reached: the oldest unidentified connection makes room") ||
	    evict_oldest(self, BANK_ADMIT_UNMAPPED, NULL,
	                 "max-clients reached: the oldest unmapped connection makes room"))
		return g_hash_table_size(self->clients) < self->max_clients;
	self->refused++;
	bank_log_client(self, "listener", NULL, "refused",
	                "%s: refusing a connection: %u clients connected, each holds a bank slot",
	                cr_instance_get_name(CR_INSTANCE(self)), self->max_clients);
	return FALSE;
}

void
bank_admit_update(BankClient *client)
{
	BankInstance *self = client->bank;
	BankAdmitClass cls = class_of(client);

	if (cls == client->admit_class)
		return;
	bank_admit_remove(client);
	if (cls == BANK_ADMIT_NONE)
		return;
	client->admit_link.data = client;
	g_queue_push_tail_link(&self->admit[cls], &client->admit_link);
	client->admit_class = cls;
	if (cls == BANK_ADMIT_UNMAPPED) {
		while (bank_admit_count(self, BANK_ADMIT_UNMAPPED) > self->max_unmapped &&
		       evict_oldest(self, BANK_ADMIT_UNMAPPED, client,
		                    "max-unmapped reached: the oldest unmapped connection makes "
		                    "room"))
			;
	}
}

static gboolean
same_client(const BankClient *c, RsproClientSlot slot)
{
	return c->client_slot.client_id == slot.client_id && c->client_slot.slot_nr == slot.slot_nr;
}

gboolean
bank_admit_takeover(BankClient *client)
{
	BankInstance *self = client->bank;
	g_autoptr(GPtrArray) old = g_ptr_array_new();
	g_autofree gchar *host = bank_admit_peer_host(client->peer);
	const gchar *holder = NULL;
	gboolean foreign = FALSE;
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, self->clients);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		BankClient *c = key;

		if (c == client || c->state == BANK_CLIENT_WAIT_ID ||
		    c->state == BANK_CLIENT_CLOSED || !same_client(c, client->client_slot))
			continue;
		g_ptr_array_add(old, c);
		if (c->slot != NULL) {
			g_autofree gchar *h = bank_admit_peer_host(c->peer);

			holder = c->peer;
			foreign |= g_strcmp0(h, host) != 0;
		}
	}
	if (holder != NULL) {
		gboolean allowed = self->takeover == BANK_TAKEOVER_ANY ||
		                   (self->takeover == BANK_TAKEOVER_SAME_ADDRESS && !foreign);

		if (!allowed) {
			self->takeovers_refused++;
			bank_log_client(self, client->peer, &client->client_slot,
			                "takeover-refused",
			                "client %u:%u from %s: takeover refused, %s holds its slot "
			                "(takeover = %s)",
			                client->client_slot.client_id, client->client_slot.slot_nr,
			                client->peer, holder, takeover_names[self->takeover]);
			return FALSE;
		}
		self->takeovers++;
		bank_log_client(self, client->peer, &client->client_slot, "takeover",
		                "client %u:%u from %s takes over from %s (takeover = %s)",
		                client->client_slot.client_id, client->client_slot.slot_nr,
		                client->peer, holder, takeover_names[self->takeover]);
	}
	for (guint i = 0; i < old->len; i++)
		bank_client_close(old->pdata[i], "replaced by a new connection from %s",
		                  client->peer);
	return TRUE;
}

void
bank_admit_describe(BankInstance *self, GVariantDict *dict)
{
	g_variant_dict_insert(dict, "max-clients", "u", self->max_clients);
	g_variant_dict_insert(dict, "max-unidentified", "u", self->max_unidentified);
	g_variant_dict_insert(dict, "max-unmapped", "u", self->max_unmapped);
	g_variant_dict_insert(dict, "clients-unidentified", "u",
	                      bank_admit_count(self, BANK_ADMIT_UNIDENTIFIED));
	g_variant_dict_insert(dict, "clients-unmapped", "u",
	                      bank_admit_count(self, BANK_ADMIT_UNMAPPED));
	g_variant_dict_insert(dict, "clients-mapped", "u",
	                      bank_admit_count(self, BANK_ADMIT_MAPPED));
	g_variant_dict_insert(dict, "clients-refused", "t", self->refused);
	g_variant_dict_insert(dict, "evicted-unidentified", "t", self->evicted_unidentified);
	g_variant_dict_insert(dict, "evicted-unmapped", "t", self->evicted_unmapped);
	g_variant_dict_insert(dict, "takeover", "s", takeover_names[self->takeover]);
	g_variant_dict_insert(dict, "takeovers", "t", self->takeovers);
	g_variant_dict_insert(dict, "takeovers-refused", "t", self->takeovers_refused);
}

/* The same counters in /metrics, for alerting on lock-out attempts. */
static void
admit_metrics(GString *out, gpointer user_data)
{
	BankInstance *self = user_data;
	const gchar *inst = cr_instance_get_name(CR_INSTANCE(self));
	static const gchar *const classes[] = {"unidentified", "unmapped", "mapped"};

	cr_metrics_header(out, "cardroute_remsim_bank_connections", "gauge",
	                  "Client connections of the bank, by admission class.");
	for (guint i = 0; i < BANK_ADMIT_N_CLASSES && i < G_N_ELEMENTS(classes); i++)
		cr_metrics_sample(out, "cardroute_remsim_bank_connections",
		                  bank_admit_count(self, (BankAdmitClass)i), "instance", inst, "class",
		                  classes[i], NULL);
	cr_metrics_header(out, "cardroute_remsim_bank_connections_closed_total", "counter",
	                  "Client connections the bank closed to admit others: refused at accept "
	                  "(every connection holds a slot) or the oldest of a class evicted.");
	cr_metrics_sample(out, "cardroute_remsim_bank_connections_closed_total", self->refused,
	                  "instance", inst, "reason", "refused", NULL);
	cr_metrics_sample(out, "cardroute_remsim_bank_connections_closed_total",
	                  self->evicted_unidentified, "instance", inst, "reason",
	                  "evicted-unidentified", NULL);
	cr_metrics_sample(out, "cardroute_remsim_bank_connections_closed_total",
	                  self->evicted_unmapped, "instance", inst, "reason", "evicted-unmapped",
	                  NULL);
	cr_metrics_header(out, "cardroute_remsim_bank_takeovers_total", "counter",
	                  "connectClientReq for a client slot that was connected: taken over or "
	                  "refused (takeover key).");
	cr_metrics_sample(out, "cardroute_remsim_bank_takeovers_total", self->takeovers, "instance",
	                  inst, "outcome", "taken-over", NULL);
	cr_metrics_sample(out, "cardroute_remsim_bank_takeovers_total", self->takeovers_refused,
	                  "instance", inst, "outcome", "refused", NULL);
}

void
bank_admit_metrics_start(BankInstance *self)
{
	if (self->metrics_id == 0)
		self->metrics_id = cr_router_add_metrics_source(
		        cr_instance_get_router(CR_INSTANCE(self)), admit_metrics, self, NULL);
}

void
bank_admit_metrics_stop(BankInstance *self)
{
	if (self->metrics_id != 0)
		cr_router_remove_metrics_source(cr_instance_get_router(CR_INSTANCE(self)),
		                                self->metrics_id);
	self->metrics_id = 0;
}

gboolean
bank_admit_read_config(BankInstance *self, CrConfigSection *section, GError **error)
{
	guint takeover;
	gint64 v;

	/* every slot's client may reconnect at once (a bank restart): the
	 * listener accepts them all before it reads any hello */
	if (!cr_config_section_get_int(section, "max-unidentified",
	                               (gint64)self->n_slots + BANK_DEFAULT_MAX_UNIDENTIFIED, 1,
	                               65536, &v, error))
		return FALSE;
	self->max_unidentified = (guint)v;
	if (!cr_config_section_get_int(section, "max-unmapped", BANK_DEFAULT_MAX_UNMAPPED, 1, 65536,
	                               &v, error))
		return FALSE;
	self->max_unmapped = (guint)v;
	if (!cr_config_section_get_int(section, "identify-timeout-ms",
	                               BANK_DEFAULT_IDENTIFY_TIMEOUT_MS, 100, 300000, &v, error))
		return FALSE;
	self->identify_timeout_ms = (guint)v;
	if (!cr_config_section_get_choice(section, "takeover", takeover_names,
	                                  BANK_TAKEOVER_SAME_ADDRESS, &takeover, error))
		return FALSE;
	self->takeover = (BankTakeover)takeover;
	return TRUE;
}
