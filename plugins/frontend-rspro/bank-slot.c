// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bank slot: the frontend slot NAME.N that the client mapped to bank slot
 * N uses. Which card serves it is its route: from the INI ([route:x]
 * frontend = NAME.N) or, with `slots-csv`, made when a client claims the slot
 * from the first backend slot whose name or PC/SC reader matches the CSV
 * record's regex (and removed when the client leaves).
 */
#include "bank-private.h"

struct _BankSlot {
	CrFrontendSlot parent_instance;
	BankInstance *bank; /* not owned: the instance owns the slot */
	guint index;
	BankClient *client;
	gchar *csv_route; /* name of the route made from the CSV, or NULL */
	gboolean pumping;
};

G_DEFINE_TYPE(BankSlot, bank_slot, CR_TYPE_FRONTEND_SLOT)

guint
bank_slot_get_index(BankSlot *self)
{
	return self->index;
}

BankClient *
bank_slot_get_client(BankSlot *self)
{
	return self->client;
}

guint16
bank_slot_error_sw(BankSlot *self)
{
	CrRoute *route = cr_frontend_slot_get_route(CR_FRONTEND_SLOT(self));

	return route != NULL ? cr_route_get_policy(route)->error_sw : 0x6F00;
}

static void
bank_slot_card_changed(CrFrontendSlot *slot, GBytes *atr)
{
	BankSlot *self = BANK_SLOT(slot);

	if (self->client != NULL)
		bank_client_card_changed(self->client, atr);
}

/* The outcome of one command: the card's answer, or (never an empty
 * tpduCardToModem) the route's error status with a log line saying why. */
static void
bank_slot_transaction_done(CrFrontendSlot *slot, CrTransaction *tx)
{
	BankSlot *self = BANK_SLOT(slot);
	const GError *error = cr_transaction_get_error(tx);
	const guint8 *resp;
	gsize len = 0;

	if (self->client == NULL || self->client->state != BANK_CLIENT_READY)
		return; /* its client left (the power off cancelled it) */
	resp = cr_transaction_get_response(tx, &len);
	if (resp == NULL || len < 2) {
		guint16 sw = bank_slot_error_sw(self);
		guint8 sw_bytes[2] = {sw >> 8, sw & 0xFF};
		gsize cmd_len;
		const guint8 *cmd = cr_transaction_get_command(tx, &cmd_len);
		g_autofree gchar *cmd_hex = cr_hex_encode(cmd, MIN(cmd_len, 5));

		/* per client: one that sends only such commands gets a summary */
		bank_log_client(self->bank, self->client->peer, &self->client->client_slot,
		                "no-answer",
		                "%s: command %s%s for client %u:%u got no answer (%s): answering %04X",
		                cr_frontend_slot_get_name(slot), cmd_hex, cmd_len > 5 ? "..." : "",
		                self->client->client_slot.client_id,
		                self->client->client_slot.slot_nr,
		                error != NULL ? error->message : "empty response", sw);
		self->bank->error_answers++;
		bank_client_send_response(self->client, sw_bytes, 2);
	} else {
		if (error != NULL) {
			/* the route's error policy answered a status word */
			self->bank->error_answers++;
		}
		bank_client_send_response(self->client, resp, len);
	}
	bank_slot_pump(self);
}

static void
bank_slot_route_changed(CrFrontendSlot *slot, CrRoute *route)
{
	BankSlot *self = BANK_SLOT(slot);

	if (route == NULL)
		g_clear_pointer(&self->csv_route, g_free);
}

void
bank_slot_pump(BankSlot *self)
{
	if (self->pumping)
		return;
	self->pumping = TRUE;
	while (self->client != NULL && self->client->state == BANK_CLIENT_READY &&
	       !g_queue_is_empty(&self->client->queued) &&
	       !cr_frontend_slot_is_busy(CR_FRONTEND_SLOT(self))) {
		g_autoptr(GBytes) cmd = g_queue_pop_head(&self->client->queued);
		gsize len;
		const guint8 *data = g_bytes_get_data(cmd, &len);

		self->bank->tpdus++;
		cr_frontend_slot_submit(CR_FRONTEND_SLOT(self), data, len);
	}
	self->pumping = FALSE;
}

/* The reader name a backend slot reports through its instance's describe():
 * backend-pcsc's "slot-readers" (slot name -> reader), or "reader" of an
 * instance with one slot; NULL when none. */
static gchar *
backend_reader_name(CrBackendSlot *backend)
{
	CrInstance *inst = cr_backend_slot_get_instance(backend);
	CrInstanceClass *klass;
	g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT(NULL);
	g_autoptr(GVariant) readers = NULL;
	gchar *reader = NULL;

	if (inst == NULL)
		return NULL;
	klass = CR_INSTANCE_GET_CLASS(inst);
	if (klass->describe == NULL)
		return NULL;
	klass->describe(inst, &dict);
	readers = g_variant_dict_lookup_value(&dict, "slot-readers", G_VARIANT_TYPE("a{ss}"));
	if (readers != NULL &&
	    g_variant_lookup(readers, cr_backend_slot_get_name(backend), "s", &reader))
		return reader;
	if (cr_instance_get_backend_slots(inst)->len != 1 ||
	    !g_variant_dict_lookup(&dict, "reader", "s", &reader))
		return NULL;
	return reader;
}

