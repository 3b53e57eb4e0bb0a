// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "bank-maps.h"

typedef struct {
	gboolean used;
	gboolean stale;
	RsproClientSlot client;
} BankMap;

struct _BankMaps {
	guint16 bank_id;
	guint n_slots;
	guint count;
	BankMap *maps; /* indexed by bank slot */
};

BankMaps *
bank_maps_new(guint16 bank_id, guint n_slots)
{
	BankMaps *self = g_new0(BankMaps, 1);

	self->bank_id = bank_id;
	self->n_slots = n_slots;
	self->maps = g_new0(BankMap, n_slots);
	return self;
}

void
bank_maps_free(BankMaps *self)
{
	if (self == NULL)
		return;
	g_free(self->maps);
	g_free(self);
}

guint
bank_maps_get_n_slots(const BankMaps *self)
{
	return self->n_slots;
}

guint
bank_maps_count(const BankMaps *self)
{
	return self->count;
}

gboolean
bank_maps_get(const BankMaps *self, guint bank_slot, RsproClientSlot *client)
{
	if (bank_slot >= self->n_slots || !self->maps[bank_slot].used)
		return FALSE;
	if (client != NULL)
		*client = self->maps[bank_slot].client;
	return TRUE;
}

static gboolean
same_client(RsproClientSlot a, RsproClientSlot b)
{
	return a.client_id == b.client_id && a.slot_nr == b.slot_nr;
}

gint
bank_maps_find_client(const BankMaps *self, RsproClientSlot client)
{
	for (guint i = 0; i < self->n_slots; i++)
		if (self->maps[i].used && same_client(self->maps[i].client, client))
			return (gint)i;
	return -1;
}

void
bank_maps_set(BankMaps *self, guint bank_slot, RsproClientSlot client)
{
	g_return_if_fail(bank_slot < self->n_slots);
	if (!self->maps[bank_slot].used)
		self->count++;
	self->maps[bank_slot].used = TRUE;
	self->maps[bank_slot].stale = FALSE;
	self->maps[bank_slot].client = client;
}

void
bank_maps_remove(BankMaps *self, guint bank_slot)
{
	if (bank_slot >= self->n_slots || !self->maps[bank_slot].used)
		return;
	self->maps[bank_slot].used = FALSE;
	self->maps[bank_slot].stale = FALSE;
	self->count--;
}

RsproResult
bank_maps_create(BankMaps *self, const RsproMappingReq *req, guint removed[2], guint *n_removed,
                 gboolean *added)
{
	guint b = req->bank.slot_nr;
	gint other;

	*n_removed = 0;
	*added = FALSE;
	if (req->bank.bank_id != self->bank_id)
		return RSPRO_RESULT_ILLEGAL_BANK_ID;
	if (b >= self->n_slots)
		return RSPRO_RESULT_ILLEGAL_SLOT_ID;
	if (self->maps[b].used) {
		if (same_client(self->maps[b].client, req->client)) {
			self->maps[b].stale = FALSE;
			return RSPRO_RESULT_OK;
		}
		bank_maps_remove(self, b);
		removed[(*n_removed)++] = b;
	}
	other = bank_maps_find_client(self, req->client);
	if (other >= 0) {
		bank_maps_remove(self, (guint)other);
		removed[(*n_removed)++] = (guint)other;
	}
	bank_maps_set(self, b, req->client);
	*added = TRUE;
	return RSPRO_RESULT_OK;
}

RsproResult
bank_maps_remove_req(BankMaps *self, const RsproMappingReq *req)
{
	guint b = req->bank.slot_nr;

	if (req->bank.bank_id != self->bank_id)
		return RSPRO_RESULT_ILLEGAL_BANK_ID;
	if (b >= self->n_slots)
		return RSPRO_RESULT_ILLEGAL_SLOT_ID;
	if (!self->maps[b].used || !same_client(self->maps[b].client, req->client))
		return RSPRO_RESULT_UNKNOWN_SLOTMAP;
	bank_maps_remove(self, b);
	return RSPRO_RESULT_OK;
}

void
bank_maps_mark_all_stale(BankMaps *self)
{
	for (guint i = 0; i < self->n_slots; i++)
		self->maps[i].stale = self->maps[i].used;
}

gboolean
bank_maps_is_stale(const BankMaps *self, guint bank_slot)
{
	return bank_slot < self->n_slots && self->maps[bank_slot].used &&
	       self->maps[bank_slot].stale;
}

guint
bank_maps_count_stale(const BankMaps *self)
{
	guint n = 0;

	for (guint i = 0; i < self->n_slots; i++)
		n += self->maps[i].used && self->maps[i].stale;
	return n;
}

gchar *
bank_maps_describe(const BankMaps *self, guint max)
{
	GString *s = g_string_new(NULL);
	guint shown = 0;

	for (guint i = 0; i < self->n_slots; i++) {
		if (!self->maps[i].used)
			continue;
		if (shown == max) {
			g_string_append(s, ", ...");
			break;
		}
		g_string_append_printf(s, "%sB%u:%u<-C%u:%u", shown > 0 ? ", " : "", self->bank_id,
		                       i, self->maps[i].client.client_id,
		                       self->maps[i].client.slot_nr);
		shown++;
	}
	if (shown == 0)
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

/* A decimal number 0..@max filling all of @text. */
static gboolean
parse_number(const gchar *text, guint max, guint *out)
{
	guint64 v;

	if (!g_ascii_string_to_unsigned(text, 10, 0, max, &v, NULL))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static gboolean
parse_entry(const gchar *entry, guint n_slots, RsproClientSlot *client, guint *bank_slot)
{
	g_auto(GStrv) sides = g_strsplit(entry, "=", -1);
	g_auto(GStrv) ids = NULL;
	guint cid, cslot;

	if (g_strv_length(sides) != 2)
		return FALSE;
	ids = g_strsplit(g_strstrip(sides[0]), ":", -1);
	if (g_strv_length(ids) != 2 || !parse_number(g_strstrip(ids[0]), RSPRO_MAX_ID, &cid) ||
	    !parse_number(g_strstrip(ids[1]), RSPRO_MAX_ID, &cslot) ||
	    !parse_number(g_strstrip(sides[1]), n_slots - 1, bank_slot))
		return FALSE;
	client->client_id = (guint16)cid;
	client->slot_nr = (guint16)cslot;
	return TRUE;
}

gboolean
bank_maps_parse(BankMaps *self, const gchar *text, GError **error)
{
	g_auto(GStrv) entries = g_strsplit(text, ",", -1);

	for (guint i = 0; entries[i] != NULL; i++) {
		const gchar *entry = g_strstrip(entries[i]);
		RsproClientSlot client;
		guint b;

		if (entry[0] == '\0')
			continue;
		if (!parse_entry(entry, self->n_slots, &client, &b)) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			            "'%s' is not CLIENT_ID:CLIENT_SLOT=BANK_SLOT with ids "
			            "0..1023 and a bank slot 0..%u",
			            entry, self->n_slots - 1);
			return FALSE;
		}
		if (self->maps[b].used || bank_maps_find_client(self, client) >= 0) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			            "'%s': bank slot %u or client %u:%u is mapped twice", entry, b,
			            client.client_id, client.slot_nr);
			return FALSE;
		}
		bank_maps_set(self, b, client);
	}
	return TRUE;
}