/* With `slots-csv`: a route to the first free backend slot the record of
 * this bank slot matches (by slot name, then by reader name). */
static void
route_from_csv(BankSlot *self)
{
	CrFrontendSlot *fs = CR_FRONTEND_SLOT(self);
	CrRouter *router = cr_frontend_slot_get_router(fs);
	const BankCsvRecord *record;
	GPtrArray *backends;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *route_name = NULL;

	if (self->bank->csv == NULL || cr_frontend_slot_get_route(fs) != NULL || router == NULL)
		return;
	record = bank_csv_lookup(self->bank->csv, self->bank->bank_id, self->index);
	if (record == NULL) {
		g_message("%s: %s has no record for bank %u slot %u", cr_frontend_slot_get_name(fs),
		          self->bank->csv_path, self->bank->bank_id, self->index);
		return;
	}
	backends = cr_router_get_backends(router);
	for (guint i = 0; i < backends->len; i++) {
		CrBackendSlot *b = g_ptr_array_index(backends, i);
		g_autofree gchar *reader = NULL;
		gboolean match;

		if (cr_backend_slot_get_route(b) != NULL)
			continue;
		match = bank_csv_record_matches(record, cr_backend_slot_get_name(b));
		if (!match) {
			reader = backend_reader_name(b);
			match = reader != NULL && bank_csv_record_matches(record, reader);
		}
		if (!match)
			continue;
		route_name = g_strdup_printf("%s-csv", cr_frontend_slot_get_name(fs));
		if (cr_router_add_route(router, route_name, cr_frontend_slot_get_name(fs),
		                        cr_backend_slot_get_name(b), NULL, &error) == NULL) {
			g_message("%s: route to %s (CSV line %u): %s", cr_frontend_slot_get_name(fs),
			          cr_backend_slot_get_name(b), record->line, error->message);
			return;
		}
		g_message("%s: CSV line %u ('%s') matches %s%s%s", cr_frontend_slot_get_name(fs),
		          record->line, record->pattern, cr_backend_slot_get_name(b),
		          reader != NULL ? ", reader " : "", reader != NULL ? reader : "");
		self->csv_route = g_steal_pointer(&route_name);
		return;
	}
	g_message("%s: no free backend slot or reader matches '%s' (CSV line %u)",
	          cr_frontend_slot_get_name(fs), record->pattern, record->line);
}

void
bank_slot_claim(BankSlot *self, BankClient *client)
{
	CrFrontendSlot *fs = CR_FRONTEND_SLOT(self);

	if (self->client == client)
		return;
	if (self->client != NULL)
		bank_client_close(self->client, "bank slot %u taken over by client %u:%u from %s",
		                  self->index, client->client_slot.client_id,
		                  client->client_slot.slot_nr, client->peer);
	self->client = client;
	client->slot = self;
	client->last_vcc = TRUE;
	client->last_rst = FALSE;
	route_from_csv(self);
	bank_caps_apply(self, client);
	cr_frontend_slot_set_state(fs, CR_SLOT_STATE_PRESENT, NULL);
	/* upstream opens the reader for each client: the card is powered up
	 * afresh (it was powered off when the previous client left) */
	cr_frontend_slot_reset(fs, CR_RESET_COLD);
}

void
bank_slot_release(BankSlot *self)
{
	CrFrontendSlot *fs = CR_FRONTEND_SLOT(self);
	CrRouter *router = cr_frontend_slot_get_router(fs);
	BankClient *client = self->client;

	if (client == NULL)
		return;
	self->client = NULL;
	client->slot = NULL;
	/* as upstream's SCardDisconnect(UNPOWER): a command in flight is
	 * cancelled, the card powered off */
	cr_frontend_slot_power_off(fs);
	cr_frontend_slot_set_state(fs, CR_SLOT_STATE_EMPTY, NULL);
	bank_caps_apply(self, NULL);
	if (self->csv_route != NULL && router != NULL) {
		g_autofree gchar *name = g_steal_pointer(&self->csv_route);
		cr_router_remove_route(router, name, NULL);
	}
	bank_server_slot_released(self->bank, self->index);
}

static void
bank_slot_finalize(GObject *obj)
{
	BankSlot *self = BANK_SLOT(obj);

	g_free(self->csv_route);
	G_OBJECT_CLASS(bank_slot_parent_class)->finalize(obj);
}

static void
bank_slot_class_init(BankSlotClass *klass)
{
	CrFrontendSlotClass *fc = CR_FRONTEND_SLOT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = bank_slot_finalize;
	fc->card_changed = bank_slot_card_changed;
	fc->transaction_done = bank_slot_transaction_done;
	fc->route_changed = bank_slot_route_changed;
}

static void
bank_slot_init(BankSlot *self)
{
}

BankSlot *
bank_slot_new(BankInstance *bank, guint index, const gchar *name)
{
	BankSlot *self = g_object_new(BANK_TYPE_SLOT, "name", name, NULL);

	self->bank = bank;
	self->index = index;
	return self;
}
